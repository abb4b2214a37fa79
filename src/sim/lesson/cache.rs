//! Lesson: Caching and data locality.

use super::check::{Progress, ratio};
use super::plan::Lesson;
use crate::sim::time::SECOND;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "cache",
    title: "Caching and data locality",
    idea: "Data kept next to the code that uses it is fast: a server that caches recent answers in its own memory skips the trip to the database. But each server's copy is its own: after a write through another server, it serves the old value until the entry expires.",
    steps: &[
        "In Traffic, set Cache size per server to 50 keys.",
        "Wait 20 s (2 s simulated at 0.1×).",
    ],
    watch: "Cache hit ratio, p50, database queries, stale reads.",
    parts: 1,
    preset: |c| {
        c.keys = 20;
        c.write_ratio = 0.1;
        c.arrival_rate = 150.0;
        c.service_ms = 2.0;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let m = w.metrics();
    let cfg = w.config();
    Some({
        if !p.held(
            w,
            cfg.cache_keys > 0,
            2 * SECOND,
            [m.db_queries, m.stale_reads, 0],
        ) {
            return None;
        }
        format!(
            "{} % of reads were served from a server's own cache, skipping two hops and the database's time; the database got {} queries in 2 s. {} reads in those 2 s were stale: another server had written a newer value.",
            ratio(m.cache_hits, m.cache_misses),
            m.db_queries.saturating_sub(p.before()[0]),
            m.stale_reads.saturating_sub(p.before()[1])
        )
    })
}
