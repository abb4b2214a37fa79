//! Lesson: A server fails.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::decimal::fixed;
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::time::TICK;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "failure",
    title: "A server fails",
    idea: "Nobody tells the balancer that a machine died: it finds out from health checks that go unanswered, after a detection window (interval × fall). Meanwhile requests sent there time out and are retried on another server.",
    steps: &[
        "Fail Server 2.",
        "Wait until the balancer marks it down, and one timeout more for the attempts already sent there.",
    ],
    watch: "The ⚠ mark, dashed retry dots, and the error count.",
    parts: 1,
    preset: |c| c.arrival_rate = 100.0,
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let m = w.metrics();
    let cfg = w.config();
    Some({
        let down = w.node_status(NodeId::Server(1)) == Some(Status::Down);
        if !p.held(w, down, 0, [m.attempt_timeouts, m.retries, 0]) {
            p.later = None;
            return None;
        }
        if w.balancer().accepts(1) {
            return None;
        }
        // Then one timeout more, so the attempts sent in the window have timed out.
        let noticed = *p.later.get_or_insert(w.now());
        if w.now() < noticed + crate::sim::time::from_ms(cfg.timeout_ms) + TICK {
            return None;
        }
        let (_, [timeouts, retries, _]) = p.mark?;
        // Measured from the crash itself, not from the frame the check first saw it.
        let at = w.servers().get(1)?.crashed_at?;
        format!(
            "The balancer stopped sending to Server 2 {} ms after it died: health checks every {} ms, {} missed in a row. Attempts sent there meanwhile waited out the {} ms timeout: {} timed out, and {} retries went to other servers.",
            fixed((noticed - at) as f64 / 1e3, 0),
            crate::sim::decimal::trim(cfg.hc_interval_ms),
            cfg.hc_fall,
            crate::sim::decimal::trim(cfg.timeout_ms),
            m.attempt_timeouts.saturating_sub(timeouts),
            m.retries.saturating_sub(retries)
        )
    })
}
