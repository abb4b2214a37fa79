//! The load balancer as the diagram draws it: its strategy in words, and how it sees the servers,
//! as health marks (in rotation, marked down, draining; the round-robin pointer) or, for
//! consistent hashing, as the ring of who owns which keys.

use std::rc::Rc;

use yew::prelude::*;

use super::geometry::NodeBox;
use super::nodes::{fmt1, frame, line, server_name, translate};
use super::pure::{Panel, pure};
use crate::sim::balancer::Circuit;
use crate::sim::{Strategy, World};

/// Arcs the consistent-hash ring is drawn with.
/// (The rotation constants in `hash_ring` are for 64.)
const RING_ARCS: usize = 64;

pub(super) fn balancer(w: &World, b: NodeBox) -> Html {
    let lb = w.balancer();
    let n = w.servers().len().max(1);
    let server = |i: usize| format!("Server {}", i + 1);
    // The live detail where there is one; otherwise the strategy's own words.
    let how = match (w.strategy(), lb.last_pair()) {
        (Strategy::RoundRobin, _) => format!("next → {}", server(lb.pointer() % n)),
        (Strategy::PowerOfTwo, Some((x, y))) => format!("compared {} and {}", x + 1, y + 1),
        (s, _) => s.rule().to_string(),
    };
    let healthy = (0..w.servers().len()).filter(|&i| lb.accepts(i)).count();
    let extra = if w.strategy() == Strategy::ConsistentHash {
        hash_ring(w, b)
    } else {
        health_marks(w, b)
    };
    let body = html! { <>
        { line(b, 1.0, w.strategy().label().into()) }
        { line(b, 2.0, how) }
        { line(b, 3.0, format!("{healthy} of {} in rotation", w.servers().len())) }
        { extra }
    </> };
    html! {
        <g data-node="lb" data-status="up" class="node lb" transform={translate(b)}>
            { frame(b, "Load balancer".into(), None, "lb", body) }
        </g>
    }
}

/// One mark per backend as the balancer sees it: filled while in rotation, crossed out when marked
/// down, hollow while draining, orange while its circuit is open (half filled when half-open);
/// the round-robin pointer is ringed. They change only when health
/// or the pointer does.
fn health_marks(w: &World, b: NodeBox) -> Html {
    let lb = w.balancer();
    let states = (lb.backends().iter())
        .map(|x| match (x.draining, x.health.healthy, x.breaker.state) {
            (true, ..) => "draining",
            (_, false, _) => "out",
            (_, _, Circuit::Open) => "open",
            (_, _, Circuit::HalfOpen) => "half-open",
            _ => "in",
        })
        .collect();
    let pointer =
        (w.strategy() == Strategy::RoundRobin).then(|| lb.pointer() % w.servers().len().max(1));
    pure(Rc::new(HealthMarks { b, states, pointer }))
}

#[derive(PartialEq)]
struct HealthMarks {
    b: NodeBox,
    states: Vec<&'static str>,
    pointer: Option<usize>,
}

impl Panel for HealthMarks {
    fn render(&self) -> Html {
        let (b, n) = (self.b, self.states.len());
        let per_row = 16;
        // Big marks while few, so the balancer's view reads at a glance.
        let (size, step) = if n <= 8 { (11.0, 14.0) } else { (7.0, 8.5) };
        let x0 = -(per_row.min(n) as f64) * step / 2.0;
        self.states
            .iter()
            .enumerate()
            .map(|(i, &state)| {
                let x = x0 + (i % per_row) as f64 * step;
                // Under the three lines of text.
                let y = 84.0 - b.h / 2.0 + (i / per_row) as f64 * step;
                let slash = (state == "out").then(|| html! {
                    <path class="hmark-slash" d={format!("M{} {}l{} {}", fmt1(x), fmt1(y), fmt1(size), fmt1(size))} />
                });
                let ring = (self.pointer == Some(i)).then(|| html! {
                    <rect class="rr-pointer" x={fmt1(x - 2.0)} y={fmt1(y - 2.0)} width={fmt1(size + 4.0)} height={fmt1(size + 4.0)} rx="2" />
                });
                html! { <>
                    <rect class={classes!("hmark", state)} data-health-mark={i.to_string()}
                          x={fmt1(x)} y={fmt1(y)} width={fmt1(size)} height={fmt1(size)} rx="1.5">
                        <title>{ format!("{}: {}", server_name(i), match state {
                            "in" => "in rotation",
                            "out" => "marked down",
                            "open" => "circuit open: no work until its trial",
                            "half-open" => "circuit half-open: one trial request",
                            _ => "draining" }) }</title>
                    </rect>
                    { slash.unwrap_or_default() }
                    { ring.unwrap_or_default() }
                </> }
            })
            .collect()
    }
}

/// The consistent-hash ring: arcs coloured by the server owning them; arcs of servers out of
/// rotation are dashed (their sessions move to the next server clockwise).
fn hash_ring(w: &World, b: NodeBox) -> Html {
    let lb = w.balancer();
    let owners = lb.ring_owners(RING_ARCS);
    // Under the text in the landscape's tall box; beside it in the portrait's wide, short one.
    let (cx, cy, r) = if b.h < 150.0 {
        (b.w / 2.0 - 40.0, -6.0, 30.0)
    } else {
        (0.0, 44.0, 30.0)
    };
    // Points round the ring by rotating a unit vector one arc at a time: no trigonometry at run
    // time (sin and cos would add kilobytes of code to the page for 64 points).
    const COS: f64 = 0.995_184_726_672_196_9; // cos(2π/64)
    const SIN: f64 = 0.098_017_140_329_560_6; // sin(2π/64)
    let mut unit = Vec::with_capacity(RING_ARCS + 1);
    let (mut ux, mut uy) = (0.0, -1.0); // clockwise from the top
    for _ in 0..=RING_ARCS {
        unit.push((cx + r * ux, cy + r * uy));
        (ux, uy) = (ux * COS - uy * SIN, ux * SIN + uy * COS);
    }
    let point = |k: f64| unit[k as usize];
    let arcs = owners.iter().enumerate().filter_map(|(k, o)| {
        let i = (*o)?;
        let (x0, y0) = point(k as f64);
        let (x1, y1) = point(k as f64 + 1.0);
        let hue = (i * 1375 / 10) % 360; // the golden angle: neighbours get distant hues
        let out = !lb.accepts(i);
        Some(html! {
            <path class={classes!("ring-arc", out.then_some("out"))}
                  stroke={format!("hsl({hue} 65% 50%)")}
                  d={format!("M{} {}A{} {} 0 0 1 {} {}", fmt1(x0), fmt1(y0), fmt1(r), fmt1(r), fmt1(x1), fmt1(y1))} />
        })
    });
    html! {
        <g class="ring" aria-label="Consistent-hash ring">
            { for arcs }
            <text class="detail ring-label" x={fmt1(cx)} y={fmt1(cy + 4.0)}>{ "ring" }</text>
        </g>
    }
}
