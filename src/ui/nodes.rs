//! The nodes of the diagram: client, servers and replicas (the balancer is in `balancer.rs`), each
//! with the `data-*` hooks of the page's test contract, and the frame every node shares.

use std::rc::Rc;

use yew::prelude::*;

use super::geometry::{Detail, NodeBox};
use super::pure::{Panel, pure};
use crate::sim::decimal::fixed;
use crate::sim::{NodeId, Role, Status, World};

pub(super) fn fmt1(v: f64) -> String {
    fixed(v, 1).to_string()
}

/// A status mark that is a shape, not only a colour: a dot (up), a cross (down), a dial (slow), a
/// warning sign (suspect: down, but the balancer has not noticed yet).
fn mark(status: &str, x: f64, y: f64) -> Html {
    match status {
        "down" => html! {
            <path class="mark down" d={format!("M{} {}l8 8m0 -8l-8 8", fmt1(x - 4.0), fmt1(y - 4.0))} />
        },
        "slow" => html! {
            <g class="mark slow">
                <circle cx={fmt1(x)} cy={fmt1(y)} r="5.5" />
                <path d={format!("M{} {}l-3 -3", fmt1(x), fmt1(y))} />
            </g>
        },
        "suspect" => html! {
            <g class="mark suspect">
                <path d={format!("M{} {}l6 11h-12z", fmt1(x), fmt1(y - 6.0))} />
                <path class="bang" d={format!("M{} {}v3.5", fmt1(x), fmt1(y - 2.0))} />
            </g>
        },
        _ => html! { <circle class="mark up" cx={fmt1(x)} cy={fmt1(y)} r="5" /> },
    }
}

/// The frame every node shares: its box, a title and (for nodes that fail) a status mark. It
/// changes far less often than the figures in it, so it re-renders only when it changes.
pub(super) fn frame(
    b: NodeBox,
    title: String,
    status: Option<&'static str>,
    class: &'static str,
    body: Html,
) -> Html {
    html! {
        <>
            { pure(Rc::new(Frame { b, title, status, class })) }
            { body }
        </>
    }
}

#[derive(PartialEq)]
struct Frame {
    b: NodeBox,
    title: String,
    status: Option<&'static str>,
    class: &'static str,
}

impl Panel for Frame {
    fn render(&self) -> Html {
        let b = self.b;
        let tiny = b.detail() == Detail::Tiny;
        let (mx, my) = if tiny {
            (b.w / 2.0 - 9.0, 0.0)
        } else {
            (b.w / 2.0 - 14.0, -b.h / 2.0 + 14.0)
        };
        let (tx, ty) = if tiny {
            (-b.w / 2.0 + 6.0, 4.5)
        } else {
            (-b.w / 2.0 + 12.0, -b.h / 2.0 + 19.0)
        };
        html! {
            <>
                <rect class={classes!("box", self.class)} x={fmt1(-b.w / 2.0)} y={fmt1(-b.h / 2.0)}
                      width={fmt1(b.w)} height={fmt1(b.h)} rx={if tiny { "5" } else { "10" }} />
                <text class={classes!("title", (b.detail() < Detail::Full).then_some("small"))} x={fmt1(tx)} y={fmt1(ty)}>{ self.title.clone() }</text>
                { self.status.map(|s| mark(s, mx, my)).unwrap_or_default() }
            </>
        }
    }
}

pub(super) fn translate(b: NodeBox) -> String {
    format!("translate({},{})", fixed(b.c.x, 1), fixed(b.c.y, 1))
}

pub(super) fn line(b: NodeBox, row: f64, text: String) -> Html {
    let y = -b.h / 2.0 + 19.0 + 17.0 * row;
    if y + 4.0 > b.h / 2.0 {
        return Html::default(); // no room at this size
    }
    html! { <text class="detail" x={fmt1(-b.w / 2.0 + 12.0)} y={fmt1(y)}>{ text }</text> }
}

pub(super) fn client(w: &World, b: NodeBox) -> Html {
    // What the traffic asks for now (under a shape, the shape's rate at this moment).
    let cfg = w.config();
    let rate = (cfg.traffic).rate_at(w.now() as f64 / 1e6, cfg.arrival_rate);
    let body = html! { <>
        { line(b, 1.0, format!("{} req/s", fixed(rate, if rate < 10.0 { 1 } else { 0 }))) }
        { line(b, 2.0, format!("{}% writes", fixed(w.config().write_ratio * 100.0, 0))) }
    </> };
    html! {
        <g data-node="client" data-status="up" class="node client" transform={translate(b)}>
            { frame(b, "Client".into(), None, "client", body) }
        </g>
    }
}

