//! The balancer as an actor, for health checks: every interval it probes each server it is not
//! still waiting on, and changes its mind after `fall` failures or `rise` successes in a row (see
//! `health.rs`).

use super::{Balancer, Verdict};
use crate::sim::effect::{Ctx, Effect};
use crate::sim::event::Event;
use crate::sim::message::Payload;
use crate::sim::node::NodeId;
use crate::sim::time::from_ms;

impl Balancer {
    /// The interval's checks go out.
    pub(crate) fn on_probe_tick(&mut self, cx: &mut Ctx) {
        self.probe_armed = false;
        if cx.cfg.hc_interval_ms <= 0.0 {
            return; // checks were switched off
        }
        let timeout = from_ms(cx.cfg.hc_timeout_ms);
        for i in 0..self.backends.len() {
            let seq = self.probe_seq + 1;
            if !self.probe(i, seq) {
                continue;
            }
            self.probe_seq = seq;
            cx.send(NodeId::Server(i), Payload::Probe { seq });
            cx.timer(cx.now + timeout, Event::ProbeTimeout { server: i, seq });
        }
        self.arm_probes(cx);
    }

    /// Sets the next check's timer, if checks are on and none is set.
    pub(crate) fn arm_probes(&mut self, cx: &mut Ctx) {
        if cx.cfg.hc_interval_ms > 0.0 && !self.probe_armed {
            self.probe_armed = true;
            let at = cx.now + from_ms(cx.cfg.hc_interval_ms);
            cx.timer(at, Event::ProbeTick);
        }
    }

    pub(crate) fn on_probe_ack(&mut self, i: usize, seq: u64, cx: &mut Ctx) {
        let verdict = self.probe_answered(i, seq, cx.cfg.hc_rise);
        say(i, verdict, cx);
    }

    pub(crate) fn on_probe_timeout(&mut self, i: usize, seq: u64, cx: &mut Ctx) {
        let verdict = self.probe_timed_out(i, seq, cx.cfg.hc_fall);
        say(i, verdict, cx);
    }
}

/// A change of mind goes in the event log.
fn say(i: usize, verdict: Option<Verdict>, cx: &mut Ctx) {
    let node = NodeId::Server(i);
    let text = match verdict {
        Some(Verdict::MarkedDown { after }) => {
            format!(
                "Balancer marked {} down after {after} failed health checks",
                node.label()
            )
        }
        Some(Verdict::MarkedUp { after }) => {
            format!(
                "Balancer marked {} up after {after} good health checks",
                node.label()
            )
        }
        None => return,
    };
    cx.out.push(Effect::Note(node, text));
}
