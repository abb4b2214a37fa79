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

pub(super) fn button(
    on: &Callback<Msg>,
    label: String,
    class: &'static str,
    msg: impl Fn() -> Msg + 'static,
) -> Html {
    let on = on.clone();
    html! { <button type="button" class={class} onclick={move |_| on.emit(msg())}>{ label }</button> }
}

pub(super) fn node_button(on: &Callback<Msg>, node: NodeId, status: Status) -> Html {
    let (verb, class, action): (_, _, fn(NodeId) -> Action) = match status {
        Status::Up | Status::Slow => ("Fail", "fail", Action::Fail),
        Status::Down => ("Recover", "recover", Action::Recover),
    };
    button(on, format!("{verb} {}", node.label()), class, move || {
        Msg::Do(action(node))
    })
}

/// A labelled `<select>` over `options` (value, text); choosing one dispatches `to_msg(value)`.
/// The values are the page's own, so a value that does not parse is ignored rather than reported.
pub(super) fn choice(
    on: &Callback<Msg>,
    id: &'static str,
    label: &'static str,
    options: &[(&'static str, &'static str)],
    current: &str,
    to_msg: fn(&str) -> Option<Msg>,
) -> Html {
    let onchange = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(msg) = to_msg(&select.value()) {
                on.emit(msg);
            }
        })
    };
    html! {
        <div class="group">
            <label for={id}>{ label }</label>
            <select {id} {onchange}>
                { for options.iter().map(|(value, text)| html! {
                    <option value={*value} selected={*value == current}>{ *text }</option>
                }) }
            </select>
        </div>
    }
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let w = props.view.world.borrow();
    let on = &props.on;
    let strategies: Vec<(&'static str, &'static str)> = Strategy::ALL
        .iter()
        .map(|s| (s.name(), s.label()))
        .collect();
    html! {
        <section class="controls" aria-label="Controls">
            <div class="group playback">
                { button(on, if props.playing { "Pause" } else { "Play" }.into(), "primary", || Msg::TogglePlay) }
                { button(on, "Step".into(), "", || Msg::Step) }
                { button(on, "Reset".into(), "", || Msg::Reset) }
                <span class="clock" aria-live="off">{ format!("t = {:.1} s", w.now() as f64 / 1e6) }</span>
            </div>
            { choice(on, "strategy", "Balancing strategy", &strategies, w.strategy().name(),
                     |v| v.parse().ok().map(|s| Msg::Do(Action::SetStrategy(s)))) }
            <div class="group">
                <span class="heading">{ "Servers" }</span>
                { button(on, "Add server".into(), "", || Msg::Do(Action::AddServer)) }
                { button(on, "Remove server".into(), "", || Msg::Do(Action::RemoveServer)) }
                <div class="nodes">
                    { for w.servers().iter().enumerate().map(|(i, s)| node_button(on, NodeId::Server(i), s.status)) }
                </div>
            </div>
        </section>
    }
}
