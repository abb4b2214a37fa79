//! The replicated database: replicas, leader–follower replication (synchronous or asynchronous),
//! failover by election of the most up-to-date follower, and partitions handled as CP (refuse
//! without a majority) or AP (accept on both sides, reconcile by last-write-wins on heal).
//!
//! The database is an actor: it receives messages and ticks and returns the messages it wants sent
//! through an outbox; the World carries them over the simulated network. It also keeps the
//! omniscient accounting that no real node could (lost acknowledged writes, conflicts, lag), which
//! is what the page and the runner report.

mod election;
mod leader;
mod quorum;
mod replica;
mod state;

pub use replica::{Replica, Role};

use super::message::Payload;
use super::node::NodeId;
use super::sorted::SortedMap;
use super::time::Time;

/// Messages a component wants sent: (from, to, payload). Components never touch the network
/// themselves; the World sends what they return.
pub type Outbox = Vec<(NodeId, NodeId, Payload)>;

pub use crate::sim::version::{NOOP, Pos, Stamp, Versioned};

/// What a query saw, as the answer carries it.
pub(super) fn observed(v: Option<Versioned>) -> Option<crate::sim::message::Observed> {
    v.map(|v| crate::sim::message::Observed {
        value: v.value,
        pos: v.pos,
        count: v.count,
    })
}

named_enum!(
    /// How writes are replicated.
    Replication {
        /// Acknowledged once enough followers applied the write.
        LeaderSync = "leader-sync",
        /// Acknowledged at once; followers catch up later.
        LeaderAsync = "leader-async",
        /// Leaderless (Dynamo): any replica coordinates; W acknowledgements per write, R answers per
        /// read, last write wins, read repair, hinted handoff, anti-entropy.
        Quorum = "quorum",
    }
);

impl Replication {
    /// The name people read (`name` is the one links, files and flags use).
    pub fn label(self) -> &'static str {
        match self {
            Replication::LeaderSync => "Leader, synchronous",
            Replication::LeaderAsync => "Leader, asynchronous",
            Replication::Quorum => "Leaderless quorums",
        }
    }
}

named_enum!(
    /// The clock that stamps writes for last-write-wins.
    ClockKind {
        /// Each node's wall clock, skew and all.
        Wall = "wall",
        /// Lamport counters (quorum writes read the key's stamp first and go one past it).
        Lamport = "lamport",
    }
);

named_enum!(
    /// How many followers a synchronous write waits for.
    SyncAcks {
        All = "all",
        Majority = "majority",
    }
);

named_enum!(
    /// Where reads go.
    ReadFrom {
        Leader = "leader",
        /// Any replica, picked at random: cheaper, possibly stale.
        Any = "any",
    }
);

named_enum!(
    /// What the cluster does when a partition cuts it.
    Consistency {
        /// Refuse what cannot reach a majority: errors, no divergence.
        Cp = "cp",
        /// Accept on both sides: availability, divergence, reconciliation on heal.
        Ap = "ap",
    }
);

/// The database's knobs (a slice of the World's config).
#[derive(Clone, Debug, PartialEq)]
pub struct DbConfig {
    pub replication: Replication,
    pub sync_acks: SyncAcks,
    pub read_from: ReadFrom,
    pub consistency: Consistency,
    /// Leader heartbeats and the monitor's pings, every this many µs.
    pub heartbeat: Time,
    /// Silence after which followers stand for election (and a CP leader stops serving).
    pub failover_timeout: Time,
    /// Increments write only if the key is still the version they read (compare-and-set).
    pub cas: bool,
    /// Asynchronous mode ships writes in batches this long after the first (0: each at once).
    pub ship_delay: Time,
    /// Quorum mode: acknowledgements a write needs, answers a read needs.
    pub write_quorum: usize,
    pub read_quorum: usize,
    pub clock: ClockKind,
    /// Quorum mode: how long a coordinator waits for its quorum.
    pub quorum_timeout: Time,
    /// Quorum mode: replicas compare notes with a random peer this often (0: never).
    pub anti_entropy: Time,
}

