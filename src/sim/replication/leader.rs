//! Leader–follower replication and failover.
//!
//! The leader appends each write to its log and ships it to every follower with the position it
//! follows (so a follower can tell a gap or a divergence); followers acknowledge. Synchronous mode
//! answers the client once `all` or a `majority` of followers acknowledged; asynchronous mode at once.
//! A follower that finds itself behind asks for what it lacks: the missing keys when its log is a
//! prefix of the leader's, a full snapshot when it diverged.
//!
//! A failover monitor (beside the balancer, like Redis Sentinel or MySQL Orchestrator) pings every
//! replica. When the leader stays silent past the timeout it promotes the most up-to-date replica it
//! can reach, under a new term, and tells replicas and servers. Under CP it only does so while it
//! reaches a majority, and a leader that cannot hear a majority stops serving; under AP both keep
//! going, and on heal the deposed leader hands its writes to the new one, which keeps the later of
//! each conflicting pair (last write wins).

use super::{
    Consistency, Database, Outbox, Pos, ReadFrom, Replication, Role, Stamp, SyncAcks, Versioned,
};
use crate::sim::event::Time;
use crate::sim::metrics::Cause;
use crate::sim::network::{Job, NodeId, Observed, Outcome, Payload};

/// The monitor runs beside the balancer.
pub const MONITOR: NodeId = NodeId::Lb;
/// Lag is measured against the last this many writes.
const WRITE_TIMES: usize = 100_000;

/// A synchronous write waiting for its followers.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Pending {
    index: u64,
    job: Job,
    server: NodeId,
    seen: Observed,
}

/// The monitor's last word from one replica.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Seen {
    at: Time,
    term: u64,
    leader: bool,
    last: Pos,
}

fn observed(v: Option<Versioned>) -> Option<Observed> {
    v.map(|v| Observed {
        value: v.value,
        pos: v.pos,
    })
}

impl Database {
    /// The replica a server sends a query to: the leader it knows of, or any replica for reads when
    /// reading from any is allowed (`pick` chooses one of `n`).
    pub fn query_target(
        &self,
        write: bool,
        known_leader: usize,
        pick: impl FnOnce(usize) -> usize,
    ) -> usize {
        if !write && self.cfg.read_from == ReadFrom::Any {
            pick(self.replicas.len())
        } else {
            known_leader
        }
    }

    fn majority(&self) -> usize {
        self.replicas.len() / 2 + 1
    }

    /// May replica `j`, a leader, serve now? Under AP always; under CP only while a majority
    /// (itself included) answered within the failover timeout: its lease.
    fn has_lease(&self, j: usize, now: Time) -> bool {
        if self.cfg.consistency == Consistency::Ap {
            return true;
        }
        let r = &self.replicas[j];
        let fresh = (0..self.replicas.len())
            .filter(|&f| f == j || now.saturating_sub(r.heard[f]) <= self.cfg.failover_timeout)
            .count();
        fresh >= self.majority()
    }

    /// Wall-clock reading of replica `j` (its skew applied), for last-write-wins stamps.
    fn stamp(&self, j: usize, now: Time) -> Stamp {
        let skew = self.skew.get(j).copied().unwrap_or(0);
        Stamp {
            time: (now as i64 + skew).max(0) as u64,
            node: j as u16,
        }
    }

    /// When a stamp was really written: its clock reading less that node's skew.
    fn real_time(&self, s: Stamp) -> i64 {
        s.time as i64 - self.skew.get(s.node as usize).copied().unwrap_or(0)
    }

