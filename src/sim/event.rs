//! Events on the simulated timeline and the actions people (or scripts) take.
//!
//! The queue orders by (time, sequence number): two events at the same instant run in the order they
//! were scheduled, so ties never depend on a container's internals. Most events come in streams whose
//! times never decrease (deliveries over links of one latency, timeouts of one length); those go to
//! FIFO lanes, O(1) each way, and only the rest pay for the binary heap. Popping takes the smallest
//! head of the three, so the order is exactly the same as one heap's.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::balancer::Strategy;
use super::knob::Knob;
use super::node::NodeId;
use super::replication::{ClockKind, Consistency, ReadFrom, Replication, SyncAcks};
use super::shape::{TrafficKind, TrafficShape};
use super::slab::Handle;
use super::time::Time;

/// Something a person or a script does to the system.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Fail(NodeId),
    Recover(NodeId),
    /// Degrade a server: it keeps answering, at a fraction of its power.
    Slow(NodeId),
    SetStrategy(Strategy),
    AddServer,
    RemoveServer,
    /// Vertical scaling: run server `server` (0-based) at `power` (1, 2, 4 or 8).
    SetPower {
        server: usize,
        power: u32,
    },
    /// Cut the link between two nodes (both directions): what crosses it is lost.
    Cut(NodeId, NodeId),
    /// Restore a cut link.
    Heal(NodeId, NodeId),
    /// Cut every link of a node (a partition with that node alone on one side), and restore them.
    Isolate(NodeId),
    Rejoin(NodeId),
    /// Change how the database replicates, where reads go, and what it does under a partition.
    SetReplication(Replication),
    SetSyncAcks(SyncAcks),
    SetReadFrom(ReadFrom),
    SetConsistency(Consistency),
    /// Spread the replicas' clocks over ±this many ms (clamped to 0..=60000).
    SetClockSkew(f64),
    /// Quorum mode: acknowledgements per write and answers per read (clamped to 1..=replicas).
    SetQuorum {
        write: usize,
        read: usize,
    },
    SetClock(ClockKind),
    /// Share of requests that increment by read-modify-write (clamped to 0..=1), and whether they
    /// use compare-and-set.
    SetRmwRatio(f64),
    SetCas(bool),
    /// The balancer checks credentials and rights (authentication and authorization at the edge).
    SetAuth(bool),
    /// Deadline propagation: servers drop work whose deadline passed.
    SetDeadlines(bool),
    /// How the arrival rate moves from now on (its times are the run's simulated seconds).
    SetTraffic(TrafficShape),
    /// A shape of this kind around the arrival rate, starting 2 s after the moment it is applied
    /// (the page's buttons: the World knows when that is, the view may not).
    TrafficPreset(TrafficKind),
    /// Change a numeric setting (clamped into its range; see [`Knob`]).
    Tune(Knob, f64),
    /// Give the link between two nodes its own latency and bandwidth (0: unlimited), or take the
    /// global settings again (`None`).
    SetLink {
        a: NodeId,
        b: NodeId,
        spec: Option<(f64, f64)>,
    },
    /// Cut every link between this group of nodes and the rest.
    Partition(Vec<NodeId>),
    /// Restore every cut link.
    HealAll,
    /// Follow the next request the client issues, hop by hop (the request waterfall).
    TraceNext,
}

