//! One database replica: a versioned key-value store plus what it knows of the cluster.

use std::collections::VecDeque;

use crate::sim::node::Status;
use crate::sim::sorted::SortedMap;
use crate::sim::time::Time;
use crate::sim::version::{NOOP, Pos, Versioned};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Leader,
    Follower,
    /// A peer of a leaderless (quorum) cluster.
    Peer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Peer => "replica",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub status: Status,
    pub role: Role,
    /// The newest term it has heard of.
    pub term: u64,
    /// Position of the last write in its log.
    pub last: Pos,
    /// Key → its last write; `None` for never written.
    pub data: Vec<Option<Versioned>>,
    /// For each term in its log, the first and last index it holds from that term: enough to tell
    /// whether another replica's log is a prefix of this one (Raft's log matching, compressed).
    pub terms: SortedMap<(u64, u64)>,
    /// Waiting for the leader's answer to a sync request, sent at this time.
    pub syncing: Option<Time>,
    /// Leader only: highest index each replica has acknowledged, and when each last answered.
    pub acked: Vec<u64>,
    pub heard: Vec<Time>,
    /// Leader only: highest index acknowledged to clients.
    pub acked_upto: u64,
    /// Leader only: the highest index it knows committed (held by the followers a write waits
    /// for): what strong reads see. Its term's first entry (a no-op) must be committed before it
    /// serves them, since only then does it know which earlier entries survive (Raft §8).
    pub commit: u64,
    pub term_start: u64,
    /// Leader only (leader-sync): each uncommitted entry of its term in log order — index, key
    /// and the key's value before it — so a read can answer with the committed value.
    pub undo: VecDeque<(u64, u32, Option<Versioned>)>,
    /// Leader only: per replica, when the newest heartbeat of this term that it answered was
    /// sent. Nobody else can be elected before that time plus the failover timeout.
    pub lease_from: Vec<Time>,
    /// Follower: when it last heard from a leader; it stands for election after its own timeout.
    pub leader_heard: Time,
    pub election_at: Time,
    /// The candidate it voted for in `term`.
    pub voted_for: Option<usize>,
    /// Candidate: replicas that granted or refused its vote this term (bit sets).
    pub granted: u64,
    pub refused: u64,
    pub candidate: bool,
    pub candidate_since: Time,
    /// The leader it last heard from, and where that leader's log ended at its last heartbeat.
    pub known_leader: Option<usize>,
    pub leader_last: Pos,
    /// Writes it took as an AP leader, kept until it can hand them to the next leader.
    pub handover: Vec<(u32, Versioned)>,
    /// Its data predates the current log (a switch from leaderless): it must take a snapshot.
    pub needs_snapshot: bool,
    /// Writes it has applied (any mode).
    pub applied: u64,
    /// Lamport clock.
    pub lamport: u64,
    /// The request id of each recent write in its log, with the write's position as (term,
    /// index): a leader that gets a retry of a write it already holds waits for that entry instead
    /// of applying it twice (the client sessions of Raft-based stores). Part of the replicated
    /// state: syncs carry it, a snapshot replaces it. The oldest requests are forgotten past a
    /// bound far beyond any retry's reach. (The map's type is `terms`'s, so the page carries one
    /// copy of its code.)
    pub written: SortedMap<(u64, u64)>,
}

/// Request ids a replica remembers (see [`Replica::written`]).
const WRITTEN: usize = 16_384;

impl Replica {
    pub fn new(role: Role, keys: u32, replicas: usize) -> Self {
        Self {
            status: Status::Up,
            role,
            term: 1,
            last: Pos::default(),
            data: vec![None; keys as usize],
            terms: SortedMap::new(),
            syncing: None,
            acked: vec![0; replicas],
            heard: vec![0; replicas],
            acked_upto: 0,
            commit: 0,
            term_start: 0,
            undo: VecDeque::new(),
            lease_from: vec![0; replicas],
            leader_heard: 0,
            election_at: 0,
            voted_for: None,
            granted: 0,
            refused: 0,
            candidate: false,
            candidate_since: 0,
            known_leader: (role == Role::Follower).then_some(0),
            leader_last: Pos::default(),
            needs_snapshot: false,
            handover: Vec::new(),
            applied: 0,
            lamport: 0,
            written: SortedMap::new(),
        }
    }

    /// The version shown on screen: the position of its log, or (leaderless) how many writes it
    /// has applied.
    pub fn version(&self) -> u64 {
        if self.role == Role::Peer {
            self.applied
        } else {
            self.last.index
        }
    }

    /// Appends one write at the next position (the leader's side).
    pub fn append(&mut self, key: u32, mut entry: Versioned) -> Versioned {
        entry.pos = Pos {
            term: self.term,
            index: self.last.index + 1,
        };
        self.store(key, entry);
        entry
    }

