//! An application server: `workers` concurrent slots and a bounded FIFO queue in front of them.

use std::collections::VecDeque;

use super::event::Time;
use super::slab::Handle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Up,
    Down,
}

impl Status {
    /// The `data-status` value.
    pub fn name(self) -> &'static str {
        match self {
            Status::Up => "up",
            Status::Down => "down",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Server {
    pub status: Status,
    /// Being removed: takes no new requests, leaves once the last one is answered.
    pub draining: bool,
    pub queue: VecDeque<Handle>,
    /// Requests a worker is serving now.
    pub busy: Vec<Handle>,
    /// Bumped at every crash, so completions scheduled before it are recognised as void.
    pub epoch: u32,
    /// Requests this server has answered.
    pub served: u64,
    /// Requests handed to this server and not yet answered or failed (queued, served, or at the DB).
    pub pending: u32,
    busy_us: u64,
    last_change: Time,
}

impl Server {
    pub fn new(now: Time) -> Self {
        Self {
            status: Status::Up,
            draining: false,
            queue: VecDeque::new(),
            busy: Vec::new(),
            epoch: 0,
            served: 0,
            pending: 0,
            busy_us: 0,
            last_change: now,
        }
    }

    /// May the balancer send it new work?
    pub fn accepts_work(&self) -> bool {
        self.status == Status::Up && !self.draining
    }

    /// Folds the busy time up to `now` into the total; call before `busy` changes.
    pub fn account(&mut self, now: Time) {
        self.busy_us += now.saturating_sub(self.last_change) * self.busy.len() as u64;
        self.last_change = now;
    }

    /// Mean share of its workers kept busy from `since` to `now`.
    pub fn utilization(&self, workers: usize, since: Time, now: Time) -> f64 {
        let pending = now.saturating_sub(self.last_change) * self.busy.len() as u64;
        let span = now.saturating_sub(since) * workers as u64;
        if span == 0 {
            0.0
        } else {
            (self.busy_us + pending) as f64 / span as f64
        }
    }
}
