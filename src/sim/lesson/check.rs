//! The lessons' live checks: each watches the World frame by frame, notices the step, and
//! explains what the run showed with its own figures.

use super::LESSONS;
use crate::sim::balancer::Strategy;
use crate::sim::event::{SECOND, Time};
use crate::sim::metrics::Cause;
use crate::sim::network::NodeId;
use crate::sim::replication::Replication;
use crate::sim::server::Status;
use crate::sim::world::World;

/// How far the person is in one lesson: marks the check remembers between frames, and once done,
/// what the run showed.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub lesson: usize,
    /// When the step was first seen done, and figures taken then.
    mark: Option<(Time, [u64; 2])>,
    /// A second moment some checks wait for (the balancer noticing a failure).
    later: Option<Time>,
    pub done: Option<String>,
}

fn ms(us: Time) -> String {
    format!("{} ms", us / 1_000)
}

fn p99_since(w: &World, secs: u64) -> Option<u64> {
    // Per-second p99 averaged over the window (the charts' figure).
    let v: Vec<f64> = w
        .series()
        .samples()
        .rev()
        .take(secs as usize)
        .filter_map(|s| s.p99_ms)
        .collect();
    (!v.is_empty()).then(|| (v.iter().sum::<f64>() / v.len() as f64) as u64)
}

fn ratio(a: u64, b: u64) -> u64 {
    (100 * a).checked_div(a + b).unwrap_or(0)
}

impl Progress {
    pub fn new(lesson: usize) -> Self {
        Self {
            lesson,
            mark: None,
            later: None,
            done: None,
        }
    }

    /// Looks at the World one frame on; once the step is done, keeps the explanation.
    pub fn observe(&mut self, w: &World) {
        if self.done.is_none() {
            self.done = self.check(w);
        }
    }

    /// Marks the first frame `cond` holds; true once `secs` have passed since.
    fn held(&mut self, w: &World, cond: bool, secs: u64, figures: [u64; 2]) -> bool {
        if !cond {
            self.mark = None;
            return false;
        }
        let (at, _) = *self.mark.get_or_insert((w.now(), figures));
        w.now() >= at + secs * SECOND
    }

    /// The figures taken when the step was first seen.
    fn before(&self) -> [u64; 2] {
        self.mark.map_or([0; 2], |m| m.1)
    }

