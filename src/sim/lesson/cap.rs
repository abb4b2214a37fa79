//! Lesson: CAP: partition the database.

use super::check::{Progress, linearizable_now, ratio};
use super::plan::Lesson;
use crate::sim::node::NodeId;
use crate::sim::replication::Consistency;
use crate::sim::replication::Replication;
use crate::sim::time::SECOND;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "cap",
    title: "CAP: partition the database",
    idea: "When the network splits the replicas, a system must choose: refuse requests on the side without a majority (CP: consistent, less available), or accept them on both sides (AP: available, and the sides diverge).",
    steps: &[
        "Part 1 (CP): click the link between Replica 1 and Replica 2 and press Cut link; then the same for Replica 1 – Replica 3. Wait 10 s (1 s simulated at 0.1×).",
        "Part 2 (AP): press Heal all links (Network), set Under a partition to AP (Database), cut the same two links again and wait 10 s (1 s simulated); then heal and watch Conflicts.",
    ],
    watch: "Write availability, refused requests, Divergent and Conflicts; Dirty, Back in time and the Linearizable line under Consistency.",
    parts: 2,
    preset: |c| {
        c.arrival_rate = 100.0;
        // Synchronous, so that CP is consistent in full: the Linearizable line says yes
        // through the split (asynchronous replication would lose acknowledged writes).
        c.replication = Replication::LeaderSync;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let m = w.metrics();
    let cfg = w.config();
    let db = w.database();
    let part = p.parts.len();
    Some({
        // Replica 1 cut off from every other replica (servers still reach all of them).
        let split = w.replicas().len() > 1
            && (1..w.replicas().len()).all(|j| w.network().is_cut(NodeId::Db(0), NodeId::Db(j)));
        let want = if part == 0 {
            Consistency::Cp
        } else {
            Consistency::Ap
        };
        let refused = db.figures.refused;
        if !p.held(w, split && cfg.consistency == want, SECOND, [refused, 0, 0]) {
            return None;
        }
        let avail = ratio(m.writes_ok, m.writes_failed);
        let refused = refused.saturating_sub(p.before()[0]);
        if part == 0 {
            format!(
                "Under CP: {refused} requests refused in the 1 s since the split — Replica 1, cut off from a majority, stops taking writes until it hears one again — and write availability is {avail} % over the run.{} Now the second part.",
                if linearizable_now(w) == Some(true) {
                    " The Linearizable line still says yes: the side without a majority refused rather than answer with old data."
                } else {
                    ""
                }
            )
        } else {
            format!(
                "Under AP: {refused} requests refused in the 1 s since the split and write availability {avail} % over the run, but {} keys now differ between the replicas (replication lag alone accounts for a key or two), each side taking its own writes.{} Heal the links and last-write-wins settles them, counting each key written on both sides under Conflicts.",
                db.divergent_keys(),
                match linearizable_now(w) {
                    None => "",
                    Some(true) =>
                        " The Linearizable line may still say yes, even beside Stale reads: it judges only the order the clients could see, and writes on the two sides that overlapped in time may go in either order.",
                    Some(false) =>
                        " The Linearizable line now says no: what the clients saw fits no single order.",
                }
            )
        }
    })
}
