//! The request waterfall: one request followed hop by hop, each stretch of its life a span (on the
//! wire, waiting for bandwidth, queued, served, in the database, backing off, timed out).

use super::message::Cause;
use super::node::NodeId;
use super::time::Time;

named_enum!(
    /// What a request was doing during a span.
    SpanKind {
        Network = "network",
        /// Waiting for the link to finish sending what was queued before it.
        Bandwidth = "bandwidth",
        Queue = "queue",
        Service = "service",
        /// In the database: the replica's work and, for synchronous modes and quorums, the wait
        /// for the other replicas' acknowledgements.
        Database = "database",
        Backoff = "backoff",
        /// An attempt the balancer gave up on.
        TimedOut = "timed-out",
    }
);

#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub kind: SpanKind,
    pub from: Time,
    pub to: Time,
    /// Where it happened (for a hop, the node it went to).
    pub node: NodeId,
    pub text: String,
}

/// The request being followed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// The request's id, once it was issued.
    pub id: Option<u64>,
    pub issued: Time,
    pub spans: Vec<Span>,
    /// How it ended: `None` while in flight.
    pub outcome: Option<Result<Time, Cause>>,
    /// Read or write, and its key.
    pub what: String,
    /// When the stretch in progress began.
    pub mark: Time,
}

/// Spans kept at most (a request with every retry has far fewer).
pub const MAX_SPANS: usize = 64;

impl Trace {
    pub fn push(&mut self, kind: SpanKind, from: Time, to: Time, node: NodeId, text: String) {
        if self.spans.len() < MAX_SPANS {
            self.spans.push(Span {
                kind,
                from,
                to,
                node,
                text,
            });
        }
    }

    pub fn done(&self) -> bool {
        self.outcome.is_some()
    }
}
