//! A minimal Yew page: one component drawing one server and a button, marking `first-diagram`
//! after its first render as the page does. Its load time is the floor for a Yew page's.

use yew::prelude::*;

#[component]
fn App() -> Html {
    let served = use_state(|| 0u32);
    use_effect(|| {
        if let Some(p) = web_sys::window().and_then(|w| w.performance())
            && p.get_entries_by_name("first-diagram").length() == 0
        {
            let _ = p.mark("first-diagram");
        }
    });
    let serve = {
        let served = served.clone();
        Callback::from(move |_| served.set(*served + 1))
    };
    html! {
        <main>
            <svg viewBox="0 0 200 100" width="200" height="100">
                <g data-node="server-1" data-status="up" data-served={served.to_string()}>
                    <rect x="70" y="30" width="60" height="40" rx="6" />
                </g>
            </svg>
            <button onclick={serve}>{ "Serve" }</button>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
