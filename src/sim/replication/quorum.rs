//! Leaderless replication, as Dynamo, Cassandra and Riak do it. Every replica holds every key; the
//! replica a server reaches coordinates: a write is stamped and sent to all N replicas and succeeds
//! once W acknowledged it; a read asks all N and answers with the newest of the first R replies,
//! repairing the stale ones it saw. A replica that does not acknowledge a write in time gets it later
//! as a hint; anti-entropy rounds bring any remaining differences in step. Stamps decide between
//! versions (last write wins): wall clocks, skew included, or Lamport counters — with which a write
//! first reads the key's stamp and goes one past it, so a write made after another never loses to it.
//!
//! CP refuses what cannot gather its quorum in time; AP accepts it anyway (a sloppy quorum of
//! whatever answered) and leaves the rest to hints and anti-entropy.

use super::state::{Hint, LeaderState, Mode, QOp, QuorumState};
use super::{ClockKind, Consistency, Database, Outbox, Pos, Role, Stamp, Versioned, observed};
use crate::sim::message::Cause;
use crate::sim::message::{Job, Outcome, Payload, QuorumMsg};
use crate::sim::node::NodeId;
use crate::sim::sample::{self, SimRng};
use crate::sim::time::Time;

/// Hints kept at most, cluster-wide.
const MAX_HINTS: usize = 10_000;

/// Quorum entries carry their stamp as their position, so positions order them as stamps do (the
/// stale-read check and the history compare positions).
fn as_pos(s: Stamp) -> Pos {
    Pos {
        term: s.time,
        index: s.node as u64,
    }
}

impl Database {
    fn op_id(&mut self) -> u64 {
        self.next_op += 1;
        self.next_op
    }

    fn peers(&self, c: usize) -> impl Iterator<Item = usize> + use<> {
        let n = self.replicas.len();
        (0..n).filter(move |&f| f != c)
    }

    /// Replica `j` stores `entry` if it is newer than what it holds; keeps its Lamport clock ahead
    /// of every stamp it sees. Returns whether it stored it.
    fn lww_store(&mut self, j: usize, key: u32, entry: Versioned) -> bool {
        let rep = &mut self.replicas[j];
        rep.lamport = rep.lamport.max(entry.stamp.time);
        let newer = rep.data[key as usize].is_none_or(|old| old.stamp < entry.stamp);
        if newer {
            rep.data[key as usize] = Some(entry);
            rep.applied += 1;
        }
        newer
    }

    /// A server's query reaches replica `c`, which coordinates it.
    pub(super) fn quorum_query(
        &mut self,
        now: Time,
        c: usize,
        server: NodeId,
        job: Job,
        out: &mut Outbox,
    ) {
        let local = self.replicas[c].data[job.key as usize];
        if job.write && job.incr && self.cfg.cas && local.map(|v| v.pos) != job.expect {
            // Compare-and-set against the coordinator's own copy only: without consensus a
            // leaderless store cannot make it atomic across replicas (Cassandra runs Paxos for it).
            self.figures.cas_rejections += 1;
            let reply = Payload::QueryReply(job, Outcome::Err(Cause::Conflict), None);
            return out.push((NodeId::Db(c), server, reply));
        }
        let op = self.op_id();
        let lamport_write = job.write && self.cfg.clock == ClockKind::Lamport;
        let mut q = QOp {
            coordinator: c,
            job,
            server,
            writing: job.write && !lamport_write,
            answered: 1 << c,
            newest: None,
            stale: Vec::new(),
            entry: None,
            replied: false,
            deadline: now + self.cfg.quorum_timeout,
        };
        self.want_timer(q.deadline);
        if q.writing {
            self.start_write(now, op, &mut q, None, out);
        } else {
            let local = self.replicas[c].data[job.key as usize];
            q.newest = local;
            for f in self.peers(c) {
                out.push((
                    NodeId::Db(c),
                    NodeId::Db(f),
                    QuorumMsg::Get { op, key: job.key }.into(),
                ));
            }
        }
        self.keep_op(op, q);
        self.settle_op(op, now, out);
    }

