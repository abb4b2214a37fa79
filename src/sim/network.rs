//! Nodes, the messages between them, and the links that carry them. A message is in flight from the
//! moment it is sent until its delivery event; the view draws exactly the messages in flight.

use std::fmt;
use std::str::FromStr;

use super::event::Time;
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

/// One key's value as a replica stores it: `version` is the leader's write counter when written,
/// `value` the id of the request that wrote it (unique in a run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versioned {
    pub version: u64,
    pub value: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// A client request on its way in (client → balancer → server → database).
    Request(Handle),
    /// Its answer on the way back out.
    Response(Handle),
    /// The leader ships one write to a follower.
    Replicate { key: u32, entry: Versioned },
    /// A follower that missed writes asks the leader for everything newer than `have`.
    SyncRequest { have: u64 },
    /// The leader's answer: every key written after `have`, and its own position `upto`.
    Sync {
        entries: Vec<(u32, Versioned)>,
        upto: u64,
    },
}

impl Payload {
    pub fn kind(&self) -> PacketKind {
        match self {
            Payload::Request(_) => PacketKind::Request,
            Payload::Response(_) => PacketKind::Response,
            Payload::Replicate { .. } | Payload::SyncRequest { .. } | Payload::Sync { .. } => {
                PacketKind::Replication
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub from: NodeId,
    pub to: NodeId,
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
