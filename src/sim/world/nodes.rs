//! The engine's side of the actors: it hands each node what reached it (a message, a timer) and
//! carries out the effects the node wrote, in order. What a node does is in the node's own file.

use super::World;
use crate::sim::effect::{Counter, Ctx, Effect};
use crate::sim::event::{Event, Lane};
use crate::sim::message::{DbMsg, LeaderMsg, Message, Payload};
use crate::sim::node::{NodeId, Status};
use crate::sim::{balancer, client, server};

/// A handler's context: borrows the World's fields one by one, so the node itself (another field)
/// can be borrowed beside it.
macro_rules! ctx {
    ($w:ident, $out:ident) => {
        Ctx {
            now: $w.now,
            cfg: &$w.cfg,
            rng: &mut $w.rng,
            replicas: $w.db.replicas.len(),
            tracing: $w.waterfall.is_some(),
            out: &mut $out,
        }
    };
}

impl World {
    pub(super) fn deliver(&mut self, msg: Message) {
        match (msg.to, msg.payload) {
            (NodeId::Client, Payload::ClientReply(r)) => self.at_client(client::Input::Reply(r)),
            (NodeId::Lb, Payload::ClientRequest(r)) => {
                self.at_balancer(balancer::Input::Request(r))
            }
            (NodeId::Lb, Payload::JobReply(job, outcome, seen)) => {
                self.at_balancer(balancer::Input::JobReply(job, outcome, seen));
                self.retire_drained();
            }
            (NodeId::Lb, Payload::ProbeAck { seq }) => {
                if let NodeId::Server(server) = msg.from {
                    self.at_balancer(balancer::Input::ProbeAck { server, seq });
                }
            }
            (NodeId::Server(i), Payload::Job(job)) => self.at_server(i, server::Input::Job(job)),
            (NodeId::Server(i), Payload::QueryReply(job, outcome, seen)) => {
                self.at_server(i, server::Input::QueryReply(job, outcome, seen));
                self.retire_drained();
            }
            (NodeId::Server(i), Payload::Probe { seq }) => {
                self.at_server(i, server::Input::Probe(seq))
            }
            (
                NodeId::Server(i),
                Payload::Db(DbMsg::Leader(LeaderMsg::NewLeader { leader, .. })),
            ) => self.at_server(i, server::Input::NewLeader(usize::from(leader))),
            (NodeId::Db(j), Payload::Query(job)) => {
                self.db
                    .on_query(self.now, j, msg.from, job, &mut self.outbox);
                self.flush();
            }
            (NodeId::Db(j), Payload::Db(m)) => {
                self.db
                    .on_message(self.now, j, msg.from, m, &mut self.outbox);
                self.flush();
            }
            // Nothing else is ever sent.
            _ => {}
        }
    }

    /// A node's timer went off.
    pub(super) fn timer(&mut self, event: Event) {
        match event {
            Event::Arrival(generation) => self.at_client(client::Input::Arrival(generation)),
            Event::ServiceDone {
                server,
                epoch,
                req,
                attempt,
            } => {
                let done = server::Input::ServiceDone {
                    epoch,
                    req,
                    attempt,
                };
                self.at_server(server, done);
                self.retire_drained();
            }
            Event::AttemptTimeout { req, attempt } => {
                self.at_balancer(balancer::Input::AttemptTimeout(req, attempt));
                self.retire_drained();
            }
            Event::Retry(req) => self.at_balancer(balancer::Input::Retry(req)),
            Event::ProbeTick => self.at_balancer(balancer::Input::ProbeTick),
            Event::ProbeTimeout { server, seq } => {
                self.at_balancer(balancer::Input::ProbeTimeout { server, seq })
            }
            Event::HalfOpen { server, opening } => {
                self.at_balancer(balancer::Input::HalfOpen { server, opening })
            }
            _ => {}
        }
    }

    /// Hands server `i` what reached it, then carries out what it asked.
    pub(super) fn at_server(&mut self, i: usize, input: server::Input) {
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        let mut out = std::mem::take(&mut self.effects);
        let mut cx = ctx!(self, out);
        s.handle(input, &mut cx);
        self.carry_out(NodeId::Server(i), &mut out);
        self.effects = out;
    }