    /// The coordinator stamps the write (one past `seen` under Lamport), stores it and sends it on.
    fn start_write(
        &mut self,
        now: Time,
        op: u64,
        q: &mut QOp,
        seen: Option<Stamp>,
        out: &mut Outbox,
    ) {
        let c = q.coordinator;
        let stamp = match self.cfg.clock {
            ClockKind::Wall => {
                let skew = self.skew.get(c).copied().unwrap_or(0);
                Stamp {
                    time: (now as i64 + skew).max(0) as u64,
                    node: c as u16,
                }
            }
            ClockKind::Lamport => {
                let rep = &mut self.replicas[c];
                rep.lamport = rep.lamport.max(seen.map_or(0, |s| s.time)) + 1;
                Stamp {
                    time: rep.lamport,
                    node: c as u16,
                }
            }
        };
        let current = self.replicas[c].data[q.job.key as usize];
        let count = if q.job.incr {
            q.job.count
        } else {
            current.map_or(0, |v| v.count)
        };
        let entry = Versioned {
            pos: as_pos(stamp),
            stamp,
            value: q.job.req.id,
            count,
        };
        // A write whose coordinator already holds a newer-stamped version of the key loses at once,
        // although it was made after that version: only a clock can have put it behind.
        if self.replicas[c].data[q.job.key as usize].is_some_and(|old| old.stamp > stamp) {
            self.figures.lost_by_clock_skew += 1;
        }
        if self.written_ids.insert(q.job.req.id, (0, 0)).is_some() {
            self.figures.duplicate_writes += 1;
        }
        if self.written_ids.len() > 16_384 {
            self.written_ids.pop_first();
        }
        self.lww_store(c, q.job.key, entry);
        q.writing = true;
        q.answered = 1 << c;
        q.entry = Some(entry);
        for f in self.peers(c) {
            out.push((
                NodeId::Db(c),
                NodeId::Db(f),
                QuorumMsg::Put {
                    op,
                    key: q.job.key,
                    entry,
                }
                .into(),
            ));
        }
    }

    /// Quorum traffic reaches replica `j` from replica `from`.
    pub(super) fn quorum_message(
        &mut self,
        now: Time,
        j: usize,
        from: usize,
        msg: QuorumMsg,
        out: &mut Outbox,
    ) {
        match msg {
            QuorumMsg::Put { op, key, entry } => {
                self.lww_store(j, key, entry);
                if op != 0 {
                    out.push((
                        NodeId::Db(j),
                        NodeId::Db(from),
                        QuorumMsg::PutAck { op }.into(),
                    ));
                }
            }
            QuorumMsg::Get { op, key } => {
                let entry = self.replicas[j].data[key as usize];
                out.push((
                    NodeId::Db(j),
                    NodeId::Db(from),
                    QuorumMsg::GetReply { op, entry }.into(),
                ));
            }
            QuorumMsg::PutAck { op } => {
                if self.quorum().and_then(|s| s.hints.remove(op)).is_none()
                    && let Some(q) = self.quorum().and_then(|s| s.ops.get_mut(op))
                    && q.writing
                {
                    q.answered |= 1 << from;
                    self.settle_op(op, now, out);
                }
            }
            QuorumMsg::GetReply { op, entry } => {
                // Fields, not `self.quorum()`: the replicas and figures are written beside it.
                let Mode::Quorum(s) = &mut self.mode else {
                    return;
                };
                let Some(q) = s.ops.get_mut(op) else {
                    return;
                };
                if q.writing || q.answered & (1 << from) != 0 {
                    return;
                }
                q.answered |= 1 << from;
                if let Some(e) = entry {
                    self.replicas[j].lamport = self.replicas[j].lamport.max(e.stamp.time);
                }
                if q.replied {
                    // A reply after the read was answered: repair it in the background if stale.
                    let (key, newest, c) = (q.job.key, q.newest, q.coordinator);
                    if let Some(n) = newest.filter(|n| entry.is_none_or(|e| e.stamp < n.stamp)) {
                        self.figures.read_repairs += 1;
                        out.push((
                            NodeId::Db(c),
                            NodeId::Db(from),
                            QuorumMsg::Put {
                                op: 0,
                                key,
                                entry: n,
                            }
                            .into(),
                        ));
                    }
                    return;
                }
                q.stale.push((from, entry));
                if entry.is_some_and(|e| q.newest.is_none_or(|n| n.stamp < e.stamp)) {
                    q.newest = entry;
                }
                self.settle_op(op, now, out);
            }
            QuorumMsg::Digest { entries, reply } => {
                let mut fixed = 0;
                for &(key, e) in entries.iter() {
                    fixed += self.lww_store(j, key, e) as u64;
                }
                self.figures.anti_entropy_fixes += fixed;
                if reply {
                    // A digest lists keys in ascending order (see anti_entropy), so no map needed.
                    let stamp_of = |k: u32| {
                        let i = entries.binary_search_by_key(&k, |(x, _)| *x).ok()?;
                        Some(entries[i].1.stamp)
                    };
                    let newer: Vec<(u32, Versioned)> = self.replicas[j]
                        .data
                        .iter()
                        .enumerate()
                        .filter_map(|(k, e)| {
                            let e = (*e)?;
                            stamp_of(k as u32)
                                .is_none_or(|s| s < e.stamp)
                                .then_some((k as u32, e))
                        })
                        .collect();
                    if !newer.is_empty() {
                        out.push((
                            NodeId::Db(j),
                            NodeId::Db(from),
                            QuorumMsg::Digest {
                                entries: newer,
                                reply: false,
                            }
                            .into(),
                        ));
                    }
                }
            }
        }
    }

