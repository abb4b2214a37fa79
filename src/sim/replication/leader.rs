//! Leader–follower replication and failover by election.
//!
//! The leader appends each write to its log and ships it to every follower with the position it
//! follows (so a follower can tell a gap or a divergence); followers acknowledge. Synchronous mode
//! answers the client once `all` or a `majority` of followers acknowledged; asynchronous mode at once.
//! A follower that finds itself behind asks for what it lacks: the missing keys when its log is a
//! prefix of the leader's, a full snapshot when it diverged.
//!
//! Failover is Raft's: a follower that hears nothing from a leader for its (randomised) election
//! timeout stands for election in a new term; a replica grants its vote only to a candidate whose log
//! is at least as up to date as its own, so the most up-to-date replica wins. Under CP a candidate
//! needs a majority, and a leader that cannot hear from a majority stops serving (its lease lapsed):
//! a minority side refuses. Under AP a candidate that nobody refused leads whatever it can reach, so
//! each side of a partition gets a leader (split brain); on heal the lower term steps down and hands
//! its writes to the other, which keeps the later of each conflicting pair (last write wins).

use super::state::{Mode, Pending};
use super::{
    Consistency, Database, Outbox, Pos, ReadFrom, Replication, Role, Stamp, SyncAcks, Versioned,
    observed,
};
use crate::sim::message::Cause;
use crate::sim::message::{DbMsg, Job, LeaderMsg, Observed, Outcome, Payload};
use crate::sim::node::NodeId;
use crate::sim::time::Time;

/// Lag is measured against the last this many writes.
const WRITE_TIMES: usize = 100_000;
/// Writes an asynchronous batch holds at most: a full batch ships at once, before its delay is up
/// (memory stays bounded whatever the write rate and shipping delay).
const MAX_BATCH: usize = 65_536;

impl Database {
    pub(super) fn majority(&self) -> usize {
        self.replicas.len() / 2 + 1
    }

    /// Followers leader `j` waits for before a write counts as committed. `all` means every
    /// follower it has heard from within the failover timeout (a follower down that long stops
    /// counting, as Kafka drops a replica from its in-sync set), and never fewer than a majority.
    pub(super) fn followers_needed(&self, j: usize, now: Time) -> usize {
        let majority = self.majority() - 1;
        match (self.cfg.replication, self.cfg.sync_acks) {
            (Replication::LeaderAsync | Replication::Quorum, _) => 0,
            (Replication::LeaderSync, SyncAcks::Majority) => majority,
            (Replication::LeaderSync, SyncAcks::All) => {
                let heard = &self.replicas[j].heard;
                let live = (0..self.replicas.len())
                    .filter(|&f| {
                        f != j && now.saturating_sub(heard[f]) <= self.cfg.failover_timeout
                    })
                    .count();
                live.max(majority)
            }
        }
    }

    /// Leader-sync under CP: reads from the leader are linearizable.
    pub(super) fn strong_reads(&self) -> bool {
        self.cfg.replication == Replication::LeaderSync && self.cfg.consistency == Consistency::Cp
    }

    /// May leader `j` answer a strong read now? Its term's no-op is committed, and a majority
    /// (itself included) answered a heartbeat sent less than a failover timeout ago: no replica
    /// of that majority votes for anyone else before then, so no other leader can exist yet.
    pub(super) fn may_read(&self, j: usize, now: Time) -> bool {
        let r = &self.replicas[j];
        let timeout = self.cfg.failover_timeout;
        let leased = (0..self.replicas.len())
            .filter(|&f| f == j || now < r.lease_from[f] + timeout)
            .count();
        r.role == Role::Leader && r.commit >= r.term_start && leased >= self.majority()
    }

    /// May replica `j`, a leader, serve now? Under AP always; under CP only while a majority
    /// (itself included) answered within the failover timeout: its lease.
    pub(super) fn has_lease(&self, j: usize, now: Time) -> bool {
        self.cfg.consistency == Consistency::Ap || self.hears_majority(j, now)
    }

    /// Leader `j` heard from a majority (itself included) within the failover timeout.
    /// The window is a heartbeat shorter than the followers' election timeout, so an old leader's
    /// lease lapses before a new leader can be elected on the far side of a partition.
    pub(super) fn hears_majority(&self, j: usize, now: Time) -> bool {
        let r = &self.replicas[j];
        let lease = self.cfg.failover_timeout.saturating_sub(self.cfg.heartbeat);
        let fresh = (0..self.replicas.len())
            .filter(|&f| f == j || now.saturating_sub(r.heard[f]) <= lease)
            .count();
        fresh >= self.majority()
    }

