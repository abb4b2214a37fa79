//! Chaos mode: servers and replicas crash at random and come back, as in a fleet where failures
//! are independent. Each crash picks a node uniformly among those up; the time to the next is
//! exponential with the fleet's failure rate (nodes up ÷ MTBF), drawn afresh after every crash, so
//! each node fails on average once per MTBF while it is up. Repairs take exponential time, MTTR.

use super::World;
use crate::sim::decimal::fixed;
use crate::sim::event::{Action, Event};
use crate::sim::node::NodeId;
use crate::sim::sample;
use crate::sim::time::{Time, from_ms, round_us};

impl World {
    /// Nodes chaos crashed and has yet to bring back, with when their repair is due.
    pub fn chaos_down(&self) -> &[(NodeId, Time)] {
        &self.chaos_down
    }

    /// Starts a new chain of chaos events if chaos is on (voiding any earlier chain).
    pub(super) fn arm_chaos(&mut self) {
        self.chaos_gen = self.chaos_gen.wrapping_add(1);
        if self.cfg.chaos_mtbf_s > 0.0 {
            self.schedule_chaos();
        }
    }

    fn candidates(&self) -> Vec<NodeId> {
        let servers = (0..self.servers.len())
            .filter(|&i| self.server_up(i) && !self.servers[i].draining)
            .map(NodeId::Server);
        let replicas = (0..self.db.replicas.len())
            .filter(|&j| self.db.replicas[j].status.is_up())
            .map(NodeId::Db);
        servers.chain(replicas).collect()
    }

    fn schedule_chaos(&mut self) {
        let up = self.candidates().len().max(1);
        let mean_us = self.cfg.chaos_mtbf_s * 1e6 / up as f64;
        let gap = round_us(sample::exponential(&mut self.rng, mean_us)).max(1);
        self.queue
            .push(self.now + gap, Event::Chaos(self.chaos_gen));
    }

    pub(super) fn chaos(&mut self, generation: u32) {
        if generation != self.chaos_gen || self.cfg.chaos_mtbf_s <= 0.0 {
            return;
        }
        let up = self.candidates();
        if !up.is_empty() {
            let node = up[sample::below(&mut self.rng, up.len())];
            let repair = from_ms(sample::exponential(
                &mut self.rng,
                self.cfg.chaos_mttr_s * 1e3,
            ))
            .max(1);
            self.apply(Action::Fail(node));
            self.note(
                Some(node),
                format!(
                    "Chaos: {} will be repaired in {} s",
                    node.label(),
                    fixed(repair as f64 / 1e6, 1)
                ),
            );
            // The repair due time identifies this crash: a repair scheduled for an earlier crash of
            // the same node (recovered by hand since) must not end this one early.
            let due = self.now + repair;
            self.chaos_down.retain(|&(n, _)| n != node);
            self.chaos_down.push((node, due));
            self.queue.push(due, Event::ChaosRepair(node));
        }
        self.schedule_chaos();
    }

    pub(super) fn chaos_repair(&mut self, node: NodeId) {
        let now = self.now;
        if let Some(k) = self
            .chaos_down
            .iter()
            .position(|&(n, due)| n == node && due == now)
        {
            self.chaos_down.swap_remove(k);
            self.apply(Action::Recover(node));
            // One more node can fail now: draw the next crash afresh at the higher rate (exact,
            // since the wait is memoryless).
            self.arm_chaos();
        }
    }
}
