//! What travels between nodes: the payloads of every protocol, and a message in flight with the
//! times that let the view draw it along its link.

use super::node::NodeId;
use super::slab::Handle;
use super::time::Time;
use super::version::{Pos, Versioned};
use crate::sim::decimal::within;

/// What a packet carries, for the view's `data-packet` and colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketKind {
    Request,
    Response,
    Probe,
    Replication,
}

impl PacketKind {
    pub fn name(self) -> &'static str {
        match self {
            PacketKind::Request => "request",
            PacketKind::Response => "response",
            PacketKind::Probe => "probe",
            PacketKind::Replication => "replication",
        }
    }
}

/// One attempt at serving a request, as the balancer hands it to a server. It carries all a server
/// and the database need, so they never look at the balancer's bookkeeping (a server may still be
/// working on an attempt the balancer has long given up on, as real servers do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    pub req: Handle,
    pub attempt: u16,
    pub server: u16,
    pub write: bool,
    pub key: u32,
    /// The server's epoch when it took the job: answers from before a crash are void after it.
    pub epoch: u32,
    /// An increment (read-modify-write): it reads first (`write` false), then writes `count` —
    /// with compare-and-set, only if the key is still at `expect`. `tries` counts its rounds.
    pub incr: bool,
    pub expect: Option<Pos>,
    pub count: u64,
    pub tries: u8,
    /// The time the balancer will wait for this attempt, in µs, as it travels (gRPC's
    /// `grpc-timeout`: a time left, not a clock reading, so clocks need not agree).
    pub budget: u32,
    /// The server's own deadline for it: when it arrived plus `budget` (later than the balancer's
    /// by the hop, as in real systems).
    pub deadline: Time,
    /// µs a worker spent serving it (0 until served): what is wasted if nobody takes the answer.
    pub work: u32,
}

/// What one new request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Draw {
    pub write: bool,
    /// An increment (read-modify-write); it writes too.
    pub incr: bool,
    pub key: u32,
    pub session: u32,
    /// Carries no valid credentials.
    pub forged: bool,
    /// Comes from a client allowed only to read.
    pub read_only: bool,
}

/// A client's request as the balancer receives it: what it asks, and the client's handle for it
/// (whose id is the request's id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub ask: Handle,
    pub what: Draw,
}

/// The balancer's final answer to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    pub ask: Handle,
    pub outcome: Outcome,
    /// What the database answered the last attempt: the value read or written.
    pub observed: Option<Observed>,
    /// Some attempt may have taken effect although the answer says otherwise (one timed out, or
    /// a quorum coordinator gave up after writing to some replicas): a failure's fate is unknown.
    pub maybe_applied: bool,
}

/// What a query saw: the value read (or written) and its log position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    pub value: u64,
    pub pos: Pos,
    pub count: u64,
}

/// A leader's answer to a sync request.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncData {
    /// The answering leader's term.
    pub term: u64,
    pub entries: Vec<(u32, Versioned)>,
    pub upto: Pos,
    pub terms: crate::sim::sorted::SortedMap<(u64, u64)>,
    pub snapshot: bool,
    /// The request ids of the writes those entries cover (see `Replica::written`).
    pub written: Vec<(u64, Pos)>,
}

/// How an attempt or a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Err(Cause),
}

/// What a message carries. The request path's messages are here; the database's protocol
/// messages sit inside [`DbMsg`], one enum per replication protocol, so each protocol's handler
/// matches its own messages exhaustively and a new message is listed wherever it must be handled.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// Client → balancer: a new request.
    ClientRequest(Request),
    /// Balancer → server: one attempt.
    Job(Job),
    /// Server → database leader: the data part of an attempt.
    Query(Job),
    /// Database → server, with what was read or written.
    QueryReply(Job, Outcome, Option<Observed>),
    /// Server → balancer, with what the database answered (the client learns it from the reply).
    JobReply(Job, Outcome, Option<Observed>),
    /// Balancer → client: the final answer.
    ClientReply(Reply),
    /// Balancer → server health check, and the server's answer.
    Probe {
        seq: u64,
    },
    ProbeAck {
        seq: u64,
    },
    /// Between replicas (and a new leader's word to the servers).
    Db(DbMsg),
}

/// A replication protocol's message. One sent under the other protocol (before a switch of mode)
/// is void on arrival.
#[derive(Clone, Debug, PartialEq)]
pub enum DbMsg {
    Leader(LeaderMsg),
    Quorum(QuorumMsg),
}