    /// Wall-clock reading of replica `j` (its skew applied), for last-write-wins stamps.
    pub(super) fn stamp(&self, j: usize, now: Time) -> Stamp {
        let skew = self.skew.get(j).copied().unwrap_or(0);
        Stamp {
            time: (now as i64 + skew).max(0) as u64,
            node: j as u16,
        }
    }

    /// When a stamp was really written: its clock reading less that node's skew.
    pub(super) fn real_time(&self, s: Stamp) -> i64 {
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
        if self.leaderless() {
            return self.quorum_query(now, j, server, job, out);
        }
        let from = NodeId::Db(j);
        let leading = rep.role == Role::Leader && self.has_lease(j, now);
        if !job.write && rep.role == Role::Leader && self.strong_reads() {
            return self.strong_read(now, j, server, job, out);
        }
        if !job.write {
            if leading || (self.cfg.read_from == ReadFrom::Any && rep.role == Role::Follower) {
                let seen = observed(rep.data[job.key as usize]);
                out.push((from, server, Payload::QueryReply(job, Outcome::Ok, seen)));
            } else {
                self.refuse(j, server, job, out);
            }
            return;
        }
        if !leading {
            return self.refuse(j, server, job, out);
        }
        if let Some(pos) = self.replicas[j].find_write(job.req.id) {
            // A retry of a write this log already holds: answer it when that entry commits.
            let count = self.replicas[j].data[job.key as usize]
                .filter(|d| d.value == job.req.id)
                .map_or(job.count, |d| d.count);
            let seen = Observed {
                value: job.req.id,
                pos,
                count,
            };
            return self.await_commit(j, now, pos.index, server, job, seen, out);
        }
        let current = self.replicas[j].data[job.key as usize];
        if job.incr && self.cfg.cas && current.map(|c| c.pos) != job.expect {
            // Compare-and-set: the key moved since this increment read it.
            self.figures.cas_rejections += 1;
            let reply = Payload::QueryReply(job, Outcome::Err(Cause::Conflict), None);
            return out.push((from, server, reply));
        }
        let count = if job.incr {
            job.count
        } else {
            current.map_or(0, |c| c.count)
        };
        let stamp = self.stamp(j, now);
        let entry = self.append(
            j,
            job.key,
            Versioned {
                pos: Pos::default(),
                stamp,
                value: job.req.id,
                count,
            },
            now,
            out,
        );
        let seen = observed(Some(entry)).expect("a write");
        if self.followers_needed(j, now) == 0 {
            let rep = &mut self.replicas[j];
            rep.acked_upto = entry.pos.index;
            rep.commit = entry.pos.index;
            rep.undo.clear();
        }
        self.await_commit(j, now, entry.pos.index, server, job, seen, out);
    }

    /// Leader `j` answers a write once the entry at `index` is committed: now, or when enough
    /// followers acknowledge it.
    #[allow(clippy::too_many_arguments)]
    fn await_commit(
        &mut self,
        j: usize,
        now: Time,
        index: u64,
        server: NodeId,
        job: Job,
        seen: Observed,
        out: &mut Outbox,
    ) {
        if index <= self.replicas[j].commit {
            let reply = Payload::QueryReply(job, Outcome::Ok, Some(seen));
            return out.push((NodeId::Db(j), server, reply));
        }
        // Only a leader commits (quorum mode never gets here).
        if let Some(s) = self.led() {
            s.pending.push(Pending {
                leader: j,
                since: now,
                index,
                job,
                server,
                seen,
            });
        }
    }

    /// Replica `j` turns a query down; it tells the server which leader it knows of, if another,
    /// so the server's next query goes there.
    pub(super) fn refuse(&mut self, j: usize, server: NodeId, job: Job, out: &mut Outbox) {
        self.figures.refused += 1;
        let rep = &self.replicas[j];
        if let Some(l) = rep.known_leader.filter(|&l| l != j) {
            out.push((
                NodeId::Db(j),
                server,
                LeaderMsg::NewLeader {
                    term: rep.term,
                    leader: l as u16,
                }
                .into(),
            ));
        }
        out.push((
            NodeId::Db(j),
            server,
            Payload::QueryReply(job, Outcome::Err(Cause::DbUnavailable), None),
        ));
    }