impl Action {
    /// A few words for a chart's mark at the moment it was taken ("fail S2", "cut R1–R2").
    pub fn short(&self) -> String {
        let n = |id: &NodeId| match id {
            NodeId::Client => "client".to_string(),
            NodeId::Lb => "LB".to_string(),
            NodeId::Server(i) => format!("S{}", i + 1),
            NodeId::Db(i) => format!("R{}", i + 1),
        };
        match self {
            Action::Fail(x) => format!("fail {}", n(x)),
            Action::Recover(x) => format!("recover {}", n(x)),
            Action::Slow(x) => format!("slow {}", n(x)),
            Action::SetStrategy(s) => s.name().to_string(),
            Action::AddServer => "+server".into(),
            Action::RemoveServer => "−server".into(),
            Action::SetPower { server, power } => format!("S{} {power}×", server + 1),
            Action::Cut(a, b) => format!("cut {}–{}", n(a), n(b)),
            Action::Heal(a, b) => format!("heal {}–{}", n(a), n(b)),
            Action::Isolate(x) => format!("isolate {}", n(x)),
            Action::Rejoin(x) => format!("rejoin {}", n(x)),
            Action::SetReplication(r) => r.to_string(),
            Action::SetSyncAcks(a) => format!("acks {a}"),
            Action::SetReadFrom(r) => format!("reads {r}"),
            Action::SetConsistency(c) => c.to_string().to_ascii_uppercase(),
            Action::SetClockSkew(ms) => format!("skew {}", super::decimal::trim(*ms)),
            Action::SetQuorum { write, read } => format!("W{write} R{read}"),
            Action::SetClock(c) => format!("{c} clock"),
            Action::SetRmwRatio(r) => format!("rmw {}", super::decimal::trim(r * 100.0)),
            Action::SetCas(on) => format!("CAS {}", if *on { "on" } else { "off" }),
            Action::SetAuth(on) => format!("auth {}", if *on { "on" } else { "off" }),
            Action::SetDeadlines(on) => format!("deadlines {}", if *on { "on" } else { "off" }),
            Action::SetTraffic(t) => format!("traffic {}", t.kind()),
            Action::TrafficPreset(k) => format!("traffic {k}"),
            Action::Tune(k, v) => format!("{k} {}", super::decimal::trim(*v)),
            Action::SetLink { a, b, .. } => format!("link {}–{}", n(a), n(b)),
            Action::Partition(_) => "partition".into(),
            Action::HealAll => "heal all".into(),
            Action::TraceNext => "trace".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The client issues its next request (unless the rate changed since this was drawn: the
    /// generation differs).
    Arrival(u32),
    /// Chaos mode crashes a random node (unless chaos was switched off or on again since).
    Chaos(u32),
    /// Chaos mode brings back a node it crashed.
    ChaosRepair(NodeId),
    /// A message reaches the end of its link.
    Deliver(Handle),
    /// A worker of `server` finishes `job` (void if the server crashed since: `epoch` changed).
    /// (The job itself waits in the server's `busy` list: events stay small, and the queue moves
    /// them around a great deal.)
    ServiceDone {
        server: usize,
        epoch: u32,
        req: Handle,
        attempt: u16,
    },
    /// The balancer gives up on attempt `attempt` of a request if it is still waiting.
    AttemptTimeout { req: Handle, attempt: u16 },
    /// A backoff ends: the balancer tries the request again.
    Retry(Handle),
    /// The balancer sends its periodic health checks.
    ProbeTick,
    /// Database heartbeats and elections.
    DbTick,
    /// A database timer: an asynchronous batch to ship, quorum deadlines to enforce.
    DbTimer,
    /// Probe `seq` to `server` is overdue if it is still unanswered.
    ProbeTimeout { server: usize, seq: u64 },
    /// The circuit to `server` opened as `opening` has been open long enough: half-open.
    HalfOpen { server: usize, opening: u64 },
    /// The autoscaler looks at the fleet (every tick while it is on).
    AutoscaleTick,
    /// A server the autoscaler launched has started and joins the fleet.
    Launch,
    /// A scheduled action takes effect.
    Act(Box<Action>),
}

impl Event {
    /// A small number per kind, for the trace hash.
    pub fn tag(&self) -> u64 {
        match self {
            Event::Arrival(_) => 1,
            Event::Chaos(_) => 11,
            Event::ChaosRepair(_) => 12,
            Event::Deliver(_) => 2,
            Event::ServiceDone { .. } => 3,
            Event::AttemptTimeout { .. } => 4,
            Event::Retry(_) => 5,
            Event::ProbeTick => 6,
            Event::ProbeTimeout { .. } => 7,
            Event::Act(_) => 8,
            Event::DbTick => 9,
            Event::DbTimer => 10,
            Event::HalfOpen { .. } => 13,
            Event::AutoscaleTick => 14,
            Event::Launch => 15,
        }
    }
}

#[derive(Debug)]
struct Scheduled {
    at: Time,
    seq: u64,
    event: Event,
}

impl Scheduled {
    fn key(&self) -> (Time, u64) {
        (self.at, self.seq)
    }
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed: BinaryHeap is a max-heap and we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A FIFO lane for an event stream whose times usually do not decrease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Deliveries = 0,
    Timeouts = 1,
}

#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    lanes: [VecDeque<Scheduled>; 2],
    seq: u64,
}

impl EventQueue {
    pub fn push(&mut self, at: Time, event: Event) {
        self.seq += 1;
        self.heap.push(Scheduled {
            at,
            seq: self.seq,
            event,
        });
    }

    /// Like `push`; the event goes to `lane` when that keeps the lane sorted.
    pub fn push_lane(&mut self, lane: Lane, at: Time, event: Event) {
        self.seq += 1;
        let s = Scheduled {
            at,
            seq: self.seq,
            event,
        };
        let fifo = &mut self.lanes[lane as usize];
        if fifo.back().is_none_or(|b| b.at <= at) {
            fifo.push_back(s);
        } else {
            self.heap.push(s);
        }
    }

    /// Where the earliest event is: 0, 1 for a lane, 2 for the heap. (Keys are unique: no ties.)
    fn earliest(&self) -> Option<(usize, Time)> {
        let mut best = self.heap.peek().map(|s| (2, s.key()));
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(s) = lane.front()
                && best.is_none_or(|(_, b)| s.key() < b)
            {
                best = Some((i, s.key()));
            }
        }
        best.map(|(i, k)| (i, k.0))
    }

    pub fn next_time(&self) -> Option<Time> {
        self.earliest().map(|(_, t)| t)
    }

    pub fn pop(&mut self) -> Option<(Time, Event)> {
        self.pop_until(Time::MAX)
    }

    /// The earliest event, if it is due by `t` (one look at the heads for both questions).
    pub fn pop_until(&mut self, t: Time) -> Option<(Time, Event)> {
        let (source, at) = self.earliest()?;
        if at > t {
            return None;
        }
        let s = match source {
            2 => self.heap.pop(),
            lane => self.lanes[lane].pop_front(),
        }?;
        Some((s.at, s.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::Act(Box::new(Action::AddServer)));
        q.push(3, Event::Arrival(0));
        q.push(5, Event::Act(Box::new(Action::RemoveServer)));
        assert_eq!(q.pop(), Some((3, Event::Arrival(0))));
        assert_eq!(q.pop(), Some((5, Event::Act(Box::new(Action::AddServer)))));
        assert_eq!(
            q.pop(),
            Some((5, Event::Act(Box::new(Action::RemoveServer))))
        );
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn lanes_and_heap_pop_in_one_order() {
        // Any mix of pushes pops sorted by (time, push order), lanes or not.
        let mut q = EventQueue::default();
        let mut expected = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..2_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (x >> 33) % 500 + i / 4;
            let ev = Event::ProbeTimeout { server: 0, seq: i };
            match x % 3 {
                0 => q.push(at, ev.clone()),
                1 => q.push_lane(Lane::Deliveries, at, ev.clone()),
                _ => q.push_lane(Lane::Timeouts, at, ev.clone()),
            }
            expected.push((at, i, ev));
        }
        expected.sort_by_key(|(at, i, _)| (*at, *i));
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        let want: Vec<_> = expected.into_iter().map(|(at, _, ev)| (at, ev)).collect();
        assert_eq!(got, want);
    }
}

/// An action as the person applied it: after `events` events, at simulated time `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub events: u64,
    pub at: Time,
    pub action: Action,
}

pub const MAX_ACTIONS: usize = 2_000;