    /// Answers operation `op` if its quorum is in; a Lamport write moves from its read round to its
    /// write round.
    fn settle_op(&mut self, op: u64, now: Time, out: &mut Outbox) {
        let Some(mut q) = self.quorum().and_then(|s| s.ops.remove(op)) else {
            return;
        };
        let have = q.answered.count_ones() as usize;
        let c = q.coordinator;
        if !q.replied {
            if q.writing && have >= self.cfg.write_quorum {
                q.replied = true;
                out.push((
                    NodeId::Db(c),
                    q.server,
                    Payload::QueryReply(q.job, Outcome::Ok, observed(q.entry)),
                ));
            } else if !q.writing && have >= self.cfg.read_quorum {
                if q.job.write {
                    // Lamport write: the read round is done; now write one past the newest stamp.
                    let seen = q.newest.map(|e| e.stamp);
                    self.start_write(now, op, &mut q, seen, out);
                    self.keep_op(op, q);
                    return self.settle_op(op, now, out);
                }
                q.replied = true;
                self.read_repair(&q, out);
                out.push((
                    NodeId::Db(c),
                    q.server,
                    Payload::QueryReply(q.job, Outcome::Ok, observed(q.newest)),
                ));
            }
        }
        // Operations stay until their deadline: writes to learn who never acknowledged (hints),
        // reads to repair replicas that answer late.
        self.keep_op(op, q);
    }

    fn read_repair(&mut self, q: &QOp, out: &mut Outbox) {
        let Some(newest) = q.newest else { return };
        for &(r, had) in &q.stale {
            if had.is_none_or(|h| h.stamp < newest.stamp) {
                self.figures.read_repairs += 1;
                let put = QuorumMsg::Put {
                    op: 0,
                    key: q.job.key,
                    entry: newest,
                };
                out.push((NodeId::Db(q.coordinator), NodeId::Db(r), put.into()));
            }
        }
    }

    /// Deadlines pass: an operation without its quorum fails under CP, or is accepted with what it
    /// has under AP; replicas that never acknowledged a write get it as a hint.
    pub(super) fn quorum_expire(&mut self, now: Time, out: &mut Outbox) {
        let Mode::Quorum(s) = &self.mode else {
            return;
        };
        let due: Vec<u64> = s
            .ops
            .iter()
            .filter(|(_, q)| q.deadline <= now)
            .map(|(op, _)| op)
            .collect();
        for op in due {
            let Some(q) = self.quorum().and_then(|s| s.ops.remove(op)) else {
                continue;
            };
            let c = q.coordinator;
            if !self.replicas[c].status.is_up() {
                continue; // the operation died with its coordinator
            }
            if !q.replied {
                let accept = self.cfg.consistency == Consistency::Ap;
                let outcome = if accept {
                    Outcome::Ok
                } else {
                    Outcome::Err(Cause::DbUnavailable)
                };
                if !accept {
                    self.figures.quorum_failures += 1;
                }
                let seen = if q.writing { q.entry } else { q.newest };
                if accept && !q.writing && q.job.write {
                    // A Lamport write that could not read its quorum: under AP it writes anyway.
                    let mut q = q.clone();
                    let seen = q.newest.map(|e| e.stamp);
                    let new_op = self.op_id();
                    q.deadline = now + self.cfg.quorum_timeout;
                    self.want_timer(q.deadline);
                    self.start_write(now, new_op, &mut q, seen, out);
                    q.replied = true;
                    out.push((
                        NodeId::Db(c),
                        q.server,
                        Payload::QueryReply(q.job, Outcome::Ok, observed(q.entry)),
                    ));
                    self.keep_op(new_op, q);
                    continue;
                }
                out.push((
                    NodeId::Db(c),
                    q.server,
                    Payload::QueryReply(q.job, outcome, observed(seen)),
                ));
            }
            if let (true, Some(entry)) = (q.writing, q.entry) {
                for target in self.peers(c).filter(|&t| q.answered & (1 << t) == 0) {
                    self.store_hint(c, target, q.job.key, entry);
                }
            }
        }
    }

