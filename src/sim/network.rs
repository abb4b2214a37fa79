//! Nodes and the links that carry messages between them (the messages are in `message.rs`).
//!
//! Each directed link behaves like one TCP connection: messages leave in order, wait their turn when
//! the link's bandwidth is saturated (a FIFO: a visible bottleneck), take the link's latency plus
//! jitter, and arrive in the order they were sent. A cut link drops what crosses it.

use super::config::{MAX_REPLICAS, MAX_SERVERS};
pub use super::message::{Job, Message, Observed, Outcome, PacketKind, Payload};
use super::node::NodeId;
use super::sample::{self, SimRng};
use super::time::{Time, from_ms, round_us};

/// One-way latency of a link to a nearby region (the link editor's "WAN link"), against a few ms
/// inside one.
pub const WAN_LATENCY_MS: f64 = 20.0;

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

/// The hubs: client, balancer and replicas. Every link has a hub at one end at least (servers talk
/// to the balancer and the replicas, never to each other), so the tables hold hubs × nodes, not
/// nodes²: a fleet of 10,000 servers needs 110,000 pairs, not 100 million.
const HUBS: usize = 2 + MAX_REPLICAS;

/// A node's slot: hubs first, then servers.
fn slot(n: NodeId) -> Option<usize> {
    match n {
        NodeId::Client => Some(0),
        NodeId::Lb => Some(1),
        NodeId::Db(j) if j < MAX_REPLICAS => Some(2 + j),
        NodeId::Server(i) if i < MAX_SERVERS => Some(HUBS + i),
        _ => None,
    }
}

fn node_at(k: usize) -> NodeId {
    match k {
        0 => NodeId::Client,
        1 => NodeId::Lb,
        k if k < HUBS => NodeId::Db(k - 2),
        k => NodeId::Server(k - HUBS),
    }
}

/// The table index of the unordered pair, so one setting covers both directions; `None` for two
/// servers, which no link joins.
fn pair(a: NodeId, b: NodeId) -> Option<usize> {
    let (x, y) = (slot(a)?, slot(b)?);
    let (hub, other) = (x.min(y), x.max(y));
    (hub < HUBS).then_some(other * HUBS + hub)
}

/// The table index of the directed link from `a` to `b`.
fn directed(a: NodeId, b: NodeId) -> Option<usize> {
    Some(2 * pair(a, b)? + usize::from(slot(a)? > slot(b)?))
}

/// `v[k]`, growing `v` with `fill` first: tables grow with the fleet.
fn at<T: Clone>(v: &mut Vec<T>, k: usize, fill: T) -> &mut T {
    if k >= v.len() {
        v.resize(k + 1, fill);
    }
    &mut v[k]
}

/// Links as flat tables indexed by node slots: a lookup on every message is an index, not a tree
/// search (and the page carries no tree code for them). They grow as nodes appear.
#[derive(Clone, Debug)]
pub struct Network {
    default: LinkSpec,
    /// `default.latency_ms` in µs, converted once: every message pays for it otherwise.
    default_latency: Time,
    overrides: Vec<Option<LinkSpec>>,
    cut: Vec<bool>,
    /// Cut links, so the common case (none) costs one comparison.
    cuts: usize,
    queues: Vec<LinkQueue>,
}

impl Network {
    pub fn new(default: LinkSpec) -> Self {
        Self {
            default,
            default_latency: from_ms(default.latency_ms),
            overrides: Vec::new(),
            cut: Vec::new(),
            cuts: 0,
            queues: Vec::new(),
        }
    }

    /// Whether a link joins `a` and `b` (two servers have none).
    pub fn joins(a: NodeId, b: NodeId) -> bool {
        a != b && pair(a, b).is_some()
    }

    pub fn default_spec(&self) -> LinkSpec {
        self.default
    }

    pub fn spec(&self, a: NodeId, b: NodeId) -> LinkSpec {
        pair(a, b)
            .and_then(|k| self.overrides.get(k).copied().flatten())
            .unwrap_or(self.default)
    }

    pub fn set_spec(&mut self, a: NodeId, b: NodeId, spec: LinkSpec) {
        if let Some(k) = pair(a, b) {
            *at(&mut self.overrides, k, None) = Some(spec);
        }
    }

    /// The link between `a` and `b` takes the global settings again.
    pub fn clear_spec(&mut self, a: NodeId, b: NodeId) {
        if let Some(k) = pair(a, b)
            && let Some(o) = self.overrides.get_mut(k)
        {
            *o = None;
        }
    }

