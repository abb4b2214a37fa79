//! The engine's side of the autoscaler: its tick, the launches it orders (servers that join after
//! the start-up time) and the servers it drains; and what the fleet has cost in server-time.

use super::World;
use crate::sim::autoscale::{Decision, Observation};
use crate::sim::event::Event;
use crate::sim::time::{TICK, Time, from_ms};

/// What the autoscaler did over a run, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scaling {
    pub scale_outs: u64,
    pub scale_ins: u64,
    pub max_servers: usize,
    /// Seconds of server time, summed over every server while it was in the fleet.
    pub server_seconds: f64,
    /// Servers launched and still starting, and the fleet it last wanted.
    pub starting: usize,
    pub desired: usize,
}

impl World {
    /// Sets the autoscaler's tick if it is on and none is set.
    pub(super) fn arm_autoscaler(&mut self) {
        if self.cfg.autoscale_target > 0.0 && !self.autoscaler.armed {
            self.autoscaler.armed = true;
            self.queue.push(self.now + TICK, Event::AutoscaleTick);
        }
    }

    pub(super) fn autoscale_tick(&mut self) {
        if self.cfg.autoscale_target == 0.0 {
            self.autoscaler.armed = false;
            return;
        }
        let o = Observation {
            now: self.now,
            issued: self.metrics.issued,
            serving: self.serving(),
            fleet: self.servers.len(),
        };
        match self.autoscaler.evaluate(o, &self.cfg) {
            Decision::Hold => {}
            Decision::Launch(n) => {
                let at = self.now + from_ms(self.cfg.autoscale_startup_s * 1e3);
                for _ in 0..n {
                    self.autoscaler.launching(at);
                    self.queue.push(at, Event::Launch);
                }
                let desired = self.autoscaler.desired;
                self.note(
                    None,
                    format!(
                        "Autoscaler: {n} server{} launched for {desired} in all; they join in {} s",
                        if n == 1 { "" } else { "s" },
                        crate::sim::decimal::trim(self.cfg.autoscale_startup_s)
                    ),
                );
            }
            Decision::Drain(n) => {
                let desired = self.autoscaler.desired;
                self.note(
                    None,
                    format!("Autoscaler: {n} server(s) to drain, for {desired} in all"),
                );
                for _ in 0..n {
                    self.remove_server();
                }
            }
        }
        self.queue.push(self.now + TICK, Event::AutoscaleTick);
    }

    /// A launched server has started: it joins (and earns traffic by its health checks).
    pub(super) fn launched(&mut self) {
        self.autoscaler.joined();
        self.add_server();
    }

    /// Server-µs the fleet has used up to now.
    fn server_us(&self) -> Time {
        let now = self.now;
        self.retired_us
            + (self.servers.iter())
                .map(|s| now.saturating_sub(s.joined()))
                .sum::<Time>()
    }

    /// What the autoscaler did, and the server time the fleet used.
    pub fn scaling(&self) -> Scaling {
        Scaling {
            scale_outs: self.autoscaler.scale_outs,
            scale_ins: self.autoscaler.scale_ins,
            max_servers: self.max_fleet,
            server_seconds: self.server_us() as f64 / 1e6,
            starting: self.autoscaler.starting.len(),
            desired: self.autoscaler.desired,
        }
    }

    /// Worker-µs of service the servers have finished, retired ones' included.
    pub fn work_us(&self) -> u64 {
        self.retired_work_us + self.servers.iter().map(|s| s.work_us).sum::<u64>()
    }

    /// Servers in the fleet that are not draining.
    pub fn serving(&self) -> usize {
        self.servers.iter().filter(|s| !s.draining).count()
    }
}
