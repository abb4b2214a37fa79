//! Lesson: Horizontal vs vertical scaling.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::balancer::Strategy;
use crate::sim::decimal::fixed;
use crate::sim::metrics::Window;
use crate::sim::time::SECOND;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "scaling",
    title: "Horizontal vs vertical scaling",
    idea: "Two servers cannot keep up with this traffic: queues fill and requests are refused. Add servers (horizontal: more machines, and redundancy) or give one more power (vertical: one bigger machine, priced steeper, with a ceiling at 8×).",
    steps: &[
        "Add servers, or raise a server's power.",
        "Get capacity above the arrival rate, and keep it there until Errors (last 1 s) reads 0.",
    ],
    watch: "Errors, queue bars and the fleet cost.",
    parts: 1,
    preset: |c| {
        c.servers = 2;
        c.arrival_rate = 120.0;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    // What the tiles show now (computed only if quoted).
    let tiles = || w.metrics().headline(w.now(), Window::Recent);
    Some({
        let live = || {
            w.servers()
                .iter()
                .filter(|s| s.status.is_up() && !s.draining)
        };
        let per_power = 1_000.0 / cfg.service_ms * cfg.workers as f64;
        // Strategies blind to power give every server the same share, so the smallest
        // machine sets the pace for all; the others can use each machine's full power.
        let blind = matches!(
            cfg.strategy,
            Strategy::RoundRobin | Strategy::Random | Strategy::ConsistentHash
        );
        let smallest = live().map(|s| s.power).min().unwrap_or(0);
        let uneven = live().any(|s| s.power != smallest);
        let power = if blind {
            smallest * live().count() as u32
        } else {
            live().map(|s| s.power).sum()
        };
        let capacity = power as f64 * per_power;
        // Scaled, by machines or by power (not by sending less traffic), with room to spare.
        let (more, bigger) = (live().count() > 2, live().any(|s| s.power > 1));
        let scaled = (more || bigger) && capacity > cfg.arrival_rate * 1.15;
        if !p.held(w, scaled, SECOND, [0; 3]) {
            return None;
        }
        // Done once the Errors tile (last 1 s) reads 0.
        if tiles().failed > 0 {
            return None;
        }
        format!(
            "Capacity is now {} req/s{} against {} arriving, for ${}/h with {} servers, and Errors (last 1 s) reads 0. {}",
            fixed(capacity, 0),
            if blind && uneven {
                format!(
                    " ({} shares requests evenly: the smallest machine sets the pace)",
                    cfg.strategy.label().to_ascii_lowercase()
                )
            } else {
                String::new()
            },
            crate::sim::decimal::trim(cfg.arrival_rate),
            fixed(w.fleet_cost_per_hour(), 2),
            live().count(),
            if bigger && !more {
                "A bigger machine costs more per unit of power, tops out at 8×, and is still one machine: if it fails, its share of capacity goes with it."
            } else if more && !bigger {
                "More machines cost the same per unit and add redundancy: lose one and the rest carry on."
            } else {
                "You did both: more machines add redundancy at the same price per unit; a bigger one costs more per unit and tops out at 8×."
            }
        )
    })
}
