//! An application server: `workers` concurrent slots and a bounded FIFO queue in front of them.
//! Its speed is its power (vertical scaling), cut down while it is slow (degraded).
//!
//! It is an actor: it owns its state and handles what reaches it (a job, a worker's completion, a
//! database answer, a health check, a new leader's word) by writing [`Effect`]s, which the engine
//! carries out in order.

use std::collections::VecDeque;

use super::cache::LocalCache;
use super::config::ServiceDist;
use super::effect::{Counter, Ctx, Effect};
use super::event::Event;
use super::message::{Cause, Job, Observed, Outcome, Payload};
use super::node::{NodeId, Status};
use super::replication::{ReadFrom, Replication};
use super::sample;
use super::slab::Handle;
use super::time::{Time, from_ms, round_us};
use super::trace::SpanKind;

/// Increments a server redoes after compare-and-set refused them, before it gives up.
pub const MAX_RMW_TRIES: u8 = 4;

/// What reaches a server: a message, a worker's completion, or more workers to fill.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Input {
    Job(Job),
    ServiceDone {
        epoch: u32,
        req: Handle,
        attempt: u16,
    },
    QueryReply(Job, Outcome, Option<Observed>),
    Probe(u64),
    NewLeader(usize),
    /// The worker count grew: queued jobs may start.
    FillWorkers,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub status: Status,
    /// Power level (1, 2, 4 or 8): divides the mean service time.
    pub power: u32,
    /// Being removed: the balancer sends it nothing new; it leaves once empty.
    pub draining: bool,
    pub queue: VecDeque<Job>,
    /// Jobs a worker is serving now.
    pub busy: Vec<Job>,
    /// Jobs whose database answer it awaits.
    pub awaiting_db: u32,
    /// Changed at every crash, and unique across the run (a server re-added at a retired one's
    /// index gets a new one), so completions and replies meant for an earlier life are void.
    pub epoch: u32,
    /// Requests this server has answered successfully.
    pub served: u64,
    /// Worker-µs of service it finished (its own count: no message per request).
    pub work_us: u64,
    /// When it last crashed (what a health check cannot see: the lessons measure detection from it).
    pub crashed_at: Option<Time>,
    /// The database leader as far as this server has been told.
    pub db_leader: usize,
    /// Recent database answers, in this server's memory (lost when it crashes).
    pub cache: LocalCache,
    busy_us: u64,
    last_change: Time,
    since: Time,
}

impl Server {
    pub fn new(now: Time, power: u32, epoch: u32) -> Self {
        Self {
            status: Status::Up,
            power,
            draining: false,
            queue: VecDeque::new(),
            busy: Vec::new(),
            awaiting_db: 0,
            epoch,
            served: 0,
            work_us: 0,
            crashed_at: None,
            db_leader: 0,
            cache: LocalCache::default(),
            busy_us: 0,
            last_change: now,
            since: now,
        }
    }

    /// When it joined the fleet.
    pub fn joined(&self) -> Time {
        self.since
    }

    /// Jobs it holds in any form.
    pub fn holding(&self) -> usize {
        self.queue.len() + self.busy.len()
    }

    /// Speed relative to a power-1 server in good health.
    pub fn speed(&self, slow_factor: f64) -> f64 {
        let s = self.power as f64;
        if self.status == Status::Slow {
            s * slow_factor
        } else {
            s
        }
    }

    /// Folds the busy time up to `now` into the total; call before `busy` changes.
    pub fn account(&mut self, now: Time) {
        self.busy_us += now.saturating_sub(self.last_change) * self.busy.len() as u64;
        self.last_change = now;
    }

    /// Worker-µs spent serving from when it joined to `now`.
    pub fn busy_time(&self, now: Time) -> u64 {
        self.busy_us + now.saturating_sub(self.last_change) * self.busy.len() as u64
    }

    /// Mean share of its workers kept busy from when it joined to `now`.
    pub fn utilization(&self, workers: usize, now: Time) -> f64 {
        let pending = now.saturating_sub(self.last_change) * self.busy.len() as u64;
        let span = now.saturating_sub(self.since) * workers as u64;
        if span == 0 {
            0.0
        } else {
            (self.busy_us + pending) as f64 / span as f64
        }
    }