    /// A server's query reaches replica `j`.
    pub fn on_query(&mut self, now: Time, j: usize, server: NodeId, job: Job, out: &mut Outbox) {
        let Some(rep) = self.replicas.get(j) else {
            return;
        };
        if !rep.status.is_up() {
            return; // lost: the balancer's timeout will notice
        }
        let from = NodeId::Db(j);
        let refuse = |db: &mut Database, out: &mut Outbox| {
            db.figures.refused += 1;
            out.push((
                from,
                server,
                Payload::QueryReply(job, Outcome::Err(Cause::DbUnavailable), None),
            ));
        };
        let leading = rep.role == Role::Leader && self.has_lease(j, now);
        if !job.write {
            if leading || (self.cfg.read_from == ReadFrom::Any && rep.role == Role::Follower) {
                let seen = observed(rep.data[job.key as usize]);
                out.push((from, server, Payload::QueryReply(job, Outcome::Ok, seen)));
            } else {
                refuse(self, out);
            }
            return;
        }
        if !leading {
            return refuse(self, out);
        }
        let stamp = self.stamp(j, now);
        let rep = &mut self.replicas[j];
        let prev = rep.last;
        let entry = rep.append(
            job.key,
            Versioned {
                pos: Pos::default(),
                stamp,
                value: job.req.id,
            },
        );
        if self.write_times.len() >= WRITE_TIMES {
            self.write_times.pop_front();
        }
        self.write_times.push_back((entry.pos.index, now));
        for f in (0..self.replicas.len()).filter(|&f| f != j) {
            // Sent to down replicas too: lost on arrival, which is what missing a write means.
            out.push((
                from,
                NodeId::Db(f),
                Payload::Replicate {
                    key: job.key,
                    entry,
                    prev,
                },
            ));
        }
        let seen = observed(Some(entry));
        let needed = match (self.cfg.replication, self.cfg.sync_acks) {
            (Replication::LeaderAsync, _) => 0,
            (Replication::LeaderSync, SyncAcks::All) => self.replicas.len() - 1,
            (Replication::LeaderSync, SyncAcks::Majority) => self.majority() - 1,
        };
        if needed == 0 {
            self.replicas[j].acked_upto = entry.pos.index;
            out.push((from, server, Payload::QueryReply(job, Outcome::Ok, seen)));
        } else {
            self.pending.push(Pending {
                index: entry.pos.index,
                job,
                server,
                seen: seen.expect("a write"),
            });
        }
    }

    /// Replication and failover traffic reaches replica `j` (or the monitor, for `Pong`).
    pub fn on_message(
        &mut self,
        now: Time,
        j: usize,
        from: NodeId,
        payload: Payload,
        out: &mut Outbox,
    ) {
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if !rep.status.is_up() {
            return;
        }
        let me = NodeId::Db(j);
        match payload {
            Payload::Replicate { key, entry, prev } => {
                if entry.pos.term < rep.term {
                    return; // from a deposed leader
                }
                self.follow(j, entry.pos.term, now, out);
                let rep = &mut self.replicas[j];
                if rep.last == prev {
                    rep.store(key, entry);
                    out.push((
                        me,
                        from,
                        Payload::Ack {
                            term: entry.pos.term,
                            index: entry.pos.index,
                        },
                    ));
                } else if rep.holds(entry.pos) {
                    out.push((
                        me,
                        from,
                        Payload::Ack {
                            term: entry.pos.term,
                            index: rep.last.index,
                        },
                    ));
                } else {
                    self.ask_sync(j, from, now, out);
                }
            }
            Payload::Ack { term, index } => {
                if rep.role == Role::Leader
                    && term == rep.term
                    && let NodeId::Db(f) = from
                {
                    rep.acked[f] = rep.acked[f].max(index);
                    rep.heard[f] = now;
                    self.release_pending(j, out);
                }
            }
            Payload::Heartbeat { term, last } => {
                if term < rep.term {
                    return;
                }
                self.follow(j, term, now, out);
                let rep = &self.replicas[j];
                if rep.last != last && !(rep.holds(last) && rep.last.index >= last.index) {
                    self.ask_sync(j, from, now, out);
                }
                let rep = &self.replicas[j];
                out.push((
                    me,
                    from,
                    Payload::HeartbeatAck {
                        term,
                        last: rep.last,
                    },
                ));
            }
            Payload::HeartbeatAck { term, last } => {
                if rep.role == Role::Leader
                    && term == rep.term
                    && let NodeId::Db(f) = from
                {
                    rep.heard[f] = now;
                    if rep.holds(last) {
                        rep.acked[f] = rep.acked[f].max(last.index);
                    }
                    self.release_pending(j, out);
                }
            }
            Payload::SyncRequest { last } => {
                if rep.role != Role::Leader {
                    return;
                }
                let snapshot = !rep.holds(last);
                let entries = if snapshot {
                    rep.snapshot()
                } else {
                    rep.newer_than(last.index)
                };
                let sync = crate::sim::network::SyncData {
                    entries,
                    upto: rep.last,
                    terms: rep.terms.clone(),
                    snapshot,
                };
                out.push((me, from, Payload::Sync(Box::new(sync))));
            }
            Payload::Sync(sync) => {
                if sync.upto.term < rep.term && rep.role == Role::Leader {
                    return;
                }
                rep.apply_sync(&sync.entries, sync.upto, &sync.terms, sync.snapshot);
                out.push((
                    me,
                    from,
                    Payload::Ack {
                        term: sync.upto.term,
                        index: sync.upto.index,
                    },
                ));
            }
            Payload::Merge(entries) => self.merge(j, &entries, now, out),
            Payload::Ping => {
                let (term, leader, last) = (rep.term, rep.role == Role::Leader, rep.last);
                out.push((me, from, Payload::Pong { term, leader, last }));
            }
            Payload::NewLeader { term, leader } => {
                self.new_leader(j, term, leader as usize, now, out)
            }
            _ => {}
        }
    }

