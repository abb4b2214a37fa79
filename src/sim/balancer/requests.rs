//! The balancer as an actor, for requests: it checks each at the edge, sends attempts to servers,
//! gives up on an attempt after the timeout, retries elsewhere within the budget after a backoff,
//! and answers the client. What it knows of a request is what reached it ([`Flight`]).

use super::flight::{Flight, Input, Tried};
use super::{Balancer, Circuit, backoff_ms};
use crate::sim::effect::{Counter, Ctx, Effect};
use crate::sim::event::Event;
use crate::sim::message::{Cause, Job, Observed, Outcome, Payload, Reply, Request};
use crate::sim::node::NodeId;
use crate::sim::replication::Replication;
use crate::sim::slab::Handle;
use crate::sim::time::{Time, from_ms};

impl Balancer {
    /// Handles what reached it (one entry point, as an actor has).
    pub(crate) fn handle(&mut self, input: Input, cx: &mut Ctx) {
        match input {
            Input::Request(r) => self.on_request(r, cx),
            Input::JobReply(job, outcome, seen) => self.on_job_reply(job, outcome, seen, cx),
            Input::ProbeAck { server, seq } => self.on_probe_ack(server, seq, cx),
            Input::AttemptTimeout(h, attempt) => self.on_attempt_timeout(h, attempt, cx),
            Input::Retry(h) => self.dispatch(h, cx),
            Input::ProbeTick => self.on_probe_tick(cx),
            Input::ProbeTimeout { server, seq } => self.on_probe_timeout(server, seq, cx),
            Input::ArmProbes => self.arm_probes(cx),
            Input::HalfOpen { server, opening } => {
                if self.half_open(server, opening) {
                    let name = NodeId::Server(server).label();
                    let text = format!("Circuit to {name} half-open: one trial request may pass");
                    cx.out.push(Effect::Note(NodeId::Server(server), text));
                }
            }
        }
    }

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
        // Each request that reaches it earns the retry budget its share of a token (one lost on
        // the way never does: the balancer cannot count what it never saw).
        self.budget.deposit();
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
            if req.what.forged {
                return self.finish(h, Outcome::Err(Cause::Unauthorized), cx);
            }
            if req.what.read_only && req.what.write {
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
        let (session, tried) = (f.req.what.session, f.tried);
        let Some(i) = self.pick(session, tried, cx.rng) else {
            let cause = if self.circuits_hold_back() {
                Cause::CircuitOpen
            } else {
                Cause::NoServer
            };
            return self.finish(h, Outcome::Err(cause), cx);
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
            write: f.req.what.write,
            key: f.req.what.key,
            epoch: 0,
            incr: f.req.what.incr,
            expect: None,
            count: 0,
            tries: 0,
            budget: self.timeout.min(u32::MAX as Time) as u32,
            deadline: 0,
            work: 0,
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
        let Some(f) = self
            .flights
            .get_mut(job.req)
            .filter(|f| f.attempt == job.attempt && f.waiting)
        else {
            // An answer to an attempt it already gave up on: the server's work on it is wasted.
            if job.work > 0 {
                cx.count(Counter::Wasted(job.work));
            }
            return;
        };
        f.waiting = false;
        f.observed = seen;
        // A leader's refusal is certain; a quorum coordinator's may follow partial writes; an
        // answer that then fails to reach the client leaves the client in doubt.
        f.maybe_applied |= outcome == Outcome::Ok
            || (outcome == Outcome::Err(Cause::DbUnavailable)
                && cx.cfg.replication == Replication::Quorum);
        let rtt = cx.now - f.sent_at;
        self.ended(usize::from(job.server), cx.now, rtt);
        let refused = matches!(outcome, Outcome::Err(c) if c.server_failed());
        self.circuit(usize::from(job.server), !refused, cx);
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
        self.circuit(i, false, cx);
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

    /// Feeds server `i`'s circuit breaker an attempt's end; an opening is logged and timed.
    fn circuit(&mut self, i: usize, ok: bool, cx: &mut Ctx) {
        let Some((circuit, opening)) = self.judge(i, ok, cx.cfg.breaker) else {
            return;
        };
        let name = NodeId::Server(i).label();
        let text = if circuit == Circuit::Open {
            cx.count(Counter::CircuitOpened);
            let until = cx.now + from_ms(cx.cfg.breaker_open_ms);
            cx.timer(until, Event::HalfOpen { server: i, opening });
            let n = cx.cfg.breaker;
            format!("Circuit to {name} opened: {n} failures in a row; no work for it for a while")
        } else {
            format!("Circuit to {name} closed: its trial request was answered")
        };
        cx.out.push(Effect::Note(NodeId::Server(i), text));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::balancer::Strategy;
    use crate::sim::config::Config;
    use crate::sim::message::Draw;
    use crate::sim::sample::SimRng;
    use crate::sim::slab::Handle;
    use rand::SeedableRng;

    /// Hands the balancer one thing at `now` and returns what it asked for.
    fn handle(
        b: &mut Balancer,
        cfg: &Config,
        rng: &mut SimRng,
        now: Time,
        f: impl FnOnce(&mut Balancer, &mut Ctx),
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        let mut cx = Ctx {
            now,
            cfg,
            rng,
            replicas: 3,
            tracing: false,
            out: &mut out,
        };
        f(b, &mut cx);
        out
    }

    fn request(id: u64, write: bool, forged: bool) -> Request {
        Request {
            ask: Handle { slot: 0, id },
            what: Draw {
                write,
                incr: false,
                key: 7,
                session: 1,
                forged,
                read_only: false,
            },
        }
    }

    fn sent(out: &[Effect]) -> Vec<(NodeId, Payload)> {
        out.iter()
            .filter_map(|e| match e {
                Effect::Send(to, p) => Some((*to, p.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_request_becomes_an_attempt_with_a_timeout_and_a_timed_out_one_is_retried_elsewhere() {
        let cfg = Config {
            retries: 1,
            ..Config::default()
        };
        let mut rng = SimRng::seed_from_u64(3);
        let mut b = Balancer::new(Strategy::RoundRobin, 3, 1.0);
        b.set_timeout(300_000);
        let out = handle(&mut b, &cfg, &mut rng, 1_000, |b, cx| {
            b.on_request(request(42, true, false), cx)
        });
        let [(NodeId::Server(0), Payload::Job(job))] = sent(&out)[..] else {
            panic!("one job to server 1: {out:?}");
        };
        assert_eq!(
            (job.req.id, job.attempt, job.write, job.key),
            (42, 1, true, 7)
        );
        assert!(out.contains(&Effect::Timer(
            301_000,
            Event::AttemptTimeout {
                req: job.req,
                attempt: 1
            }
        )));
        // No answer in time: it backs off, then tries a server it has not tried.
        let out = handle(&mut b, &cfg, &mut rng, 301_000, |b, cx| {
            b.on_attempt_timeout(job.req, 1, cx)
        });
        assert!(out.contains(&Effect::Count(Counter::AttemptTimeout)));
        let Some(Effect::Timer(at, Event::Retry(h))) = out.last().cloned() else {
            panic!("a backoff timer: {out:?}");
        };
        assert!(at >= 301_000 && h == job.req);
        let out = handle(&mut b, &cfg, &mut rng, at, |b, cx| b.dispatch(h, cx));
        let [(NodeId::Server(i), Payload::Job(second))] = sent(&out)[..] else {
            panic!("a second attempt: {out:?}");
        };
        assert_ne!(i, 0, "the retry avoids the server that timed out");
        assert_eq!(second.attempt, 2);
        // The first attempt's late answer is void; the retry's timeout, with no retries left,
        // answers the client: failed, and perhaps applied (the first attempt may have written).
        let late = handle(&mut b, &cfg, &mut rng, at + 1, |b, cx| {
            b.on_job_reply(job, Outcome::Ok, None, cx)
        });
        assert!(late.is_empty(), "{late:?}");
        let out = handle(&mut b, &cfg, &mut rng, at + 300_000, |b, cx| {
            b.on_attempt_timeout(h, 2, cx)
        });
        let [(NodeId::Client, Payload::ClientReply(reply))] = sent(&out)[..] else {
            panic!("the answer to the client: {out:?}");
        };
        assert_eq!(reply.outcome, Outcome::Err(Cause::Timeout));
        assert!(reply.maybe_applied);
        assert_eq!(b.in_flight(), 0);
        assert!(b.backends().iter().all(|x| x.outstanding == 0));
    }

    #[test]
    fn the_edge_answers_a_forged_request_itself_and_a_refusal_is_certain() {
        let cfg = Config {
            auth: true,
            ..Config::default()
        };
        let mut rng = SimRng::seed_from_u64(3);
        let mut b = Balancer::new(Strategy::Random, 3, 0.2);
        let out = handle(&mut b, &cfg, &mut rng, 0, |b, cx| {
            b.on_request(request(5, false, true), cx)
        });
        let [(NodeId::Client, Payload::ClientReply(reply))] = sent(&out)[..] else {
            panic!("answered at the edge: {out:?}");
        };
        assert_eq!(reply.outcome, Outcome::Err(Cause::Unauthorized));
        assert!(!reply.maybe_applied);
        assert_eq!(b.in_flight(), 0);
    }
}
