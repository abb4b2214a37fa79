//! How a node acts on the world: its handlers read a [`Ctx`] and write [`Effect`]s, which the
//! engine carries out in the order they were written (as stateright's actors write to an `Out`).
//! A node never touches another node's state, the clock or the queue.

use super::config::Config;
use super::event::Event;
use super::message::Draw;
use super::message::Payload;
use super::node::NodeId;
use super::sample::SimRng;
use super::slab::Handle;
use super::time::Time;
use super::trace::SpanKind;

/// What a node asks of the engine.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Effect {
    /// A message from this node to another. A client's request or a balancer's answer that cannot
    /// leave (the link is cut) comes back to the client at once as a network error.
    Send(NodeId, Payload),
    /// This node's timer: `Event` happens at the given time.
    Timer(Time, Event),
    /// A traced request's stretch at this node ended now (queued, served).
    Span(Handle, SpanKind),
    /// A traced request's attempt at `server`, sent at `sent_at`, was given up after `timeout`.
    TimedOut {
        req: Handle,
        server: usize,
        sent_at: Time,
        timeout: Time,
    },
    /// A traced request backs off until `until` before its retry.
    Backoff {
        req: Handle,
        until: Time,
    },
    /// Something went wrong here that the diagram flashes.
    Burst,
    /// A line for the event log, about a node.
    Note(NodeId, String),
    /// The balancer chose server `i` (it enters the run's fingerprint).
    Picked(usize),
    /// The clients issued request `id`, asking this (the engine counts it, and follows it if
    /// asked to).
    Issued(u64, Draw),
    Count(Counter),
}

/// Counters a node bumps as things happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    CacheHit,
    CacheMiss,
    DbQuery,
    AttemptTimeout,
    Retry,
    RetryDenied,
    StaleRead,
    /// Served work (µs) whose answer nobody took: the balancer had given up on the attempt, or
    /// the server found its deadline passed.
    Wasted(u32),
    /// A server dropped an attempt whose deadline had passed, unserved.
    DeadlineDrop,
    /// A server refused an attempt at once, shedding load.
    Shed,
    CircuitOpened,
}

/// What a handler may read and use: the clock, the settings, the run's one random generator, the
/// number of replicas, and where its effects go.
pub(crate) struct Ctx<'a> {
    pub(crate) now: Time,
    pub(crate) cfg: &'a Config,
    pub(crate) rng: &'a mut SimRng,
    pub(crate) replicas: usize,
    /// A request is being traced (spans are wanted).
    pub(crate) tracing: bool,
    pub(crate) out: &'a mut Vec<Effect>,
}

impl Ctx<'_> {
    pub(crate) fn send(&mut self, to: NodeId, payload: Payload) {
        self.out.push(Effect::Send(to, payload));
    }

    pub(crate) fn timer(&mut self, at: Time, event: Event) {
        self.out.push(Effect::Timer(at, event));
    }

    pub(crate) fn count(&mut self, c: Counter) {
        self.out.push(Effect::Count(c));
    }

    pub(crate) fn span(&mut self, req: Handle, kind: SpanKind) {
        if self.tracing {
            self.out.push(Effect::Span(req, kind));
        }
    }
}