    /// Parks `entry` for `target` at `holder`: one hint per (holder, target, key), the newest, and
    /// at most `MAX_HINTS` in all (anti-entropy repairs what no hint carries).
    fn store_hint(&mut self, holder: usize, target: usize, key: u32, entry: Versioned) {
        let Some(s) = self.quorum() else {
            return;
        };
        let same = s
            .hints
            .iter()
            .find(|(_, h)| h.holder == holder && h.target == target && h.key == key)
            .map(|(id, h)| (id, h.entry.stamp));
        match same {
            Some((_, stamp)) if stamp >= entry.stamp => return,
            Some((id, _)) => {
                s.hints.remove(id);
            }
            None if s.hints.len() >= MAX_HINTS => return,
            None => {}
        }
        let id = self.op_id();
        self.figures.hints_stored += 1;
        let Some(s) = self.quorum() else {
            return;
        };
        s.hints.insert(
            id,
            Hint {
                holder,
                target,
                key,
                entry,
            },
        );
    }

    /// Every heartbeat: hints are offered again; every anti-entropy period, each replica sends its
    /// store to a random peer.
    pub(super) fn quorum_tick(&mut self, now: Time, rng: &mut SimRng, out: &mut Outbox) {
        if let Mode::Quorum(s) = &self.mode {
            for (id, h) in s.hints.iter() {
                if self.replicas[h.holder].status.is_up() {
                    let put = QuorumMsg::Put {
                        op: id,
                        key: h.key,
                        entry: h.entry,
                    };
                    out.push((NodeId::Db(h.holder), NodeId::Db(h.target), put.into()));
                }
            }
        }
        let n = self.replicas.len();
        if self.cfg.anti_entropy == 0 || now < self.next_anti_entropy || n < 2 {
            return;
        }
        self.next_anti_entropy = now + self.cfg.anti_entropy;
        for j in 0..n {
            if !self.replicas[j].status.is_up() {
                continue;
            }
            let peer = (j + 1 + sample::below(rng, n - 1)) % n;
            let entries: Vec<(u32, Versioned)> = self.replicas[j]
                .data
                .iter()
                .enumerate()
                .filter_map(|(k, e)| e.map(|e| (k as u32, e)))
                .collect();
            out.push((
                NodeId::Db(j),
                NodeId::Db(peer),
                QuorumMsg::Digest {
                    entries,
                    reply: true,
                }
                .into(),
            ));
        }
    }

    /// Leaving leaderless replication: the replicas that are up settle their differences once (last
    /// write wins), as a migration would, and the log starts afresh (quorum-era positions are stamps,
    /// which a log's cannot be compared with). Replicas that are down take a snapshot on return.
    fn reconcile_for_log(&mut self) {
        let keys = self.replicas.first().map_or(0, |r| r.data.len());
        for k in 0..keys {
            let newest = self
                .replicas
                .iter()
                .filter(|r| r.status.is_up())
                .filter_map(|r| r.data[k])
                .max_by_key(|v| v.stamp)
                .map(|v| Versioned {
                    pos: Pos::default(),
                    ..v
                });
            for r in self.replicas.iter_mut().filter(|r| r.status.is_up()) {
                r.data[k] = newest;
            }
        }
        // The reconciled state is position (0, 1) of the new log, so the replicas that hold it win
        // elections over those that do not and are never asked to snapshot; the others are (0, 0).
        let settled = Pos { term: 0, index: 1 };
        for r in &mut self.replicas {
            r.needs_snapshot = !r.status.is_up();
            r.last = if r.needs_snapshot {
                Pos::default()
            } else {
                settled
            };
            r.terms.clear();
            if !r.needs_snapshot {
                r.terms.insert(0, (1, 1));
            }
        }
    }

    /// Switches every replica to the new mode's role: peers for quorum, followers (who will elect a
    /// leader) otherwise.
    pub(super) fn quorum_roles(&mut self, quorum: bool, now: Time) {
        let timeout = self.cfg.failover_timeout;
        if !quorum {
            self.reconcile_for_log();
        }
        for r in &mut self.replicas {
            if quorum {
                r.role = Role::Peer;
                r.candidate = false;
            } else if r.role == Role::Peer {
                r.role = Role::Follower;
                r.leader_heard = now;
                r.election_at = now + timeout;
            }
        }
        // The new protocol starts afresh; the old one's work in progress is dropped.
        self.mode = if quorum {
            Mode::Quorum(QuorumState::default())
        } else {
            Mode::Leader(LeaderState::default())
        };
    }

    /// Keeps operation `op` under way (until its deadline).
    fn keep_op(&mut self, op: u64, q: QOp) {
        if let Some(s) = self.quorum() {
            s.ops.insert(op, q);
        }
    }
}