    /// Replica `j` hears of a leader of `term`: it adopts the term and, if it led an older one, steps
    /// down.
    fn follow(&mut self, j: usize, term: u64, _now: Time, out: &mut Outbox) {
        let rep = &mut self.replicas[j];
        if term <= rep.term && rep.role == Role::Follower {
            rep.term = rep.term.max(term);
            return;
        }
        if term > rep.term {
            rep.term = term;
            if rep.role == Role::Leader {
                self.step_down(j, out);
            }
        }
    }

    fn step_down(&mut self, j: usize, out: &mut Outbox) {
        let rep = &mut self.replicas[j];
        rep.role = Role::Follower;
        if self.cfg.consistency == Consistency::Ap {
            // Hand over what it wrote while it led, so last-write-wins can keep the newer.
            let led: Vec<(u32, Versioned)> = rep
                .data
                .iter()
                .enumerate()
                .filter_map(|(k, e)| {
                    e.filter(|e| e.pos.term == rep.last.term)
                        .map(|e| (k as u32, e))
                })
                .collect();
            if !led.is_empty() {
                out.push((
                    NodeId::Db(j),
                    NodeId::Db(self.leader),
                    Payload::Merge(Box::new(led)),
                ));
            }
        }
        self.pending.clear();
    }

    fn ask_sync(&mut self, j: usize, leader: NodeId, now: Time, out: &mut Outbox) {
        let rep = &mut self.replicas[j];
        // One request at a time, but a lost answer must not block the follower for ever.
        if rep
            .syncing
            .is_some_and(|t| now.saturating_sub(t) < 2 * self.cfg.failover_timeout)
        {
            return;
        }
        rep.syncing = Some(now);
        out.push((
            NodeId::Db(j),
            leader,
            Payload::SyncRequest { last: rep.last },
        ));
    }

    /// A synchronous leader answers the writes enough followers have acknowledged.
    fn release_pending(&mut self, j: usize, out: &mut Outbox) {
        let needed = match self.cfg.sync_acks {
            SyncAcks::All => self.replicas.len() - 1,
            SyncAcks::Majority => self.majority() - 1,
        };
        let rep = &mut self.replicas[j];
        let acked = &rep.acked;
        let mut upto = rep.acked_upto;
        self.pending.retain(|p| {
            let have = (0..acked.len())
                .filter(|&f| f != j && acked[f] >= p.index)
                .count();
            if have >= needed {
                upto = upto.max(p.index);
                out.push((
                    NodeId::Db(j),
                    p.server,
                    Payload::QueryReply(p.job, Outcome::Ok, Some(p.seen)),
                ));
                false
            } else {
                true
            }
        });
        rep.acked_upto = upto;
    }

    /// AP reconciliation: the new leader takes the deposed leader's writes it lacks, keeping for each
    /// key the one with the later stamp; a key written on both sides is a conflict.
    fn merge(&mut self, j: usize, entries: &[(u32, Versioned)], now: Time, out: &mut Outbox) {
        if self.replicas[j].role != Role::Leader {
            return;
        }
        for &(key, theirs) in entries {
            let rep = &self.replicas[j];
            if rep.holds(theirs.pos) {
                continue;
            }
            let mine = rep.data[key as usize];
            if let Some(m) = mine.filter(|m| m.pos.term == rep.term) {
                self.figures.conflicts += 1;
                let (winner, loser) = if m.stamp < theirs.stamp { (theirs, m) } else { (m, theirs) };
                if self.real_time(winner.stamp) < self.real_time(loser.stamp) {
                    self.figures.lost_by_clock_skew += 1;
                }
            }
            if mine.is_none_or(|m| m.stamp < theirs.stamp) {
                let rep = &mut self.replicas[j];
                let prev = rep.last;
                let entry = rep.append(
                    key,
                    Versioned {
                        pos: Pos::default(),
                        ..theirs
                    },
                );
                self.write_times.push_back((entry.pos.index, now));
                for f in (0..self.replicas.len()).filter(|&f| f != j) {
                    out.push((
                        NodeId::Db(j),
                        NodeId::Db(f),
                        Payload::Replicate { key, entry, prev },
                    ));
                }
            }
        }
    }

