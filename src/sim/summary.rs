//! A run's figures as one record, and as JSON (for the headless runner and for exports). The keys
//! are those of the runner's contract in docs/DESIGN.md.

use std::fmt::Write;

use super::message::Cause;
use super::node::NodeId;
use super::world::World;

#[derive(Clone, Debug, PartialEq)]
pub struct ServerSummary {
    pub id: String,
    pub served: u64,
    pub utilization: f64,
    pub power: u32,
    pub status: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub issued: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub in_flight: u64,
    pub failed_by_cause: Vec<(&'static str, u64)>,
    /// mean, p50, p95, p99, max in ms; `None` when no request succeeded after the warm-up.
    pub latency_ms: Option<[f64; 5]>,
    pub servers: Vec<ServerSummary>,
    pub retries: u64,
    pub attempt_timeouts: u64,
    pub fleet_cost_per_hour: f64,
    pub simulated_s: f64,
    pub strategy: &'static str,
    pub seed: u64,
    pub replication: ReplicationSummary,
    /// The servers' read caches: hits, misses, and the queries the database got.
    pub cache: [u64; 3],
    /// Security at the edge: whether the balancer checks, requests it refused (401, 403), and what
    /// got through unchecked (forged requests served, read-only clients' writes done).
    pub auth: bool,
    pub edge: [u64; 4],
    pub overload: OverloadSummary,
    pub autoscale: crate::sim::world::Scaling,
}

/// Overload and its cures: work the servers did that nobody took, what deadlines, shedding and
/// circuit breakers did about it.
#[derive(Clone, Debug, PartialEq)]
pub struct OverloadSummary {
    /// Worker-ms served, and of it, spent on attempts whose answer nobody took.
    pub served_ms: f64,
    pub wasted_ms: f64,
    pub deadline_drops: u64,
    pub shed: u64,
    pub circuit_openings: u64,
}

/// The database's figures: anomalies, lag and availability.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationSummary {
    pub mode: &'static str,
    pub consistency: &'static str,
    pub stale_reads: u64,
    /// Reads of a write later rolled back, and reads older than an earlier read had returned.
    pub dirty_reads: u64,
    pub back_in_time_reads: u64,
    pub duplicate_writes: u64,
    pub lost_acked_writes: u64,
    pub conflicts: u64,
    pub divergent_keys: u64,
    pub lost_by_clock_skew: u64,
    pub max_lag_ms: f64,
    /// Shares of reads and writes that succeeded (1 when there were none).
    pub read_availability: f64,
    pub write_availability: f64,
    pub failovers: u64,
    pub refused: u64,
    pub quorum_failures: u64,
    pub read_repairs: u64,
    pub hints_stored: u64,
    pub lost_updates: u64,
    pub cas_rejections: u64,
}

fn share(ok: u64, failed: u64) -> f64 {
    if ok + failed == 0 {
        1.0
    } else {
        ok as f64 / (ok + failed) as f64
    }
}