    /// Handles what reached it (one entry point, as an actor has).
    pub(crate) fn handle(&mut self, input: Input, cx: &mut Ctx) {
        match input {
            Input::Job(job) => self.on_job(job, cx),
            Input::ServiceDone {
                epoch,
                req,
                attempt,
            } => self.on_service_done(epoch, req, attempt, cx),
            Input::QueryReply(job, outcome, seen) => self.on_query_reply(job, outcome, seen, cx),
            Input::Probe(seq) => self.on_probe(seq, cx),
            Input::NewLeader(leader) => self.on_new_leader(leader),
            Input::FillWorkers => self.fill_workers(cx),
        }
    }

    /// Crash: every job it holds is lost (the balancer will notice by timeouts).
    pub fn crash(&mut self, now: Time, epoch: u32) -> usize {
        self.account(now);
        self.status = Status::Down;
        self.crashed_at = Some(now);
        self.epoch = epoch;
        let lost = self.queue.len() + self.busy.len();
        self.queue.clear();
        self.busy.clear();
        self.awaiting_db = 0; // their answers will find a new epoch and be dropped
        self.cache.clear(); // memory does not survive a crash
        lost
    }

    /// A job arrives from the balancer: a free worker takes it, else it queues, else it is refused
    /// (the queue is full, or, shedding load, its oldest job has waited too long).
    pub(crate) fn on_job(&mut self, mut job: Job, cx: &mut Ctx) {
        if !self.status.is_up() {
            return; // a crashed machine answers nothing
        }
        job.epoch = self.epoch;
        job.deadline = cx.now + Time::from(job.budget);
        if self.expired(&job, cx) {
            return;
        }
        let refuse = if self.busy.len() < cx.cfg.workers {
            return self.start_service(job, cx);
        } else if self.queue.len() >= cx.cfg.queue_cap {
            Cause::QueueFull
        } else if self.shedding(cx) {
            cx.count(Counter::Shed);
            Cause::Shed
        } else {
            return self.queue.push_back(job);
        };
        cx.out.push(Effect::Burst);
        cx.send(
            NodeId::Lb,
            Payload::JobReply(job, Outcome::Err(refuse), None),
        );
    }

    /// Load shedding: the oldest queued job has waited longer than the limit (queue delay, the
    /// signal CoDel uses: measured, not estimated from lengths).
    fn shedding(&self, cx: &Ctx) -> bool {
        let limit = cx.cfg.shed_ms;
        limit > 0.0
            && self.queue.front().is_some_and(|oldest| {
                let arrived = oldest.deadline - Time::from(oldest.budget);
                cx.now - arrived > from_ms(limit)
            })
    }

    /// With deadline propagation, a job whose deadline passed is dropped here (nobody waits for
    /// its answer): counted, and its served work, if any, as wasted.
    fn expired(&self, job: &Job, cx: &mut Ctx) -> bool {
        let late = cx.cfg.deadlines && cx.now >= job.deadline;
        if late {
            cx.count(Counter::DeadlineDrop);
            if job.work > 0 {
                cx.count(Counter::Wasted(job.work));
            }
        }
        late
    }

    /// Puts queued jobs on idle workers (after one finished, or the worker count grew); with
    /// deadline propagation, those whose deadline passed while they waited are dropped unserved.
    pub(crate) fn fill_workers(&mut self, cx: &mut Ctx) {
        while self.status.is_up() && self.busy.len() < cx.cfg.workers {
            let Some(job) = self.queue.pop_front() else {
                break;
            };
            if !self.expired(&job, cx) {
                self.start_service(job, cx);
            }
        }
    }

    fn start_service(&mut self, mut job: Job, cx: &mut Ctx) {
        cx.span(job.req, SpanKind::Queue);
        self.account(cx.now);
        let mean_us = cx.cfg.service_ms * 1_000.0 / self.speed(cx.cfg.slow_factor);
        let d = match cx.cfg.service_dist {
            ServiceDist::Exponential => sample::exponential(cx.rng, mean_us),
            ServiceDist::Constant => mean_us,
            ServiceDist::LogNormal => sample::lognormal(cx.rng, mean_us, 1.0),
        };
        let d = round_us(d);
        job.work = d.min(u32::MAX as Time) as u32;
        self.busy.push(job);
        let done = Event::ServiceDone {
            server: usize::from(job.server),
            epoch: self.epoch,
            req: job.req,
            attempt: job.attempt,
        };
        cx.timer(cx.now + d, done);
    }

