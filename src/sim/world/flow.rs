//! The request path and the health checks: what each node does when something reaches it.

use super::{Request, World};
use crate::sim::balancer::{Tried, backoff_ms};
use crate::sim::event::{Event, Lane};
use crate::sim::history::{Fate, Op};
use crate::sim::message::Cause;
use crate::sim::message::{DbMsg, Job, LeaderMsg, Message, Observed, Outcome, Payload};
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::sample;
use crate::sim::slab::Handle;
use crate::sim::time::{from_ms, round_us};
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
            (NodeId::Server(i), Payload::Job(job)) => self.server_receive(i, job),
            (NodeId::Db(j), Payload::Query(job)) => {
                self.db
                    .on_query(self.now, j, msg.from, job, &mut self.outbox);
                self.flush();
            }
            (NodeId::Server(i), Payload::QueryReply(job, outcome, seen)) => {
                self.query_reply(i, job, outcome, seen)
            }
            (
                NodeId::Server(i),
                Payload::Db(DbMsg::Leader(LeaderMsg::NewLeader { leader, .. })),
            ) if self.server_up(i) => {
                self.servers[i].db_leader = leader as usize;
            }
            (NodeId::Lb, Payload::JobReply(job, outcome)) => self.job_reply(job, outcome),
            (NodeId::Client, Payload::ClientReply(r, outcome)) => self.complete(r, outcome),
            (NodeId::Server(i), Payload::Probe { seq }) if self.server_up(i) => {
                self.send(NodeId::Server(i), NodeId::Lb, Payload::ProbeAck { seq });
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

    fn server_receive(&mut self, i: usize, mut job: Job) {
        let (workers, cap) = (self.cfg.workers, self.cfg.queue_cap);
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        if !s.status.is_up() {
            return; // a crashed machine answers nothing
        }
        job.epoch = s.epoch;
        if s.busy.len() < workers {
            self.start_service(i, job);
        } else if s.queue.len() < cap {
            s.queue.push_back(job);
        } else {
            self.burst(NodeId::Server(i));
            self.send(
                NodeId::Server(i),
                NodeId::Lb,
                Payload::JobReply(job, Outcome::Err(Cause::QueueFull)),
            );
        }
    }

    /// Puts queued jobs of server `i` on idle workers (after the worker count grew).
    pub(super) fn fill_workers(&mut self, i: usize) {
        while let Some(s) = self.servers.get_mut(i) {
            if !s.status.is_up() || s.busy.len() >= self.cfg.workers {
                break;
            }
            let Some(job) = s.queue.pop_front() else {
                break;
            };
            self.start_service(i, job);
        }
    }

    fn start_service(&mut self, i: usize, job: Job) {
        let (req, attempt) = (job.req, job.attempt);
        let now = self.now;
        if self.waterfall.is_some() {
            let name = NodeId::Server(i).label();
            self.trace_span(job.req, SpanKind::Queue, || format!("queued at {name}"));
        }
        let s = &mut self.servers[i];
        s.account(now);
        s.busy.push(job);
        let epoch = s.epoch;
        let mean_us = self.cfg.service_ms * 1_000.0 / s.speed(self.cfg.slow_factor);
        let d = match self.cfg.service_dist {
            crate::sim::config::ServiceDist::Exponential => {
                sample::exponential(&mut self.rng, mean_us)
            }
            crate::sim::config::ServiceDist::Constant => mean_us,
            crate::sim::config::ServiceDist::LogNormal => {
                sample::lognormal(&mut self.rng, mean_us, 1.0)
            }
        };
        self.queue.push(
            now + round_us(d),
            Event::ServiceDone {
                server: i,
                epoch,
                req,
                attempt,
            },
        );
    }

    pub(super) fn service_done(&mut self, i: usize, epoch: u32, req: Handle, attempt: u16) {
        let now = self.now;
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        if s.epoch != epoch {
            return; // the server crashed since; the job died with it
        }
        s.account(now);
        let Some(k) = s
            .busy
            .iter()
            .position(|b| b.req == req && b.attempt == attempt)
        else {
            return;
        };
        let job = s.busy.swap_remove(k);
        // The next queued job starts if a worker is free (fewer may be allowed now).
        self.fill_workers(i);
        if self.waterfall.is_some() {
            let name = NodeId::Server(i).label();
            self.trace_span(job.req, SpanKind::Service, || format!("served by {name}"));
        }
        if self.cfg.use_db && self.cfg.cache_keys > 0 && !job.write && !job.incr {
            let ttl = from_ms(self.cfg.cache_ttl_ms);
            if let Some(seen) = self.servers[i].cache.get(job.key, now, ttl) {
                self.metrics.cache_hits += 1;
                return self.answer_from_cache(i, job, seen);
            }
            self.metrics.cache_misses += 1;
        }
        if self.cfg.use_db {
            self.servers[i].awaiting_db += 1;
            // An increment reads first; its write follows the answer (see `query_reply`).
            let job = Job {
                write: job.write && !job.incr,
                ..job
            };
            self.query(i, job);
        } else {
            self.reply_ok(i, job);
        }
        self.retire_drained();
    }

    /// Server `i` answers `job` successfully without (further) database work.
    fn reply_ok(&mut self, i: usize, job: Job) {
        self.servers[i].served += 1;
        self.send(
            NodeId::Server(i),
            NodeId::Lb,
            Payload::JobReply(job, Outcome::Ok),
        );
    }

    /// A read served from server `i`'s cache: no database round trip.
    fn answer_from_cache(&mut self, i: usize, job: Job, seen: Observed) {
        if let Some(req) = self.requests.get_mut(job.req)
            && req.attempt == job.attempt
        {
            req.observed = Some(seen);
        }
        self.reply_ok(i, job);
        self.retire_drained();
    }

    /// Server `i` sends a query for `job` to the replica it should go to.
    fn query(&mut self, i: usize, job: Job) {
        self.metrics.db_queries += 1;
        let known = self.servers[i].db_leader;
        let rng = &mut self.rng;
        let target = self
            .db
            .query_target(job.write, known, |n| sample::below(rng, n));
        self.send(NodeId::Server(i), NodeId::Db(target), Payload::Query(job));
    }

    fn query_reply(&mut self, i: usize, job: Job, outcome: Outcome, seen: Option<Observed>) {
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        if !s.status.is_up() || s.epoch != job.epoch {
            return; // the connection died with the crash
        }
        if let Some(req) = self.requests.get_mut(job.req)
            && req.attempt == job.attempt
        {
            req.observed = seen;
        }
        if job.incr {
            match (job.write, outcome) {
                (false, Outcome::Ok) => {
                    // Read done: write what was read plus one, expecting the version read.
                    let count = seen.map_or(0, |s| s.count) + 1;
                    let expect = seen.map(|s| s.pos);
                    return self.query(
                        i,
                        Job {
                            write: true,
                            expect,
                            count,
                            ..job
                        },
                    );
                }
                (true, Outcome::Err(Cause::Conflict)) if job.tries < super::MAX_RMW_TRIES => {
                    // Compare-and-set refused it: the key moved; read again and retry.
                    return self.query(
                        i,
                        Job {
                            write: false,
                            tries: job.tries + 1,
                            ..job
                        },
                    );
                }
                _ => {}
            }
        }
        let s = &mut self.servers[i];
        // Saturating: a query the database dropped never comes back, so the count is a gauge.
        s.awaiting_db = s.awaiting_db.saturating_sub(1);
        if outcome == Outcome::Ok {
            s.served += 1;
            // Reads fill the cache; a write (an increment's too) refreshes this server's copy —
            // only this server's. An increment's read is not kept: it is about to change.
            if let Some(seen) = seen.filter(|_| self.cfg.cache_keys > 0 && (job.write || !job.incr))
            {
                s.cache.put(job.key, seen, self.now, self.cfg.cache_keys);
            }
        }
        self.send(
            NodeId::Server(i),
            NodeId::Lb,
            Payload::JobReply(job, outcome),
        );
        self.retire_drained();
    }

    fn job_reply(&mut self, job: Job, outcome: Outcome) {
        let i = job.server as usize;
        let Some(req) = self.requests.get_mut(job.req) else {
            return;
        };
        if req.attempt != job.attempt || !req.waiting {
            return; // an answer to an attempt the balancer already gave up on
        }
        req.waiting = false;
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