/// The leader protocol's messages (Raft-like: log shipping, heartbeats, elections).
#[derive(Clone, Debug, PartialEq)]
pub enum LeaderMsg {
    /// Leader → follower: writes in log order, and the position the first follows.
    Replicate {
        entries: Vec<(u32, Versioned)>,
        prev: Pos,
    },
    /// Follower → leader: its log holds everything up to `index` of `term`'s leader.
    Ack {
        term: u64,
        index: u64,
    },
    /// Leader → followers, every heartbeat: it is alive and where its log ends. `sent` comes back
    /// in the answer: a leader's read lease runs from when it asked, not from when it heard back.
    Heartbeat {
        term: u64,
        last: Pos,
        sent: Time,
    },
    HeartbeatAck {
        term: u64,
        last: Pos,
        sent: Time,
    },
    /// A follower that is behind asks the leader for what follows `last`.
    SyncRequest {
        last: Pos,
    },
    /// The leader's answer: the keys written since, or everything when the logs diverged.
    Sync(Box<SyncData>),
    /// A deposed AP leader hands the new one the writes it took (last write wins).
    Merge(Vec<(u32, Versioned)>),
    /// A follower that stopped hearing from its leader stands for election.
    RequestVote {
        term: u64,
        last: Pos,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    /// A new leader announces itself to replicas and servers.
    NewLeader {
        term: u64,
        leader: u16,
    },
}

/// The leaderless protocol's messages (Dynamo-like: quorum reads and writes, anti-entropy).
#[derive(Clone, Debug, PartialEq)]
pub enum QuorumMsg {
    /// A coordinator's write to one replica (`op` 0: read repair, no answer wanted), and the
    /// answer.
    Put {
        op: u64,
        key: u32,
        entry: Versioned,
    },
    PutAck {
        op: u64,
    },
    /// A coordinator's read of one replica, and the answer.
    Get {
        op: u64,
        key: u32,
    },
    GetReply {
        op: u64,
        entry: Option<Versioned>,
    },
    /// Anti-entropy: a replica's whole store, for a peer to merge (and, if `reply`, to answer with
    /// what it holds newer).
    Digest {
        entries: Vec<(u32, Versioned)>,
        reply: bool,
    },
}

impl From<LeaderMsg> for Payload {
    fn from(m: LeaderMsg) -> Self {
        Payload::Db(DbMsg::Leader(m))
    }
}

impl From<QuorumMsg> for Payload {
    fn from(m: QuorumMsg) -> Self {
        Payload::Db(DbMsg::Quorum(m))
    }
}

impl LeaderMsg {
    fn kind(&self) -> PacketKind {
        match self {
            LeaderMsg::RequestVote { .. }
            | LeaderMsg::Vote { .. }
            | LeaderMsg::NewLeader { .. }
            | LeaderMsg::Heartbeat { .. }
            | LeaderMsg::HeartbeatAck { .. } => PacketKind::Probe,
            LeaderMsg::Replicate { .. }
            | LeaderMsg::Ack { .. }
            | LeaderMsg::SyncRequest { .. }
            | LeaderMsg::Sync(_)
            | LeaderMsg::Merge(_) => PacketKind::Replication,
        }
    }

    fn size(&self) -> u64 {
        match self {
            LeaderMsg::RequestVote { .. }
            | LeaderMsg::Vote { .. }
            | LeaderMsg::NewLeader { .. } => 100,
            LeaderMsg::Replicate { entries, .. } => 100 + 200 * entries.len() as u64,
            LeaderMsg::SyncRequest { .. } | LeaderMsg::Ack { .. } => 300,
            LeaderMsg::Heartbeat { .. } | LeaderMsg::HeartbeatAck { .. } => 100,
            LeaderMsg::Sync(s) => 100 + 60 * s.entries.len() as u64 + 24 * s.written.len() as u64,
            LeaderMsg::Merge(m) => 100 + 60 * m.len() as u64,
        }
    }
}

impl QuorumMsg {
    fn size(&self) -> u64 {
        match self {
            QuorumMsg::Put { .. } | QuorumMsg::GetReply { .. } => 300,
            QuorumMsg::PutAck { .. } | QuorumMsg::Get { .. } => 100,
            QuorumMsg::Digest { entries, .. } => 100 + 60 * entries.len() as u64,
        }
    }
}

impl Payload {
    /// The client request this message is part of, if any.
    pub fn request(&self) -> Option<Handle> {
        match self {
            Payload::ClientRequest(r) => Some(r.ask),
            Payload::ClientReply(r) => Some(r.ask),
            Payload::Job(j)
            | Payload::Query(j)
            | Payload::QueryReply(j, ..)
            | Payload::JobReply(j, ..) => Some(j.req),
            Payload::Probe { .. } | Payload::ProbeAck { .. } | Payload::Db(_) => None,
        }
    }