    /// The value of `key` as of the commit index (a leader's strong read).
    pub fn committed(&self, key: u32) -> Option<Versioned> {
        // The first uncommitted write of the key remembers what it overwrote.
        self.undo
            .iter()
            .find(|u| u.1 == key)
            .map_or(self.data[key as usize], |u| u.2)
    }

    /// Stores a write that extends this log (a no-op only moves the log's end).
    pub fn store(&mut self, key: u32, entry: Versioned) {
        if key != NOOP {
            self.data[key as usize] = Some(entry);
            self.applied += 1;
            self.remember(entry.value, entry.pos);
        }
        self.last = entry.pos;
        let range = self
            .terms
            .get_or_insert(entry.pos.term, (entry.pos.index, entry.pos.index));
        range.1 = entry.pos.index;
    }

    fn remember(&mut self, id: u64, pos: Pos) {
        self.written.insert(id, (pos.term, pos.index));
        if self.written.len() > WRITTEN {
            self.written.pop_first();
        }
    }

    /// Where this log holds the write of request `id`, if it does.
    pub fn find_write(&self, id: u64) -> Option<Pos> {
        self.written
            .get(id)
            .map(|&(term, index)| Pos { term, index })
            .filter(|&p| self.holds(p))
    }

    /// Request ids of the writes after index `after` (all of them for a snapshot: `None`).
    pub fn written_after(&self, after: Option<u64>) -> Vec<(u64, Pos)> {
        self.written
            .iter()
            .filter(|(_, (_, index))| after.is_none_or(|a| *index > a))
            .map(|(id, &(term, index))| (id, Pos { term, index }))
            .collect()
    }

    /// Does this log hold position `p`?
    pub fn holds(&self, p: Pos) -> bool {
        p.index == 0
            || self
                .terms
                .get(p.term)
                .is_some_and(|&(lo, hi)| (lo..=hi).contains(&p.index))
    }

    /// Every key written after index `after` (this log must extend the asker's).
    pub fn newer_than(&self, after: u64) -> Vec<(u32, Versioned)> {
        self.data
            .iter()
            .enumerate()
            .filter_map(|(k, e)| e.filter(|e| e.pos.index > after).map(|e| (k as u32, e)))
            .collect()
    }

    /// Every key it holds (a full snapshot).
    pub fn snapshot(&self) -> Vec<(u32, Versioned)> {
        // Everything, including writes from before the log began (index 0, after a switch from
        // leaderless replication).
        self.data
            .iter()
            .enumerate()
            .filter_map(|(k, e)| e.map(|e| (k as u32, e)))
            .collect()
    }

    /// Takes the leader's answer: `entries` bring it to `upto`. A snapshot replaces everything.
    pub fn apply_sync(
        &mut self,
        entries: &[(u32, Versioned)],
        upto: Pos,
        terms: &SortedMap<(u64, u64)>,
        snapshot: bool,
        written: &[(u64, Pos)],
    ) {
        if snapshot {
            self.data.iter_mut().for_each(|d| *d = None);
            self.written.clear();
        }
        for &(id, pos) in written {
            self.remember(id, pos);
        }
        for &(key, entry) in entries {
            let slot = &mut self.data[key as usize];
            if snapshot || slot.is_none_or(|old| old.pos < entry.pos) {
                *slot = Some(entry);
            }
        }
        self.last = upto;
        self.terms = terms.clone();
        self.syncing = None;
        self.needs_snapshot &= !snapshot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::replication::Stamp;

    fn write(value: u64) -> Versioned {
        Versioned {
            pos: Pos::default(),
            stamp: Stamp::default(),
            value,
            count: 0,
        }
    }

    #[test]
    fn a_follower_that_missed_writes_catches_up_by_sync() {
        let mut leader = Replica::new(Role::Leader, 4, 2);
        let mut follower = Replica::new(Role::Follower, 4, 2);
        let w1 = leader.append(1, write(10));
        follower.store(1, w1);
        leader.append(2, write(11));
        leader.append(1, write(12));
        assert!(leader.holds(follower.last));
        let missing = leader.newer_than(follower.last.index);
        assert_eq!(missing.len(), 2);
        let ids = leader.written_after(Some(follower.last.index));
        assert_eq!(ids.len(), 2);
        follower.apply_sync(&missing, leader.last, &leader.terms, false, &ids);
        assert_eq!(follower.written, leader.written);
        assert_eq!((&follower.data, follower.last), (&leader.data, leader.last));
    }

    #[test]
    fn a_divergent_log_is_not_a_prefix() {
        let mut old = Replica::new(Role::Leader, 4, 2);
        let mut new = Replica::new(Role::Follower, 4, 2);
        let w = old.append(0, write(1));
        new.store(0, w);
        old.append(1, write(2)); // never replicated
        new.term = 2;
        new.append(2, write(3)); // index 2 in term 2
        assert!(
            !new.holds(old.last),
            "index 2 of term 1 is not in the new leader's log"
        );
        assert!(new.holds(w.pos));
    }
}
