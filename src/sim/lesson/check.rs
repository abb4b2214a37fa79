//! The lessons' live checks: each watches the World frame by frame, notices each part's step, and
//! explains what the run showed with its own figures, the same figures the tiles show at that moment
//! (their window: the last simulated second), and every consistency counter that moved. Waits are in
//! simulated time; the steps say them in the person's time too, at the lessons' [`super::SPEED`].

use super::LESSONS;
use crate::sim::balancer::Strategy;
use crate::sim::decimal::fixed;
use crate::sim::message::Cause;
use crate::sim::metrics::{Headline, Window};
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::replication::{Consistency, ReadFrom, Replication};
use crate::sim::time::{MS, SECOND, TICK, Time};
use crate::sim::world::World;

/// How long the balancing lesson watches after the switch, simulated: its step says so in these
/// words (30 s of the person's time at 0.1×).
pub const BALANCING_WAIT: Time = 3 * SECOND;

/// How far the person is in one lesson: the parts explained so far, and marks the check remembers
/// between frames.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub lesson: usize,
    /// One explanation per part done, in order.
    pub parts: Vec<String>,
    /// When the current part's step was first seen done, and figures taken then.
    mark: Option<(Time, Figures)>,
    /// The tiles at that moment.
    at_step: Option<Headline>,
    /// A second moment the failure check waits for (the balancer noticing).
    later: Option<Time>,
    /// The consistency counters when the current part began.
    base: Option<[u64; COUNTERS.len()]>,
}

/// Figures a check takes when it first sees the step done (what each means is the check's own).
type Figures = [u64; 3];

/// A duration to a tenth of a ms: a hop is a few ms, so whole ms would hide parts of a request.
fn ms(us: Time) -> String {
    format!("{} ms", crate::sim::decimal::trimmed(us as f64 / 1e3, 1))
}

fn ms_of(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{} ms", fixed(v, 0)))
}

/// What the page's Linearizable line says now: `Some(true)` for no violation found (`None` when the
/// live check is off, as in the runner).
fn linearizable_now(w: &World) -> Option<bool> {
    w.linearizability().map(|v| v.violation.is_none())
}

fn ratio(a: u64, b: u64) -> u64 {
    (100 * a).checked_div(a + b).unwrap_or(0)
}

/// The consistency counters, by the label of their tile.
const COUNTERS: [&str; 9] = [
    "Stale",
    "Dirty",
    "Back in time",
    "Applied twice",
    "Lost acked",
    "Conflicts",
    "Skew losses",
    "Lost updates",
    "No quorum",
];

fn counters(w: &World) -> [u64; COUNTERS.len()] {
    let f = &w.database().figures;
    [
        w.metrics().stale_reads,
        w.anomalies().dirty,
        w.anomalies().back_in_time,
        f.duplicate_writes,
        f.lost_acked_writes,
        f.conflicts,
        f.lost_by_clock_skew,
        w.lost_updates(),
        f.quorum_failures,
    ]
}

/// Why counter `i` moves, in the run's current settings.
fn why(i: usize, w: &World) -> &'static str {
    let cfg = w.config();
    let leader = cfg.replication != Replication::Quorum;
    match COUNTERS[i] {
        "Stale" if cfg.cache_keys > 0 => {
            "a server answered from its own cache after another server had written a newer value"
        }
        "Stale" if leader && cfg.read_from != ReadFrom::Leader => {
            "reads went to followers, which get writes only after the leader has acknowledged them"
        }
        "Stale" if leader => {
            "a replica that had not yet received an acknowledged write answered a read (a new leader lacking writes the old one acknowledged, or a cut-off one)"
        }
        "Stale" => "a read quorum missed the newest write (W + R ≤ N, or sloppy answers)",
        "Dirty" => {
            "reads returned writes that were later rolled back: a leader served them before they were safe on a majority"
        }
        "Back in time" if cfg.cache_keys > 0 => {
            "a read returned an older value than an earlier, finished read had: each server's cache holds its own copy, of its own age"
        }
        "Back in time" => {
            "a read returned an older value than an earlier, finished read had: replicas answering from different points"
        }
        "Applied twice" => {
            "retried writes were carried out again after the first attempt had already taken effect"
        }
        "Lost acked" if cfg.replication == Replication::LeaderAsync => {
            "with asynchronous replication a leader acknowledges writes before shipping them, and the writes it had not shipped died with it (CP or AP decides who may answer during a partition, not when replication happens)"
        }
        "Lost acked" => {
            "a failover threw away writes that had been acknowledged: the new leader never had them"
        }
        "Conflicts" => {
            "keys were written on both sides of a split and last-write-wins kept one of each pair"
        }
        "Skew losses" => "last-write-wins kept an earlier write because a clock ran ahead",
        "Lost updates" => {
            "read-modify-writes raced: two servers read the same value and the later write overwrote the other increment"
        }
        _ => "quorum operations found too few replicas to answer",
    }
}