/// What the database has counted (the anomalies and availability a person watches).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DbFigures {
    /// Writes acknowledged to clients that a failover then discarded.
    pub lost_acked_writes: u64,
    /// Keys written on both sides of a split brain, reconciled by last-write-wins.
    pub conflicts: u64,
    /// Last-write-wins decisions that kept the write made earlier in real time, because the clock
    /// of the later writer ran behind.
    pub lost_by_clock_skew: u64,
    /// Writes refused for want of a majority (CP) or a leader.
    pub refused: u64,
    pub failovers: u64,
    /// Increments refused because the key changed since they read it (compare-and-set).
    pub cas_rejections: u64,
    /// Quorum mode: operations that could not gather their quorum in time.
    pub quorum_failures: u64,
    /// Quorum mode: stale copies fixed by read repair, writes parked as hints for a replica that
    /// did not answer, and keys brought in step by anti-entropy.
    pub read_repairs: u64,
    pub hints_stored: u64,
    pub anti_entropy_fixes: u64,
    /// Quorum mode: writes carried out a second time — a retry of a write that had already taken
    /// effect (leaderless coordinators do not recognise retries; leaders do, by request id).
    pub duplicate_writes: u64,
}

/// The replicated database as the rest of the system sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    pub replicas: Vec<Replica>,
    /// The leader of the newest term (under AP a split brain may have another on the far side).
    pub leader: usize,
    pub cfg: DbConfig,
    pub figures: DbFigures,
    /// The newest term any leader took.
    pub term: u64,
    /// Each replica's clock skew in µs (its wall clock reads `now + skew`).
    pub skew: Vec<i64>,
    /// The protocol running, with its work in progress.
    mode: state::Mode,
    /// Servers a new leader announces itself to.
    servers: usize,
    /// Quorum mode: the next operation id and when anti-entropy runs next. Kept across switches
    /// of mode: ids stay unique, so a late answer from an earlier quorum period matches nothing.
    next_op: u64,
    next_anti_entropy: Time,
    /// Quorum mode: request ids of recent writes coordinators carried out (omniscient, to count
    /// duplicates; the oldest are forgotten past a bound far beyond any retry's reach).
    /// (A map of `Replica::terms`'s type, values unused: the page carries one copy of its code.)
    written_ids: SortedMap<(u64, u64)>,
    /// Times at which the World should call [`Database::on_timer`], and the earliest one pending.
    timers: Vec<Time>,
    timer_armed: Option<Time>,
    /// What happened, in plain words, for the World's event log: (replica, text).
    notices: Vec<(usize, String)>,
    /// When leaders next send heartbeats.
    next_beat: Time,
    /// Writes a last-write-wins merge moved to a new position: (old, new), for the World's
    /// dirty-read reckoning.
    moved: Vec<(Pos, Pos)>,
    /// Writes a last-write-wins merge discarded (the other side's write to the key was later).
    discarded: Vec<Pos>,
    /// Leader: when each index was written (bounded ring), to express lag in milliseconds.
    write_times: std::collections::VecDeque<(u64, Time)>,
}

impl Database {
    /// Entries held in the database's internal buffers that grow with load (pending synchronous
    /// writes, unshipped writes, quorum operations, hints, timers, notices): each must stay
    /// bounded. (The write-time ring is capped by construction.)
    pub fn buffered(&self) -> [usize; 6] {
        let (waiting, unshipped, ops, hints) = match &self.mode {
            state::Mode::Leader(s) => (s.pending.len() + s.reads.len(), s.unshipped.len(), 0, 0),
            state::Mode::Quorum(s) => (0, 0, s.ops.len(), s.hints.len()),
        };
        [
            waiting,
            unshipped,
            ops,
            hints,
            self.timers.len(),
            self.notices.len(),
        ]
    }

    /// Leaderless quorums run (the mode says so; `cfg.replication` also tells sync from async).
    fn leaderless(&self) -> bool {
        matches!(self.mode, state::Mode::Quorum(_))
    }

    /// The leader protocol's state (`None` under leaderless quorums).
    fn led(&mut self) -> Option<&mut state::LeaderState> {
        match &mut self.mode {
            state::Mode::Leader(s) => Some(s),
            state::Mode::Quorum(_) => None,
        }
    }

    /// The leaderless protocol's state (`None` under a leader).
    fn quorum(&mut self) -> Option<&mut state::QuorumState> {
        match &mut self.mode {
            state::Mode::Quorum(s) => Some(s),
            state::Mode::Leader(_) => None,
        }
    }

    /// Takes the moves of merged writes, and the writes merges discarded, since the last call.
    pub fn take_merged(&mut self) -> (Vec<(Pos, Pos)>, Vec<Pos>) {
        (
            std::mem::take(&mut self.moved),
            std::mem::take(&mut self.discarded),
        )
    }

