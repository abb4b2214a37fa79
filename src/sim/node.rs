//! The nodes of the system and whether each is up. A leaf: it imports nothing from the model.

use std::fmt;
use std::str::FromStr;

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
        // The ids links and files use (`db-1`), and the page's names (`replica-1`, `balancer`).
        match s {
            "client" => Ok(NodeId::Client),
            "lb" | "balancer" => Ok(NodeId::Lb),
            _ => numbered("server-")
                .map(NodeId::Server)
                .or_else(|| {
                    numbered("db-")
                        .or_else(|| numbered("replica-"))
                        .map(NodeId::Db)
                })
                .ok_or_else(|| {
                    format!("unknown node '{s}' (expected lb, server-N, db-N or Replica N)")
                }),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Up,
    Down,
    /// Up but degraded: serves at a fraction of its power.
    Slow,
}

impl Status {
    /// The `data-status` value.
    pub fn name(self) -> &'static str {
        match self {
            Status::Up => "up",
            Status::Down => "down",
            Status::Slow => "slow",
        }
    }

    pub fn is_up(self) -> bool {
        self != Status::Down
    }
}