    /// A worker finished `req`'s attempt: the answer comes from the cache, the database, or (with
    /// no database) at once.
    pub(crate) fn on_service_done(&mut self, epoch: u32, req: Handle, attempt: u16, cx: &mut Ctx) {
        if self.epoch != epoch {
            return; // the server crashed since; the job died with it
        }
        self.account(cx.now);
        let Some(k) = self
            .busy
            .iter()
            .position(|b| b.req == req && b.attempt == attempt)
        else {
            return;
        };
        let job = self.busy.swap_remove(k);
        self.work_us += u64::from(job.work);
        // The next queued job starts if a worker is free (fewer may be allowed now).
        self.fill_workers(cx);
        cx.span(job.req, SpanKind::Service);
        if self.expired(&job, cx) {
            return; // nobody waits for its answer: no query, no reply
        }
        let cfg = cx.cfg;
        if cfg.use_db && cfg.cache_keys > 0 && !job.write && !job.incr {
            if let Some(seen) = self.cache.get(job.key, cx.now, from_ms(cfg.cache_ttl_ms)) {
                cx.count(Counter::CacheHit);
                return self.reply(job, Outcome::Ok, Some(seen), cx);
            }
            cx.count(Counter::CacheMiss);
        }
        if cfg.use_db {
            self.awaiting_db += 1;
            // An increment reads first; its write follows the answer (see `on_query_reply`).
            let job = Job {
                write: job.write && !job.incr,
                ..job
            };
            self.query(job, cx);
        } else {
            self.reply(job, Outcome::Ok, None, cx);
        }
    }

    /// Answers the balancer.
    fn reply(&mut self, job: Job, outcome: Outcome, seen: Option<Observed>, cx: &mut Ctx) {
        if outcome == Outcome::Ok {
            self.served += 1;
        }
        cx.send(NodeId::Lb, Payload::JobReply(job, outcome, seen));
    }

    /// Sends a query for `job` to the replica it should go to: the leader it knows of, or under
    /// leaderless quorums or reads from any replica, one at random.
    fn query(&mut self, job: Job, cx: &mut Ctx) {
        cx.count(Counter::DbQuery);
        let any = cx.cfg.replication == Replication::Quorum
            || (!job.write && cx.cfg.read_from == ReadFrom::Any);
        let target = if any {
            sample::below(cx.rng, cx.replicas)
        } else {
            self.db_leader
        };
        cx.send(NodeId::Db(target), Payload::Query(job));
    }

    /// The database answered `job`: an increment's read is followed by its write (and a write
    /// compare-and-set refused, by a fresh read); anything else goes back to the balancer.
    pub(crate) fn on_query_reply(
        &mut self,
        job: Job,
        outcome: Outcome,
        seen: Option<Observed>,
        cx: &mut Ctx,
    ) {
        if !self.status.is_up() || self.epoch != job.epoch {
            return; // the connection died with the crash
        }
        if job.incr {
            match (job.write, outcome) {
                (false, Outcome::Ok) => {
                    // Read done: write what was read plus one, expecting the version read.
                    let count = seen.map_or(0, |s| s.count) + 1;
                    let expect = seen.map(|s| s.pos);
                    let write = Job {
                        write: true,
                        expect,
                        count,
                        ..job
                    };
                    return self.query(write, cx);
                }
                (true, Outcome::Err(Cause::Conflict)) if job.tries < MAX_RMW_TRIES => {
                    // Compare-and-set refused it: the key moved; read again and retry.
                    let read = Job {
                        write: false,
                        tries: job.tries + 1,
                        ..job
                    };
                    return self.query(read, cx);
                }
                _ => {}
            }
        }
        // Saturating: a query the database dropped never comes back, so the count is a gauge.
        self.awaiting_db = self.awaiting_db.saturating_sub(1);
        // Reads fill the cache; a write (an increment's too) refreshes this server's copy — only
        // this server's. An increment's read is not kept: it is about to change.
        let keys = cx.cfg.cache_keys;
        if let Some(seen) = seen.filter(|_| outcome == Outcome::Ok && keys > 0)
            && (job.write || !job.incr)
        {
            self.cache.put(job.key, seen, cx.now, keys);
        }
        self.reply(job, outcome, seen, cx);
    }

    /// A new database leader announced itself: queries for the leader go there from now on.
    pub(crate) fn on_new_leader(&mut self, leader: usize) {
        if self.status != Status::Down {
            self.db_leader = leader;
        }
    }

    /// The balancer's health check: a server that runs answers it.
    pub(crate) fn on_probe(&mut self, seq: u64, cx: &mut Ctx) {
        if self.status != Status::Down {
            cx.send(NodeId::Lb, Payload::ProbeAck { seq });
        }
    }
}
