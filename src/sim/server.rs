//! An application server: `workers` concurrent slots and a bounded FIFO queue in front of them.
//! Its speed is its power (vertical scaling), cut down while it is slow (degraded).

use std::collections::VecDeque;

use super::cache::LocalCache;
use super::message::Job;
use super::node::Status;
use super::time::Time;

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
            crashed_at: None,
            db_leader: 0,
            cache: LocalCache::default(),
            busy_us: 0,
            last_change: now,
            since: now,
        }
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
}
