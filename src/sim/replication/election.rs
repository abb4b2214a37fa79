//! Failover by election (Raft's rules, as described in `leader.rs`): heartbeats, randomised
//! election timeouts, votes only for a log at least as up to date, leader stickiness, stepping down
//! on a newer term, and the AP hand-over of a deposed leader's writes.

use super::{Consistency, Database, Outbox, Pos, Replication, Role, Versioned};
use crate::sim::message::LeaderMsg;
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::sample::{self, SimRng};
use crate::sim::time::Time;

impl Database {
    /// Replica `j` hears from `leader`, leader of `term`. Returns false if that leader is out of
    /// date. A newer term makes it a follower (a deposed leader steps down).
    pub(super) fn hear_leader(
        &mut self,
        j: usize,
        leader: usize,
        term: u64,
        now: Time,
        out: &mut Outbox,
    ) -> bool {
        let rep = &mut self.replicas[j];
        if term < rep.term {
            return false;
        }
        let newer = term > rep.term;
        rep.term = term;
        rep.known_leader = Some(leader);
        rep.leader_heard = now;
        rep.candidate = false;
        if newer {
            self.step_down(j, out);
            self.replicas[j].voted_for = None;
        }
        // A deposed AP leader hands its writes to the first leader it hears from (a Merge sent
        // while nobody led would have been dropped).
        let rep = &mut self.replicas[j];
        if leader != j && !rep.handover.is_empty() {
            let entries = std::mem::take(&mut rep.handover);
            out.push((
                NodeId::Db(j),
                NodeId::Db(leader),
                LeaderMsg::Merge(entries).into(),
            ));
        }
        true
    }

    pub(super) fn step_down(&mut self, j: usize, out: &mut Outbox) {
        let rep = &mut self.replicas[j];
        let was_leading = rep.role == Role::Leader;
        rep.role = Role::Follower;
        rep.candidate = false;
        if !was_leading {
            return;
        }
        if self.leader == j {
            // Another leader (of a split brain) may remain; it becomes the one reported.
            if let Some(other) = (0..self.replicas.len())
                .filter(|&i| self.replicas[i].role == Role::Leader)
                .max_by_key(|&i| self.replicas[i].term)
            {
                self.leader = other;
            }
        }
        if let Some(s) = self.led() {
            s.forget(j);
        }
        self.refuse_reads(j, out);
        self.replicas[j].undo.clear();
        if self.cfg.consistency == Consistency::Ap {
            // Hand over what it wrote while it led, so last-write-wins can keep the newer.
            let rep = &self.replicas[j];
            let led_term = rep.last.term;
            let led: Vec<(u32, Versioned)> = rep
                .data
                .iter()
                .enumerate()
                .filter_map(|(k, e)| e.filter(|e| e.pos.term == led_term).map(|e| (k as u32, e)))
                .collect();
            if !led.is_empty() {
                for f in (0..self.replicas.len()).filter(|&f| f != j) {
                    out.push((
                        NodeId::Db(j),
                        NodeId::Db(f),
                        LeaderMsg::Merge(led.clone()).into(),
                    ));
                }
                self.replicas[j].handover = led;
            }
        }
    }

