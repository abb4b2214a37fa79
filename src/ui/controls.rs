//! The controls panel: traffic, servers, balancer, network and chaos, from the shared widgets
//! (`widgets`). Each only dispatches a message; the reducer and the World decide.

use yew::prelude::*;

use super::field::knob_field;
use super::state::Msg;
use super::widgets::{button, check_box, choice, compact_node_button, power_select, slow_button};
use crate::sim::config::PAGE_SERVERS;
use crate::sim::knob::Knob;
use crate::sim::{Action, NodeId, Strategy};

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub view: super::view::View,
    pub on: Callback<Msg>,
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
            <span class="count">{ match w.scaling().starting {
                0 => format!("{} of at most {PAGE_SERVERS}", w.servers().len()),
                n => format!("{} of at most {PAGE_SERVERS}, {n} starting", w.servers().len()),
            } }</span>
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
        { super::scaling::traffic_shape(&w, on) }
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
    let overload = html! { <>
        <p class="hint">{ "A server that falls behind makes the balancer time out and retry, which adds load. Three cures, as real systems use them:" }</p>
        { check_box(on, "Deadline propagation: servers drop work nobody waits for", cfg.deadlines, Action::SetDeadlines) }
        { knob_field(on, cfg, Knob::ShedMs) }
        <div class="pair">
            { knob_field(on, cfg, Knob::Breaker) }
            { knob_field(on, cfg, Knob::BreakerOpenMs) }
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
            { panel("Overload", false, overload) }
            { panel(if cfg.autoscale_target > 0.0 { "Autoscaling (on)" } else { "Autoscaling" }, false,
                    super::scaling::autoscaling(&props.view.world, on)) }
            { panel("Traffic", false, traffic) }
            { panel("Network", false, network) }
            { panel(if chaos_on { "Chaos (on)" } else { "Chaos" }, false, chaos) }
        </section>
    }
}
