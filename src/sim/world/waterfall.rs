//! Following one request for the waterfall: the flow code calls these at each point the traced
//! request passes (only while a trace is on, so the hot path pays one branch).

use super::World;
use crate::sim::message::Draw;
use crate::sim::message::{Message, Outcome, Payload};
use crate::sim::node::NodeId;
use crate::sim::slab::Handle;
use crate::sim::time::Time;
use crate::sim::trace::{SpanKind, Trace};

impl World {
    /// The request being followed (or the last one followed), if any.
    pub fn waterfall(&self) -> Option<&Trace> {
        self.waterfall.as_ref()
    }

    /// Whether the next request issued will be followed.
    pub fn tracing_next(&self) -> bool {
        self.trace_next
    }

    pub(super) fn start_trace(&mut self, id: u64, asked: Draw) {
        self.trace_next = false;
        let what = match (asked.write, asked.incr) {
            (_, true) => "increment",
            (true, false) => "write",
            (false, false) => "read",
        };
        self.waterfall = Some(Trace {
            id: Some(id),
            issued: self.now,
            spans: Vec::new(),
            outcome: None,
            what: format!("request #{id} · {what} of key {}", asked.key),
            mark: self.now,
        });
    }

    /// The open trace, if it follows request `h` and has not ended.
    fn traced(&mut self, h: Handle) -> Option<&mut Trace> {
        self.waterfall
            .as_mut()
            .filter(|t| !t.done() && t.id == Some(h.id))
    }

    /// A message of the traced request arrived: its time on the wire (and in the link's queue, and
    /// in the database before a reply) becomes spans.
    pub(super) fn trace_hop(&mut self, msg: &Message) {
        let Some(h) = msg.payload.request() else {
            return;
        };
        let Some(t) = self.traced(h) else {
            return;
        };
        let (from, to) = (msg.from.label(), msg.to.label());
        if let Payload::QueryReply(..) = msg.payload {
            let text = format!("{from}: read or write, and its acknowledgements");
            t.push(SpanKind::Database, t.mark, msg.queued, msg.from, text);
        }
        if msg.sent > msg.queued {
            let text = format!("waiting for bandwidth {from} → {to}");
            t.push(SpanKind::Bandwidth, msg.queued, msg.sent, msg.to, text);
        }
        t.push(
            SpanKind::Network,
            msg.sent,
            msg.arrives,
            msg.to,
            format!("{from} → {to}"),
        );
        t.mark = msg.arrives;
    }

    /// The stretch since the last mark ended now at `node` (queued, served); zero-length
    /// stretches are left out.
    pub(super) fn trace_span(&mut self, h: Handle, kind: SpanKind, node: NodeId) {
        let now = self.now;
        if let Some(t) = self.traced(h) {
            if now > t.mark {
                let text = match kind {
                    SpanKind::Queue => format!("queued at {}", node.label()),
                    _ => format!("served by {}", node.label()),
                };
                t.push(kind, t.mark, now, node, text);
            }
            t.mark = now;
        }
    }

    pub(super) fn trace_timeout(&mut self, h: Handle, server: usize, sent_at: Time, timeout: Time) {
        let now = self.now;
        if let Some(t) = self.traced(h) {
            let text = format!(
                "no answer from {} within {} ms: given up",
                NodeId::Server(server).label(),
                timeout / 1_000
            );
            // From when the attempt went out (the timeout may have changed since).
            t.push(
                SpanKind::TimedOut,
                sent_at.max(t.issued),
                now,
                NodeId::Server(server),
                text,
            );
            t.mark = now;
        }
    }

    pub(super) fn trace_backoff(&mut self, h: Handle, until: Time) {
        let now = self.now;
        if let Some(t) = self.traced(h) {
            let text = "backing off before a retry on another server".to_string();
            t.push(SpanKind::Backoff, now, until, NodeId::Lb, text);
            t.mark = until;
        }
    }

    pub(super) fn trace_end(&mut self, id: u64, issued: Time, outcome: Outcome) {
        let now = self.now;
        if let Some(t) = self.waterfall.as_mut().filter(|t| t.id == Some(id)) {
            t.outcome = Some(match outcome {
                Outcome::Ok => Ok(now - issued),
                Outcome::Err(cause) => Err(cause),
            });
        }
    }
}
