//! Widgets the panels share: buttons, a node's fail or recover button, choices, check boxes, a
//! server's power and slow controls. Each only dispatches a message; the reducer and the World
//! decide.

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::state::Msg;
use crate::sim::config::POWER_LEVELS;
use crate::sim::{Action, NodeId, Status};

pub(super) fn button(
    on: &Callback<Msg>,
    label: String,
    class: &'static str,
    msg: impl Fn() -> Msg + 'static,
) -> Html {
    button_with(on, label, None, class, Rc::new(msg))
}

/// The one body behind every button (not generic, so it is compiled once, not per call site).
fn button_with(
    on: &Callback<Msg>,
    label: String,
    name: Option<String>,
    class: &'static str,
    msg: Rc<dyn Fn() -> Msg>,
) -> Html {
    let on = on.clone();
    let onclick = Callback::from(move |_: MouseEvent| on.emit(msg()));
    html! {
        <button type="button" class={class} aria-label={name.clone()} title={name} {onclick}>{ label }</button>
    }
}

/// A button whose visible text is short (`label`) and whose accessible name says it all (`name`).
pub(super) fn short_button(
    on: &Callback<Msg>,
    label: &'static str,
    name: String,
    class: &'static str,
    msg: impl Fn() -> Msg + 'static,
) -> Html {
    button_with(on, label.to_string(), Some(name), class, Rc::new(msg))
}

/// What a node's fail/recover button does in `status`: its verb, class and action.
fn fail_or_recover(status: Status) -> (&'static str, &'static str, fn(NodeId) -> Action) {
    match status {
        Status::Up | Status::Slow => ("Fail", "fail", Action::Fail),
        Status::Down => ("Recover", "recover", Action::Recover),
    }
}

pub(super) fn node_button(on: &Callback<Msg>, node: NodeId, status: Status) -> Html {
    let (verb, class, action) = fail_or_recover(status);
    button(on, format!("{verb} {}", node.label()), class, move || {
        Msg::Do(action(node))
    })
}

/// Like [`node_button`], with "Fail" or "Recover" as its visible text.
pub(super) fn compact_node_button(on: &Callback<Msg>, node: NodeId, status: Status) -> Html {
    let (verb, class, action) = fail_or_recover(status);
    short_button(
        on,
        verb,
        format!("{verb} {}", node.label()),
        class,
        move || Msg::Do(action(node)),
    )
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
        <div class="field">
            <label for={id}>{ label }</label>
            <select {id} {onchange}>
                { for options.iter().map(|(value, text)| html! {
                    <option value={*value} selected={*value == current}>{ *text }</option>
                }) }
            </select>
        </div>
    }
}

/// A labelled checkbox that applies `action` with its new state.
pub(super) fn check_box(
    on: &Callback<Msg>,
    label: &'static str,
    checked: bool,
    action: fn(bool) -> Action,
) -> Html {
    let on = on.clone();
    let onchange = Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        on.emit(Msg::Do(action(input.checked())));
    });
    html! {
        <div class="group">
            <label class="check"><input type="checkbox" {checked} {onchange} />{ label }</label>
        </div>
    }
}

/// A server's power level as a select (vertical scaling).
pub(super) fn power_select(on: &Callback<Msg>, i: usize, power: u32) -> Html {
    let onchange = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(power) = select.value().parse::<u32>() {
                on.emit(Msg::Do(Action::SetPower { server: i, power }));
            }
        })
    };
    let name = NodeId::Server(i).label();
    html! {
        <select class="power" aria-label={format!("Power of {name}")} {onchange}>
            { for POWER_LEVELS.iter().map(|&p| html! {
                <option value={p.to_string()} selected={p == power}>{ format!("{p}×") }</option>
            }) }
        </select>
    }
}

/// Slow / restore a server that is up.
pub(super) fn slow_button(on: &Callback<Msg>, i: usize, status: Status) -> Html {
    let node = NodeId::Server(i);
    match status {
        Status::Up => short_button(
            on,
            "Slow",
            format!("Slow {}", node.label()),
            "quiet",
            move || Msg::Do(Action::Slow(node)),
        ),
        Status::Slow => short_button(
            on,
            "Speed up",
            format!("Speed up {}", node.label()),
            "quiet",
            move || Msg::Do(Action::Recover(node)),
        ),
        Status::Down => html! { <span></span> },
    }
}
