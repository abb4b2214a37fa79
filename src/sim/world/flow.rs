//! The request path and the health checks: what each node does when something reaches it.

use super::{Request, World};
use crate::sim::balancer::{Tried, backoff_ms};
use crate::sim::event::{Event, Lane};
use crate::sim::history::{Fate, Op};
use crate::sim::message::Cause;
use crate::sim::message::{DbMsg, Job, LeaderMsg, Message, Observed, Outcome, Payload};
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::server::{Ctx, Effect, Server};
use crate::sim::slab::Handle;
use crate::sim::time::from_ms;
use crate::sim::trace::SpanKind;

impl World {
    pub(super) fn schedule_arrival(&mut self) {
        if self.issue_limit.is_some_and(|n| self.metrics.issued >= n) {
            return;
        }
        let gap = self
            .traffic
            .gap(&mut self.traffic_rng, self.cfg.arrival_rate);
        self.queue
            .push(self.now + gap, Event::Arrival(self.arrival_gen));
    }

    pub(super) fn arrive(&mut self) {
        if self.issue_limit.is_some_and(|n| self.metrics.issued >= n) {
            return;
        }
        let mut d = self.traffic.draw(&mut self.traffic_rng, &self.cfg);
        if d.write && self.cfg.sequential_keys {
            d.key = (self.writes_issued % self.cfg.keys as u64) as u32;
        }
        self.writes_issued += d.write as u64;
        self.next_id += 1;
        let req = Request {
            id: self.next_id,
            issued: self.now,
            write: d.write,
            incr: d.incr,
            key: d.key,
            observed: None,
            floor: if d.write {
                None
            } else {
                self.latest_acked[d.key as usize]
            },
            read_floor: self.anomalies.floor(d.key),
            session: d.session,
            forged: d.forged,
            read_only: d.read_only,
            attempt: 0,
            retries: 0,
            tried: Tried::default(),
            server: None,
            waiting: false,
            sent_at: self.now,
            maybe_applied: false,
        };
        if self.trace_next {
            self.start_trace(&req);
        }
        let full = self.cfg.client_pool != 0 && self.requests.len() as u64 >= self.cfg.client_pool;
        let h = self.requests.insert(self.next_id, req);
        self.metrics.issued += 1;
        if full {
            // Nothing left the client: fails at once, and memory stays bounded by the pool.
            self.complete(h, Outcome::Err(Cause::ClientPool));
        } else {
            self.balancer.budget.deposit();
            if !self.send(NodeId::Client, NodeId::Lb, Payload::ClientRequest(h)) {
                self.complete(h, Outcome::Err(Cause::Network));
            }
        }
        self.schedule_arrival();
    }

