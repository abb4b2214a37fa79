//! The inspector: live figures of the node (or link) clicked in the diagram or the event log.

use yew::prelude::*;

use super::network::{LinkProps, link_editor};
use super::state::{Msg, Selection};
use super::view::View;
use super::widgets::{button, node_button, power_select, slow_button};
use crate::sim::config::server_cost_per_hour;
use crate::sim::decimal::fixed;
use crate::sim::{Action, NodeId, Role, World};

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub view: View,
    pub on: Callback<Msg>,
    pub selected: Selection,
}

fn rows(items: Vec<(&'static str, String)>) -> Html {
    html! {
        <dl class="stats">
            { for items.into_iter().map(|(k, v)| html! { <><dt>{ k }</dt><dd>{ v }</dd></> }) }
        </dl>
    }
}

fn ms(us: u64) -> String {
    format!("{} ms", fixed(us as f64 / 1e3, 0))
}

pub fn inspector(props: &InspectorProps) -> Html {
    let on = &props.on;
    let (title, body) = match props.selected {
        Selection::Link(a, b) => {
            return html! {
                <section class="inspector" aria-label="Inspector">
                    <div key={format!("{a}~{b}")}>
                        { link_editor(&LinkProps { view: props.view.clone(), on: on.clone(), a, b }) }
                    </div>
                </section>
            };
        }
        Selection::Node(n) => {
            let w = props.view.world.borrow();
            let body = match n {
                NodeId::Client => client(&w),
                NodeId::Lb => balancer(&w),
                NodeId::Server(i) if i < w.servers().len() => server(&w, on, i),
                NodeId::Db(j) if j < w.replicas().len() => replica(&w, on, j),
                _ => html! { <p class="hint">{ "This node is gone." }</p> },
            };
            (n.label(), body)
        }
    };
    html! {
        <section class="inspector" aria-label="Inspector">
            <div class="inspector-head">
                <h3>{ title }</h3>
                { button(on, "Close".into(), "quiet", || Msg::Select(None)) }
            </div>
            { body }
        </section>
    }
}

fn client(w: &World) -> Html {
    let m = w.metrics();
    rows(vec![
        (
            "Sends",
            format!(
                "{} req/s (Poisson)",
                crate::sim::decimal::trim(w.config().arrival_rate)
            ),
        ),
        ("Issued", m.issued.to_string()),
        ("Succeeded", m.succeeded.to_string()),
        ("Failed", m.failed_total().to_string()),
        ("In flight", w.in_flight().to_string()),
    ])
}

fn balancer(w: &World) -> Html {
    let lb = w.balancer();
    let m = w.metrics();
    let n = w.servers().len();
    let accepting = (0..n).filter(|&i| lb.accepts(i)).count();
    rows(vec![
        ("Strategy", w.strategy().label().to_string()),
        ("In rotation", format!("{accepting} of {n}")),
        ("Attempts timed out", m.attempt_timeouts.to_string()),
        ("Retries", m.retries.to_string()),
        ("Retries refused by budget", m.retries_denied.to_string()),
        (
            "Health checks",
            if w.config().hc_interval_ms > 0.0 {
                format!(
                    "every {} ms, down after {}, up after {}",
                    crate::sim::decimal::trim(w.config().hc_interval_ms),
                    w.config().hc_fall,
                    w.config().hc_rise
                )
            } else {
                "off".into()
            },
        ),
    ])
}

fn server(w: &World, on: &Callback<Msg>, i: usize) -> Html {
    let s = &w.servers()[i];
    let b = &w.balancer().backends()[i];
    let cfg = w.config();
    let last = w.series().samples().last();
    let view = if w.is_suspect(i) {
        "believes it healthy (it is not)".to_string()
    } else if w.balancer().accepts(i) {
        "in rotation".to_string()
    } else if b.draining {
        "draining".to_string()
    } else {
        "marked down".to_string()
    };
    let stats = rows(vec![
        ("State", s.status.name().to_string()),
        ("Balancer", view),
        ("Served", s.served.to_string()),
        (
            "Load, last second",
            last.and_then(|x| x.utilization.get(i))
                .map_or("–".into(), |&u| {
                    format!("{} %", fixed(f64::from(u) * 100.0, 0))
                }),
        ),
        (
            "Load, whole run",
            format!(
                "{} %",
                fixed(s.utilization(cfg.workers, w.now()) * 100.0, 0)
            ),
        ),
        (
            "Workers busy",
            format!("{} of {}", s.busy.len(), cfg.workers),
        ),
        ("Queue", format!("{} of {}", s.queue.len(), cfg.queue_cap)),
        ("Awaiting the database", s.awaiting_db.to_string()),
        ("Open at the balancer", b.outstanding.to_string()),
        (
            "Response time (EWMA)",
            format!("{} ms", fixed(b.ewma_ms(), 0)),
        ),
        (
            "Power",
            format!(
                "{}× · ${}/h",
                s.power,
                fixed(server_cost_per_hour(s.power), 2)
            ),
        ),
    ]);
    html! { <>
        { stats }
        <div class="row">
            { node_button(on, NodeId::Server(i), s.status) }
            { slow_button(on, i, s.status) }
            { power_select(on, i, s.power) }
        </div>
    </> }
}

fn replica(w: &World, on: &Callback<Msg>, j: usize) -> Html {
    let db = w.database();
    let r = &db.replicas[j];
    let node = NodeId::Db(j);
    let isolated = w.is_isolated(node);
    let role = match r.role {
        Role::Leader if j == db.leader => "leader".to_string(),
        Role::Leader => "leader of a split side".to_string(),
        other => other.name().to_string(),
    };
    let stats = rows(vec![
        ("State", r.status.name().to_string()),
        ("Role", role),
        ("Term", r.term.to_string()),
        ("Version", r.version().to_string()),
        ("Writes behind", db.writes_behind(j).to_string()),
        ("Lag", ms(db.lag(j, w.now()))),
        ("Clock", {
            let skew = fixed(db.skew.get(j).copied().unwrap_or(0) as f64 / 1e3, 0).to_string();
            let sign = if skew.starts_with('-') { "" } else { "+" };
            format!("{sign}{skew} ms")
        }),
        ("Links cut", w.cut_links_of(node).to_string()),
    ]);
    html! { <>
        { stats }
        <div class="row">
            { node_button(on, node, r.status) }
            if isolated {
                { button(on, format!("Rejoin {}", node.label()), "recover", move || Msg::Do(Action::Rejoin(node))) }
            } else {
                { button(on, format!("Isolate {}", node.label()), "", move || Msg::Do(Action::Isolate(node))) }
            }
        </div>
    </> }
}
