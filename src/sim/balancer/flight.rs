//! What reaches the balancer (its inputs), and what it knows of a request it is handling.

use crate::sim::message::{Job, Observed, Outcome, Request};
use crate::sim::slab::Handle;
use crate::sim::time::Time;

/// What reaches the balancer: a message, or one of its timers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Input {
    Request(Request),
    JobReply(Job, Outcome, Option<Observed>),
    ProbeAck {
        server: usize,
        seq: u64,
    },
    AttemptTimeout(Handle, u16),
    /// A backoff ended: the request's next attempt.
    Retry(Handle),
    ProbeTick,
    ProbeTimeout {
        server: usize,
        seq: u64,
    },
    /// Health checks may have been switched on: set the next round's timer if none is set.
    ArmProbes,
    /// A circuit's open period ended.
    HalfOpen {
        server: usize,
        opening: u64,
    },
}

/// A request the balancer is handling.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Flight {
    pub req: Request,
    /// Attempts made so far (1 for the first).
    pub attempt: u16,
    pub retries: u32,
    /// Servers tried, one per attempt.
    pub tried: Tried,
    /// The server of the current attempt.
    pub server: Option<usize>,
    /// It awaits the current attempt's reply.
    pub waiting: bool,
    /// When the current attempt was sent.
    pub sent_at: Time,
    /// What the database answered the last attempt.
    pub observed: Option<Observed>,
    /// Some attempt may have taken effect (see [`Reply::maybe_applied`]).
    pub maybe_applied: bool,
}

/// The servers a request has tried, one per attempt (a first try and at most five retries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tried {
    n: u8,
    at: [u16; 6],
}

impl Tried {
    pub fn add(&mut self, i: usize) {
        // Past six (more retries than the settings allow) it keeps avoiding the first six.
        if !self.contains(i) && usize::from(self.n) < self.at.len() {
            self.at[usize::from(self.n)] = i as u16;
            self.n += 1;
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.at[..usize::from(self.n)].contains(&(i as u16))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.n == 0
    }
}
