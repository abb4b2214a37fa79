//! Lesson: Autoscaling vs a spike.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::decimal::{fixed, trim};
use crate::sim::shape::TrafficShape;
use crate::sim::time::{MS, SECOND, Time};
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "autoscale",
    title: "Autoscaling vs a spike",
    idea: "An autoscaler adds servers when traffic grows and removes them when it falls, so you pay for what the traffic needs. But it reacts: it has to see the rise (here, in the last 5 s of requests), and a new server has to start (here 3 s) and pass its health checks before it takes work. A spike shorter than that reaction is over before the help arrives.",
    steps: &[
        "Part 1: press Spike ×4 for 10 s (Traffic), and watch Errors and the Fleet size chart until the spike is over.",
        "Part 2: get ready for the next one: set Fewest servers (Autoscaling) to 5 and wait for them, or set Start-up time to 0.5 s; then press Spike ×4 for 10 s again and wait until it is over.",
    ],
    watch: "Errors, the throughput chart (the dashed line is what the traffic asks for) and the Fleet size chart; the log names each launch.",
    parts: 2,
    preset: |c| {
        // Two servers of 50 req/s at 30 % busy; the autoscaler aims at 50 %, so 2 is its wish
        // until the rate passes 50 req/s (no launch from the noise of a steady 30).
        c.servers = 2;
        c.arrival_rate = 30.0;
        c.autoscale_target = 0.5;
        c.autoscale_min = 2;
        c.autoscale_max = 16;
        c.autoscale_startup_s = 3.0;
        c.autoscale_cooldown_s = 10.0;
    },
};

/// The spike the traffic is under: its start and end, simulated.
fn spike(w: &World) -> Option<(Time, Time, f64)> {
    match w.config().traffic {
        TrafficShape::Spike {
            peak, at_s, for_s, ..
        } => {
            let at = (at_s * SECOND as f64) as Time;
            Some((at, at + (for_s * SECOND as f64) as Time, peak))
        }
        _ => None,
    }
}

/// Once each spike is over: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    let m = w.metrics();
    let (start, end, peak) = spike(w)?;
    // Taken as the spike begins: one long over (the last part's) does not count.
    let fresh = p.mark.is_some() || w.now() < start + 500 * MS;
    let prepared = p.parts.is_empty() || cfg.autoscale_min >= 5 || cfg.autoscale_startup_s <= 1.0;
    let begun = w.now() >= start && fresh && prepared;
    let fleet = w.servers().len() as u64;
    if !p.held(w, begun, 0, [m.failed_total(), m.issued, fleet]) {
        return None;
    }
    if w.now() < end + SECOND {
        return None;
    }
    let [failed, issued, before] = p.before();
    let (failed, issued) = (m.failed_total() - failed, m.issued - issued);
    let share = 100.0 * failed as f64 / issued.max(1) as f64;
    let s = w.scaling();
    let per_server = cfg.workers as f64 * 1_000.0 / cfg.service_ms;
    let needed = libm::ceil(peak / (cfg.autoscale_target.max(0.05) * per_server)) as u64;
    let summary = format!(
        "In the {} s spike at {} req/s and the second after it, {failed} of {issued} requests failed ({} %); the fleet went from {before} to {} servers{}.",
        trim((end - start) as f64 / 1e6),
        trim(peak),
        fixed(share, 1),
        fleet,
        if s.starting > 0 {
            format!(", with {} still starting", s.starting)
        } else {
            String::new()
        }
    );
    Some(match p.parts.len() {
        0 => format!(
            "{summary} At {} req/s, servers {} % busy means {needed} of them. The autoscaler saw the rise only as its 5 s average grew, and each server it launched took {} s to start and two health checks to earn traffic: for at least the spike's first {} s the old fleet served it alone. After the cooldown ({} s since its last action) it drains the extra servers again. Now the second part.",
            trim(peak),
            fixed(cfg.autoscale_target * 100.0, 0),
            trim(cfg.autoscale_startup_s),
            trim(cfg.autoscale_startup_s),
            trim(cfg.autoscale_cooldown_s)
        ),
        _ => format!(
            "{summary} With Fewest servers at {} and a start-up time of {} s{}. Capacity ready before the spike is the only kind that helps a spike shorter than the reaction, and the minimum you keep is paid for all the time (the fleet costs ${}/h now).",
            cfg.autoscale_min,
            trim(cfg.autoscale_startup_s),
            if before >= needed {
                ": the fleet was already big enough when the spike came"
            } else if cfg.autoscale_startup_s <= 1.0 {
                ": the new servers came sooner, but only after the rise was seen"
            } else {
                ": the servers you asked for were still starting when it came"
            },
            fixed(w.fleet_cost_per_hour(), 2)
        ),
    })
}