impl Progress {
    pub fn new(lesson: usize) -> Self {
        Self {
            lesson,
            parts: Vec::new(),
            mark: None,
            at_step: None,
            later: None,
            base: None,
        }
    }

    /// Every part explained.
    pub fn done(&self) -> bool {
        LESSONS
            .get(self.lesson)
            .is_none_or(|l| self.parts.len() >= l.parts)
    }

    /// Looks at the World one frame on; once a part's step is done, keeps its explanation, with the
    /// consistency counters that moved during the part.
    pub fn observe(&mut self, w: &World) {
        if self.done() {
            return;
        }
        let now = counters(w);
        let base = *self.base.get_or_insert(now);
        let Some(mut text) = self.check(w) else {
            return;
        };
        let moved: Vec<String> = (0..COUNTERS.len())
            .filter(|&i| now[i] > base[i])
            .map(|i| {
                format!(
                    "{} went up by {}: {}",
                    COUNTERS[i],
                    now[i] - base[i],
                    why(i, w)
                )
            })
            .collect();
        if !moved.is_empty() {
            // One line each (the card keeps line breaks).
            text.push_str(if self.parts.is_empty() {
                "\nUnder Consistency, since the lesson began:"
            } else {
                "\nUnder Consistency, since the part before was explained:"
            });
            for m in moved {
                text.push_str("\n• ");
                text.push_str(&m);
                text.push('.');
            }
        }
        self.parts.push(text);
        self.mark = None;
        self.at_step = None;
        self.later = None;
        self.base = Some(now);
    }

    /// Marks the first frame `cond` holds; true once `wait` (simulated) has passed since.
    fn held(&mut self, w: &World, cond: bool, wait: Time, figures: Figures) -> bool {
        if !cond {
            self.mark = None;
            self.at_step = None;
            return false;
        }
        if self.mark.is_none() {
            self.mark = Some((w.now(), figures));
            self.at_step = Some(w.metrics().headline(w.now(), Window::Recent));
        }
        let (at, _) = self.mark.unwrap_or((w.now(), figures));
        w.now() >= at + wait
    }

    /// The figures taken when the step was first seen.
    fn before(&self) -> Figures {
        self.mark.map_or([0; 3], |m| m.1)
    }

