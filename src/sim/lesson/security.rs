//! Lesson: Security at the edge.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::message::Cause;
use crate::sim::time::MS;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "security",
    title: "Security at the edge",
    idea: "The balancer is the front door. Here some requests carry no valid credentials and some clients may only read. Unchecked, both reach the servers and get served. Checking at the edge answers 401 or 403 at once, and no server ever sees them.",
    steps: &[
        "Watch forged requests being served.",
        "Turn on Check credentials (Balancer), and wait 5 s (0.5 s simulated at 0.1×).",
    ],
    watch: "Refused requests (401, 403) and what servers served.",
    parts: 1,
    preset: |c| {
        c.bad_credentials = 0.1;
        c.read_only_share = 0.3;
        c.arrival_rate = 100.0;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let m = w.metrics();
    let cfg = w.config();
    Some({
        let refused = m.failed_by(Cause::Unauthorized) + m.failed_by(Cause::Forbidden);
        if !p.held(
            w,
            cfg.auth && refused > 0,
            500 * MS,
            [m.forged_served, m.forbidden_writes, 0],
        ) {
            return None;
        }
        let [forged, forbidden, _] = p.before();
        let inside = m.forged_served - forged + m.forbidden_writes - forbidden;
        format!(
            "Unchecked, servers carried out {forged} requests with no valid credentials and {forbidden} writes by read-only clients. Since the check: {} refused with 401 and {} with 403, answered by the balancer itself{}.",
            m.failed_by(Cause::Unauthorized),
            m.failed_by(Cause::Forbidden),
            if inside > 0 {
                format!(
                    "; {inside} that were already past the balancer when you turned it on were still served"
                )
            } else {
                String::new()
            }
        )
    })
}
