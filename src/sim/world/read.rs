//! What the view, the runner and the tests read off a World (no method here changes it).

use super::{BURST_LIFETIME, Burst, LogEntry, World};
use crate::sim::balancer::{Balancer, Strategy};
use crate::sim::config::{Config, server_cost_per_hour};
use crate::sim::message::Message;
use crate::sim::metrics::Metrics;
use crate::sim::network::Network;
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::replication::{Database, Replica};
use crate::sim::server::Server;
use crate::sim::slab::Handle;
use crate::sim::time::Time;

impl World {
    pub fn config(&self) -> &Config {
        &self.cfg
    }
    pub fn now(&self) -> Time {
        self.now
    }
    pub fn strategy(&self) -> Strategy {
        self.balancer.strategy
    }
    pub fn balancer(&self) -> &Balancer {
        &self.balancer
    }
    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }
    pub fn database(&self) -> &Database {
        &self.db
    }
    pub fn replicas(&self) -> &[Replica] {
        &self.db.replicas
    }
    pub fn leader(&self) -> usize {
        self.db.leader
    }
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
    /// The live linearizability check's verdict on the run so far (`None` when it is off).
    pub fn linearizability(&self) -> Option<crate::sim::linearizable::LiveVerdict> {
        self.live.as_ref().map(|l| l.verdict())
    }
    /// When the live check last started afresh (a switch of replication mode restarts it).
    pub fn linearizability_since(&self) -> Time {
        self.live_since
    }
    /// Reads that went back in time, and dirty reads, so far.
    pub fn anomalies(&self) -> &crate::sim::anomaly::ReadAnomalies {
        &self.client.anomalies
    }
    /// Requests issued and not yet answered or failed.
    pub fn in_flight(&self) -> u64 {
        self.client.in_flight() as u64
    }
    /// Messages on the wire now, in a stable order.
    pub fn messages(&self) -> impl Iterator<Item = (Handle, &Message)> {
        self.messages.iter()
    }
    /// Recent failures, oldest first.
    pub fn bursts(&self) -> impl Iterator<Item = &Burst> {
        self.bursts
            .iter()
            .filter(|b| self.now.saturating_sub(b.at) < BURST_LIFETIME)
    }
    /// Lines ever written to the event log (a change counter for the view).
    pub fn notes_written(&self) -> u64 {
        self.notes
    }
    /// The event log, newest first.
    pub fn log(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().rev()
    }
    /// Events handled so far.
    pub fn events_handled(&self) -> u64 {
        self.events
    }
    /// A fingerprint of every event handled so far, in order: equal runs have equal hashes.
    pub fn trace_hash(&self) -> u64 {
        self.trace
    }
    /// No request in flight and no message but periodic checks (health probes, heartbeats) on the
    /// wire. Replicas may still differ if a follower has yet to notice it is behind; see
    /// [`Database::in_sync`].
    pub fn is_settled(&self) -> bool {
        self.client.in_flight() == 0 && self.busy_messages == 0
    }
    /// Events waiting in the queue (bounded: at most a few per request in flight and per node).
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }
    /// A node's true state (which the balancer may not know yet).
    pub fn node_status(&self, node: NodeId) -> Option<Status> {
        match node {
            NodeId::Client | NodeId::Lb => Some(Status::Up),
            NodeId::Server(i) => self.servers.get(i).map(|s| s.status),
            NodeId::Db(j) => self.db.replicas.get(j).map(|r| r.status),
        }
    }
    /// Server `i` is down but the balancer still believes it healthy: the detection window.
    pub fn is_suspect(&self, i: usize) -> bool {
        self.servers
            .get(i)
            .is_some_and(|s| s.status == Status::Down)
            && self
                .balancer
                .backends()
                .get(i)
                .is_some_and(|b| b.health.healthy)
    }
    /// Increments acknowledged to clients that the data does not show: the sum over keys of the
    /// newest version's counter falls short of them (the race of concurrent read-modify-writes).
    pub fn lost_updates(&self) -> u64 {
        let live: Vec<&Replica> = self
            .db
            .replicas
            .iter()
            .filter(|r| r.status.is_up())
            .collect();
        let counted: u64 = (0..self.cfg.keys as usize)
            .map(|k| {
                live.iter()
                    .filter_map(|r| r.data[k])
                    .max_by_key(|v| v.pos)
                    .map_or(0, |v| v.count)
            })
            .sum();
        self.metrics.increments_ok.saturating_sub(counted)
    }

    /// What the whole fleet of servers costs per hour at its current power levels.
    pub fn fleet_cost_per_hour(&self) -> f64 {
        self.servers
            .iter()
            .map(|s| server_cost_per_hour(s.power))
            .sum()
    }
}
