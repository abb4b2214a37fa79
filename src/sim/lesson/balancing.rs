//! Lesson: Random vs round robin.

use super::check::{BALANCING_WAIT, Progress, ms_of};
use super::plan::Lesson;
use crate::sim::config::ServiceDist;
use crate::sim::metrics::Window;
use crate::sim::time::SECOND;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "balancing",
    title: "Random vs round robin",
    idea: "Round robin deals requests out in turn, random picks blindly; neither looks at how busy a server is. When request costs vary (a heavy tail here), a server stuck on a slow request still gets its turn, and its queue grows. Least connections and power of two choices look before they send. (Here requests skip the database, so only the servers' queues differ.)",
    steps: &[
        "Watch p99 under round robin for a while (the tiles show the last simulated second).",
        "Switch the strategy to least connections (key 4) or power of two (key 5).",
        "Wait 30 s (3 s simulated at 0.1×): the charts mark the moment you switched.",
    ],
    watch: "Queue bars under each server and the latency chart.",
    parts: 1,
    preset: |c| {
        // Eight servers near 90 % busy, requests that skip the database: only the servers'
        // queues differ between strategies, and a second holds over a thousand requests.
        c.servers = 8;
        c.arrival_rate = 1_440.0;
        c.service_ms = 5.0;
        c.use_db = false;
        c.service_dist = ServiceDist::LogNormal;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    // What the tiles show now (computed only if quoted).
    let tiles = || w.metrics().headline(w.now(), Window::Recent);
    Some({
        let smart = cfg.strategy.load_aware();
        if !p.held(w, smart, BALANCING_WAIT, [0; 3]) {
            return None;
        }
        let before = p.at_step?;
        let tiles = tiles();
        let better = tiles.p99_ms.unwrap_or(f64::MAX) < before.p99_ms.unwrap_or(0.0);
        format!(
            "When you switched, the tiles (last 1 s) read p99 {} and {} failed requests; {} s later, with {}, they read p99 {} and {} failed (the charts mark the switch). {}",
            ms_of(before.p99_ms),
            before.failed,
            BALANCING_WAIT / SECOND,
            cfg.strategy.label().to_ascii_lowercase(),
            ms_of(tiles.p99_ms),
            tiles.failed,
            if better {
                "Round robin gives a server stuck on a slow request its turn anyway, and requests queue behind it; looking at open connections sends them to a server that is free."
            } else {
                "Here the tail did not shrink: a one-second window holds few slow requests, so p99 swings. Side by side (under the charts) runs both strategies on the very same requests."
            }
        )
    })
}
