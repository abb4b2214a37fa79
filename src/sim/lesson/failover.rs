//! Lesson: Leader failover.

use super::check::{Progress, linearizable_now};
use super::plan::Lesson;
use crate::sim::replication::Replication;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "failover",
    title: "Leader failover",
    idea: "When the leader dies, the others notice its silence and elect a new one. With asynchronous replication, writes it acknowledged but had not yet shipped are lost; synchronous replication waits for followers before acknowledging, and loses none, at the cost of slower writes.",
    steps: &[
        "Part 1: fail Replica 1 (the leader), and wait for the election.",
        "Part 2: set Replication to leader-sync (Database), recover Replica 1, then fail the replica that leads now.",
    ],
    watch: "The log: the elections and the lost writes; Leaders elected, Lost acked, Dirty, Writes OK and the Linearizable line under Consistency.",
    parts: 2,
    preset: |c| {
        // Enough writes in a shipping interval to lose some, with room for leader-sync's
        // slower writes: the system is not overloaded in either mode.
        c.arrival_rate = 80.0;
        c.async_ship_ms = 100.0;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    let db = w.database();
    let part = p.parts.len();
    Some({
        match part {
            0 => {
                if w.leader() == 0 || db.figures.failovers == 0 {
                    return None;
                }
                let terms = w.replicas().iter().map(|r| r.term).max().unwrap_or(0);
                format!(
                    "Replica {} took over (Leaders elected: {}). Each election begun takes a new term, including ones nobody won, so terms now reach {terms}. {}",
                    w.leader() + 1,
                    db.figures.failovers,
                    match cfg.replication {
                        Replication::LeaderAsync => format!(
                            "Under leader-async the old leader acknowledged writes before shipping them: {} it had not shipped {} gone (Lost acked).{} Now the second part.",
                            db.figures.lost_acked_writes,
                            if db.figures.lost_acked_writes == 1 { "is" } else { "are" },
                            match (db.figures.lost_acked_writes, linearizable_now(w)) {
                                (0, _) | (_, None) => "",
                                (_, Some(true)) => " The Linearizable line may still say yes: it judges only what the clients saw, and a lost write shows there only once a later read misses it in a way no order of the writes explains.",
                                (_, Some(false)) => " The Linearizable line says no: a read has missed one of them.",
                            }
                        ),
                        _ => "Under leader-sync a write is acknowledged only once followers have it, so the new leader has every acknowledged write. Now the second part.".to_string(),
                    }
                )
            }
            _ => {
                // A failover under leader-sync: the mode switched on, then a leader elected.
                let sync = cfg.replication == Replication::LeaderSync;
                if !p.held(
                    w,
                    sync,
                    0,
                    [db.figures.failovers, db.figures.lost_acked_writes, 0],
                ) {
                    return None;
                }
                let [failovers, lost, _] = p.before();
                if db.figures.failovers <= failovers || !w.replicas()[w.leader()].status.is_up() {
                    return None;
                }
                format!(
                    "Under leader-sync, Replica {} took over and {} acknowledged writes were lost: a write is acknowledged only once followers have it, and the leader answers reads only with what they have.{} The price is write latency (each write waits for a follower), and in both modes writes are refused while no leader is elected: Writes OK shows it.",
                    w.leader() + 1,
                    db.figures.lost_acked_writes.saturating_sub(lost),
                    if linearizable_now(w) == Some(true) {
                        " The Linearizable line, restarted when you switched the mode, still says yes."
                    } else {
                        ""
                    }
                )
            }
        }
    })
}
