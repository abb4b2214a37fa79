//! Nodes, the messages between them, and the links that carry them.
//!
//! Each directed link behaves like one TCP connection: messages leave in order, wait their turn when
//! the link's bandwidth is saturated (a FIFO: a visible bottleneck), take the link's latency plus
//! jitter, and arrive in the order they were sent. A cut link drops what crosses it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::event::{Time, from_ms, round_us};
use super::replication::{Pos, Versioned};
use super::sample::{self, SimRng};
use super::slab::Handle;

/// A node of the system. Servers and replicas are numbered from 0 here and from 1 on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Client,
    Lb,
    Server(usize),
    Db(usize),
}

impl fmt::Display for NodeId {
    /// The node's `data-node` name: `client`, `lb`, `server-1`, `db-1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Client => f.write_str("client"),
            NodeId::Lb => f.write_str("lb"),
            NodeId::Server(i) => write!(f, "server-{}", i + 1),
            NodeId::Db(i) => write!(f, "db-{}", i + 1),
        }
    }
}

impl NodeId {
    /// A name for people: "Server 2", "Replica 1".
    pub fn label(&self) -> String {
        match self {
            NodeId::Client => "Client".into(),
            NodeId::Lb => "Load balancer".into(),
            NodeId::Server(i) => format!("Server {}", i + 1),
            NodeId::Db(i) => format!("Replica {}", i + 1),
        }
    }
}

impl FromStr for NodeId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let numbered = |prefix: &str| -> Option<usize> {
            let n: usize = s.strip_prefix(prefix)?.parse().ok()?;
            n.checked_sub(1)
        };
        match s {
            "client" => Ok(NodeId::Client),
            "lb" => Ok(NodeId::Lb),
            _ => numbered("server-")
                .map(NodeId::Server)
                .or_else(|| numbered("db-").map(NodeId::Db))
                .ok_or_else(|| format!("unknown node '{s}' (expected lb, server-N or db-N)")),
        }
    }
}

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
}

/// What a query saw: the value read (or written) and its log position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub terms: std::collections::BTreeMap<u64, (u64, u64)>,
    pub snapshot: bool,
}

/// How an attempt or a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Err(super::metrics::Cause),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// Client → balancer: a new request.
    ClientRequest(Handle),
    /// Balancer → server: one attempt.
    Job(Job),
    /// Server → database leader: the data part of an attempt.
    Query(Job),
    /// Database → server, with what was read or written.
    QueryReply(Job, Outcome, Option<Observed>),
    /// Server → balancer.
    JobReply(Job, Outcome),
    /// Balancer → client: the final answer.
    ClientReply(Handle, Outcome),
    /// Balancer → server health check, and the server's answer.
    Probe {
        seq: u64,
    },
    ProbeAck {
        seq: u64,
    },
    /// Leader → follower: writes in log order, and the position the first follows.
    Replicate {
        entries: Box<Vec<(u32, Versioned)>>,
        prev: Pos,
    },
    /// Follower → leader: its log holds everything up to `index` of `term`'s leader.
    Ack {
        term: u64,
        index: u64,
    },
    /// Leader → followers, every heartbeat: it is alive and where its log ends.
    Heartbeat {
        term: u64,
        last: Pos,
    },
    HeartbeatAck {
        term: u64,
        last: Pos,
    },
    /// A follower that is behind asks the leader for what follows `last`.
    SyncRequest {
        last: Pos,
    },
    /// The leader's answer: the keys written since, or everything when the logs diverged.
    Sync(Box<SyncData>),
    /// A deposed AP leader hands the new one the writes it took (last write wins).
    Merge(Box<Vec<(u32, Versioned)>>),
    /// A follower that stopped hearing from its leader stands for election.
    RequestVote {
        term: u64,
        last: Pos,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    /// Quorum mode: a coordinator's write to one replica (`op` 0: read repair, no answer wanted),
    /// and the answer.
    Put {
        op: u64,
        key: u32,
        entry: Versioned,
    },
    PutAck {
        op: u64,
    },
    /// Quorum mode: a coordinator's read of one replica, and the answer.
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
        entries: Box<Vec<(u32, Versioned)>>,
        reply: bool,
    },
    /// A new leader announces itself to replicas and servers.
    NewLeader {
        term: u64,
        leader: u16,
    },
}