    /// The leader `j` appends a write and ships it to every follower.
    pub(super) fn append(
        &mut self,
        j: usize,
        key: u32,
        write: Versioned,
        now: Time,
        out: &mut Outbox,
    ) -> Versioned {
        // Only strong reads use it (switching them on fences the log: `fence_leaders`); under AP a
        // minority leader's writes never commit and would pile up here.
        let strong = self.strong_reads();
        let rep = &mut self.replicas[j];
        let prev = rep.last;
        if strong && key != super::NOOP {
            let before = rep.data[key as usize];
            rep.undo.push_back((prev.index + 1, key, before));
        }
        let entry = rep.append(key, write);
        if self.write_times.len() >= WRITE_TIMES {
            self.write_times.pop_front();
        }
        self.write_times.push_back((entry.pos.index, now));
        let delayed = self.shipping_delayed();
        let at = now + self.cfg.ship_delay;
        let Some(s) = self.led() else {
            return entry;
        };
        if !s.unshipped.is_empty() && s.ship_from != j {
            // Another leader's batch (a split brain): it goes first.
            self.ship(out);
        }
        let Some(s) = self.led() else {
            return entry;
        };
        let first = s.unshipped.is_empty();
        if first {
            s.ship_prev = prev;
            s.ship_from = j;
            if delayed {
                s.ship_at = Some(at);
            }
        }
        s.unshipped.push((key, entry));
        let full = !delayed || s.unshipped.len() >= MAX_BATCH;
        if first && delayed {
            self.want_timer(at);
        }
        if full {
            self.ship(out);
        }
        entry
    }

    /// Asynchronous replication ships writes in batches, a little after it acknowledged them (as a
    /// replication stream does): a leader that dies first takes the batch with it.
    pub(super) fn shipping_delayed(&self) -> bool {
        self.cfg.replication == Replication::LeaderAsync && self.cfg.ship_delay > 0
    }

    /// Times at which the World should call [`Database::on_timer`] (each handed over once).
    pub fn take_timers(&mut self) -> Vec<Time> {
        std::mem::take(&mut self.timers)
    }

    /// A timer the database asked for falls due: ship a batch, expire quorum operations.
    pub fn on_timer(&mut self, now: Time, out: &mut Outbox) {
        if self.timer_armed.is_some_and(|t| t <= now) {
            self.timer_armed = None;
        }
        if let Some(s) = self.led()
            && s.ship_at.is_some_and(|t| t <= now)
        {
            s.ship_at = None;
            self.ship(out);
        }
        self.quorum_expire(now, out);
        // One timer at a time: the earliest thing still waiting.
        let next = match &self.mode {
            Mode::Leader(s) => s.ship_at,
            Mode::Quorum(s) => s.ops.values().map(|q| q.deadline()).min(),
        };
        if let Some(t) = next {
            self.want_timer(t);
        }
    }

    /// Asks the World for a call to [`Database::on_timer`] at `at`, unless one comes sooner.
    pub(super) fn want_timer(&mut self, at: Time) {
        if self.timer_armed.is_none_or(|t| at < t) {
            self.timer_armed = Some(at);
            self.timers.push(at);
        }
    }

    /// Switches replication mode at run time (roles change between leaderless and led).
    pub fn set_replication(&mut self, r: Replication, now: Time, out: &mut Outbox) {
        let (was_quorum, was_strong) = (self.leaderless(), self.strong_reads());
        self.cfg.replication = r;
        let quorum = r == Replication::Quorum;
        if quorum != was_quorum {
            self.quorum_roles(quorum, now);
        }
        if self.strong_reads() && !was_strong {
            self.fence_leaders(now, out);
        }
    }

    /// Switches between CP and AP at run time.
    pub fn set_consistency(&mut self, c: Consistency, now: Time, out: &mut Outbox) {
        let was_strong = self.strong_reads();
        self.cfg.consistency = c;
        if self.strong_reads() && !was_strong {
            self.fence_leaders(now, out);
        }
    }

    /// Strong reads begin: a leader's log may hold writes no follower has (acknowledged at once,
    /// or taken under AP) and it kept no undo log for them. Each leader fences its log, as a new
    /// leader does.
    fn fence_leaders(&mut self, now: Time, out: &mut Outbox) {
        for j in 0..self.replicas.len() {
            let rep = &self.replicas[j];
            if rep.role == Role::Leader && rep.status.is_up() {
                self.fence(j, now, out);
            }
        }
    }