pub(super) fn server_name(i: usize) -> String {
    NodeId::Server(i).label()
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

pub(super) fn server(w: &World, i: usize, b: NodeBox) -> Html {
    let s = &w.servers()[i];
    let cfg = w.config();
    let status = server_status(w, i);
    let detail = b.detail();
    let circuit = w.balancer().backends()[i].breaker.state.name();
    let load = w
        .series()
        .samples()
        .last()
        .and_then(|x| x.utilization.get(i).copied())
        .map_or(0.0, f64::from);
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
    let load = format!("{}% load", fixed(load * 100.0, 0));
    let (first, second) = if detail == Detail::Narrow {
        // Two short lines for a portrait row's narrow box.
        let now = match (status, s.draining) {
            ("suspect", _) => "crashed",
            (_, true) => "draining",
            ("up", _) => &load,
            (other, _) => other,
        };
        (now.to_string(), format!("{} queued", s.queue.len()))
    } else if circuit != "closed" {
        (format!("served {} · circuit {circuit}", s.served), state)
    } else if status == "slow" {
        (format!("served {} · slow", s.served), state)
    } else {
        (format!("served {} · {load}", s.served), state)
    };
    let power = if s.power > 1 {
        format!(" {}×", s.power)
    } else {
        String::new()
    };
    let title = match detail {
        Detail::Tiny => format!("{}{power}", i + 1),
        Detail::Compact if b.w < 96.0 => format!("S{}{power}", i + 1),
        _ => format!("{}{power}", server_name(i)),
    };
    // Queue bar along the bottom; worker slots to its left when there is room.
    let cap = cfg.queue_cap.clamp(1, 1_000);
    let bar = pure(Rc::new(QueueBar {
        b,
        workers: cfg.workers,
        busy: s.busy.len(),
        fill: (s.queue.len() as f64 / cap as f64).min(1.0),
    }));
    let body = html! { <>
        if detail >= Detail::Narrow {
            { line(b, 1.0, first) }
            { line(b, 2.0, second) }
        }
        { bar }
        <title>{ format!("{} · {} · served {} · {} queued", server_name(i), status, s.served, s.queue.len()) }</title>
    </> };
    html! {
        <g data-node={NodeId::Server(i).to_string()} data-status={status}
           data-served={s.served.to_string()} data-queue={s.queue.len().to_string()}
           data-power={s.power.to_string()} data-breaker={circuit}
           data-health={if w.balancer().accepts(i) { "in-rotation" } else { "out-of-rotation" }}
           class={classes!("node", "server", status, s.draining.then_some("draining"))}
           transform={translate(b)}>
            { frame(b, title, Some(status), "server", body) }
        </g>
    }
}

/// A server's queue bar, and its worker slots where there is room: they change only when a worker
/// starts or stops or the queue moves.
#[derive(PartialEq)]
struct QueueBar {
    b: NodeBox,
    workers: usize,
    busy: usize,
    /// The queue's share of its capacity (0..=1).
    fill: f64,
}

impl Panel for QueueBar {
    fn render(&self) -> Html {
        let (b, detail) = (self.b, self.b.detail());
        let (bar_x, bar_y, bar_h) = match detail {
            Detail::Tiny => (-b.w / 2.0 + 3.0, b.h / 2.0 - 4.0, 2.0),
            _ => (-b.w / 2.0 + 12.0, b.h / 2.0 - 10.0, 4.0),
        };
        let mut bar_w = b.w - 2.0 * (bar_x + b.w / 2.0);
        let slots = if detail == Detail::Full && self.workers <= 8 {
            let slot_w = 7.0;
            let html: Html = (0..self.workers)
                .map(|k| {
                    let busy = k < self.busy;
                    html! { <rect class={classes!("slot", busy.then_some("busy"))}
                    x={fmt1(bar_x + k as f64 * (slot_w + 2.0))} y={fmt1(bar_y - 1.5)}
                    width={fmt1(slot_w)} height="7" rx="1.5" /> }
                })
                .collect();
            let used = self.workers as f64 * (slot_w + 2.0) + 4.0;
            bar_w -= used;
            (html, used)
        } else {
            (Html::default(), 0.0)
        };
        let bx = bar_x + slots.1;
        html! { <>
            { slots.0 }
            <rect class="qbar" x={fmt1(bx)} y={fmt1(bar_y)} width={fmt1(bar_w.max(4.0))} height={fmt1(bar_h)} rx="1" />
            <rect class="qfill" x={fmt1(bx)} y={fmt1(bar_y)} width={fmt1(bar_w.max(4.0) * self.fill)} height={fmt1(bar_h)} rx="1" />
        </> }
    }
}

pub(super) fn replica(w: &World, j: usize, b: NodeBox) -> Html {
    let db = w.database();
    let r = &db.replicas[j];
    let cut = w.cut_links_of(NodeId::Db(j)) > 0;
    // A portrait row's narrow box says the same in fewer words (its first line names the role).
    let narrow = b.detail() < Detail::Full;
    let pick = |long: &str, short: &str| if narrow { short } else { long }.to_string();
    let lag = match (r.role, r.status, db.writes_behind(j)) {
        (Role::Peer, Status::Down, _) => pick("down · hints wait", "hints wait"),
        (Role::Peer, _, _) => pick("answers quorums", "in quorums"),
        // A crashed leader leads nothing: it only misses what is written meanwhile.
        (Role::Leader, Status::Down, _) => pick("down (was leader)", "was leader"),
        (Role::Leader, _, _) if j == db.leader => pick("takes the writes", "takes writes"),
        (Role::Leader, _, _) => pick("leads a split side", "split side"),
        (_, Status::Down, _) => pick("missing writes", "misses writes"),
        (_, _, 0) => "in sync".to_string(),
        (_, _, n) if narrow => format!("{n} behind"),
        (_, _, n) => format!(
            "{n} behind · {} ms",
            fixed(db.lag(j, w.now()) as f64 / 1e3, 0)
        ),
    };
    let lag = match (w.is_isolated(NodeId::Db(j)), w.cut_links_of(NodeId::Db(j))) {
        (true, _) => "isolated: all cut".to_string(),
        (false, 0) => lag,
        (false, n) => format!("{n} link{} cut", if n == 1 { "" } else { "s" }),
    };
    let first = if narrow {
        // A portrait row's narrow box: the role, or that it is down.
        if r.status == Status::Down {
            "down"
        } else {
            r.role.name()
        }
        .to_string()
    } else if r.role == Role::Peer {
        format!("replica · {} writes", r.version())
    } else if r.status == Status::Down {
        format!("down · v{} · term {}", r.version(), r.term)
    } else {
        format!("{} · v{} · term {}", r.role.name(), r.version(), r.term)
    };
    let body = html! { <>
        { line(b, 1.0, first) }
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
