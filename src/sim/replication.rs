//! Database replicas: versioned key-value stores kept in step by the leader.
//!
//! The leader numbers every write (its `applied` counter) and ships it to each follower. A follower
//! applies writes strictly in order; when it sees a gap (it was down, or a message was lost) it asks
//! the leader for everything newer than what it has, and the leader answers with those keys. Because
//! every key remembers the version that last wrote it, that answer brings the follower exactly to the
//! leader's state at the time of the answer.

use super::network::Versioned;
use super::server::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Leader,
    Follower,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub status: Status,
    pub role: Role,
    /// Version of the last write applied (the leader's counter on the leader).
    pub applied: u64,
    /// Key → its last write; `None` for never written.
    pub data: Vec<Option<Versioned>>,
    /// Waiting for the leader's answer to a sync request.
    pub syncing: bool,
}

/// What a follower should do after receiving one replicated write.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Yes,
    /// Already had it.
    Duplicate,
    /// Writes are missing before it: ask the leader to sync.
    Gap,
}

impl Replica {
    pub fn new(role: Role, keys: u32) -> Self {
        Self {
            status: Status::Up,
            role,
            applied: 0,
            data: vec![None; keys as usize],
            syncing: false,
        }
    }

    /// The leader takes a new write; returns its version.
    pub fn lead_write(&mut self, key: u32, value: u64) -> Versioned {
        self.applied += 1;
        let entry = Versioned {
            version: self.applied,
            value,
        };
        self.data[key as usize] = Some(entry);
        entry
    }

    /// A follower receives one write in the leader's order.
    pub fn follow_write(&mut self, key: u32, entry: Versioned) -> Applied {
        if entry.version <= self.applied {
            Applied::Duplicate
        } else if entry.version == self.applied + 1 {
            self.data[key as usize] = Some(entry);
            self.applied = entry.version;
            Applied::Yes
        } else {
            Applied::Gap
        }
    }

    /// Every key written after version `have` (the leader's side of a sync).
    pub fn newer_than(&self, have: u64) -> Vec<(u32, Versioned)> {
        self.data
            .iter()
            .enumerate()
            .filter_map(|(k, e)| e.filter(|e| e.version > have).map(|e| (k as u32, e)))
            .collect()
    }

    /// A follower applies the leader's sync answer.
    pub fn apply_sync(&mut self, entries: &[(u32, Versioned)], upto: u64) {
        for &(key, entry) in entries {
            let slot = &mut self.data[key as usize];
            if slot.is_none_or(|old| old.version < entry.version) {
                *slot = Some(entry);
            }
        }
        self.applied = self.applied.max(upto);
        self.syncing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follower_that_missed_writes_catches_up_by_sync() {
        let mut leader = Replica::new(Role::Leader, 4);
        let mut follower = Replica::new(Role::Follower, 4);
        let w1 = leader.lead_write(1, 10);
        assert_eq!(follower.follow_write(1, w1), Applied::Yes);
        leader.lead_write(2, 11); // missed
        leader.lead_write(1, 12); // missed
        let w4 = leader.lead_write(3, 13);
        assert_eq!(follower.follow_write(3, w4), Applied::Gap);
        follower.apply_sync(&leader.newer_than(follower.applied), leader.applied);
        assert_eq!(follower.data, leader.data);
        assert_eq!(follower.applied, leader.applied);
        assert_eq!(follower.follow_write(3, w4), Applied::Duplicate);
    }
}