    pub(super) fn on_vote_request(
        &mut self,
        j: usize,
        candidate: usize,
        term: u64,
        last: Pos,
        now: Time,
        out: &mut Outbox,
    ) {
        let timeout = self.cfg.failover_timeout;
        let healthy_leader = self.replicas[j].role == Role::Leader && self.hears_majority(j, now);
        let rep = &mut self.replicas[j];
        // Leader stickiness: a leader that hears a majority, or a follower that heard from a live
        // leader recently, keeps it (else a replica returning from a partition with an inflated
        // term would depose a healthy leader) — whatever the term asked for, since a follower may
        // have taken a candidate's term from a stray vote answer: this is what the leaders' read
        // leases rest on (docs/DESIGN.md, "Strong reads").
        let sticky = healthy_leader
            || rep.role == Role::Follower
                && now.saturating_sub(rep.leader_heard) < timeout
                && rep.leader_heard > 0
                && rep.known_leader != Some(candidate);
        if sticky && term >= rep.term {
            out.push((
                NodeId::Db(j),
                NodeId::Db(candidate),
                LeaderMsg::Vote {
                    term,
                    granted: false,
                }
                .into(),
            ));
            return;
        }
        if term > rep.term {
            rep.term = term;
            rep.voted_for = None;
            if rep.role == Role::Leader || rep.candidate {
                self.step_down(j, out);
            }
        }
        let rep = &mut self.replicas[j];
        let granted = term == rep.term
            && rep.voted_for.is_none_or(|v| v == candidate)
            && last >= rep.last
            && rep.role != Role::Leader;
        if granted {
            rep.voted_for = Some(candidate);
            rep.election_at = rep.election_at.max(now + timeout);
        } else if last < rep.last && rep.role == Role::Follower {
            // A candidate further behind than this replica cannot win its vote; this replica should
            // stand itself rather than wait out another timeout (else the laggard keeps disrupting).
            rep.election_at = rep.election_at.min(now);
        }
        out.push((
            NodeId::Db(j),
            NodeId::Db(candidate),
            LeaderMsg::Vote {
                term: rep.term,
                granted,
            }
            .into(),
        ));
    }

    /// Replica `j` won its election: it leads, and says so to replicas and servers.
    pub(super) fn win(&mut self, j: usize, now: Time, out: &mut Outbox) {
        let n = self.replicas.len();
        // Omniscient accounting (CP): what the previous leader acknowledged beyond the winner's log
        // is gone for good. (Under AP the deposed leader hands its writes over instead.)
        let prev = self.leader;
        let kept = self.replicas[j].last;
        let mut lost = 0;
        if prev != j && self.cfg.consistency == Consistency::Cp {
            let old = &self.replicas[prev];
            if old.holds(kept) {
                lost = old.acked_upto.saturating_sub(kept.index);
                self.figures.lost_acked_writes += lost;
            }
        }
        let mut text = format!(
            "{} elected leader (term {})",
            NodeId::Db(j).label(),
            self.replicas[j].term
        );
        match lost {
            0 => {}
            1 => text.push_str("; 1 acknowledged write lost"),
            n => text.push_str(&format!("; {n} acknowledged writes lost")),
        }
        self.notices.push((j, text));
        let rep = &mut self.replicas[j];
        rep.role = Role::Leader;
        rep.known_leader = Some(j);
        rep.needs_snapshot = false; // its data is the cluster's from now on
        rep.candidate = false;
        rep.acked = vec![0; n];
        // Those that voted for it are known to be alive; the rest must show it (`all` waits for
        // every follower heard from lately).
        let voters = rep.granted | 1 << j;
        rep.heard = (0..n)
            .map(|f| if voters >> f & 1 == 1 { now } else { 0 })
            .collect();
        rep.acked_upto = rep.last.index;
        rep.syncing = None;
        // It knows nothing committed of its own until its no-op is, and holds no lease yet.
        let sync = self.cfg.replication == Replication::LeaderSync;
        rep.commit = if sync { 0 } else { rep.last.index };
        rep.undo.clear();
        rep.lease_from = vec![0; n];
        rep.term_start = 0; // leader-sync: set by `fence` below
        let term = rep.term;
        self.leader = j;
        self.term = self.term.max(term);
        self.figures.failovers += 1;
        let peers = (0..n).filter(|&f| f != j).map(NodeId::Db);
        for to in peers.chain((0..self.servers).map(NodeId::Server)) {
            out.push((
                NodeId::Db(j),
                to,
                LeaderMsg::NewLeader {
                    term,
                    leader: j as u16,
                }
                .into(),
            ));
        }
        if sync {
            self.fence(j, now, out);
            // Ask for a lease at once rather than at the next heartbeat.
            self.heartbeat(j, now, out);
        }
    }

    /// Leader `j` tells every other replica it is alive and where its log ends.
    fn heartbeat(&self, j: usize, now: Time, out: &mut Outbox) {
        let (term, last) = (self.replicas[j].term, self.replicas[j].last);
        for f in (0..self.replicas.len()).filter(|&f| f != j) {
            let beat = LeaderMsg::Heartbeat {
                term,
                last,
                sent: now,
            };
            out.push((NodeId::Db(j), NodeId::Db(f), beat.into()));
        }
    }