impl Summary {
    pub fn of(w: &World) -> Self {
        let m = w.metrics();
        let h = &m.latency;
        let ms = |us: f64| us / 1_000.0;
        let latency_ms = h.mean().map(|mean| {
            let [p50, p95, p99] = h.percentiles_ms().map(|p| p.unwrap_or(0.0));
            [ms(mean), p50, p95, p99, ms(h.max().unwrap_or(0) as f64)]
        });
        let workers = w.config().workers;
        Summary {
            issued: m.issued,
            succeeded: m.succeeded,
            failed: m.failed_total(),
            in_flight: w.in_flight(),
            failed_by_cause: Cause::ALL
                .iter()
                .map(|&c| (c.name(), m.failed_by(c)))
                .collect(),
            latency_ms,
            servers: w
                .servers()
                .iter()
                .enumerate()
                .map(|(i, s)| ServerSummary {
                    id: NodeId::Server(i).to_string(),
                    served: s.served,
                    utilization: s.utilization(workers, w.now()),
                    power: s.power,
                    status: s.status.name(),
                })
                .collect(),
            retries: m.retries,
            attempt_timeouts: m.attempt_timeouts,
            fleet_cost_per_hour: w.fleet_cost_per_hour(),
            simulated_s: w.now() as f64 / 1e6,
            strategy: w.strategy().name(),
            seed: w.config().seed,
            replication: {
                let db = w.database();
                let f = &db.figures;
                ReplicationSummary {
                    mode: w.config().replication.name(),
                    consistency: w.config().consistency.name(),
                    stale_reads: m.stale_reads,
                    dirty_reads: w.anomalies().dirty,
                    back_in_time_reads: w.anomalies().back_in_time,
                    duplicate_writes: f.duplicate_writes,
                    lost_acked_writes: f.lost_acked_writes,
                    conflicts: f.conflicts,
                    divergent_keys: db.divergent_keys(),
                    lost_by_clock_skew: f.lost_by_clock_skew,
                    max_lag_ms: (0..db.replicas.len())
                        .map(|j| db.lag(j, w.now()))
                        .max()
                        .unwrap_or(0) as f64
                        / 1_000.0,
                    read_availability: share(m.reads_ok, m.reads_failed),
                    write_availability: share(m.writes_ok, m.writes_failed),
                    failovers: f.failovers,
                    refused: f.refused,
                    quorum_failures: f.quorum_failures,
                    read_repairs: f.read_repairs,
                    hints_stored: f.hints_stored,
                    lost_updates: w.lost_updates(),
                    cas_rejections: f.cas_rejections,
                }
            },
            cache: [m.cache_hits, m.cache_misses, m.db_queries],
            auth: w.config().auth,
            edge: [
                m.failed_by(Cause::Unauthorized),
                m.failed_by(Cause::Forbidden),
                m.forged_served,
                m.forbidden_writes,
            ],
            overload: OverloadSummary {
                served_ms: w.work_us() as f64 / 1e3,
                wasted_ms: m.wasted_us as f64 / 1e3,
                deadline_drops: m.deadline_drops,
                shed: m.shed,
                circuit_openings: m.circuit_openings,
            },
            autoscale: w.scaling(),
        }
    }

