//! The system drawn as SVG: nodes, links, packets in flight and bursts where requests failed.
//! Every drawn node carries the `data-*` hooks of the page's test contract.

use yew::prelude::*;

use super::app::View;
use super::geometry::{self, Layout, NodeBox, Route};
use crate::sim::world::BURST_LIFETIME;
use crate::sim::{NodeId, PacketKind, Role, Status, Strategy, World};

/// Requests ride one lane of a link, responses the other, so the two directions read apart.
const LANE: f64 = 5.0;

fn node_box(l: &Layout, node: NodeId) -> Option<&NodeBox> {
    match node {
        NodeId::Client => Some(&l.client),
        NodeId::Lb => Some(&l.lb),
        NodeId::Server(i) => l.servers.get(i),
        NodeId::Db(j) => l.dbs.get(j),
    }
}

#[component]
pub fn Diagram(props: &View) -> Html {
    let w = props.world.borrow();
    let l = geometry::layout(w.servers().len(), w.replicas().len());
    let view_box = format!("0 0 {} {}", geometry::WIDTH, geometry::HEIGHT);
    html! {
        <svg class="diagram" viewBox={view_box} role="img"
             aria-label="Client, load balancer, servers and database replicas, with requests in flight">
            <g class="links">{ links(&w, &l) }</g>
            <g class="packets">{ packets(&w, &l) }</g>
            <g class="nodes">
                { client(&w, l.client) }
                { balancer(&w, l.lb) }
                { for l.servers.iter().enumerate().map(|(i, b)| server(&w, i, *b)) }
                { for l.dbs.iter().enumerate().map(|(j, b)| replica(&w, j, *b)) }
            </g>
            <g class="bursts">{ bursts(&w, &l) }</g>
        </svg>
    }
}

fn links(w: &World, l: &Layout) -> Html {
    let leader = l.dbs.get(w.leader());
    let mut routes = vec![(Route::linking(&l.client, &l.lb), "link")];
    for (i, s) in l.servers.iter().enumerate() {
        let class = if w.servers()[i].accepts_work() {
            "link"
        } else {
            "link idle"
        };
        routes.push((Route::linking(&l.lb, s), class));
        if let Some(d) = leader {
            routes.push((Route::linking(s, d), "link"));
        }
    }
    if let Some(d) = leader {
        for (j, f) in l.dbs.iter().enumerate() {
            if j != w.leader() {
                routes.push((Route::linking(d, f), "link replication"));
            }
        }
    }
    routes
        .into_iter()
        .map(|(r, class)| html! { <path class={class} d={r.d()} /> })
        .collect()
}

fn packets(w: &World, l: &Layout) -> Html {
    let now = w.now();
    w.messages()
        .filter_map(|(h, m)| {
            let (a, b) = (node_box(l, m.from)?, node_box(l, m.to)?);
            let kind = m.kind();
            let lane = if kind == PacketKind::Response {
                -LANE
            } else {
                LANE
            };
            let p = Route::linking(a, b).at(m.progress(now), lane);
            let r = if kind == PacketKind::Replication {
                4.0
            } else {
                5.5
            };
            Some(html! {
                <circle key={h.id} class={classes!("packet", kind.name())} data-packet={kind.name()}
                        cx={fmt1(p.x)} cy={fmt1(p.y)} r={r.to_string()} />
            })
        })
        .collect()
}

fn bursts(w: &World, l: &Layout) -> Html {
    w.bursts()
        .filter_map(|b| {
            let c = node_box(l, b.node)?.c;
            let age = (w.now() - b.at) as f64 / BURST_LIFETIME as f64;
            Some(html! {
                <circle class="burst" cx={fmt1(c.x)} cy={fmt1(c.y)} r={fmt1(14.0 + 40.0 * age)}
                        opacity={format!("{:.2}", 1.0 - age)} />
            })
        })
        .collect()
}

fn fmt1(v: f64) -> String {
    format!("{v:.1}")
}

/// The frame every node shares: its box, a title and a status mark that is a shape, not only a colour.
fn frame(
    b: NodeBox,
    title: String,
    status: Option<Status>,
    class: &'static str,
    body: Html,
) -> Html {
    let mark = match status {
        None => Html::default(),
        Some(Status::Up) => {
            html! { <circle class="mark up" cx={fmt1(b.w / 2.0 - 14.0)} cy={fmt1(-b.h / 2.0 + 14.0)} r="5" /> }
        }
        Some(Status::Down) => {
            let (x, y) = (b.w / 2.0 - 14.0, -b.h / 2.0 + 14.0);
            html! { <path class="mark down" d={format!("M{} {}l8 8m0 -8l-8 8", fmt1(x - 4.0), fmt1(y - 4.0))} /> }
        }
    };
    html! {
        <>
            <rect class={classes!("box", class)} x={fmt1(-b.w / 2.0)} y={fmt1(-b.h / 2.0)}
                  width={fmt1(b.w)} height={fmt1(b.h)} rx="10" />
            <text class="title" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(-b.h / 2.0 + 19.0)}>{ title }</text>
            { mark }
            { body }
        </>
    }
}

