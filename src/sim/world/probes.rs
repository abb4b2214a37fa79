//! Active health checks: the balancer probes every server each interval and changes its mind
//! after `fall` failures or `rise` successes in a row (see `balancer/health.rs`).

use super::World;
use crate::sim::balancer::Verdict;
use crate::sim::event::Event;
use crate::sim::message::Payload;
use crate::sim::node::NodeId;
use crate::sim::time::from_ms;

impl World {
    pub(super) fn probe_tick(&mut self) {
        self.probe_armed = false;
        if self.cfg.hc_interval_ms <= 0.0 {
            return; // checks were switched off
        }
        let timeout = from_ms(self.cfg.hc_timeout_ms);
        for i in 0..self.servers.len() {
            let seq = self.probe_seq + 1;
            if !self.balancer.probe(i, seq) {
                continue;
            }
            self.probe_seq = seq;
            self.send(NodeId::Lb, NodeId::Server(i), Payload::Probe { seq });
            self.queue
                .push(self.now + timeout, Event::ProbeTimeout { server: i, seq });
        }
        self.arm_probes();
    }

    /// Schedules the next health-check tick, if checks are on and none is scheduled.
    pub(super) fn arm_probes(&mut self) {
        if self.cfg.hc_interval_ms > 0.0 && !self.probe_armed {
            self.probe_armed = true;
            self.queue.push(
                self.now + from_ms(self.cfg.hc_interval_ms),
                Event::ProbeTick,
            );
        }
    }

    pub(super) fn probe_timeout(&mut self, i: usize, seq: u64) {
        let fall = self.cfg.hc_fall;
        let verdict = self.balancer.probe_timed_out(i, seq, fall);
        self.verdict(i, verdict);
    }

    pub(super) fn verdict(&mut self, i: usize, verdict: Option<Verdict>) {
        let name = NodeId::Server(i).label();
        match verdict {
            Some(Verdict::MarkedDown { after }) => self.note(
                Some(NodeId::Server(i)),
                format!("Balancer marked {name} down after {after} failed health checks"),
            ),
            Some(Verdict::MarkedUp { after }) => self.note(
                Some(NodeId::Server(i)),
                format!("Balancer marked {name} up after {after} good health checks"),
            ),
            None => {}
        }
    }
}
