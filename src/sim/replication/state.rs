//! The replication protocols' state: each protocol's work in progress (a synchronous write waiting
//! for its followers, a quorum operation, a hint held for a replica) and the [`Mode`] that holds
//! one protocol's or the other's. Their own file, beneath `Database` and the protocols that fill
//! them, so that neither imports the other.

use crate::sim::message::{Job, Observed};
use crate::sim::node::NodeId;
use crate::sim::sorted::SortedMap;
use crate::sim::time::Time;
use crate::sim::version::{Pos, Versioned};

/// A synchronous write waiting for its followers.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Pending {
    pub(super) leader: usize,
    /// When it began waiting: the balancer gives up on it long before a few failover timeouts.
    pub(super) since: Time,
    pub(super) index: u64,
    pub(super) job: Job,
    pub(super) server: NodeId,
    pub(super) seen: Observed,
}

/// A quorum operation a coordinator has in progress.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct QOp {
    pub(super) coordinator: usize,
    pub(super) job: Job,
    pub(super) server: NodeId,
    /// Reading (a read, or a Lamport write's first round) or writing.
    pub(super) writing: bool,
    /// Replicas that answered this round, and the versions they returned (reads).
    pub(super) answered: u64,
    pub(super) newest: Option<Versioned>,
    pub(super) stale: Vec<(usize, Option<Versioned>)>,
    /// The write being stored (writes).
    pub(super) entry: Option<Versioned>,
    pub(super) replied: bool,
    pub(super) deadline: Time,
}

impl QOp {
    pub(super) fn deadline(&self) -> Time {
        self.deadline
    }
}

/// A write held for a replica that did not acknowledge it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Hint {
    pub(super) holder: usize,
    pub(super) target: usize,
    pub(super) key: u32,
    pub(super) entry: Versioned,
}

/// The leader protocol's work in progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct LeaderState {
    /// Writes a synchronous leader holds until enough followers acknowledge them, and strong reads
    /// it holds until it may answer them.
    pub(super) pending: Vec<Pending>,
    pub(super) reads: Vec<Pending>,
    /// Asynchronous mode: writes acknowledged but not yet shipped, the position before the first,
    /// the leader that wrote them, and when they go.
    pub(super) unshipped: Vec<(u32, Versioned)>,
    pub(super) ship_prev: Pos,
    pub(super) ship_from: usize,
    pub(super) ship_at: Option<Time>,
}

impl LeaderState {
    /// Leader `j` stopped leading: what it was waiting to commit or ship goes with it.
    pub(super) fn forget(&mut self, j: usize) {
        self.pending.retain(|p| p.leader != j);
        if self.ship_from == j {
            self.unshipped.clear(); // acknowledged, never shipped: gone unless it returns
        }
    }
}

/// The leaderless protocol's work in progress: operations coordinators have under way, and hints
/// waiting for their replica.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct QuorumState {
    pub(super) ops: SortedMap<QOp>,
    pub(super) hints: SortedMap<Hint>,
}

/// The protocol the database runs, with its state: a switch of mode starts the new one afresh
/// (the old one's messages still in flight are void on arrival).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Mode {
    Leader(LeaderState),
    Quorum(QuorumState),
}