    pub(super) fn deliver(&mut self, msg: Message) {
        match (msg.to, msg.payload) {
            (NodeId::Lb, Payload::ClientRequest(r)) => self.admit(r),
            (NodeId::Server(i), Payload::Job(job)) => self.at_server(i, |s, cx| s.on_job(job, cx)),
            (NodeId::Db(j), Payload::Query(job)) => {
                self.db
                    .on_query(self.now, j, msg.from, job, &mut self.outbox);
                self.flush();
            }
            (NodeId::Server(i), Payload::QueryReply(job, outcome, seen)) => {
                self.at_server(i, |s, cx| s.on_query_reply(job, outcome, seen, cx));
                self.retire_drained();
            }
            (
                NodeId::Server(i),
                Payload::Db(DbMsg::Leader(LeaderMsg::NewLeader { leader, .. })),
            ) if self.server_up(i) => {
                self.servers[i].db_leader = leader as usize;
            }
            (NodeId::Lb, Payload::JobReply(job, outcome, seen)) => {
                self.job_reply(job, outcome, seen)
            }
            (NodeId::Client, Payload::ClientReply(r, outcome)) => self.complete(r, outcome),
            (NodeId::Server(i), Payload::Probe { seq }) => {
                self.at_server(i, |s, cx| s.on_probe(seq, cx))
            }
            (NodeId::Lb, Payload::ProbeAck { seq }) => {
                if let NodeId::Server(i) = msg.from {
                    let rise = self.cfg.hc_rise;
                    let verdict = self.balancer.probe_answered(i, seq, rise);
                    self.verdict(i, verdict);
                }
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

    /// A request reaches the balancer: with checks on, one without valid credentials (401) or a
    /// write from a read-only client (403) is answered there and never reaches a server.
    fn admit(&mut self, r: Handle) {
        let Some(req) = self.requests.get(r) else {
            return;
        };
        if self.cfg.auth {
            if req.forged {
                return self.finish(r, Outcome::Err(Cause::Unauthorized));
            }
            if req.read_only && req.write {
                return self.finish(r, Outcome::Err(Cause::Forbidden));
            }
        }
        self.dispatch(r)
    }

    /// The balancer sends (the next attempt of) request `r` to a server.
    pub(super) fn dispatch(&mut self, r: Handle) {
        let Some(req) = self.requests.get(r) else {
            return;
        };
        let (session, tried) = (req.session, req.tried);
        let Some(i) = self.balancer.pick(session, tried, &mut self.rng) else {
            return self.finish(r, Outcome::Err(Cause::NoServer));
        };
        self.mix(i as u64);
        let now = self.now;
        let req = self.requests.get_mut(r).expect("checked above");
        req.attempt += 1;
        req.tried.add(i);
        req.server = Some(i);
        req.waiting = true;
        req.sent_at = now;
        let job = Job {
            req: r,
            attempt: req.attempt,
            server: i as u16,
            write: req.write,
            key: req.key,
            epoch: 0,
            incr: req.incr,
            expect: None,
            count: 0,
            tries: 0,
        };
        self.balancer.sent(i);
        self.send(NodeId::Lb, NodeId::Server(i), Payload::Job(job));
        let at = now + self.timeout;
        self.queue.push_lane(
            Lane::Timeouts,
            at,
            Event::AttemptTimeout {
                req: r,
                attempt: job.attempt,
            },
        );
    }

    /// Hands server `i` what reached it, then carries out what it asked, in order.
    fn at_server(&mut self, i: usize, handle: impl FnOnce(&mut Server, &mut Ctx)) {
        let replicas = self.db.replicas.len();
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        let mut out = std::mem::take(&mut self.effects);
        let mut cx = Ctx {
            now: self.now,
            cfg: &self.cfg,
            rng: &mut self.rng,
            replicas,
            tracing: self.waterfall.is_some(),
            out: &mut out,
        };
        handle(s, &mut cx);
        self.carry_out(i, &mut out);
        self.effects = out;
    }

    /// Carries out what server `i` asked, in order (one copy for every handler).
    fn carry_out(&mut self, i: usize, out: &mut Vec<Effect>) {
        let me = NodeId::Server(i);
        for effect in out.drain(..) {
            match effect {
                Effect::Send(to, payload) => {
                    self.send(me, to, payload);
                }
                Effect::ServiceDone {
                    at,
                    epoch,
                    req,
                    attempt,
                } => self.queue.push(
                    at,
                    Event::ServiceDone {
                        server: i,
                        epoch,
                        req,
                        attempt,
                    },
                ),
                Effect::Span(req, kind) => {
                    let name = me.label();
                    self.trace_span(req, kind, || match kind {
                        SpanKind::Queue => format!("queued at {name}"),
                        _ => format!("served by {name}"),
                    });
                }
                Effect::Burst => self.burst(me),
                Effect::CacheHit => self.metrics.cache_hits += 1,
                Effect::CacheMiss => self.metrics.cache_misses += 1,
                Effect::DbQuery => self.metrics.db_queries += 1,
            }
        }
    }

    /// Puts queued jobs of server `i` on idle workers (after the worker count grew).
    pub(super) fn fill_workers(&mut self, i: usize) {
        self.at_server(i, |s, cx| s.fill_workers(cx));
    }

    pub(super) fn service_done(&mut self, i: usize, epoch: u32, req: Handle, attempt: u16) {
        self.at_server(i, |s, cx| s.on_service_done(epoch, req, attempt, cx));
        self.retire_drained();
    }

    fn job_reply(&mut self, job: Job, outcome: Outcome, seen: Option<Observed>) {
        let i = job.server as usize;
        let Some(req) = self.requests.get_mut(job.req) else {
            return;
        };
        if req.attempt != job.attempt || !req.waiting {
            return; // an answer to an attempt the balancer already gave up on
        }
        req.waiting = false;
        req.observed = seen;
        // A leader's refusal is certain; a quorum coordinator's may follow partial writes; an
        // answer that then fails to reach the client leaves the client in doubt.
        req.maybe_applied |= outcome == Outcome::Ok
            || (outcome == Outcome::Err(Cause::DbUnavailable)
                && self.cfg.replication == crate::sim::Replication::Quorum);
        let rtt = self.now - req.sent_at;
        self.balancer.ended(i, self.now, rtt);
        match outcome {
            Outcome::Err(cause) if cause.retryable() => self.retry_or_finish(job.req, cause),
            _ => self.finish(job.req, outcome),
        }
        self.retire_drained();
    }

    pub(super) fn attempt_timeout(&mut self, r: Handle, attempt: u16) {
        let Some(req) = self.requests.get_mut(r) else {
            return;
        };
        if req.attempt != attempt || !req.waiting {
            return;
        }
        req.waiting = false;
        req.maybe_applied = true;
        let sent_at = req.sent_at;
        let i = req.server.expect("a waiting attempt has a server");
        self.balancer.ended(i, self.now, self.timeout);
        self.metrics.attempt_timeouts += 1;
        if self.waterfall.is_some() {
            self.trace_timeout(r, i, sent_at);
        }
        self.burst(NodeId::Lb);
        self.retry_or_finish(r, Cause::Timeout);
        self.retire_drained();
    }

    fn retry_or_finish(&mut self, r: Handle, cause: Cause) {
        let Some(req) = self.requests.get_mut(r) else {
            return;
        };
        if req.retries >= self.cfg.retries {
            return self.finish(r, Outcome::Err(cause));
        }
        if !self.balancer.budget.withdraw() {
            self.metrics.retries_denied += 1;
            return self.finish(r, Outcome::Err(cause));
        }
        req.retries += 1;
        let n = req.retries;
        self.metrics.retry(self.now);
        let wait = backoff_ms(&mut self.rng, self.cfg.backoff_ms, n);
        let at = self.now + from_ms(wait);
        if self.waterfall.is_some() {
            self.trace_backoff(r, at);
        }
        self.queue.push(at, Event::Retry(r));
    }

    /// The balancer answers the client.
    fn finish(&mut self, r: Handle, outcome: Outcome) {
        if matches!(outcome, Outcome::Err(_)) {
            self.burst(NodeId::Lb);
        }
        if !self.send(NodeId::Lb, NodeId::Client, Payload::ClientReply(r, outcome)) {
            self.complete(r, Outcome::Err(Cause::Network));
        }
    }

    /// The client learns how its request ended.
    fn complete(&mut self, r: Handle, outcome: Outcome) {
        let Some(req) = self.requests.remove(r) else {
            return;
        };
        let ok = outcome == Outcome::Ok;
        let m = &mut self.metrics;
        m.increments_ok += (ok && req.incr) as u64;
        m.forged_served += (ok && req.forged) as u64;
        m.forbidden_writes += (ok && req.read_only && req.write) as u64;
        match (req.write, ok) {
            (true, true) => m.writes_ok += 1,
            (true, false) => m.writes_failed += 1,
            (false, true) => m.reads_ok += 1,
            (false, false) => m.reads_failed += 1,
        }
        if ok {
            let seen = req.observed.map(|o| o.pos);
            if req.write {
                let latest = &mut self.latest_acked[req.key as usize];
                *latest = (*latest).max(seen);
            } else {
                if req.floor.is_some() && seen < req.floor {
                    self.metrics.stale_reads += 1;
                }
                let durable = seen.and_then(|p| self.db.fate_of(p));
                self.anomalies
                    .read_done(req.key, req.read_floor, seen, durable);
            }
        }
        if self.history.is_some() || self.live.is_some() {
            let outcome = match (ok, req.maybe_applied) {
                (true, _) => Fate::Ok,
                (false, true) => Fate::Unknown,
                (false, false) => Fate::Refused,
            };
            let value = if req.write {
                Some(req.id)
            } else {
                req.observed.filter(|_| ok).map(|o| o.value)
            };
            let op = Op {
                client: req.session,
                write: req.write,
                key: req.key,
                value,
                invoke: req.issued,
                complete: self.now,
                ok,
                outcome,
            };
            if let Some(h) = self.history.as_mut() {
                h.push(op);
            }
            if let Some(live) = self.live.as_mut() {
                live.record(op);
            }
        }
        if self.waterfall.is_some() {
            self.trace_end(&req, outcome);
        }
        // Latency is the client's wait for its answer, an error's included: a figure over
        // successes alone would flatter a choice that makes clients wait and then fail. A request
        // its own pool refused never left the client, so it has no wait to count.
        if let Outcome::Err(cause) = outcome {
            self.metrics.fail(self.now, cause);
            self.mix(cause as u64);
        }
        if outcome != Outcome::Err(Cause::ClientPool) {
            self.metrics
                .answered(self.now, req.issued, outcome == Outcome::Ok);
            self.series.record(self.now - req.issued);
        }
    }

    /// Drops draining servers from the end of the fleet once nothing of theirs is in flight.
    pub(super) fn retire_drained(&mut self) {
        while let (Some(s), Some(b)) = (self.servers.last(), self.balancer.backends().last()) {
            if !(s.draining && s.holding() == 0 && b.outstanding == 0) {
                break;
            }
            let i = self.servers.len() - 1;
            self.servers.pop();
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