    fn check(&mut self, w: &World) -> Option<String> {
        let m = w.metrics();
        let cfg = w.config();
        let db = w.database();
        Some(match LESSONS.get(self.lesson)?.id {
            "architecture" => {
                let t = w.waterfall().filter(|t| t.done())?;
                let end = t.spans.iter().map(|s| s.to).max().unwrap_or(t.issued);
                let total = end.saturating_sub(t.issued);
                let of = |k: crate::sim::trace::SpanKind| -> Time {
                    t.spans
                        .iter()
                        .filter(|s| s.kind == k)
                        .map(|s| s.to - s.from)
                        .sum()
                };
                use crate::sim::trace::SpanKind as K;
                let hops = t.spans.iter().filter(|s| s.kind == K::Network).count();
                format!(
                    "That request took {}: {} on the wire ({hops} hops at {} ms each way), {} queued, {} being served, {} in the database.",
                    ms(total),
                    ms(of(K::Network) + of(K::Bandwidth)),
                    cfg.latency_ms,
                    ms(of(K::Queue)),
                    ms(of(K::Service)),
                    ms(of(K::Database))
                )
            }
            "balancing" => {
                let smart = matches!(
                    cfg.strategy,
                    Strategy::LeastConnections | Strategy::PowerOfTwo | Strategy::LeastResponseTime
                );
                let failed: u64 = w
                    .series()
                    .samples()
                    .rev()
                    .take(20)
                    .map(|s| s.failed_total() as u64)
                    .sum();
                let now = [p99_since(w, 20).unwrap_or(0), failed];
                // 40 s: the backlog built before the switch drains first.
                if !self.held(w, smart, 40, now) {
                    return None;
                }
                let [p99, failed] = self.before();
                format!(
                    "The 20 s before the switch: p99 about {p99} ms, {failed} failed requests. The last 20 s with {}: p99 about {} ms, {} failed. {}",
                    cfg.strategy.label().to_ascii_lowercase(),
                    now[0],
                    now[1],
                    if now[0] < p99 {
                        "Round robin gives a server stuck on a slow request its turn anyway; looking at open connections sends the work elsewhere."
                    } else {
                        "Twenty seconds is a short window for a tail figure: keep watching the queue bars, or switch back and forth."
                    }
                )
            }
            "failure" => {
                let down = w.node_status(NodeId::Server(1)) == Some(Status::Down);
                if !self.held(w, down, 0, [m.attempt_timeouts, m.retries]) {
                    self.later = None;
                    return None;
                }
                if w.balancer().accepts(1) {
                    return None;
                }
                // Then one timeout more, so the attempts sent in the window have timed out.
                let noticed = *self.later.get_or_insert(w.now());
                if w.now() < noticed + crate::sim::event::from_ms(cfg.timeout_ms) + SECOND {
                    return None;
                }
                let (at, [timeouts, retries]) = self.mark?;
                format!(
                    "The balancer stopped sending to Server 2 {:.1} s after it died: health checks every {} ms, {} missed in a row. Attempts sent there meanwhile waited out the {} ms timeout: {} timed out, and {} retries went to other servers.",
                    (noticed - at) as f64 / 1e6,
                    cfg.hc_interval_ms,
                    cfg.hc_fall,
                    cfg.timeout_ms,
                    m.attempt_timeouts.saturating_sub(timeouts),
                    m.retries.saturating_sub(retries)
                )
            }
            "scaling" => {
                let live = || {
                    w.servers()
                        .iter()
                        .filter(|s| s.status.is_up() && !s.draining)
                };
                let power: u32 = live().map(|s| s.power).sum();
                let capacity = power as f64 * 1_000.0 / cfg.service_ms * cfg.workers as f64;
                // Scaled, by machines or by power (not by sending less traffic), with room to spare.
                let (more, bigger) = (live().count() > 2, live().any(|s| s.power > 1));
                let scaled = (more || bigger) && capacity > cfg.arrival_rate * 1.15;
                if !self.held(w, scaled, 10, [0; 2]) {
                    return None;
                }
                // Done once errors stop: capacity in total is not enough if the balancer still
                // overloads one machine (round robin ignores power).
                let recent: u32 = w
                    .series()
                    .samples()
                    .rev()
                    .take(5)
                    .map(|s| s.failed_total())
                    .sum();
                if recent > 0 {
                    return None;
                }
                format!(
                    "Capacity is now {capacity:.0} req/s against {} arriving, for ${:.2}/h with {} servers, and no request failed in the last 5 s. {}",
                    cfg.arrival_rate,
                    w.fleet_cost_per_hour(),
                    live().count(),
                    if bigger && !more {
                        "A bigger machine costs more per unit of power, tops out at 8×, and is still one machine: if it fails, its share of capacity goes with it."
                    } else if more && !bigger {
                        "More machines cost the same per unit and add redundancy: lose one and the rest carry on."
                    } else {
                        "You did both: more machines add redundancy at the same price per unit; a bigger one costs more per unit and tops out at 8×."
                    }
                )
            }
            "latency" => {
                let spec = w.network().spec(NodeId::Lb, NodeId::Server(0));
                let base = w.network().default_spec();
                let slowed = spec.latency_ms >= 2.0 * base.latency_ms.max(1.0);
                if !self.held(w, slowed, 15, [0; 2]) {
                    return None;
                }
                let b = &w.balancer().backends;
                if !w.balancer().accepts(0) {
                    format!(
                        "Health checks to Server 1 now take longer than their {} ms timeout, so the balancer marked a healthy server down: to a health check, a slow link looks like a dead machine. The other servers carry everything, and their queues show it.",
                        cfg.hc_timeout_ms
                    )
                } else {
                    format!(
                        "The balancer now sees {:.0} ms round trips to Server 1 against {:.0} ms to Server 2: every request through the slow link pays its delay twice. Least response time would notice and send fewer there.",
                        b.first()?.ewma_ms(),
                        b.get(1)?.ewma_ms()
                    )
                }
            }
            "replication" => {
                let r = w.replicas().get(2)?;
                if !r.status.is_up() {
                    let behind = db.replicas[w.leader()]
                        .version()
                        .saturating_sub(r.version());
                    self.mark = Some((w.now(), [behind, 0]));
                    return None;
                }
                let (at, [missed, _]) = self.mark?;
                if db.lag(2, w.now()) > 0 || r.version() < db.replicas[w.leader()].version() {
                    return None;
                }
                format!(
                    "Replica 3 was back and caught up {:.1} s after it recovered: it had missed {missed} writes and got them from the leader. Reads kept working meanwhile because the other replicas had copies.",
                    (w.now() - at) as f64 / 1e6
                )
            }
            "failover" => {
                if w.leader() == 0 || db.figures.failovers == 0 {
                    return None;
                }
                let lost = db.figures.lost_acked_writes;
                let dirty = w.anomalies().dirty;
                format!(
                    "Replica {} took over. {lost} acknowledged writes were lost{} So far {dirty} reads returned a write that was later rolled back (dirty reads).",
                    w.leader() + 1,
                    if cfg.replication == Replication::LeaderAsync {
                        ": the old leader had acknowledged them before shipping them. Under leader-sync a write is acknowledged only once followers have it, and the leader answers reads only with what they have."
                    } else {
                        ": synchronous replication acknowledged only what followers already had, and reads saw nothing else."
                    }
                )
            }
            "cap" => {
                // Replica 1 cut off from every other replica (servers still reach all of them).
                let split = w.replicas().len() > 1
                    && (1..w.replicas().len())
                        .all(|j| w.network().is_cut(NodeId::Db(0), NodeId::Db(j)));
                let refused = db.figures.refused;
                if !self.held(w, split, 10, [refused, 0]) {
                    return None;
                }
                let avail = ratio(m.writes_ok, m.writes_failed);
                let refused = refused.saturating_sub(self.before()[0]);
                let divergent = db.divergent_keys();
                if cfg.consistency == crate::sim::Consistency::Cp {
                    format!(
                        "Under CP: {refused} requests refused since the split — Replica 1, cut off from a majority, stops taking writes until it hears one again — and write availability is {avail} % over the run; {} conflicting writes. Heal, switch to AP and cut again to see the other choice.",
                        db.figures.conflicts
                    )
                } else {
                    format!(
                        "Under AP: {refused} requests refused and write availability {avail} % over the run, but {divergent} keys now differ between the sides, each side taking its own writes. Heal the links and last-write-wins settles them: {} conflicts so far; {} reads returned a write later rolled back, and {} went back in time (older than a read before them).",
                        db.figures.conflicts,
                        w.anomalies().dirty,
                        w.anomalies().back_in_time
                    )
                }
            }
            "concurrency" => {
                let lost = w.lost_updates();
                if !self.held(w, cfg.cas, 10, [lost, 0]) {
                    return None;
                }
                format!(
                    "{} increments were lost before compare-and-set; {} since. Refused writes ({} so far) were redone from a fresh read instead of overwriting.",
                    self.before()[0],
                    lost.saturating_sub(self.before()[0]),
                    db.figures.cas_rejections
                )
            }
            "cache" => {
                if !self.held(w, cfg.cache_keys > 0, 20, [m.db_queries, m.stale_reads]) {
                    return None;
                }
                format!(
                    "{} % of reads were served from a server's own cache, skipping two network hops; the database got {} queries in 20 s. {} reads in those 20 s were stale: another server had written a newer value.",
                    ratio(m.cache_hits, m.cache_misses),
                    m.db_queries.saturating_sub(self.before()[0]),
                    m.stale_reads.saturating_sub(self.before()[1])
                )
            }
            "security" => {
                let refused = m.failed_by(Cause::Unauthorized) + m.failed_by(Cause::Forbidden);
                if !self.held(
                    w,
                    cfg.auth && refused > 0,
                    5,
                    [m.forged_served, m.forbidden_writes],
                ) {
                    return None;
                }
                format!(
                    "Unchecked, servers carried out {} requests with no valid credentials and {} writes by read-only clients. Since the check: {} refused with 401 and {} with 403, answered by the balancer itself.",
                    self.before()[0],
                    self.before()[1],
                    m.failed_by(Cause::Unauthorized),
                    m.failed_by(Cause::Forbidden)
                )
            }
            _ => return None,
        })
    }
}
