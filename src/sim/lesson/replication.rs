//! Lesson: A replica fails and catches up.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::decimal::fixed;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "replication",
    title: "A replica fails and catches up",
    idea: "Each replica keeps a copy of the data. One that is down misses the writes made meanwhile; when it comes back it asks the leader for them and catches up. Redundancy is what lets the database keep serving.",
    steps: &[
        "Fail Replica 3.",
        "Let some writes pass.",
        "Recover Replica 3 and wait for it to catch up.",
    ],
    watch: "Replica 3's version against the leader's.",
    parts: 1,
    preset: |c| c.arrival_rate = 100.0,
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let db = w.database();
    Some({
        let r = w.replicas().get(2)?;
        if !r.status.is_up() {
            let behind = db.replicas[w.leader()]
                .version()
                .saturating_sub(r.version());
            p.mark = Some((w.now(), [behind, 0, 0]));
            return None;
        }
        let (at, [missed, ..]) = p.mark?;
        if db.lag(2, w.now()) > 0 || r.version() < db.replicas[w.leader()].version() {
            return None;
        }
        format!(
            "Replica 3 was back and caught up {} ms after it recovered: it had missed {missed} writes and got them from the leader. Reads kept working meanwhile because the other replicas had copies.",
            fixed((w.now() - at) as f64 / 1e3, 0)
        )
    })
}
