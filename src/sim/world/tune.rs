//! Changing settings while the run goes on: numeric knobs, single links, partitions, and the
//! per-second sampling the charts read.

use super::World;
use crate::sim::decimal::trim;
use crate::sim::knob::Knob;
use crate::sim::network::LinkSpec;
use crate::sim::node::NodeId;
use crate::sim::series::Series;
use crate::sim::time::from_ms;

/// Sizes of the run's buffers at one moment (see [`World::footprint`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    pub events: usize,
    pub messages: usize,
    /// Requests the clients await, and those of them the balancer is handling.
    pub requests: usize,
    pub flights: usize,
    pub log: usize,
    pub bursts: usize,
    pub series: usize,
    pub history_seconds: usize,
    pub chaos_down: usize,
    /// The fullest of the database's internal buffers.
    pub database: usize,
    /// Attempts the servers hold, queued or in service (an attempt the balancer gave up on stays
    /// until served: a server is not told).
    pub jobs: usize,
}

impl Footprint {
    /// The larger of each field.
    pub fn max(self, o: Footprint) -> Footprint {
        Footprint {
            events: self.events.max(o.events),
            messages: self.messages.max(o.messages),
            requests: self.requests.max(o.requests),
            flights: self.flights.max(o.flights),
            log: self.log.max(o.log),
            bursts: self.bursts.max(o.bursts),
            series: self.series.max(o.series),
            history_seconds: self.history_seconds.max(o.history_seconds),
            chaos_down: self.chaos_down.max(o.chaos_down),
            database: self.database.max(o.database),
            jobs: self.jobs.max(o.jobs),
        }
    }
}

impl World {
    /// How much every buffer of the run holds now (the soak test checks none grows without
    /// bound).
    pub fn footprint(&self) -> Footprint {
        Footprint {
            events: self.queue.len(),
            messages: self.messages.len(),
            requests: self.client.in_flight(),
            flights: self.balancer.in_flight(),
            log: self.log.len(),
            bursts: self.bursts.len(),
            series: self.series.samples().len(),
            history_seconds: self.metrics.history().count(),
            chaos_down: self.chaos_down.len(),
            database: self.db.buffered().into_iter().max().unwrap_or(0),
            jobs: self
                .servers
                .iter()
                .map(|s| s.queue.len() + s.busy.len())
                .sum(),
        }
    }

    /// The last minute, second by second.
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// The settings to start this system over with: the config as changed since, with the servers
    /// there are now (those not on their way out).
    pub fn restart_config(&self) -> crate::sim::Config {
        let mut cfg = self.cfg.clone();
        cfg.servers = self.servers.iter().filter(|s| !s.draining).count().max(1);
        cfg
    }

    pub(super) fn tune(&mut self, knob: Knob, v: f64) {
        let before = knob.get(&self.cfg);
        knob.set(&mut self.cfg, v);
        let value = knob.get(&self.cfg);
        if value == before {
            return;
        }
        match knob {
            // Arrivals are memoryless: drawing the next one afresh at the new rate is exact.
            Knob::ArrivalRate => {
                self.at_client(crate::sim::client::Input::RateChanged);
            }
            Knob::Workers => {
                for i in 0..self.servers.len() {
                    self.fill_workers(i);
                }
            }
            Knob::LatencyMs | Knob::JitterMs | Knob::BandwidthMbps => {
                self.network.set_default(LinkSpec {
                    latency_ms: self.cfg.latency_ms,
                    jitter_ms: self.cfg.jitter_ms,
                    bandwidth_mbps: self.cfg.bandwidth_mbps,
                });
            }
            Knob::TimeoutMs => (self.balancer).set_timeout(from_ms(self.cfg.timeout_ms)),
            Knob::RetryBudget => self.balancer.budget.set_ratio(self.cfg.retry_budget),
            Knob::Breaker if value == 0.0 => self.balancer.reset_breakers(),
            Knob::AutoscaleTarget => self.arm_autoscaler(),
            Knob::HcIntervalMs if value == 0.0 => {
                self.balancer.trust_all();
            }
            Knob::HcIntervalMs => self.at_balancer(crate::sim::balancer::Input::ArmProbes),
            Knob::ChaosMtbfS => self.arm_chaos(),
            Knob::CacheKeys => {
                for s in &mut self.servers {
                    s.cache.trim(self.cfg.cache_keys);
                }
            }
            _ => {}
        }
        self.note(
            None,
            format!("{} now {}", knob.spec().label, knob.show(value)),
        );
    }