    /// Whether the link has settings of its own.
    pub fn has_spec(&self, a: NodeId, b: NodeId) -> bool {
        pair(a, b).is_some_and(|k| self.overrides.get(k).is_some_and(Option::is_some))
    }

    /// Changes the settings of every link without its own.
    pub fn set_default(&mut self, spec: LinkSpec) {
        self.default = spec;
        self.default_latency = from_ms(spec.latency_ms);
    }

    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.cuts > 0 && pair(a, b).is_some_and(|k| self.cut.get(k) == Some(&true))
    }

    pub fn set_cut(&mut self, a: NodeId, b: NodeId, cut: bool) {
        if let Some(k) = pair(a, b)
            && a != b
            && *at(&mut self.cut, k, false) != cut
        {
            self.cut[k] = cut;
            if cut {
                self.cuts += 1;
            } else {
                self.cuts -= 1;
            }
        }
    }

    /// A node left the system: its links lose their cuts, settings and queues, so a node that
    /// later takes its place starts with clean links.
    pub fn forget(&mut self, n: NodeId) {
        let Some(x) = slot(n) else {
            return;
        };
        // A server's peers are the hubs; a hub's, every node the tables have reached.
        let known = (self.cut.len().max(self.overrides.len())).max(self.queues.len() / 2);
        let peers = if x < HUBS { known / HUBS + 1 } else { HUBS };
        for b in (0..peers).map(node_at) {
            let Some(k) = pair(n, b) else { continue };
            if self.cut.get(k) == Some(&true) {
                self.cut[k] = false;
                self.cuts -= 1;
            }
            if let Some(o) = self.overrides.get_mut(k) {
                *o = None;
            }
            for q in self.queues.iter_mut().skip(2 * k).take(2) {
                *q = LinkQueue::default();
            }
        }
    }

    /// The cut links, each once (by the later node, then the hub).
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        let any = self.cuts > 0;
        self.cut
            .iter()
            .enumerate()
            .filter(move |&(_, &c)| any && c)
            .map(|(k, _)| (node_at(k % HUBS), node_at(k / HUBS)))
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
        let (spec, base) =
            match pair(from, to).and_then(|k| self.overrides.get(k).copied().flatten()) {
                Some(s) => (s, from_ms(s.latency_ms)),
                None => (self.default, self.default_latency),
            };
        let jitter = if spec.jitter_ms > 0.0 {
            from_ms(spec.jitter_ms * sample::unit(rng))
        } else {
            0
        };
        let Some(k) = directed(from, to) else {
            return Some((now, now + base));
        };
        let q = at(&mut self.queues, k, LinkQueue::default());
        if spec.bandwidth_mbps <= 0.0 && jitter == 0 {
            // No bandwidth queue; still no overtaking, as the latency may have been lowered.
            let arrives = (now + base).max(q.last_arrival);
            q.last_arrival = arrives;
            return Some((now, arrives));
        }
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
        directed(from, to)
            .and_then(|k| self.queues.get(k))
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

    #[test]
    fn every_link_has_a_hub_and_the_tables_grow_with_the_fleet() {
        let mut net = Network::new(LinkSpec {
            latency_ms: 1.0,
            jitter_ms: 0.0,
            bandwidth_mbps: 0.0,
        });
        let (far, db) = (
            NodeId::Server(MAX_SERVERS - 1),
            NodeId::Db(MAX_REPLICAS - 1),
        );
        net.set_cut(far, db, true);
        net.set_cut(NodeId::Server(1), NodeId::Server(2), true);
        assert!(net.is_cut(db, far), "both directions");
        assert!(!Network::joins(NodeId::Server(1), NodeId::Server(2)));
        assert!(
            !net.is_cut(NodeId::Server(1), NodeId::Server(2)),
            "no link joins two servers"
        );
        assert_eq!(net.cut_links().collect::<Vec<_>>(), [(db, far)]);
        // Hubs × nodes, not nodes²: about 110,000 pairs for the largest fleet.
        assert!(
            net.cut.len() <= (HUBS + MAX_SERVERS) * HUBS,
            "{}",
            net.cut.len()
        );
        let mut rng = SimRng::seed_from_u64(1);
        assert!(
            net.transmit(0, NodeId::Lb, NodeId::Server(7), 10, &mut rng)
                .is_some()
        );
        net.forget(far);
        assert_eq!(net.cut_links().count(), 0);
        assert!(!net.is_cut(far, db));
        net.set_cut(NodeId::Client, NodeId::Server(7), true);
        net.forget(NodeId::Client);
        assert!(
            !net.is_cut(NodeId::Server(7), NodeId::Client),
            "a hub forgets every peer"
        );
    }
}