    /// Leader `j` appends a no-op and holds strong reads until it commits: then everything before
    /// it has too (Raft §8), and the undo log need only cover what follows.
    pub(super) fn fence(&mut self, j: usize, now: Time, out: &mut Outbox) {
        let rep = &mut self.replicas[j];
        rep.undo.clear();
        rep.term_start = rep.last.index + 1;
        let noop = Versioned {
            pos: Pos::default(),
            stamp: self.stamp(j, now),
            value: 0,
            count: 0,
        };
        self.append(j, super::NOOP, noop, now, out);
        self.advance_commit(j, now, out);
    }

    /// The leader that buffered writes sends them to every follower.
    pub fn ship(&mut self, out: &mut Outbox) {
        let Mode::Leader(s) = &mut self.mode else {
            return;
        };
        let j = s.ship_from;
        if s.unshipped.is_empty() || self.replicas[j].role != Role::Leader {
            s.unshipped.clear();
            return;
        }
        let batch = std::mem::take(&mut s.unshipped);
        let prev = s.ship_prev;
        for f in (0..self.replicas.len()).filter(|&f| f != j) {
            // Sent to down replicas too: lost on arrival, which is what missing a write means.
            let entries = batch.clone();
            out.push((
                NodeId::Db(j),
                NodeId::Db(f),
                LeaderMsg::Replicate { entries, prev }.into(),
            ));
        }
    }

    /// Replication and election traffic reaches replica `j`.
    pub fn on_message(&mut self, now: Time, j: usize, from: NodeId, msg: DbMsg, out: &mut Outbox) {
        let Some(rep) = self.replicas.get(j) else {
            return;
        };
        let NodeId::Db(peer) = from else {
            return;
        };
        if !rep.status.is_up() {
            return;
        }
        // A message of the other protocol (sent before a switch of replication mode) is void.
        match (msg, &self.mode) {
            (DbMsg::Leader(m), Mode::Leader(_)) => self.leader_message(now, j, peer, m, out),
            (DbMsg::Quorum(m), Mode::Quorum(_)) => self.quorum_message(now, j, peer, m, out),
            (DbMsg::Leader(_), Mode::Quorum(_)) | (DbMsg::Quorum(_), Mode::Leader(_)) => {}
        }
    }

