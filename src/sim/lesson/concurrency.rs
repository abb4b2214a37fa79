//! Lesson: Races and lost updates.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::message::Cause;
use crate::sim::time::SECOND;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "concurrency",
    title: "Races and lost updates",
    idea: "Two servers read a counter, both add one, both write: one increment is lost. Nothing is wrong in either server; the interleaving is. Compare-and-set refuses a write whose read is out of date, and the server tries again. Clock skew does the same to last-write-wins: a write stamped by a clock running behind loses to an older one.",
    steps: &[
        "Watch lost updates grow.",
        "Turn on compare-and-set (Database), and wait 10 s (1 s simulated at 0.1×).",
    ],
    watch: "Lost updates and conflicts.",
    parts: 1,
    preset: |c| {
        c.keys = 3;
        c.rmw_ratio = 0.6;
        c.arrival_rate = 200.0;
        c.service_ms = 5.0;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let m = w.metrics();
    let cfg = w.config();
    let db = w.database();
    Some({
        let lost = w.lost_updates();
        let conflicts = m.failed_by(Cause::Conflict);
        if !p.held(w, cfg.cas, SECOND, [lost, w.in_flight(), conflicts]) {
            return None;
        }
        let [before, in_flight, conflicts_then] = p.before();
        let since = lost.abs_diff(before);
        let gave_up = conflicts - conflicts_then;
        format!(
            "{before} increments were lost before compare-and-set; the count moved by {since} in the 1 s since{}. Refused writes ({} so far) were redone from a fresh read instead of overwriting; {gave_up} increments still found the counter changed after {} tries and failed (they are in Errors): on so hot a counter, correctness costs availability.",
            if since > 0 {
                format!(
                    " (of the {in_flight} requests in flight when you switched, increments that had already read the counter still wrote blindly, and Lost updates is measured on replicas that may lag)"
                )
            } else {
                String::new()
            },
            db.figures.cas_rejections,
            crate::sim::server::MAX_RMW_TRIES
        )
    })
}