    fn new_leader(&mut self, j: usize, term: u64, leader: usize, now: Time, out: &mut Outbox) {
        let n = self.replicas.len();
        let rep = &mut self.replicas[j];
        if term < rep.term || (term == rep.term && (rep.role == Role::Leader) == (leader == j)) {
            return;
        }
        let was_leading = rep.role == Role::Leader;
        rep.term = term;
        if leader == j {
            rep.role = Role::Leader;
            rep.acked = vec![0; n];
            rep.heard = vec![now; n];
            rep.acked_upto = rep.last.index;
            rep.syncing = None;
        } else {
            if was_leading {
                self.step_down(j, out);
            }
            self.replicas[j].role = Role::Follower;
            self.ask_sync(j, NodeId::Db(leader), now, out);
        }
    }

    /// Every heartbeat: leaders send heartbeats; the monitor pings, and fails over a silent leader.
    pub fn tick(&mut self, now: Time, servers: usize, out: &mut Outbox) {
        let n = self.replicas.len();
        for (j, r) in self.replicas.iter().enumerate() {
            if r.status.is_up() && r.role == Role::Leader {
                for f in (0..n).filter(|&f| f != j) {
                    out.push((
                        NodeId::Db(j),
                        NodeId::Db(f),
                        Payload::Heartbeat {
                            term: r.term,
                            last: r.last,
                        },
                    ));
                }
            }
            out.push((MONITOR, NodeId::Db(j), Payload::Ping));
        }
        self.monitor_decides(now, servers, out);
    }

    /// The monitor hears a replica's pong. A replica that missed the news (it was down or cut off)
    /// is told who leads now.
    pub fn on_pong(
        &mut self,
        now: Time,
        j: usize,
        term: u64,
        leader: bool,
        last: Pos,
        out: &mut Outbox,
    ) {
        let Some(s) = self.monitor.get_mut(j) else {
            return;
        };
        *s = Seen {
            at: now,
            term,
            leader,
            last,
        };
        if term < self.term || (leader && j != self.leader) {
            out.push((
                MONITOR,
                NodeId::Db(j),
                Payload::NewLeader {
                    term: self.term,
                    leader: self.leader as u16,
                },
            ));
        }
    }

    fn monitor_decides(&mut self, now: Time, servers: usize, out: &mut Outbox) {
        let timeout = self.cfg.failover_timeout;
        if now <= timeout {
            return; // give the first pings time to come back
        }
        let l = self.leader;
        if now.saturating_sub(self.monitor[l].at) <= timeout {
            return;
        }
        let live: Vec<usize> = (0..self.replicas.len())
            .filter(|&j| j != l && now.saturating_sub(self.monitor[j].at) <= timeout)
            .collect();
        let enough = match self.cfg.consistency {
            Consistency::Cp => live.len() >= self.majority(),
            Consistency::Ap => !live.is_empty(),
        };
        if !enough {
            return;
        }
        let best = *live
            .iter()
            .max_by_key(|&&j| (self.monitor[j].last, std::cmp::Reverse(j)))
            .expect("not empty");
        let term = self.term + 1;
        // Omniscient accounting: what the old leader acknowledged beyond the new leader's log is gone.
        let old = &self.replicas[l];
        let kept = self.replicas[best].last;
        if old.holds(kept) || kept.index == 0 {
            self.figures.lost_acked_writes += old.acked_upto.saturating_sub(kept.index);
        }
        self.figures.failovers += 1;
        self.pending.clear();
        self.leader = best;
        self.term = term;
        for j in 0..self.replicas.len() {
            out.push((
                MONITOR,
                NodeId::Db(j),
                Payload::NewLeader {
                    term,
                    leader: best as u16,
                },
            ));
        }
        for i in 0..servers {
            out.push((
                MONITOR,
                NodeId::Server(i),
                Payload::NewLeader {
                    term,
                    leader: best as u16,
                },
            ));
        }
    }

    pub fn fail(&mut self, j: usize) {
        if let Some(rep) = self.replicas.get_mut(j) {
            rep.status = crate::sim::server::Status::Down;
            if rep.role == Role::Leader {
                self.pending.clear();
            }
        }
    }

    /// Replica `j` comes back; a follower asks its leader for what it missed.
    pub fn recover(&mut self, now: Time, j: usize, out: &mut Outbox) {
        let leader = self.leader;
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if rep.status.is_up() {
            return;
        }
        rep.status = crate::sim::server::Status::Up;
        rep.syncing = None;
        if rep.role == Role::Follower && j != leader {
            self.ask_sync(j, NodeId::Db(leader), now, out);
        }
    }
}
