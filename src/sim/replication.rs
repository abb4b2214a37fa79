//! Database replicas: versioned key-value stores kept in step by the leader.
//!
//! The leader numbers every write (its `applied` counter) and ships it to each follower. A follower
//! applies writes strictly in order; when it sees a gap (it was down, or a message was lost) it asks
//! the leader for everything newer than what it has, and the leader answers with those keys. Because
//! every key remembers the version that last wrote it, that answer brings the follower exactly to the
//! leader's state at the time of the answer.

use super::metrics::Cause;
use super::network::{Job, NodeId, Outcome, Payload, Versioned};
use super::server::Status;

/// Messages a component wants sent: (from, to, payload). Components never touch the network
/// themselves; the World sends what they return.
pub type Outbox = Vec<(NodeId, NodeId, Payload)>;

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

/// The replicated database as the rest of the system sees it: queries in, replies and replication
/// traffic out.
#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    pub replicas: Vec<Replica>,
    pub leader: usize,
}

impl Database {
    pub fn new(replicas: usize, keys: u32) -> Self {
        let replicas = (0..replicas)
            .map(|i| Replica::new(if i == 0 { Role::Leader } else { Role::Follower }, keys))
            .collect();
        Self {
            replicas,
            leader: 0,
        }
    }

    /// The replica servers send their queries to.
    pub fn query_target(&self) -> usize {
        self.leader
    }

    /// A server's query reaches replica `j`.
    pub fn on_query(&mut self, j: usize, server: NodeId, job: Job, out: &mut Outbox) {
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if rep.status == Status::Down {
            return; // lost: the balancer's timeout will notice
        }
        if j != self.leader {
            out.push((
                NodeId::Db(j),
                server,
                Payload::QueryReply(job, Outcome::Err(Cause::DbUnavailable)),
            ));
            return;
        }
        if job.write {
            let entry = rep.lead_write(job.key, job.req.id);
            for f in (0..self.replicas.len()).filter(|&f| f != j) {
                // Sent to down replicas too: lost on arrival, which is what missing a write means.
                out.push((
                    NodeId::Db(j),
                    NodeId::Db(f),
                    Payload::Replicate {
                        key: job.key,
                        entry,
                    },
                ));
            }
        }
        out.push((NodeId::Db(j), server, Payload::QueryReply(job, Outcome::Ok)));
    }

    /// Replication traffic reaches replica `j`.
    pub fn on_message(&mut self, j: usize, from: NodeId, payload: Payload, out: &mut Outbox) {
        let leader = self.leader;
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if rep.status == Status::Down {
            return;
        }
        match payload {
            Payload::Replicate { key, entry } => {
                let gap = rep.follow_write(key, entry) == Applied::Gap;
                if gap && !rep.syncing {
                    rep.syncing = true;
                    let have = rep.applied;
                    out.push((
                        NodeId::Db(j),
                        NodeId::Db(leader),
                        Payload::SyncRequest { have },
                    ));
                }
            }
            Payload::SyncRequest { have } => {
                let entries = rep.newer_than(have);
                out.push((
                    NodeId::Db(j),
                    from,
                    Payload::Sync {
                        entries,
                        upto: rep.applied,
                    },
                ));
            }
            Payload::Sync { entries, upto } => rep.apply_sync(&entries, upto),
            _ => {}
        }
    }

    pub fn fail(&mut self, j: usize) {
        if let Some(rep) = self.replicas.get_mut(j) {
            rep.status = Status::Down;
        }
    }

    /// Replica `j` comes back; a follower asks the leader for what it missed.
    pub fn recover(&mut self, j: usize, out: &mut Outbox) {
        let leader = self.leader;
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if rep.status != Status::Down {
            return;
        }
        rep.status = Status::Up;
        rep.syncing = j != leader;
        if j != leader {
            out.push((
                NodeId::Db(j),
                NodeId::Db(leader),
                Payload::SyncRequest { have: rep.applied },
            ));
        }
    }

    /// Every live replica holds exactly the leader's data.
    pub fn in_sync(&self) -> bool {
        let l = &self.replicas[self.leader];
        self.replicas
            .iter()
            .filter(|r| r.status != Status::Down)
            .all(|r| r.applied == l.applied && r.data == l.data)
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