    /// The leader protocol's traffic reaches replica `j` from replica `peer`.
    fn leader_message(
        &mut self,
        now: Time,
        j: usize,
        peer: usize,
        msg: LeaderMsg,
        out: &mut Outbox,
    ) {
        let me = NodeId::Db(j);
        let from = NodeId::Db(peer);
        let rep = &mut self.replicas[j];
        match msg {
            LeaderMsg::Replicate { entries, prev } => {
                let Some(&(_, newest)) = entries.last() else {
                    return;
                };
                if !self.hear_leader(j, peer, newest.pos.term, now, out) {
                    return;
                }
                let rep = &mut self.replicas[j];
                let term = newest.pos.term;
                if rep.last == prev {
                    for &(key, entry) in entries.iter() {
                        rep.store(key, entry);
                    }
                    out.push((
                        me,
                        from,
                        LeaderMsg::Ack {
                            term,
                            index: newest.pos.index,
                        }
                        .into(),
                    ));
                } else if rep.holds(newest.pos) {
                    out.push((
                        me,
                        from,
                        LeaderMsg::Ack {
                            term,
                            index: rep.last.index,
                        }
                        .into(),
                    ));
                } else {
                    self.ask_sync(j, from, now, out);
                }
            }
            LeaderMsg::Heartbeat { term, last, sent } => {
                if rep.role == Role::Leader && term == rep.term && peer < j {
                    // Two leaders of one term (two AP candidates won at once): the lower id keeps it.
                    self.step_down(j, out);
                }
                if !self.hear_leader(j, peer, term, now, out) {
                    // Tell a deposed leader about the newer term, so it steps down.
                    let rep = &self.replicas[j];
                    out.push((
                        me,
                        from,
                        LeaderMsg::HeartbeatAck {
                            term: rep.term,
                            last: rep.last,
                            sent,
                        }
                        .into(),
                    ));
                    return;
                }
                // Ask for a sync when its log runs past the leader's or leaves it (entries from a
                // dead term), or when it is still behind where the leader was a heartbeat ago (a
                // batch went missing); a batch merely in flight is not worth a sync.
                let rep = &mut self.replicas[j];
                let diverged = rep.last.index > last.index
                    || (rep.last != last && rep.last.index == last.index);
                let stuck = rep.last.index < rep.leader_last.index.min(last.index);
                rep.leader_last = last;
                if diverged || stuck || rep.needs_snapshot {
                    self.ask_sync(j, from, now, out);
                }
                let rep = &self.replicas[j];
                out.push((
                    me,
                    from,
                    LeaderMsg::HeartbeatAck {
                        term,
                        last: rep.last,
                        sent,
                    }
                    .into(),
                ));
            }
            LeaderMsg::Ack { term, index } if rep.role == Role::Leader && term == rep.term => {
                rep.acked[peer] = rep.acked[peer].max(index);
                rep.heard[peer] = now;
                self.advance_commit(j, now, out);
            }
            LeaderMsg::HeartbeatAck { term, last, sent } => {
                if rep.role == Role::Leader && term == rep.term {
                    rep.heard[peer] = now;
                    rep.lease_from[peer] = rep.lease_from[peer].max(sent);
                    if rep.holds(last) {
                        rep.acked[peer] = rep.acked[peer].max(last.index);
                    }
                    self.advance_commit(j, now, out);
                } else if term > rep.term {
                    rep.term = term;
                    self.step_down(j, out);
                }
            }
            LeaderMsg::SyncRequest { last } => {
                if rep.role != Role::Leader {
                    return;
                }
                let snapshot = !rep.holds(last);
                let entries = if snapshot {
                    rep.snapshot()
                } else {
                    rep.newer_than(last.index)
                };
                let written = rep.written_after((!snapshot).then_some(last.index));
                let sync = crate::sim::message::SyncData {
                    term: rep.term,
                    entries,
                    upto: rep.last,
                    terms: rep.terms.clone(),
                    snapshot,
                    written,
                };
                out.push((me, from, LeaderMsg::Sync(Box::new(sync)).into()));
            }
            LeaderMsg::Sync(sync) => {
                if !self.hear_leader(j, peer, sync.term, now, out) {
                    return;
                }
                let rep = &mut self.replicas[j];
                rep.apply_sync(
                    &sync.entries,
                    sync.upto,
                    &sync.terms,
                    sync.snapshot,
                    &sync.written,
                );
                out.push((
                    me,
                    from,
                    LeaderMsg::Ack {
                        term: sync.term,
                        index: sync.upto.index,
                    }
                    .into(),
                ));
            }
            LeaderMsg::Merge(entries) => self.merge(j, &entries, now, out),
            LeaderMsg::RequestVote { term, last } => {
                self.on_vote_request(j, peer, term, last, now, out)
            }
            LeaderMsg::Vote { term, granted } => {
                if rep.candidate && term == rep.term {
                    if granted {
                        rep.granted |= 1 << peer
                    } else {
                        rep.refused |= 1 << peer
                    }
                    if self.cfg.consistency == Consistency::Cp
                        && (rep.granted.count_ones() as usize) >= self.majority()
                    {
                        self.win(j, now, out);
                    }
                } else if term > rep.term {
                    rep.term = term;
                    self.step_down(j, out);
                }
            }
            LeaderMsg::NewLeader { term, leader } => {
                self.hear_leader(j, leader as usize, term, now, out);
            }
            // An acknowledgement for a term this replica no longer leads.
            LeaderMsg::Ack { .. } => {}
        }
    }

    pub(super) fn ask_sync(&mut self, j: usize, leader: NodeId, now: Time, out: &mut Outbox) {
        let rep = &mut self.replicas[j];
        // One request at a time, but a lost answer must not block the follower for ever.
        if rep
            .syncing
            .is_some_and(|t| now.saturating_sub(t) < 2 * self.cfg.failover_timeout)
        {
            return;
        }
        rep.syncing = Some(now);
        // A position no leader holds asks for a full snapshot.
        let last = if rep.needs_snapshot {
            Pos {
                term: u64::MAX,
                index: u64::MAX,
            }
        } else {
            rep.last
        };
        out.push((
            NodeId::Db(j),
            leader,
            LeaderMsg::SyncRequest { last }.into(),
        ));
    }