    fn check(&mut self, w: &World) -> Option<String> {
        let m = w.metrics();
        let cfg = w.config();
        let db = w.database();
        // What the tiles show now (computed only by the checks that quote it).
        let tiles = || m.headline(w.now(), Window::Recent);
        let part = self.parts.len();
        Some(match (LESSONS.get(self.lesson)?.id, part) {
            ("architecture", _) => {
                let t = w.waterfall().filter(|t| t.done())?;
                let end = t.spans.iter().map(|s| s.to).max().unwrap_or(t.issued);
                let total = end.saturating_sub(t.issued);
                use crate::sim::trace::SpanKind as K;
                let of = |k: K| -> Time {
                    t.spans
                        .iter()
                        .filter(|s| s.kind == k)
                        .map(|s| s.to - s.from)
                        .sum()
                };
                let hops = t.spans.iter().filter(|s| s.kind == K::Network).count();
                let mut parts = vec![
                    format!(
                        "{} on the wire ({hops} hops at {} ms each)",
                        ms(of(K::Network) + of(K::Bandwidth)),
                        crate::sim::decimal::trim(cfg.latency_ms)
                    ),
                    format!("{} queued", ms(of(K::Queue))),
                    format!("{} being served", ms(of(K::Service))),
                    format!("{} in the database", ms(of(K::Database))),
                ];
                if of(K::Backoff) + of(K::TimedOut) > 0 {
                    parts.push(format!(
                        "{} waiting out a timeout and backing off before a retry",
                        ms(of(K::Backoff) + of(K::TimedOut))
                    ));
                }
                format!("That request took {}: {}.", ms(total), parts.join(", "))
            }
            ("balancing", _) => {
                let smart = cfg.strategy.load_aware();
                if !self.held(w, smart, BALANCING_WAIT, [0; 3]) {
                    return None;
                }
                let before = self.at_step?;
                let tiles = tiles();
                let better = tiles.p99_ms.unwrap_or(f64::MAX) < before.p99_ms.unwrap_or(0.0);
                format!(
                    "When you switched, the tiles (last 1 s) read p99 {} and {} failed requests; {} s later, with {}, they read p99 {} and {} failed (the charts mark the switch). {}",
                    ms_of(before.p99_ms),
                    before.failed,
                    BALANCING_WAIT / SECOND,
                    cfg.strategy.label().to_ascii_lowercase(),
                    ms_of(tiles.p99_ms),
                    tiles.failed,
                    if better {
                        "Round robin gives a server stuck on a slow request its turn anyway, and requests queue behind it; looking at open connections sends them to a server that is free."
                    } else {
                        "Here the tail did not shrink: a one-second window holds few slow requests, so p99 swings. Side by side (under the charts) runs both strategies on the very same requests."
                    }
                )
            }
            ("failure", _) => {
                let down = w.node_status(NodeId::Server(1)) == Some(Status::Down);
                if !self.held(w, down, 0, [m.attempt_timeouts, m.retries, 0]) {
                    self.later = None;
                    return None;
                }
                if w.balancer().accepts(1) {
                    return None;
                }
                // Then one timeout more, so the attempts sent in the window have timed out.
                let noticed = *self.later.get_or_insert(w.now());
                if w.now() < noticed + crate::sim::time::from_ms(cfg.timeout_ms) + TICK {
                    return None;
                }
                let (_, [timeouts, retries, _]) = self.mark?;
                // Measured from the crash itself, not from the frame the check first saw it.
                let at = w.servers().get(1)?.crashed_at?;
                format!(
                    "The balancer stopped sending to Server 2 {} ms after it died: health checks every {} ms, {} missed in a row. Attempts sent there meanwhile waited out the {} ms timeout: {} timed out, and {} retries went to other servers.",
                    fixed((noticed - at) as f64 / 1e3, 0),
                    crate::sim::decimal::trim(cfg.hc_interval_ms),
                    cfg.hc_fall,
                    crate::sim::decimal::trim(cfg.timeout_ms),
                    m.attempt_timeouts.saturating_sub(timeouts),
                    m.retries.saturating_sub(retries)
                )
            }
            ("scaling", _) => {
                let live = || {
                    w.servers()
                        .iter()
                        .filter(|s| s.status.is_up() && !s.draining)
                };
                let per_power = 1_000.0 / cfg.service_ms * cfg.workers as f64;
                // Strategies blind to power give every server the same share, so the smallest
                // machine sets the pace for all; the others can use each machine's full power.
                let blind = matches!(
                    cfg.strategy,
                    Strategy::RoundRobin | Strategy::Random | Strategy::ConsistentHash
                );
                let smallest = live().map(|s| s.power).min().unwrap_or(0);
                let uneven = live().any(|s| s.power != smallest);
                let power = if blind {
                    smallest * live().count() as u32
                } else {
                    live().map(|s| s.power).sum()
                };
                let capacity = power as f64 * per_power;
                // Scaled, by machines or by power (not by sending less traffic), with room to spare.
                let (more, bigger) = (live().count() > 2, live().any(|s| s.power > 1));
                let scaled = (more || bigger) && capacity > cfg.arrival_rate * 1.15;
                if !self.held(w, scaled, SECOND, [0; 3]) {
                    return None;
                }
                // Done once the Errors tile (last 1 s) reads 0.
                if tiles().failed > 0 {
                    return None;
                }
                format!(
                    "Capacity is now {} req/s{} against {} arriving, for ${}/h with {} servers, and Errors (last 1 s) reads 0. {}",
                    fixed(capacity, 0),
                    if blind && uneven {
                        format!(
                            " ({} shares requests evenly: the smallest machine sets the pace)",
                            cfg.strategy.label().to_ascii_lowercase()
                        )
                    } else {
                        String::new()
                    },
                    crate::sim::decimal::trim(cfg.arrival_rate),
                    fixed(w.fleet_cost_per_hour(), 2),
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
            ("latency", _) => {
                let spec = w.network().spec(NodeId::Lb, NodeId::Server(0));
                let base = w.network().default_spec();
                let slowed = spec.latency_ms >= 2.0 * base.latency_ms.max(1.0);
                if !self.held(w, slowed, 1_500 * MS, [0; 3]) {
                    return None;
                }
                let b = &w.balancer().backends;
                if !w.balancer().accepts(0) {
                    format!(
                        "Health checks to Server 1 now take longer than their {} ms timeout, so the balancer marked a healthy server down: to a health check, a slow link looks like a dead machine. The other servers carry everything, and their queues show it.",
                        crate::sim::decimal::trim(cfg.hc_timeout_ms)
                    )
                } else {
                    format!(
                        "The balancer now sees {} ms round trips to Server 1 against {} ms to Server 2: every request through the slow link pays its delay twice. Least response time would notice and send fewer there.",
                        fixed(b.first()?.ewma_ms(), 0),
                        fixed(b.get(1)?.ewma_ms(), 0)
                    )
                }
            }
            ("replication", _) => {
                let r = w.replicas().get(2)?;
                if !r.status.is_up() {
                    let behind = db.replicas[w.leader()]
                        .version()
                        .saturating_sub(r.version());
                    self.mark = Some((w.now(), [behind, 0, 0]));
                    return None;
                }
                let (at, [missed, ..]) = self.mark?;
                if db.lag(2, w.now()) > 0 || r.version() < db.replicas[w.leader()].version() {
                    return None;
                }
                format!(
                    "Replica 3 was back and caught up {} ms after it recovered: it had missed {missed} writes and got them from the leader. Reads kept working meanwhile because the other replicas had copies.",
                    fixed((w.now() - at) as f64 / 1e3, 0)
                )
            }
            ("failover", 0) => {
                if w.leader() == 0 || db.figures.failovers == 0 {
                    return None;
                }
                let terms = w.replicas().iter().map(|r| r.term).max().unwrap_or(0);
                format!(
                    "Replica {} took over (Leaders elected: {}). Each election begun takes a new term, including ones nobody won, so terms now reach {terms}. {}",
                    w.leader() + 1,
                    db.figures.failovers,
                    match cfg.replication {
                        Replication::LeaderAsync => format!(
                            "Under leader-async the old leader acknowledged writes before shipping them: {} it had not shipped {} gone (Lost acked).{} Now the second part.",
                            db.figures.lost_acked_writes,
                            if db.figures.lost_acked_writes == 1 { "is" } else { "are" },
                            match (db.figures.lost_acked_writes, linearizable_now(w)) {
                                (0, _) | (_, None) => "",
                                (_, Some(true)) => " The Linearizable line may still say yes: it judges only what the clients saw, and a lost write shows there only once a later read misses it in a way no order of the writes explains.",
                                (_, Some(false)) => " The Linearizable line says no: a read has missed one of them.",
                            }
                        ),
                        _ => "Under leader-sync a write is acknowledged only once followers have it, so the new leader has every acknowledged write. Now the second part.".to_string(),
                    }
                )
            }
            ("failover", _) => {
                // A failover under leader-sync: the mode switched on, then a leader elected.
                let sync = cfg.replication == Replication::LeaderSync;
                if !self.held(
                    w,
                    sync,
                    0,
                    [db.figures.failovers, db.figures.lost_acked_writes, 0],
                ) {
                    return None;
                }
                let [failovers, lost, _] = self.before();
                if db.figures.failovers <= failovers || !w.replicas()[w.leader()].status.is_up() {
                    return None;
                }
                format!(
                    "Under leader-sync, Replica {} took over and {} acknowledged writes were lost: a write is acknowledged only once followers have it, and the leader answers reads only with what they have.{} The price is write latency (each write waits for a follower), and in both modes writes are refused while no leader is elected: Writes OK shows it.",
                    w.leader() + 1,
                    db.figures.lost_acked_writes.saturating_sub(lost),
                    if linearizable_now(w) == Some(true) {
                        " The Linearizable line, restarted when you switched the mode, still says yes."
                    } else {
                        ""
                    }
                )
            }
            ("cap", _) => {
                // Replica 1 cut off from every other replica (servers still reach all of them).
                let split = w.replicas().len() > 1
                    && (1..w.replicas().len())
                        .all(|j| w.network().is_cut(NodeId::Db(0), NodeId::Db(j)));
                let want = if part == 0 {
                    Consistency::Cp
                } else {
                    Consistency::Ap
                };
                let refused = db.figures.refused;
                if !self.held(w, split && cfg.consistency == want, SECOND, [refused, 0, 0]) {
                    return None;
                }
                let avail = ratio(m.writes_ok, m.writes_failed);
                let refused = refused.saturating_sub(self.before()[0]);
                if part == 0 {
                    format!(
                        "Under CP: {refused} requests refused in the 1 s since the split — Replica 1, cut off from a majority, stops taking writes until it hears one again — and write availability is {avail} % over the run.{} Now the second part.",
                        if linearizable_now(w) == Some(true) {
                            " The Linearizable line still says yes: the side without a majority refused rather than answer with old data."
                        } else {
                            ""
                        }
                    )
                } else {
                    format!(
                        "Under AP: {refused} requests refused in the 1 s since the split and write availability {avail} % over the run, but {} keys now differ between the replicas (replication lag alone accounts for a key or two), each side taking its own writes.{} Heal the links and last-write-wins settles them, counting each key written on both sides under Conflicts.",
                        db.divergent_keys(),
                        match linearizable_now(w) {
                            None => "",
                            Some(true) =>
                                " The Linearizable line may still say yes, even beside Stale reads: it judges only the order the clients could see, and writes on the two sides that overlapped in time may go in either order.",
                            Some(false) =>
                                " The Linearizable line now says no: what the clients saw fits no single order.",
                        }
                    )
                }
            }
            ("concurrency", _) => {
                let lost = w.lost_updates();
                let conflicts = m.failed_by(Cause::Conflict);
                if !self.held(w, cfg.cas, SECOND, [lost, w.in_flight(), conflicts]) {
                    return None;
                }
                let [before, in_flight, conflicts_then] = self.before();
                let since = lost.abs_diff(before);
                let gave_up = conflicts - conflicts_then;
                format!(
                    "{before} increments were lost before compare-and-set; the count moved by {since} in the 1 s since{}. Refused writes ({} so far) were redone from a fresh read instead of overwriting; {gave_up} increments still found the counter changed after {} tries and failed (they are in Errors): on so hot a counter, correctness costs availability.",
                    if since > 0 {
                        format!(
                            " (of the {in_flight} requests in flight when you switched, increments that had already read the counter still wrote blindly, and Lost updates is measured on replicas that may lag)"
                        )
                    } else {
                        String::new()
                    },
                    db.figures.cas_rejections,
                    crate::sim::world::MAX_RMW_TRIES
                )
            }
            ("cache", _) => {
                if !self.held(
                    w,
                    cfg.cache_keys > 0,
                    2 * SECOND,
                    [m.db_queries, m.stale_reads, 0],
                ) {
                    return None;
                }
                format!(
                    "{} % of reads were served from a server's own cache, skipping two hops and the database's time; the database got {} queries in 2 s. {} reads in those 2 s were stale: another server had written a newer value.",
                    ratio(m.cache_hits, m.cache_misses),
                    m.db_queries.saturating_sub(self.before()[0]),
                    m.stale_reads.saturating_sub(self.before()[1])
                )
            }
            ("security", _) => {
                let refused = m.failed_by(Cause::Unauthorized) + m.failed_by(Cause::Forbidden);
                if !self.held(
                    w,
                    cfg.auth && refused > 0,
                    500 * MS,
                    [m.forged_served, m.forbidden_writes, 0],
                ) {
                    return None;
                }
                let [forged, forbidden, _] = self.before();
                let inside = m.forged_served - forged + m.forbidden_writes - forbidden;
                format!(
                    "Unchecked, servers carried out {forged} requests with no valid credentials and {forbidden} writes by read-only clients. Since the check: {} refused with 401 and {} with 403, answered by the balancer itself{}.",
                    m.failed_by(Cause::Unauthorized),
                    m.failed_by(Cause::Forbidden),
                    if inside > 0 {
                        format!(
                            "; {inside} that were already past the balancer when you turned it on were still served"
                        )
                    } else {
                        String::new()
                    }
                )
            }
            _ => return None,
        })
    }
}