impl Payload {
    pub fn kind(&self) -> PacketKind {
        match self {
            Payload::ClientRequest(_) | Payload::Job(_) | Payload::Query(_) => PacketKind::Request,
            Payload::QueryReply(..) | Payload::JobReply(..) | Payload::ClientReply(..) => {
                PacketKind::Response
            }
            Payload::Probe { .. }
            | Payload::ProbeAck { .. }
            | Payload::RequestVote { .. }
            | Payload::Vote { .. }
            | Payload::NewLeader { .. }
            | Payload::Heartbeat { .. }
            | Payload::HeartbeatAck { .. } => PacketKind::Probe,
            _ => PacketKind::Replication,
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
            Payload::RequestVote { .. } | Payload::Vote { .. } | Payload::NewLeader { .. } => 100,
            Payload::Replicate { entries, .. } => 100 + 200 * entries.len() as u64,
            Payload::SyncRequest { .. } | Payload::Ack { .. } => 300,
            Payload::Put { .. } | Payload::GetReply { .. } => 300,
            Payload::PutAck { .. } | Payload::Get { .. } => 100,
            Payload::Digest { entries, .. } => 100 + 60 * entries.len() as u64,
            Payload::Heartbeat { .. } | Payload::HeartbeatAck { .. } => 100,
            Payload::Sync(s) => 100 + 60 * s.entries.len() as u64,
            Payload::Merge(m) => 100 + 60 * m.len() as u64,
        }
    }

    /// Whether this failed (an error answer), for drawing.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Payload::QueryReply(_, Outcome::Err(_), _)
                | Payload::JobReply(_, Outcome::Err(_))
                | Payload::ClientReply(_, Outcome::Err(_))
        )
    }

    /// The attempt number, for drawing retries.
    pub fn attempt(&self) -> u16 {
        match self {
            Payload::Job(j) | Payload::Query(j) | Payload::QueryReply(j, _, _) => j.attempt,
            Payload::JobReply(j, _) => j.attempt,
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
        (now.saturating_sub(self.sent) as f64 / (self.arrives - self.sent) as f64).clamp(0.0, 1.0)
    }
}

/// Properties of a link (both directions share them; each direction has its own queue).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkSpec {
    pub latency_ms: f64,
    pub jitter_ms: f64,
    /// Megabits per second; 0 means unlimited.
    pub bandwidth_mbps: f64,
}

#[derive(Clone, Copy, Debug, Default)]
struct LinkQueue {
    /// When the link finishes transmitting what it already holds.
    free_at: Time,
    /// When the last message sent on it arrives (later ones may not overtake it).
    last_arrival: Time,
}

/// Unordered pair, so one setting covers both directions.
fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b { (a, b) } else { (b, a) }
}

#[derive(Clone, Debug)]
pub struct Network {
    default: LinkSpec,
    /// `default.latency_ms` in µs, converted once: every message pays for it otherwise.
    default_latency: Time,
    overrides: BTreeMap<(NodeId, NodeId), LinkSpec>,
    cut: BTreeMap<(NodeId, NodeId), ()>,
    queues: BTreeMap<(NodeId, NodeId), LinkQueue>,
}

impl Network {
    pub fn new(default: LinkSpec) -> Self {
        Self {
            default,
            default_latency: from_ms(default.latency_ms),
            overrides: BTreeMap::new(),
            cut: BTreeMap::new(),
            queues: BTreeMap::new(),
        }
    }

    pub fn default_spec(&self) -> LinkSpec {
        self.default
    }

    pub fn spec(&self, a: NodeId, b: NodeId) -> LinkSpec {
        self.overrides
            .get(&pair(a, b))
            .copied()
            .unwrap_or(self.default)
    }