    /// A synchronous leader moves its commit index to the highest entry the followers it waits
    /// for all hold, answers the writes up to it, and then the strong reads it may now answer.
    pub(super) fn advance_commit(&mut self, j: usize, now: Time, out: &mut Outbox) {
        let needed = self.followers_needed(j, now);
        // Under `all` only followers still counted as live vote with their acks (a crashed one's
        // old ack says nothing of the followers that must hold the write).
        let all = self.cfg.sync_acks == SyncAcks::All;
        let timeout = self.cfg.failover_timeout;
        let rep = &mut self.replicas[j];
        let mut held: Vec<u64> = (0..rep.acked.len())
            .filter(|&f| f != j && (!all || now.saturating_sub(rep.heard[f]) <= timeout))
            .map(|f| rep.acked[f].min(rep.last.index))
            .collect();
        crate::sim::sort::sort_by(&mut held, |a, b| a > b);
        let reached = match needed {
            0 => rep.last.index,
            n => held.get(n - 1).copied().unwrap_or(0),
        };
        // Only an entry of its own term commits what precedes it (Raft §5.4.2).
        if reached >= rep.term_start && reached > rep.commit {
            rep.commit = reached;
            while rep.undo.front().is_some_and(|u| u.0 <= reached) {
                rep.undo.pop_front();
            }
        }
        let commit = rep.commit;
        rep.acked_upto = rep.acked_upto.max(commit);
        let may_read = self.may_read(j, now);
        let Some(s) = self.led() else {
            return;
        };
        s.pending.retain(|p| {
            if p.leader != j || p.index > commit {
                return true;
            }
            let reply = Payload::QueryReply(p.job, Outcome::Ok, Some(p.seen));
            out.push((NodeId::Db(j), p.server, reply));
            false
        });
        if !s.reads.is_empty() && may_read {
            let (ready, wait) = std::mem::take(&mut s.reads)
                .into_iter()
                .partition(|r| r.leader == j);
            s.reads = wait;
            for r in ready {
                self.answer_read(j, r.server, r.job, out);
            }
        }
    }

    /// A strong read reaches leader `j`: answered with committed data once it may read, held until
    /// then (a new leader's no-op, a lease about to be renewed).
    fn strong_read(&mut self, now: Time, j: usize, server: NodeId, job: Job, out: &mut Outbox) {
        if self.may_read(j, now) {
            return self.answer_read(j, server, job, out);
        }
        if let Some(s) = self.led() {
            s.reads.push(Pending {
                leader: j,
                since: now,
                index: 0,
                job,
                server,
                seen: Observed::default(),
            });
        }
    }

    fn answer_read(&mut self, j: usize, server: NodeId, job: Job, out: &mut Outbox) {
        let seen = observed(self.replicas[j].committed(job.key));
        out.push((
            NodeId::Db(j),
            server,
            Payload::QueryReply(job, Outcome::Ok, seen),
        ));
    }

    /// Strong reads held by `j`, which may no longer answer them (it stepped down or crashed):
    /// refused, so their servers look for the new leader at once.
    pub(super) fn refuse_reads(&mut self, j: usize, out: &mut Outbox) {
        let Some(s) = self.led() else {
            return;
        };
        let (mine, rest) = std::mem::take(&mut s.reads)
            .into_iter()
            .partition(|r| r.leader == j);
        s.reads = rest;
        for r in mine {
            self.refuse(j, r.server, r.job, out);
        }
    }

    /// AP reconciliation: a leader takes a deposed leader's writes it lacks, keeping for each key the
    /// one with the later stamp; a key written on both sides is a conflict.
    pub(super) fn merge(
        &mut self,
        j: usize,
        entries: &[(u32, Versioned)],
        now: Time,
        out: &mut Outbox,
    ) {
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
                let (winner, loser) = if m.stamp < theirs.stamp {
                    (theirs, m)
                } else {
                    (m, theirs)
                };
                if self.real_time(winner.stamp) < self.real_time(loser.stamp) {
                    self.figures.lost_by_clock_skew += 1;
                }
            }
            if mine.is_some_and(|m| m.stamp >= theirs.stamp) {
                self.discarded.push(theirs.pos);
            }
            if mine.is_none_or(|m| m.stamp < theirs.stamp) {
                let kept = self.append(
                    j,
                    key,
                    Versioned {
                        pos: Pos::default(),
                        ..theirs
                    },
                    now,
                    out,
                );
                self.moved.push((theirs.pos, kept.pos));
            }
        }
    }
}