    /// The fate of the write at `p` (leader-based replication): `Some(true)` once it is durable —
    /// in the leader's log and held by a majority —, `Some(false)` once a leader of a later term
    /// does not have it under CP (rolled back: it can never come back), `None` while that is open.
    /// Under AP a write the leader lacks may still be merged in on heal: a merge reports what it
    /// moves and what it discards instead. Leaderless writes are not tracked (`Some(true)`).
    pub fn fate_of(&self, p: Pos) -> Option<bool> {
        if self.leaderless() {
            return Some(true);
        }
        let l = self.replicas.get(self.leader)?;
        if l.role != Role::Leader {
            return None;
        }
        if l.holds(p) {
            let held = self.replicas.iter().filter(|r| r.holds(p)).count();
            (held >= self.majority()).then_some(true)
        } else if l.term > p.term && self.cfg.consistency == Consistency::Cp {
            Some(false)
        } else {
            None
        }
    }

    /// Takes the notices gathered since the last call (empty most of the time: no allocation).
    pub fn take_notices(&mut self) -> Vec<(usize, String)> {
        std::mem::take(&mut self.notices)
    }

    /// `replicas` replicas over `keys` keys; replica `j`'s clock is off by `skew_ms` × a share that
    /// runs from −1 (the first) to +1 (the last), so the skews spread evenly.
    pub fn new(n: usize, keys: u32, skew_ms: f64, cfg: DbConfig) -> Self {
        let replicas = (0..n)
            .map(|i| Replica::new(if i == 0 { Role::Leader } else { Role::Follower }, keys, n))
            .collect();
        let skew = spread(n, skew_ms);
        let quorum = cfg.replication == Replication::Quorum;
        let mut db = Self {
            servers: 0,
            mode: state::Mode::Leader(state::LeaderState::default()),
            next_beat: 0,
            next_op: 0,
            next_anti_entropy: 0,
            written_ids: SortedMap::new(),
            timers: Vec::new(),
            timer_armed: None,
            notices: Vec::new(),
            replicas,
            leader: 0,
            term: 1,
            skew,
            cfg,
            figures: DbFigures::default(),
            moved: Vec::new(),
            discarded: Vec::new(),
            write_times: std::collections::VecDeque::new(),
        };
        if quorum {
            db.quorum_roles(true, 0);
        }
        db
    }

    /// Spreads the replicas' clocks over ±`skew_ms`.
    pub fn set_skew(&mut self, skew_ms: f64) {
        self.skew = spread(self.replicas.len(), skew_ms);
    }

    /// Every live replica holds exactly the same data (the same log position and values).
    pub fn in_sync(&self) -> bool {
        let mut live = self.replicas.iter().filter(|r| r.status.is_up());
        let Some(first) = live.next() else {
            return true;
        };
        // Leaderless replicas have no log position to compare, only data.
        let quorum = self.leaderless();
        live.all(|r| (quorum || r.last == first.last) && r.data == first.data)
    }

    /// Keys on which some two live replicas disagree.
    pub fn divergent_keys(&self) -> u64 {
        let live: Vec<&Replica> = self.replicas.iter().filter(|r| r.status.is_up()).collect();
        let Some(first) = live.first() else { return 0 };
        (0..first.data.len())
            .filter(|&k| {
                live.iter()
                    .any(|r| r.data[k].map(|v| v.value) != first.data[k].map(|v| v.value))
            })
            .count() as u64
    }

    /// Writes replica `j` lacks that the leader has.
    pub fn writes_behind(&self, j: usize) -> u64 {
        let l = &self.replicas[self.leader];
        l.last.index.saturating_sub(self.replicas[j].last.index)
    }

    /// How long ago the leader wrote the oldest write replica `j` lacks, in µs (0 if in step).
    pub fn lag(&self, j: usize, now: Time) -> Time {
        let have = self.replicas[j].last.index;
        if self.writes_behind(j) == 0 {
            return 0;
        }
        self.write_times
            .iter()
            .find(|(i, _)| *i > have)
            .map_or(0, |(_, t)| now.saturating_sub(*t))
    }
}

/// Clock offsets in µs running evenly from −`skew_ms` (the first replica) to +`skew_ms` (the last).
fn spread(n: usize, skew_ms: f64) -> Vec<i64> {
    (0..n)
        .map(|j| {
            let share = if n > 1 {
                2.0 * j as f64 / (n - 1) as f64 - 1.0
            } else {
                0.0
            };
            (skew_ms * 1_000.0 * share) as i64
        })
        .collect()
}