    pub(super) fn set_link(&mut self, a: NodeId, b: NodeId, spec: Option<(f64, f64)>) {
        if a == b || !self.exists(a) || !self.exists(b) {
            return;
        }
        let name = format!("Link {} ↔ {}", a.label(), b.label());
        match spec {
            Some((latency, bandwidth)) => {
                // Clamped like the global knobs (a value that is not a number keeps the global one).
                let spec = LinkSpec {
                    latency_ms: Knob::LatencyMs.clamp(latency, self.cfg.latency_ms).value,
                    jitter_ms: self.cfg.jitter_ms,
                    bandwidth_mbps: Knob::BandwidthMbps
                        .clamp(bandwidth, self.cfg.bandwidth_mbps)
                        .value,
                };
                self.network.set_spec(a, b, spec);
                let bw = Knob::BandwidthMbps.show(spec.bandwidth_mbps);
                let bw = if spec.bandwidth_mbps == 0.0 {
                    "unlimited bandwidth".to_string()
                } else {
                    bw
                };
                let text = format!("{name}: {} ms, {bw}", trim(spec.latency_ms));
                self.note(Some(a), text);
            }
            None => {
                self.network.clear_spec(a, b);
                self.note(Some(a), format!("{name} back to the global settings"));
            }
        }
    }

    /// Cuts every link between `group` and the other nodes.
    pub(super) fn partition(&mut self, group: Vec<NodeId>) {
        let group: Vec<NodeId> = group.into_iter().filter(|&n| self.exists(n)).collect();
        let rest: Vec<NodeId> = self
            .all_nodes()
            .into_iter()
            .filter(|n| !group.contains(n))
            .collect();
        if group.is_empty() || rest.is_empty() {
            return;
        }
        for &a in &group {
            for &b in &rest {
                self.network.set_cut(a, b, true);
            }
        }
        let names: Vec<String> = group.iter().map(|n| n.label()).collect();
        self.note(
            group.first().copied(),
            format!("Partition: {} cut off from the rest", names.join(", ")),
        );
    }

    pub(super) fn heal_all(&mut self) {
        let cut: Vec<_> = self.network.cut_links().collect();
        if cut.is_empty() {
            return;
        }
        for (a, b) in &cut {
            self.network.set_cut(*a, *b, false);
        }
        self.note(None, format!("Every cut link restored ({})", cut.len()));
    }

    pub(super) fn exists(&self, n: NodeId) -> bool {
        match n {
            NodeId::Client | NodeId::Lb => true,
            NodeId::Server(i) => i < self.servers.len(),
            NodeId::Db(j) => j < self.db.replicas.len(),
        }
    }

    /// Closes the simulated second in progress for the charts.
    pub(super) fn close_second(&mut self) {
        let end = self.series.due();
        let work = self.work_us();
        self.metrics.served(end, work - self.metrics.served_us);
        let busy = self.servers.iter().map(|s| s.busy_time(end)).collect();
        let lag = (0..self.db.replicas.len())
            .map(|j| self.db.lag(j, end))
            .max()
            .unwrap_or(0);
        let in_flight = self.client.in_flight() as u64;
        // The autoscaler's own counts: `scaling()` would also sum server time over the fleet.
        let a = &self.autoscaler;
        let fleet = crate::sim::series::Fleet {
            servers: self.servers.len() as u16,
            starting: a.starting.len() as u16,
            desired: if self.cfg.autoscale_target > 0.0 {
                a.desired as u16
            } else {
                0
            },
            offered: (self.cfg.traffic).rate_at(end as f64 / 1e6, self.cfg.arrival_rate) as f32,
        };
        self.series.close(
            &self.metrics,
            busy,
            self.cfg.workers,
            lag as f64 / 1e3,
            in_flight,
            fleet,
        );
    }
}
