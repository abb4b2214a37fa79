//! What replicas store: a write's place in a log, its last-write-wins stamp, and a key's value with
//! both. A leaf: it imports nothing from the model.

/// The key of a leader's no-op: the entry a new leader of leader-sync replication appends so that
/// committing it commits everything before it. It touches no data.
pub const NOOP: u32 = u32::MAX;

/// A write's place in a leader's log: term (leader generation), then index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub term: u64,
    pub index: u64,
}

/// A last-write-wins timestamp: the writing node's clock reading (µs; wall clock with its skew, or a
/// Lamport counter), ties broken by node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub time: u64,
    pub node: u16,
}

/// One key's value as a replica stores it. `value` is the id of the request that wrote it (unique
/// in a run), so any value can be traced to its write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versioned {
    pub pos: Pos,
    pub stamp: Stamp,
    pub value: u64,
    /// The key's counter: increments (read-modify-write) store what they read plus one; plain
    /// writes carry it over.
    pub count: u64,
}
