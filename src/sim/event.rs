//! Events on the simulated timeline and the actions people (or scripts) take.
//! The queue orders by (time, sequence number): two events at the same instant run in the order they
//! were scheduled, so ties never depend on the heap's internals.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::balancer::Strategy;
use super::network::NodeId;
use super::slab::Handle;

/// Simulated time in microseconds since the run began.
pub type Time = u64;

pub const MS: Time = 1_000;
pub const SECOND: Time = 1_000_000;

/// Converts milliseconds (validated, finite, non-negative) to simulated time, rounding to the µs.
pub fn from_ms(ms: f64) -> Time {
    (ms * 1_000.0).round() as Time
}

/// Something a person or a script does to the system.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Fail(NodeId),
    Recover(NodeId),
    SetStrategy(Strategy),
    AddServer,
    RemoveServer,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The client issues its next request.
    Arrival,
    /// A message reaches the end of its link.
    Deliver(Handle),
    /// A worker of `server` finishes the request it was serving (ignored if the server crashed since:
    /// `epoch` no longer matches).
    ServiceDone {
        server: usize,
        epoch: u32,
        req: Handle,
    },
    /// A scheduled action takes effect.
    Act(Action),
}

#[derive(Debug)]
struct Scheduled {
    at: Time,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
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
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
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

    pub fn next_time(&self) -> Option<Time> {
        self.heap.peek().map(|s| s.at)
    }

    pub fn pop(&mut self) -> Option<(Time, Event)> {
        self.heap.pop().map(|s| (s.at, s.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::Act(Action::AddServer));
        q.push(3, Event::Arrival);
        q.push(5, Event::Act(Action::RemoveServer));
        assert_eq!(q.pop(), Some((3, Event::Arrival)));
        assert_eq!(q.pop(), Some((5, Event::Act(Action::AddServer))));
        assert_eq!(q.pop(), Some((5, Event::Act(Action::RemoveServer))));
        assert_eq!(q.pop(), None);
    }
}
