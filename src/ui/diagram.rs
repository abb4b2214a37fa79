//! The system drawn as SVG: nodes, links, packets in flight and bursts where requests failed.
//! Every drawn node carries the `data-*` hooks of the page's test contract.

use yew::prelude::*;

use super::app::View;
use super::geometry::{self, Layout, NodeBox, Route};
use crate::sim::world::BURST_LIFETIME;
use crate::sim::{NodeId, PacketKind, Replication, Role, Status, Strategy, World};

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
    // Led replication: servers talk to the leader, which feeds the followers. Leaderless: servers
    // talk to any replica, and every replica to every other.
    let quorum = w.config().replication == Replication::Quorum;
    let leader = l.dbs.get(w.leader());
    let mut routes = vec![(Route::linking(&l.client, &l.lb), "link")];
    for (i, s) in l.servers.iter().enumerate() {
        let class = if w.balancer().accepts(i) {
            "link"
        } else {
            "link idle"
        };
        routes.push((Route::linking(&l.lb, s), class));
        if quorum {
            routes.extend(l.dbs.iter().map(|d| (Route::linking(s, d), "link faint")));
        } else if let Some(d) = leader {
            routes.push((Route::linking(s, d), "link"));
        }
    }
    for (j, a) in l.dbs.iter().enumerate() {
        for (k, b) in l.dbs.iter().enumerate().skip(j + 1) {
            if quorum || j == w.leader() || k == w.leader() {
                routes.push((Route::linking(a, b), "link replication"));
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
            let r = match kind {
                PacketKind::Replication | PacketKind::Probe => 3.5,
                _ => 5.5,
            };
            let class = classes!(
                "packet",
                kind.name(),
                m.payload.is_error().then_some("error"),
                (m.payload.attempt() > 1).then_some("retry"),
            );
            Some(html! {
                <circle key={h.id} {class} data-packet={kind.name()}
                        data-from={m.from.to_string()} data-to={m.to.to_string()}
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
fn frame(b: NodeBox, title: String, status: Option<&str>, class: &'static str, body: Html) -> Html {
    let (x, y) = (b.w / 2.0 - 14.0, -b.h / 2.0 + 14.0);
    // Each state has its own shape: a dot (up), a cross (down), a dial (slow), a warning sign
    // (suspect: down, but the balancer has not noticed yet).
    let mark = match status {
        None => Html::default(),
        Some("down") => html! {
            <path class="mark down" d={format!("M{} {}l8 8m0 -8l-8 8", fmt1(x - 4.0), fmt1(y - 4.0))} />
        },
        Some("slow") => html! {
            <g class="mark slow">
                <circle cx={fmt1(x)} cy={fmt1(y)} r="5.5" />
                <path d={format!("M{} {}l-3 -3", fmt1(x), fmt1(y))} />
            </g>
        },
        Some("suspect") => html! {
            <g class="mark suspect">
                <path d={format!("M{} {}l6 11h-12z", fmt1(x), fmt1(y - 6.0))} />
                <path class="bang" d={format!("M{} {}v3.5", fmt1(x), fmt1(y - 2.0))} />
            </g>
        },
        Some(_) => html! { <circle class="mark up" cx={fmt1(x)} cy={fmt1(y)} r="5" /> },
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
    let lb = w.balancer();
    let n = w.servers().len().max(1);
    let server = |i: usize| format!("Server {}", i + 1);
    let how = match w.strategy() {
        Strategy::Random => "picks at random".to_string(),
        Strategy::RoundRobin => format!("next → {}", server(lb.pointer() % n)),
        Strategy::WeightedRoundRobin => "in turn, by power".to_string(),
        Strategy::LeastConnections => "fewest open requests".to_string(),
        Strategy::PowerOfTwo => match lb.last_pair() {
            Some((x, y)) => format!("compared {} and {}", x + 1, y + 1),
            None => "two random, less busy".to_string(),
        },
        Strategy::ConsistentHash => "same session, same server".to_string(),
        Strategy::LeastResponseTime => "fastest recent replies".to_string(),
    };
    let healthy = (0..w.servers().len()).filter(|&i| lb.accepts(i)).count();
    let body = html! { <>
        { line(b, 1.0, w.strategy().label().into()) }
        { line(b, 2.0, how) }
        { line(b, 3.0, format!("{healthy} of {} in rotation", w.servers().len())) }
    </> };
    html! {
        <g data-node="lb" data-status="up" class="node lb" transform={translate(b)}>
            { frame(b, "Load balancer".into(), None, "lb", body) }
        </g>
    }
}

/// A server's `data-status`: its true state, except `suspect` while it is down and the balancer has
/// not noticed.
fn server_status(w: &World, i: usize) -> &'static str {
    if w.is_suspect(i) {
        "suspect"
    } else {
        w.servers()[i].status.name()
    }
}

fn server(w: &World, i: usize, b: NodeBox) -> Html {
    let s = &w.servers()[i];
    let cfg = w.config();
    let status = server_status(w, i);
    let state = match (status, s.draining) {
        ("down", _) => "down".to_string(),
        ("suspect", _) => "crashed · unnoticed".to_string(),
        (_, true) => "draining".to_string(),
        _ => format!(
            "{}/{} busy · {} queued",
            s.busy.len(),
            cfg.workers,
            s.queue.len()
        ),
    };
    let mut first = format!("served {}", s.served);
    if s.power > 1 {
        first.push_str(&format!(" · {}× power", s.power));
    }
    if status == "slow" {
        first.push_str(" · slow");
    }
    // Queue bar: how full the queue is, drawn along the bottom of the box.
    let cap = cfg.queue_cap.clamp(1, 1_000);
    let bar_w = b.w - 24.0;
    let fill = bar_w * (s.queue.len() as f64 / cap as f64).min(1.0);
    let bar_y = b.h / 2.0 - 10.0;
    let bar = (b.h >= 56.0).then(|| html! { <>
        <rect class="qbar" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(bar_y)} width={fmt1(bar_w)} height="4" rx="2" />
        <rect class="qfill" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(bar_y)} width={fmt1(fill)} height="4" rx="2" />
    </> });
    let body = html! { <>
        { line(b, 1.0, first) }
        { line(b, 2.0, state) }
        { bar.unwrap_or_default() }
    </> };
    html! {
        <g data-node={NodeId::Server(i).to_string()} data-status={status}
           data-served={s.served.to_string()} data-queue={s.queue.len().to_string()}
           data-health={if w.balancer().accepts(i) { "in-rotation" } else { "out-of-rotation" }}
           class={classes!("node", "server", status, s.draining.then_some("draining"))}
           transform={translate(b)}>
            { frame(b, NodeId::Server(i).label(), Some(status), "server", body) }
        </g>
    }
}

fn replica(w: &World, j: usize, b: NodeBox) -> Html {
    let db = w.database();
    let r = &db.replicas[j];
    let cut = w.cut_links_of(NodeId::Db(j)) > 0;
    let lag = match (r.role, r.status, db.writes_behind(j)) {
        (Role::Peer, Status::Down, _) => "down · hints wait".to_string(),
        (Role::Peer, _, _) => "answers quorums".to_string(),
        (Role::Leader, _, _) if j == db.leader => "takes the writes".to_string(),
        (Role::Leader, _, _) => "leads a split side".to_string(),
        (_, Status::Down, _) => "missing writes".to_string(),
        (_, _, 0) => "in sync".to_string(),
        (_, _, n) => format!("{n} behind · {:.0} ms", db.lag(j, w.now()) as f64 / 1e3),
    };
    let lag = match (w.is_isolated(NodeId::Db(j)), w.cut_links_of(NodeId::Db(j))) {
        (true, _) => "isolated: every link cut".to_string(),
        (false, 0) => lag,
        (false, n) => format!("{n} link{} cut", if n == 1 { "" } else { "s" }),
    };
    let body = html! { <>
        { line(b, 1.0, if r.role == Role::Peer {
            format!("replica · {} writes", r.version())
        } else {
            format!("{} · v{} · term {}", r.role.name(), r.version(), r.term)
        }) }
        { line(b, 2.0, lag) }
    </> };
    html! {
        <g data-node={NodeId::Db(j).to_string()} data-status={r.status.name()} data-role={r.role.name()}
           data-version={r.version().to_string()}
           class={classes!("node", "db", r.status.name(), r.role.name(), cut.then_some("cut"))} transform={translate(b)}>
            { frame(b, NodeId::Db(j).label(), Some(r.status.name()), "db", body) }
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
