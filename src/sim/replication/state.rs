//! The replication protocols' records of work in progress: a synchronous write waiting for its
//! followers (`leader`), a quorum operation and a hint held for a replica (`quorum`). Their own
//! file, beneath `Database` and the protocols that fill them, so that neither imports the other.

use crate::sim::message::{Job, Observed};
use crate::sim::node::NodeId;
use crate::sim::time::Time;
use crate::sim::version::Versioned;

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
