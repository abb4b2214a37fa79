//! Text-heavy parts of the page (lessons, questions, tables) as markup strings rather than
//! `html!` trees: each `html!` element costs the page hundreds of bytes of code, a string costs
//! its text. Only our own words and the model's numbers go in, escaped where not constant (never
//! anything a person typed or a file held). Their buttons carry `data-go` (see
//! [`Msg::from_go`]); one listener on the container dispatches them.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::state::Msg;

/// `text` safe inside markup.
pub fn esc(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// `markup` in a container (of `class`) whose `data-go` buttons dispatch their messages.
pub fn active(on: &Callback<Msg>, class: &'static str, markup: String) -> Html {
    let on = on.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        let go = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("[data-go]").ok().flatten())
            .and_then(|t| t.get_attribute("data-go"));
        if let Some(msg) = go.as_deref().and_then(Msg::from_go) {
            on.emit(msg);
        }
    });
    html! { <div {class} {onclick}>{ Html::from_html_unchecked(markup.into()) }</div> }
}