    pub fn kind(&self) -> PacketKind {
        match self {
            Payload::ClientRequest(_) | Payload::Job(_) | Payload::Query(_) => PacketKind::Request,
            Payload::QueryReply(..) | Payload::JobReply(..) | Payload::ClientReply(..) => {
                PacketKind::Response
            }
            Payload::Probe { .. } | Payload::ProbeAck { .. } => PacketKind::Probe,
            Payload::Db(DbMsg::Leader(m)) => m.kind(),
            Payload::Db(DbMsg::Quorum(_)) => PacketKind::Replication,
        }
    }

    /// Bytes on the wire (what bandwidth is spent on).
    pub fn size(&self) -> u64 {
        match self {
            Payload::ClientRequest(_) | Payload::Job(_) => 1_000,
            Payload::Query(_) => 400,
            Payload::QueryReply(..) => 2_000,
            Payload::JobReply(..) | Payload::ClientReply(..) => 4_000,
            Payload::Probe { .. } | Payload::ProbeAck { .. } => 100,
            Payload::Db(DbMsg::Leader(m)) => m.size(),
            Payload::Db(DbMsg::Quorum(m)) => m.size(),
        }
    }

    /// Whether this failed (an error answer), for drawing.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Payload::QueryReply(_, Outcome::Err(_), _)
                | Payload::JobReply(_, Outcome::Err(_), _)
                | Payload::ClientReply(Reply {
                    outcome: Outcome::Err(_),
                    ..
                })
        )
    }

    /// The attempt number, for drawing retries.
    pub fn attempt(&self) -> u16 {
        match self {
            Payload::Job(j) | Payload::Query(j) | Payload::QueryReply(j, _, _) => j.attempt,
            Payload::JobReply(j, ..) => j.attempt,
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub from: NodeId,
    pub to: NodeId,
    /// When its sender handed it to the network.
    pub queued: Time,
    /// When its first byte left (after any wait for the link).
    pub sent: Time,
    pub arrives: Time,
    pub payload: Payload,
}

impl Message {
    pub fn kind(&self) -> PacketKind {
        self.payload.kind()
    }

    /// How far along its link the message is at `now`, in 0..=1 (for drawing).
    pub fn progress(&self, now: Time) -> f64 {
        if self.arrives <= self.sent {
            return 1.0;
        }
        within(
            now.saturating_sub(self.sent) as f64 / (self.arrives - self.sent) as f64,
            0.0,
            1.0,
        )
    }
}

/// Why a request failed, as the client learns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// The balancer believed no server healthy (it answers 503 at once).
    NoServer,
    /// The server's queue was full and it refused the request (and no retry was left).
    QueueFull,
    /// No answer within the balancer's timeout (a crashed server, a lost message, a slow one).
    Timeout,
    /// The database could not take the query.
    DbUnavailable,
    /// The client could not reach the balancer, or its answer could not reach the client.
    Network,
    /// An increment kept finding the key changed under it (compare-and-set) and gave up.
    Conflict,
    /// The balancer refused a request without valid credentials (401).
    Unauthorized,
    /// The balancer refused a write from a client allowed only to read (403).
    Forbidden,
    /// The clients already had as many requests outstanding as their pool holds: this one failed
    /// before it left (backpressure reaching the caller).
    ClientPool,
    // Last, so the causes before keep their numbers (the pinned trace mixes them in).
    /// The server shed it: its queue had kept work waiting past the shedding limit, so it refused
    /// at once (a fast 503) rather than queue work that would time out.
    Shed,
    /// Every server the balancer could use had its circuit breaker open (it answers 503 at once).
    CircuitOpen,
}

impl Cause {
    pub const ALL: [Cause; 11] = [
        Cause::NoServer,
        Cause::QueueFull,
        Cause::Timeout,
        Cause::DbUnavailable,
        Cause::Network,
        Cause::Conflict,
        Cause::Unauthorized,
        Cause::Forbidden,
        Cause::ClientPool,
        Cause::Shed,
        Cause::CircuitOpen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cause::NoServer => "no_server",
            Cause::QueueFull => "queue_full",
            Cause::Shed => "shed",
            Cause::CircuitOpen => "circuit_open",
            Cause::Timeout => "timeout",
            Cause::DbUnavailable => "db_unavailable",
            Cause::Network => "network",
            Cause::Conflict => "conflict",
            Cause::Unauthorized => "unauthorized",
            Cause::Forbidden => "forbidden",
            Cause::ClientPool => "client_pool",
        }
    }

    /// Whether trying another server might help.
    pub fn retryable(self) -> bool {
        matches!(self, Cause::QueueFull | Cause::Shed | Cause::Timeout)
    }

    /// Whether it counts against the server at a circuit breaker (it timed out or refused work).
    pub fn server_failed(self) -> bool {
        self.retryable()
    }
}
