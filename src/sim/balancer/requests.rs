//! The balancer as an actor, for requests: it checks each at the edge, sends attempts to servers,
//! gives up on an attempt after the timeout, retries elsewhere within the budget after a backoff,
//! and answers the client. What it knows of a request is what reached it ([`Flight`]).

use super::flight::{Flight, Tried};
use super::{Balancer, backoff_ms};
use crate::sim::effect::{Counter, Ctx, Effect};
use crate::sim::event::Event;
use crate::sim::message::{Cause, Job, Observed, Outcome, Payload, Reply, Request};
use crate::sim::node::NodeId;
use crate::sim::replication::Replication;
use crate::sim::slab::Handle;
use crate::sim::time::{Time, from_ms};

impl Balancer {
    /// Requests it is handling now.
    pub fn in_flight(&self) -> usize {
        self.flights.len()
    }

    pub(crate) fn set_timeout(&mut self, timeout: Time) {
        self.timeout = timeout;
    }

    /// A request arrives. With checks on, one without valid credentials (401) or a write from a
    /// read-only client (403) is answered here and never reaches a server.
    pub(crate) fn on_request(&mut self, req: Request, cx: &mut Ctx) {
        let h = self.flights.insert(
            req.ask.id,
            Flight {
                req,
                attempt: 0,
                retries: 0,
                tried: Tried::default(),
                server: None,
                waiting: false,
                sent_at: cx.now,
                observed: None,
                maybe_applied: false,
            },
        );
        if cx.cfg.auth {
            if req.forged {
                return self.finish(h, Outcome::Err(Cause::Unauthorized), cx);
            }
            if req.read_only && req.write {
                return self.finish(h, Outcome::Err(Cause::Forbidden), cx);
            }
        }
        self.dispatch(h, cx)
    }

    /// Sends (the next attempt of) request `h` to a server; also when a backoff ends.
    pub(crate) fn dispatch(&mut self, h: Handle, cx: &mut Ctx) {
        let Some(f) = self.flights.get(h) else {
            return;
        };
        let (session, tried) = (f.req.session, f.tried);
        let Some(i) = self.pick(session, tried, cx.rng) else {
            return self.finish(h, Outcome::Err(Cause::NoServer), cx);
        };
        cx.out.push(Effect::Picked(i));
        let f = self.flights.get_mut(h).expect("checked above");
        f.attempt += 1;
        f.tried.add(i);
        f.server = Some(i);
        f.waiting = true;
        f.sent_at = cx.now;
        let job = Job {
            req: h,
            attempt: f.attempt,
            server: i as u16,
            write: f.req.write,
            key: f.req.key,
            epoch: 0,
            incr: f.req.incr,
            expect: None,
            count: 0,
            tries: 0,
        };
        self.sent(i);
        cx.send(NodeId::Server(i), Payload::Job(job));
        let timeout = Event::AttemptTimeout {
            req: h,
            attempt: job.attempt,
        };
        cx.timer(cx.now + self.timeout, timeout);
    }

    /// A server answered an attempt.
    pub(crate) fn on_job_reply(
        &mut self,
        job: Job,
        outcome: Outcome,
        seen: Option<Observed>,
        cx: &mut Ctx,
    ) {
        let Some(f) = self.flights.get_mut(job.req) else {
            return;
        };
        if f.attempt != job.attempt || !f.waiting {
            return; // an answer to an attempt it already gave up on
        }
        f.waiting = false;
        f.observed = seen;
        // A leader's refusal is certain; a quorum coordinator's may follow partial writes; an
        // answer that then fails to reach the client leaves the client in doubt.
        f.maybe_applied |= outcome == Outcome::Ok
            || (outcome == Outcome::Err(Cause::DbUnavailable)
                && cx.cfg.replication == Replication::Quorum);
        let rtt = cx.now - f.sent_at;
        self.ended(usize::from(job.server), cx.now, rtt);
        match outcome {
            Outcome::Err(cause) if cause.retryable() => self.retry_or_finish(job.req, cause, cx),
            _ => self.finish(job.req, outcome, cx),
        }
    }

    /// Attempt `attempt` of request `h` had no answer in time: it is given up on (it may still
    /// have taken effect).
    pub(crate) fn on_attempt_timeout(&mut self, h: Handle, attempt: u16, cx: &mut Ctx) {
        let Some(f) = self.flights.get_mut(h) else {
            return;
        };
        if f.attempt != attempt || !f.waiting {
            return;
        }
        f.waiting = false;
        f.maybe_applied = true;
        let sent_at = f.sent_at;
        let i = f.server.expect("a waiting attempt has a server");
        self.ended(i, cx.now, self.timeout);
        cx.count(Counter::AttemptTimeout);
        if cx.tracing {
            cx.out.push(Effect::TimedOut {
                req: h,
                server: i,
                sent_at,
                timeout: self.timeout,
            });
        }
        cx.out.push(Effect::Burst);
        self.retry_or_finish(h, Cause::Timeout, cx);
    }

    fn retry_or_finish(&mut self, h: Handle, cause: Cause, cx: &mut Ctx) {
        let Some(f) = self.flights.get_mut(h) else {
            return;
        };
        if f.retries >= cx.cfg.retries {
            return self.finish(h, Outcome::Err(cause), cx);
        }
        if !self.budget.withdraw() {
            cx.count(Counter::RetryDenied);
            return self.finish(h, Outcome::Err(cause), cx);
        }
        f.retries += 1;
        cx.count(Counter::Retry);
        let wait = backoff_ms(cx.rng, cx.cfg.backoff_ms, f.retries);
        let at = cx.now + from_ms(wait);
        if cx.tracing {
            cx.out.push(Effect::Backoff { req: h, until: at });
        }
        cx.timer(at, Event::Retry(h));
    }

    /// Answers the client; the request is done here.
    fn finish(&mut self, h: Handle, outcome: Outcome, cx: &mut Ctx) {
        let Some(f) = self.flights.remove(h) else {
            return;
        };
        if matches!(outcome, Outcome::Err(_)) {
            cx.out.push(Effect::Burst);
        }
        let reply = Reply {
            ask: f.req.ask,
            outcome,
            observed: f.observed,
            maybe_applied: f.maybe_applied,
        };
        cx.send(NodeId::Client, Payload::ClientReply(reply));
    }
}