    pub(super) fn at_balancer(&mut self, input: balancer::Input) {
        let mut out = std::mem::take(&mut self.effects);
        let mut cx = ctx!(self, out);
        self.balancer.handle(input, &mut cx);
        self.carry_out(NodeId::Lb, &mut out);
        self.effects = out;
    }

    /// The clients also tell when a request ended, which the engine then measures.
    pub(super) fn at_client(&mut self, input: client::Input) {
        let mut out = std::mem::take(&mut self.effects);
        let mut cx = ctx!(self, out);
        let done = self.client.handle(input, &mut cx);
        self.carry_out(NodeId::Client, &mut out);
        self.effects = out;
        if let Some(done) = done {
            self.observe(done);
        }
    }

    /// Carries out what node `me` asked, in order (one copy for every node).
    fn carry_out(&mut self, me: NodeId, out: &mut Vec<Effect>) {
        for effect in out.drain(..) {
            match effect {
                Effect::Send(to, payload) => {
                    // A request or an answer between the clients and the balancer that cannot
                    // go fails the client's connection at once.
                    let client = match &payload {
                        Payload::ClientRequest(r) => Some((r.ask, false)),
                        Payload::ClientReply(r) => Some((r.ask, true)),
                        _ => None,
                    };
                    if !self.send(me, to, payload)
                        && let Some((ask, answered)) = client
                    {
                        self.at_client(client::Input::Unsent { ask, answered });
                    }
                }
                Effect::Timer(at, event @ Event::AttemptTimeout { .. }) => {
                    self.queue.push_lane(Lane::Timeouts, at, event)
                }
                Effect::Timer(at, event) => self.queue.push(at, event),
                Effect::Span(req, kind) => self.trace_span(req, kind, me),
                Effect::TimedOut {
                    req,
                    server,
                    sent_at,
                    timeout,
                } => self.trace_timeout(req, server, sent_at, timeout),
                Effect::Backoff { req, until } => self.trace_backoff(req, until),
                Effect::Burst => self.burst(me),
                Effect::Note(node, text) => self.note(Some(node), text),
                Effect::Picked(i) => self.mix(i as u64),
                Effect::Issued(id, what) => {
                    self.metrics.issued += 1;
                    if self.trace_next {
                        self.start_trace(id, what);
                    }
                }
                Effect::Count(c) => {
                    let m = &mut self.metrics;
                    match c {
                        Counter::CacheHit => m.cache_hits += 1,
                        Counter::CacheMiss => m.cache_misses += 1,
                        Counter::DbQuery => m.db_queries += 1,
                        Counter::AttemptTimeout => m.attempt_timeouts += 1,
                        Counter::Retry => m.retry(self.now),
                        Counter::RetryDenied => m.retries_denied += 1,
                        Counter::StaleRead => m.stale_reads += 1,
                        Counter::Wasted(us) => m.wasted(self.now, us),
                        Counter::DeadlineDrop => m.deadline_drops += 1,
                        Counter::Shed => m.shed += 1,
                        Counter::CircuitOpened => m.circuit_openings += 1,
                    }
                }
            }
        }
    }

    /// Puts queued jobs of server `i` on idle workers (after the worker count grew).
    pub(super) fn fill_workers(&mut self, i: usize) {
        self.at_server(i, server::Input::FillWorkers);
    }

    /// Drops draining servers from the end of the fleet once nothing of theirs is in flight.
    pub(super) fn retire_drained(&mut self) {
        while let (Some(s), Some(b)) = (self.servers.last(), self.balancer.backends().last()) {
            if !(s.draining && s.holding() == 0 && b.outstanding == 0) {
                break;
            }
            let i = self.servers.len() - 1;
            if let Some(s) = self.servers.pop() {
                self.retired_us += self.now.saturating_sub(s.joined());
                self.retired_work_us += s.work_us;
            }
            self.balancer.remove_last();
            self.network.forget(NodeId::Server(i));
            self.note(
                Some(NodeId::Server(i)),
                format!("{} drained and removed", NodeId::Server(i).label()),
            );
        }
    }

    /// Whether server `i` exists and is not crashed.
    pub(super) fn server_up(&self, i: usize) -> bool {
        self.servers
            .get(i)
            .is_some_and(|s| s.status != Status::Down)
    }
}
