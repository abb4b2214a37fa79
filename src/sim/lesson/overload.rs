//! Lesson: Retries that make it worse.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::decimal::{fixed, trim};
use crate::sim::message::Cause;
use crate::sim::metrics::{Headline, Window};
use crate::sim::time::SECOND;
use crate::sim::world::World;

/// The arrival rate the first step asks for, and the least the checks accept as it.
pub const OVERLOAD_RATE: f64 = 180.0;
const AT_LEAST: f64 = 170.0;
/// How long parts 2 and 3 watch a cure before judging it, simulated (50 s at 0.1×).
const CURE_WAIT: u64 = 5;

pub(super) const LESSON: Lesson = Lesson {
    id: "overload",
    title: "Retries that make it worse",
    idea: "A busy server keeps requests waiting past the balancer's timeout. The balancer gives up and retries elsewhere, but the first server still serves the request nobody waits for: its work is wasted, and the retry is more load. Past a point the fleet spends its time on requests already given up, and almost nothing succeeds although the servers never stop working.",
    steps: &[
        "Part 1: raise Arrival rate (Traffic) to 180 req/s, and wait until Success falls below 50 % (2 to 9 s simulated: up to 90 s at 0.1×).",
        "Part 2: keep the rate. Turn on Deadline propagation (Overload), and wait 50 s (5 s simulated at 0.1×).",
        "Part 3: turn Deadline propagation off and set Load shedding: max queue wait to 100 ms (Overload); wait 50 s (5 s simulated).",
    ],
    watch: "Success, Wasted and Retries; the queue bars; the throughput chart's timed-out band.",
    parts: 3,
    preset: |c| {
        // Four servers of 50 req/s each, half busy; random balancing, so each is an M/M/1 queue;
        // a deep queue, so nothing is refused and waits can grow past the 300 ms timeout.
        c.servers = 4;
        c.strategy = crate::sim::balancer::Strategy::Random;
        c.arrival_rate = 100.0;
        c.queue_cap = 1_000;
    },
};

/// Share of the fleet's capacity the clients' requests alone ask for, in percent.
fn busy(w: &World) -> f64 {
    let cfg = w.config();
    let capacity = (w.servers().iter())
        .filter(|s| s.status.is_up() && !s.draining)
        .map(|s| s.power as f64)
        .sum::<f64>()
        * cfg.workers as f64
        * 1_000.0
        / cfg.service_ms;
    100.0 * cfg.arrival_rate / capacity.max(1e-9)
}

/// Servers in rotation-worthy shape: up and not being removed.
fn live(w: &World) -> usize {
    (w.servers().iter())
        .filter(|s| s.status.is_up() && !s.draining)
        .count()
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{} %", fixed(v, 1)))
}

/// Success, Wasted and Retries as the tiles show them (last 1 s).
fn tiles(h: &Headline) -> String {
    format!(
        "Success {}, Wasted {}, Retries {} (last 1 s)",
        pct(h.success),
        pct(h.wasted),
        h.retries
    )
}

/// Once each step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    let m = w.metrics();
    let h = m.headline(w.now(), Window::Recent);
    let loaded = cfg.arrival_rate >= AT_LEAST;
    let recovered = h.success.is_some_and(|s| s >= 85.0);
    Some(match p.parts.len() {
        0 => {
            if !(loaded && h.success.is_some_and(|s| s < 50.0)) {
                return None;
            }
            let (share, servers) = (busy(w), live(w));
            format!(
                "At {} req/s the clients ask for {} % of what the {servers} servers can do{}. Yet {}. Waits grew past the {} ms timeout; each attempt given up is retried on another server (at most {} % of requests: the retry budget), and the server it left still serves it, for nobody. That wasted work keeps the queues long. {} attempts have timed out so far.",
                trim(cfg.arrival_rate),
                fixed(share, 0),
                if share < 100.0 {
                    ": less than all of it"
                } else {
                    ": more than all of it, so some must fail"
                },
                tiles(&h),
                trim(cfg.timeout_ms),
                fixed(cfg.retry_budget * 100.0, 0),
                m.attempt_timeouts
            )
        }
        1 => {
            let on = loaded && cfg.deadlines;
            if !p.held(w, on, CURE_WAIT * SECOND, [m.deadline_drops, 0, 0]) || !recovered {
                return None;
            }
            format!(
                "Each attempt now carries the time the balancer will wait for it, and a server drops the ones whose time ran out instead of serving them: {} dropped so far. At the same {} req/s: {}. A dropped request costs the server nothing, so its time goes to requests someone still waits for.",
                m.deadline_drops,
                trim(cfg.arrival_rate),
                tiles(&h)
            )
        }
        _ => {
            let on = loaded && !cfg.deadlines && cfg.shed_ms > 0.0;
            if !p.held(w, on, CURE_WAIT * SECOND, [m.shed, 0, 0]) || !recovered {
                return None;
            }
            format!(
                "Now a server refuses new work at once while the oldest request in its queue has waited over {} ms: {} attempts refused so far; the balancer retried them on other servers while its budget lasted, and {} requests failed for good. Queues stay short, so what is served is answered in time: {}. A refusal costs a server almost nothing; a request queued only to time out costs a full service. Deadlines stop the waste; shedding stops the wait that causes it. The retry budget (Balancer) caps what retries can add.",
                trim(cfg.shed_ms),
                m.shed,
                m.failed_by(Cause::Shed),
                tiles(&h)
            )
        }
    })
}