fn translate(b: NodeBox) -> String {
    format!("translate({:.1},{:.1})", b.c.x, b.c.y)
}

fn line(b: NodeBox, row: f64, text: String) -> Html {
    let y = -b.h / 2.0 + 19.0 + 17.0 * row;
    if y + 4.0 > b.h / 2.0 {
        return Html::default(); // no room at this size
    }
    html! { <text class="detail" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(y)}>{ text }</text> }
}

fn client(w: &World, b: NodeBox) -> Html {
    let body = html! { <>
        { line(b, 1.0, format!("{} req/s", trim(w.config().arrival_rate))) }
        { line(b, 2.0, format!("{:.0}% writes", w.config().write_ratio * 100.0)) }
    </> };
    html! {
        <g data-node="client" data-status="up" class="node client" transform={translate(b)}>
            { frame(b, "Client".into(), None, "client", body) }
        </g>
    }
}

fn balancer(w: &World, b: NodeBox) -> Html {
    let next = match w.strategy() {
        Strategy::RoundRobin if !w.servers().is_empty() => {
            format!(
                "next → Server {}",
                w.balancer().pointer() % w.servers().len() + 1
            )
        }
        _ => "picks at random".into(),
    };
    let body = html! { <>
        { line(b, 1.0, w.strategy().label().into()) }
        { line(b, 2.0, next) }
        { line(b, 3.0, format!("{} healthy", w.servers().iter().filter(|s| s.accepts_work()).count())) }
    </> };
    html! {
        <g data-node="lb" data-status="up" class="node lb" transform={translate(b)}>
            { frame(b, "Load balancer".into(), None, "lb", body) }
        </g>
    }
}

fn server(w: &World, i: usize, b: NodeBox) -> Html {
    let s = &w.servers()[i];
    let cap = w.config().queue_cap.max(1);
    let state = match (s.status, s.draining) {
        (Status::Down, _) => "down".to_string(),
        (_, true) => "draining".to_string(),
        _ => format!("{} busy · {} queued", s.busy.len(), s.queue.len()),
    };
    // Queue bar: how full the queue is, drawn along the bottom of the box.
    let bar_w = b.w - 24.0;
    let fill = bar_w * (s.queue.len() as f64 / cap as f64).min(1.0);
    let bar_y = b.h / 2.0 - 10.0;
    let bar = (b.h >= 56.0).then(|| html! { <>
        <rect class="qbar" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(bar_y)} width={fmt1(bar_w)} height="4" rx="2" />
        <rect class="qfill" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(bar_y)} width={fmt1(fill)} height="4" rx="2" />
    </> });
    let body = html! { <>
        { line(b, 1.0, format!("served {}", s.served)) }
        { line(b, 2.0, state) }
        { bar.unwrap_or_default() }
    </> };
    html! {
        <g data-node={NodeId::Server(i).to_string()} data-status={s.status.name()}
           data-served={s.served.to_string()} data-queue={s.queue.len().to_string()}
           class={classes!("node", "server", s.status.name(), s.draining.then_some("draining"))}
           transform={translate(b)}>
            { frame(b, NodeId::Server(i).label(), Some(s.status), "server", body) }
        </g>
    }
}

fn replica(w: &World, j: usize, b: NodeBox) -> Html {
    let r = &w.replicas()[j];
    let leader = &w.replicas()[w.leader()];
    let behind = leader.applied.saturating_sub(r.applied);
    let lag = match (r.role, r.status, behind) {
        (Role::Leader, _, _) => "takes every write".to_string(),
        (_, Status::Down, _) => "missing writes".to_string(),
        (_, _, 0) => "in sync".to_string(),
        (_, _, n) => format!("{n} behind"),
    };
    let body = html! { <>
        { line(b, 1.0, format!("{} · v{}", r.role.name(), r.applied)) }
        { line(b, 2.0, lag) }
    </> };
    html! {
        <g data-node={NodeId::Db(j).to_string()} data-status={r.status.name()} data-role={r.role.name()}
           data-version={r.applied.to_string()}
           class={classes!("node", "db", r.status.name(), r.role.name())} transform={translate(b)}>
            { frame(b, NodeId::Db(j).label(), Some(r.status), "db", body) }
        </g>
    }
}

/// `6` rather than `6.0`, `2.5` as is.
fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
