//! Native, labelled controls. Each one only dispatches a message; the reducer and the World decide.

use std::rc::Rc;

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::field::knob_field;
use super::state::Msg;
use crate::sim::config::POWER_LEVELS;
use crate::sim::knob::Knob;
use crate::sim::{Action, NodeId, Status, Strategy};

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub view: super::app::View,
    pub on: Callback<Msg>,
}

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
fn compact_node_button(on: &Callback<Msg>, node: NodeId, status: Status) -> Html {
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

/// A collapsible panel of controls.
fn panel(title: &'static str, open: bool, body: Html) -> Html {
    html! {
        <details class="panel" {open}>
            <summary>{ title }</summary>
            <div class="panel-body">{ body }</div>
        </details>
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

/// Traffic, servers, balancer, network and chaos: every knob of the model outside the database.
pub fn controls(props: &PanelProps) -> Html {
    let w = props.view.world.borrow();
    let cfg = w.config();
    let on = &props.on;
    let strategies: Vec<(&'static str, &'static str)> = Strategy::ALL
        .iter()
        .map(|s| (s.name(), s.label()))
        .collect();
    let servers = html! { <>
        <div class="row">
            { button(on, "Add server".into(), "", || Msg::Do(Action::AddServer)) }
            { button(on, "Remove server".into(), "", || Msg::Do(Action::RemoveServer)) }
            <span class="count">{ format!("{} of at most 64", w.servers().len()) }</span>
        </div>
        <ul class="server-list" aria-label="Servers">
            { for w.servers().iter().enumerate().map(|(i, s)| html! {
                <li>
                    <span class="name">{ NodeId::Server(i).label() }</span>
                    { compact_node_button(on, NodeId::Server(i), s.status) }
                    { slow_button(on, i, s.status) }
                    { power_select(on, i, s.power) }
                </li>
            }) }
        </ul>
        { knob_field(on, cfg, Knob::SlowFactor) }
    </> };
    let traffic = html! { <>
        { knob_field(on, cfg, Knob::ArrivalRate) }
        { knob_field(on, cfg, Knob::WriteRatio) }
        { knob_field(on, cfg, Knob::ServiceMs) }
        { knob_field(on, cfg, Knob::DbServiceMs) }
        { knob_field(on, cfg, Knob::Workers) }
        { knob_field(on, cfg, Knob::QueueCap) }
        { knob_field(on, cfg, Knob::ClientPool) }
        <p class="hint">{ "Each server can cache database answers in its own memory: a hit skips the database; other servers' writes make entries stale." }</p>
        <div class="pair">
            { knob_field(on, cfg, Knob::CacheKeys) }
            { knob_field(on, cfg, Knob::CacheTtlMs) }
        </div>
    </> };
    let balancer = html! { <>
        { choice(on, "strategy", "Balancing strategy", &strategies, w.strategy().name(),
                 |v| v.parse().ok().map(|s| Msg::Do(Action::SetStrategy(s)))) }
        <div class="pair">
            { knob_field(on, cfg, Knob::TimeoutMs) }
            { knob_field(on, cfg, Knob::Retries) }
            { knob_field(on, cfg, Knob::RetryBudget) }
            { knob_field(on, cfg, Knob::BackoffMs) }
        </div>
        { knob_field(on, cfg, Knob::HcIntervalMs) }
        <div class="pair">
            { knob_field(on, cfg, Knob::HcFall) }
            { knob_field(on, cfg, Knob::HcRise) }
        </div>
        { check_box(on, "Check credentials (401) and rights (403)", cfg.auth, Action::SetAuth) }
        <div class="pair">
            { knob_field(on, cfg, Knob::BadCredentials) }
            { knob_field(on, cfg, Knob::ReadOnlyShare) }
        </div>
    </> };
    let cut = w.network().cut_links().count();
    let network = html! { <>
        <div class="pair">
            { knob_field(on, cfg, Knob::LatencyMs) }
            { knob_field(on, cfg, Knob::JitterMs) }
        </div>
        { knob_field(on, cfg, Knob::BandwidthMbps) }
        <p class="hint">{ "Every hop pays the latency. Click a link in the diagram to give it its own latency or bandwidth, or to cut it. Bandwidth 0 is unlimited." }</p>
        { super::network::partition_field(&w, &props.view.world, on) }
        <div class="row">
            { button(on, format!("Heal all links ({cut} cut)"), "", || Msg::Do(Action::HealAll)) }
        </div>
    </> };
    let chaos_on = cfg.chaos_mtbf_s > 0.0;
    let chaos = html! { <>
        <p class="hint">{ "Servers and replicas crash at random, each on average once per MTBF while up, and come back after about MTTR." }</p>
        { knob_field(on, cfg, Knob::ChaosMtbfS) }
        { knob_field(on, cfg, Knob::ChaosMttrS) }
        { if chaos_on {
            button(on, "Stop chaos".into(), "fail", || Msg::Do(Action::Tune(Knob::ChaosMtbfS, 0.0)))
        } else {
            button(on, "Start chaos (MTBF 30 s)".into(), "", || Msg::Do(Action::Tune(Knob::ChaosMtbfS, 30.0)))
        } }
    </> };
    html! {
        <section class="controls" aria-label="Controls">
            { panel("Servers", true, servers) }
            { panel("Balancer", true, balancer) }
            { panel("Traffic", false, traffic) }
            { panel("Network", false, network) }
            { panel(if chaos_on { "Chaos (on)" } else { "Chaos" }, false, chaos) }
        </section>
    }
}
