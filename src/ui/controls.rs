//! Native, labelled controls. Each one only dispatches a message; the reducer and the World decide.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::state::Msg;
use crate::sim::{Action, NodeId, Status, Strategy};

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub view: super::app::View,
    pub playing: bool,
    pub on: Callback<Msg>,
}

fn button(
    on: &Callback<Msg>,
    label: String,
    class: &'static str,
    msg: impl Fn() -> Msg + 'static,
) -> Html {
    let on = on.clone();
    html! { <button type="button" class={class} onclick={move |_| on.emit(msg())}>{ label }</button> }
}

fn node_button(on: &Callback<Msg>, node: NodeId, status: Status) -> Html {
    let (verb, class, action): (_, _, fn(NodeId) -> Action) = match status {
        Status::Up | Status::Slow => ("Fail", "fail", Action::Fail),
        Status::Down => ("Recover", "recover", Action::Recover),
    };
    button(on, format!("{verb} {}", node.label()), class, move || {
        Msg::Do(action(node))
    })
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let w = props.view.world.borrow();
    let on = &props.on;
    let strategy = w.strategy();
    let onchange = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            // The options are exactly Strategy::ALL, so a parse failure cannot come from the page.
            if let Ok(s) = select.value().parse::<Strategy>() {
                on.emit(Msg::Do(Action::SetStrategy(s)));
            }
        })
    };
    html! {
        <section class="controls" aria-label="Controls">
            <div class="group playback">
                { button(on, if props.playing { "Pause" } else { "Play" }.into(), "primary", || Msg::TogglePlay) }
                { button(on, "Step".into(), "", || Msg::Step) }
                { button(on, "Reset".into(), "", || Msg::Reset) }
                <span class="clock" aria-live="off">{ format!("t = {:.1} s", w.now() as f64 / 1e6) }</span>
            </div>
            <div class="group">
                <label for="strategy">{ "Balancing strategy" }</label>
                <select id="strategy" {onchange}>
                    { for Strategy::ALL.iter().map(|s| html! {
                        <option value={s.name()} selected={*s == strategy}>{ s.label() }</option>
                    }) }
                </select>
            </div>
            <div class="group">
                <span class="heading">{ "Servers" }</span>
                { button(on, "Add server".into(), "", || Msg::Do(Action::AddServer)) }
                { button(on, "Remove server".into(), "", || Msg::Do(Action::RemoveServer)) }
                <div class="nodes">
                    { for w.servers().iter().enumerate().map(|(i, s)| node_button(on, NodeId::Server(i), s.status)) }
                </div>
            </div>
            <div class="group">
                <span class="heading">{ "Database replicas" }</span>
                <div class="nodes">
                    { for w.replicas().iter().enumerate().map(|(j, r)| node_button(on, NodeId::Db(j), r.status)) }
                </div>
            </div>
        </section>
    }
}