    /// Every heartbeat: leaders send heartbeats; followers whose leader went quiet stand for
    /// election; AP candidates that nobody refused take office.
    pub fn tick(&mut self, now: Time, servers: usize, rng: &mut SimRng, out: &mut Outbox) {
        self.servers = servers;
        let timeout = self.cfg.failover_timeout;
        // Elections are checked every tick, a quarter heartbeat, so randomised timeouts really
        // spread; heartbeats go out once a heartbeat.
        let beat = now >= self.next_beat;
        if beat {
            self.next_beat = now + self.cfg.heartbeat;
        }
        if self.leaderless() {
            if beat {
                self.quorum_tick(now, rng, out);
            }
            return;
        }
        // Synchronous writes whose acknowledgements never came (a follower down, a minority side)
        // are let go: their clients timed out long ago, and the list must not grow for ever.
        let expiry = 2 * timeout;
        if let Some(s) = self.led() {
            s.pending.retain(|p| now.saturating_sub(p.since) < expiry);
            s.reads.retain(|p| now.saturating_sub(p.since) < expiry);
        }
        for j in 0..self.replicas.len() {
            let r = &self.replicas[j];
            if !r.status.is_up() {
                continue;
            }
            if r.role == Role::Leader
                && !self.hears_majority(j, now)
                && self.cfg.consistency == Consistency::Cp
                && now > timeout
            {
                // Check quorum: a CP leader that cannot hear a majority steps down.
                self.step_down(j, out);
                continue;
            }
            if r.role == Role::Leader {
                if beat {
                    self.heartbeat(j, now, out);
                }
                continue;
            }
            // An AP candidate that nobody refused within a heartbeat takes office.
            if r.candidate
                && self.cfg.consistency == Consistency::Ap
                && r.refused == 0
                && now >= r.candidate_since + self.cfg.heartbeat
            {
                self.win(j, now, out);
                continue;
            }
            if r.election_at == 0 {
                // First tick: arm a randomised timer, so replicas do not all stand at once.
                self.replicas[j].election_at =
                    now + timeout + (sample::unit(rng) * timeout as f64) as Time;
                continue;
            }
            if now >= r.election_at && now.saturating_sub(r.leader_heard) >= timeout {
                let n = self.replicas.len() as u64;
                let rep = &mut self.replicas[j];
                // Terms a replica stands in are ≡ its id (mod n), as Paxos ballots carry their
                // proposer: two AP candidates elected at once lead different terms, so positions
                // (term, index) stay unique and the lower term gives way.
                rep.term = (rep.term / n + 1) * n + j as u64;
                rep.candidate = true;
                rep.candidate_since = now;
                rep.voted_for = Some(j);
                rep.granted = 1 << j;
                rep.refused = 0;
                rep.election_at = now + timeout + (sample::unit(rng) * timeout as f64) as Time;
                let (term, last) = (rep.term, rep.last);
                for f in (0..self.replicas.len()).filter(|&f| f != j) {
                    out.push((
                        NodeId::Db(j),
                        NodeId::Db(f),
                        LeaderMsg::RequestVote { term, last }.into(),
                    ));
                }
                if self.cfg.consistency == Consistency::Cp && 1 >= self.majority() {
                    self.win(j, now, out);
                }
            }
        }
    }

    pub fn fail(&mut self, j: usize) {
        if let Some(rep) = self.replicas.get_mut(j) {
            rep.status = Status::Down;
            if rep.role == Role::Leader
                && let Some(s) = self.led()
            {
                s.forget(j);
                s.reads.retain(|p| p.leader != j);
            }
        }
    }

    /// Replica `j` comes back; it waits to hear from a leader (or stands for election).
    pub fn recover(&mut self, now: Time, j: usize) {
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if rep.status.is_up() {
            return;
        }
        rep.status = Status::Up;
        rep.syncing = None;
        rep.candidate = false;
        // A restarted node does not trust its memory of a leader: it listens for one first.
        rep.leader_heard = now;
        rep.election_at = now + self.cfg.failover_timeout;
    }
}
