//! Lesson: What a request goes through.

use super::check::{Progress, ms};
use super::plan::Lesson;
use crate::sim::time::Time;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "architecture",
    title: "What a request goes through",
    idea: "A client sends a request to the load balancer, which picks a server; the server does the work, asks the database, and the answer travels back the same way. Every hop costs time on the wire, and every box can queue.",
    steps: &[
        "Press Trace next request (under the charts).",
        "Read its waterfall: each bar is a stretch of its life.",
    ],
    watch: "How much of the total is the network, queueing, service and the database.",
    parts: 1,
    preset: |_| {},
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(_: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    Some({
        let t = w.waterfall().filter(|t| t.done())?;
        let end = t.spans.iter().map(|s| s.to).max().unwrap_or(t.issued);
        let total = end.saturating_sub(t.issued);
        use crate::sim::trace::SpanKind as K;
        let of = |k: K| -> Time {
            t.spans
                .iter()
                .filter(|s| s.kind == k)
                .map(|s| s.to - s.from)
                .sum()
        };
        let hops = t.spans.iter().filter(|s| s.kind == K::Network).count();
        let mut parts = vec![
            format!(
                "{} on the wire ({hops} hops at {} ms each)",
                ms(of(K::Network) + of(K::Bandwidth)),
                crate::sim::decimal::trim(cfg.latency_ms)
            ),
            format!("{} queued", ms(of(K::Queue))),
            format!("{} being served", ms(of(K::Service))),
            format!("{} in the database", ms(of(K::Database))),
        ];
        if of(K::Backoff) + of(K::TimedOut) > 0 {
            parts.push(format!(
                "{} waiting out a timeout and backing off before a retry",
                ms(of(K::Backoff) + of(K::TimedOut))
            ));
        }
        format!("That request took {}: {}.", ms(total), parts.join(", "))
    })
}