    pub fn set_spec(&mut self, a: NodeId, b: NodeId, spec: LinkSpec) {
        self.overrides.insert(pair(a, b), spec);
    }

    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        !self.cut.is_empty() && self.cut.contains_key(&pair(a, b))
    }

    pub fn set_cut(&mut self, a: NodeId, b: NodeId, cut: bool) {
        if cut {
            self.cut.insert(pair(a, b), ());
        } else {
            self.cut.remove(&pair(a, b));
        }
    }

    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.keys().copied()
    }

    /// Puts `size` bytes on the link from `from` to `to` at `now`: returns when they start moving
    /// (after waiting for the link) and when they arrive, or `None` if the link is cut.
    pub fn transmit(
        &mut self,
        now: Time,
        from: NodeId,
        to: NodeId,
        size: u64,
        rng: &mut SimRng,
    ) -> Option<(Time, Time)> {
        if self.is_cut(from, to) {
            return None;
        }
        let (spec, base) = match self.overrides.get(&pair(from, to)) {
            Some(s) => (*s, from_ms(s.latency_ms)),
            None => (self.default, self.default_latency),
        };
        let jitter = if spec.jitter_ms > 0.0 {
            from_ms(spec.jitter_ms * sample::unit(rng))
        } else {
            0
        };
        if spec.bandwidth_mbps <= 0.0 && jitter == 0 {
            // Unlimited bandwidth and fixed latency keep order by themselves: no state needed.
            return Some((now, now + base));
        }
        let q = self.queues.entry((from, to)).or_default();
        let (start, tx) = if spec.bandwidth_mbps > 0.0 {
            let tx = round_us(size as f64 * 8.0 / spec.bandwidth_mbps); // µs
            (q.free_at.max(now), tx)
        } else {
            (now, 0)
        };
        q.free_at = start + tx;
        let arrives = (start + tx + base + jitter).max(q.last_arrival);
        q.last_arrival = arrives;
        Some((start, arrives))
    }

    /// How long a message sent now would wait before the link starts carrying it.
    pub fn backlog(&self, now: Time, from: NodeId, to: NodeId) -> Time {
        self.queues
            .get(&(from, to))
            .map_or(0, |q| q.free_at.saturating_sub(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn node_names_round_trip() {
        for n in [
            NodeId::Client,
            NodeId::Lb,
            NodeId::Server(0),
            NodeId::Server(41),
            NodeId::Db(2),
        ] {
            assert_eq!(n.to_string().parse::<NodeId>(), Ok(n));
        }
        assert!("server-0".parse::<NodeId>().is_err());
        assert!("db-".parse::<NodeId>().is_err());
        assert!("server-99999999999999999999999".parse::<NodeId>().is_err());
    }

    #[test]
    fn a_saturated_link_queues_in_order_and_a_cut_link_drops() {
        let mut rng = SimRng::seed_from_u64(1);
        let spec = LinkSpec {
            latency_ms: 10.0,
            jitter_ms: 5.0,
            bandwidth_mbps: 8.0,
        };
        let mut net = Network::new(spec);
        let (a, b) = (NodeId::Lb, NodeId::Server(0));
        // 8 Mbit/s: 1000 bytes take 1 ms to transmit.
        let arrivals: Vec<_> = (0..5)
            .map(|_| net.transmit(0, a, b, 1_000, &mut rng).unwrap())
            .collect();
        for (k, (start, _)) in arrivals.iter().enumerate() {
            assert_eq!(*start, k as Time * 1_000, "each waits for the one before");
        }
        assert!(
            arrivals.windows(2).all(|w| w[0].1 <= w[1].1),
            "no overtaking: {arrivals:?}"
        );
        assert_eq!(net.backlog(0, a, b), 5_000);
        net.set_cut(b, a, true);
        assert!(
            net.transmit(0, a, b, 1, &mut rng).is_none(),
            "a cut covers both directions"
        );
        net.set_cut(a, b, false);
        assert!(net.transmit(0, a, b, 1, &mut rng).is_some());
    }
}