    /// One JSON object; `wall_s` is the runner's own measurement, added by it.
    pub fn to_json(&self, wall_s: f64) -> String {
        let mut o = String::new();
        let causes: Vec<String> = self
            .failed_by_cause
            .iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        let _ = write!(
            o,
            "{{\"requests\":{{\"issued\":{},\"succeeded\":{},\"failed\":{},\"in_flight\":{},\"failed_by_cause\":{{{}}}}},",
            self.issued,
            self.succeeded,
            self.failed,
            self.in_flight,
            causes.join(",")
        );
        match self.latency_ms {
            Some([mean, p50, p95, p99, max]) => {
                let _ = write!(
                    o,
                    "\"latency_ms\":{{\"mean\":{},\"p50\":{},\"p95\":{},\"p99\":{},\"max\":{}}},",
                    num(mean),
                    num(p50),
                    num(p95),
                    num(p99),
                    num(max)
                );
            }
            None => o.push_str(
                "\"latency_ms\":{\"mean\":null,\"p50\":null,\"p95\":null,\"p99\":null,\"max\":null},",
            ),
        }
        let servers: Vec<String> = self
            .servers
            .iter()
            .map(|s| {
                format!(
                    "{{\"id\":\"{}\",\"served\":{},\"utilization\":{},\"power\":{},\"status\":\"{}\"}}",
                    s.id,
                    s.served,
                    num(s.utilization),
                    s.power,
                    s.status
                )
            })
            .collect();
        let _ = write!(
            o,
            "\"servers\":[{}],\"retries\":{},\"attempt_timeouts\":{},\"fleet_cost_per_hour\":{},\"strategy\":\"{}\",\"seed\":{},",
            servers.join(","),
            self.retries,
            self.attempt_timeouts,
            num(self.fleet_cost_per_hour),
            self.strategy,
            self.seed,
        );
        let r = &self.replication;
        let _ = write!(
            o,
            "\"replication\":{{\"mode\":\"{}\",\"consistency\":\"{}\",\"stale_reads\":{},\"dirty_reads\":{},\"back_in_time_reads\":{},\"duplicate_writes\":{},\"lost_acked_writes\":{},\"conflicts\":{},\"divergent_keys\":{},\"lost_by_clock_skew\":{},\"max_lag_ms\":{},\"read_availability\":{},\"write_availability\":{},\"failovers\":{},\"refused\":{},\"quorum_failures\":{},\"read_repairs\":{},\"hints_stored\":{},\"lost_updates\":{},\"cas_rejections\":{}}},",
            r.mode,
            r.consistency,
            r.stale_reads,
            r.dirty_reads,
            r.back_in_time_reads,
            r.duplicate_writes,
            r.lost_acked_writes,
            r.conflicts,
            r.divergent_keys,
            r.lost_by_clock_skew,
            num(r.max_lag_ms),
            num(r.read_availability),
            num(r.write_availability),
            r.failovers,
            r.refused,
            r.quorum_failures,
            r.read_repairs,
            r.hints_stored,
            r.lost_updates,
            r.cas_rejections
        );
        let [hits, misses, queries] = self.cache;
        let [unauthorized, forbidden, forged, ro_writes] = self.edge;
        let _ = write!(
            o,
            "\"cache\":{{\"hits\":{hits},\"misses\":{misses},\"hit_ratio\":{},\"db_queries\":{queries}}},\"edge\":{{\"auth\":{},\"rejected_unauthorized\":{unauthorized},\"rejected_forbidden\":{forbidden},\"forged_served\":{forged},\"read_only_writes\":{ro_writes}}},",
            num(if hits + misses == 0 {
                0.0
            } else {
                hits as f64 / (hits + misses) as f64
            }),
            self.auth,
        );
        let v = &self.overload;
        let _ = write!(
            o,
            "\"wasted_ms\":{},\"overload\":{{\"served_ms\":{},\"wasted_share\":{},\"deadline_drops\":{},\"shed\":{},\"circuit_openings\":{}}},",
            num(v.wasted_ms),
            num(v.served_ms),
            num(if v.served_ms > 0.0 {
                v.wasted_ms / v.served_ms
            } else {
                0.0
            }),
            v.deadline_drops,
            v.shed,
            v.circuit_openings,
        );
        let a = &self.autoscale;
        let _ = write!(
            o,
            "\"autoscale\":{{\"scale_outs\":{},\"scale_ins\":{},\"max_servers\":{},\"server_seconds\":{}}},",
            a.scale_outs,
            a.scale_ins,
            a.max_servers,
            num(a.server_seconds)
        );
        let _ = write!(
            o,
            "\"simulated_s\":{},\"wall_s\":{}}}",
            num(self.simulated_s),
            num(wall_s)
        );
        o
    }
}

/// A finite number with enough digits, or `null` (JSON has no NaN).
fn num(v: f64) -> String {
    if v.is_finite() {
        super::decimal::trimmed(v, 4)
    } else {
        "null".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Config;
    use crate::sim::time::SECOND;

    #[test]
    fn json_has_the_contract_keys_and_consistent_counts() {
        let mut w = World::new(Config::default()).unwrap();
        w.step_until(30 * SECOND);
        let s = Summary::of(&w);
        assert_eq!(s.issued, s.succeeded + s.failed + s.in_flight);
        let json = s.to_json(0.5);
        for key in [
            "\"requests\":{\"issued\":",
            "\"failed_by_cause\":{\"no_server\":",
            "\"latency_ms\":{\"mean\":",
            "\"p99\":",
            "\"servers\":[{\"id\":\"server-1\",\"served\":",
            "\"utilization\":",
            "\"replication\":{\"mode\":\"leader-async\",\"consistency\":\"cp\",\"stale_reads\":",
            "\"dirty_reads\":0,\"back_in_time_reads\":",
            "\"lost_acked_writes\":0,",
            "\"read_availability\":",
            "\"wasted_ms\":",
            "\"overload\":{\"served_ms\":",
            "\"autoscale\":{\"scale_outs\":0,\"scale_ins\":0,\"max_servers\":3,\"server_seconds\":90}",
            "\"simulated_s\":30,",
            "\"wall_s\":0.5}",
        ] {
            assert!(json.contains(key), "{key} missing from {json}");
        }
        assert_eq!(json.matches('{').count(), json.matches('}').count());
        assert!(!json.contains("NaN") && !json.contains("inf"));
    }
}
