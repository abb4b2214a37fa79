//! What the run has measured, in bounded memory: counters by outcome, a latency histogram and a ring
//! of per-tick buckets (a tenth of a simulated second) for live figures.

use std::collections::VecDeque;

use super::message::Cause;
use super::time::{SECOND, TICK, Time};
use crate::sim::decimal::within;

/// Latency histogram with log-linear buckets: exact below 128 µs, then 128 sub-buckets per power of
/// two, so any quantile is off by at most 1/256 of its value (well inside 1 %).
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Vec<u64>,
    /// The buckets in use (count above 0), ascending. A tick's latencies fill a few dozen of the
    /// 4,352 buckets, spread over a thousand or more: clearing, listing and ranking visit these
    /// alone.
    used: Vec<u32>,
    total: u64,
    sum: u128,
    max: u64,
}

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Values are clamped below 2^40 µs (about 12 days).
const TOP_BIT: u32 = 40;

impl Default for Histogram {
    fn default() -> Self {
        let buckets = (SUB + (TOP_BIT - SUB_BITS) as u64 * SUB) as usize;
        Self {
            counts: vec![0; buckets],
            used: Vec::new(),
            total: 0,
            sum: 0,
            max: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < SUB {
            return v as usize;
        }
        let e = 63 - v.leading_zeros();
        let sub = (v >> (e - SUB_BITS)) - SUB;
        (SUB + (e - SUB_BITS) as u64 * SUB + sub) as usize
    }

    /// The midpoint of bucket `i`.
    fn value(i: usize) -> f64 {
        let i = i as u64;
        if i < SUB {
            return i as f64;
        }
        let e = (i - SUB) / SUB + SUB_BITS as u64;
        let sub = (i - SUB) % SUB + SUB;
        let width = 1u64 << (e - SUB_BITS as u64);
        (sub * width) as f64 + (width as f64 - 1.0) / 2.0
    }

    /// The counts in use, as (bucket, count) pairs: a closed second of the live window.
    fn sparse(&self) -> Vec<(u32, u32)> {
        self.used
            .iter()
            .map(|&i| (i, self.counts[i as usize] as u32))
            .collect()
    }

    /// Bucket `i` is about to count a sample: list it if it was empty.
    fn touch(&mut self, i: usize) {
        if self.counts[i] == 0 {
            let at = self.used.partition_point(|&u| (u as usize) < i);
            self.used.insert(at, i as u32);
        }
    }

    fn add_sparse(&mut self, counts: &[(u32, u32)], max: u64) {
        for &(i, c) in counts {
            self.touch(i as usize);
            self.counts[i as usize] += u64::from(c);
            self.total += u64::from(c);
            self.sum += u128::from(c) * Self::value(i as usize) as u128;
        }
        self.max = self.max.max(max);
    }

    pub(crate) fn clear(&mut self) {
        for &i in &self.used {
            self.counts[i as usize] = 0;
        }
        self.used.clear();
        (self.total, self.sum, self.max) = (0, 0, 0);
    }

    pub fn record(&mut self, v: u64) {
        let v = v.min((1 << TOP_BIT) - 1);
        let i = Self::index(v);
        self.touch(i);
        self.counts[i] += 1;
        self.total += 1;
        self.sum += v as u128;
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum as f64 / self.total as f64)
    }

    pub fn max(&self) -> Option<u64> {
        (self.total > 0).then_some(self.max)
    }

    /// The values below which the shares `qs` (ascending, each 0..=1) of the samples fall: one
    /// pass over the buckets for all three (the charts ask for p50, p95 and p99 every tick).
    pub fn quantiles(&self, qs: [f64; 3]) -> Option<[f64; 3]> {
        if self.total == 0 {
            return None;
        }
        let count = |k: usize| self.counts[self.used[k] as usize];
        let mut out = [self.max as f64; 3];
        // `seen` counts the samples in the buckets before the `k`th in use; each rank resumes
        // where the last stopped.
        let (mut k, mut seen) = (0, 0);
        for (o, q) in out.iter_mut().zip(qs) {
            let rank = ((within(q, 0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
            while k < self.used.len() && seen + count(k) < rank {
                seen += count(k);
                k += 1;
            }
            if k < self.used.len() {
                *o = Self::value(self.used[k] as usize).min(self.max as f64);
            }
        }
        Some(out)
    }

    /// p50, p95 and p99 in ms.
    pub fn percentiles_ms(&self) -> [Option<f64>; 3] {
        self.quantiles([0.50, 0.95, 0.99])
            .map_or([None; 3], |v| v.map(|us| Some(us / 1e3)))
    }

    /// The value below which a share `q` (0..=1) of the samples fall.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles([q; 3]).map(|v| v[0])
    }
}

/// Outcomes completed within one simulated second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    pub ok: u64,
    pub failed: u64,
    /// Attempts made again in this tick.
    pub retries: u64,
    /// Worker-µs of service finished in this tick, and of it, the work whose answer nobody took.
    pub served_us: u64,
    pub wasted_us: u64,
}

/// The live window, in ticks: the headline figures cover the simulated time from the start of
/// tick ⌊now⌋ − 9 to now (between 0.9 and 1 s), so they move smoothly and forget within a second.
pub const WINDOW_TICKS: u64 = 10;

/// Which stretch of the run the headline figures cover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Window {
    /// The last [`WINDOW_TICKS`] (the default).
    #[default]
    Recent,
    /// The whole run (latency percentiles leave out requests issued in the warm-up).
    Run,
}

impl Window {
    /// How the page and the lessons name it.
    pub fn label(self) -> &'static str {
        match self {
            Window::Recent => "last 1 s",
            Window::Run => "whole run",
        }
    }
}

/// The headline figures over one [`Window`]: the tiles show these, and lessons quote them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Headline {
    /// Successful responses per simulated second.
    pub throughput: f64,
    /// Share of finished requests that succeeded, in percent.
    pub success: Option<f64>,
    /// Latency percentiles of answered requests (an error's wait included), in ms.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub failed: u64,
    pub retries: u64,
    /// Share of the servers' work whose answer nobody took (the balancer had given up), in
    /// percent; `None` before any work is done.
    pub wasted: Option<f64>,
}

/// A closed tick of the live window: the tick, its (bucket, count) pairs, its largest value.
type ClosedTick = (u64, Vec<(u32, u32)>, u64);

/// Latencies of the ticks in the live window: the tick in progress in full, closed ones sparse.
#[derive(Clone, Debug, Default)]
struct RecentLatency {
    /// Oldest first.
    closed: VecDeque<ClosedTick>,
    tick: u64,
    current: Histogram,
}

impl RecentLatency {
    fn record(&mut self, now: Time, v: u64) {
        let s = now / TICK;
        if s != self.tick {
            if self.current.count() > 0 {
                let max = self.current.max;
                self.closed
                    .push_back((self.tick, self.current.sparse(), max));
                self.current.clear();
            }
            self.tick = s;
            let from = (s + 1).saturating_sub(WINDOW_TICKS);
            while self.closed.front().is_some_and(|c| c.0 < from) {
                self.closed.pop_front();
            }
        }
        self.current.record(v);
    }

    /// The latencies from the start of tick ⌊now⌋ − 9 to now.
    fn window(&self, now: Time) -> Histogram {
        let from = (now / TICK + 1).saturating_sub(WINDOW_TICKS);
        let mut h = Histogram::default();
        for (_, counts, max) in self.closed.iter().filter(|c| c.0 >= from) {
            h.add_sparse(counts, *max);
        }
        if self.tick >= from && self.current.count() > 0 {
            h.add_sparse(&self.current.sparse(), self.current.max);
        }
        h
    }
}

/// Ticks of history kept for live figures (12 s).
pub const HISTORY_TICKS: usize = 120;

#[derive(Clone, Debug, Default)]
pub struct Metrics {
    pub issued: u64,
    pub succeeded: u64,
    pub failed: [u64; Cause::ALL.len()],
    /// Attempts the balancer gave up on after its timeout.
    pub attempt_timeouts: u64,
    /// Attempts made again on another server.
    pub retries: u64,
    /// Retries refused by the retry budget.
    pub retries_denied: u64,
    /// Worker-µs of service done (up to the last tick's close), and of it, work whose answer nobody
    /// took (the balancer had given up on the attempt): what a retry storm burns.
    pub served_us: u64,
    pub wasted_us: u64,
    /// Attempts servers dropped unserved because their deadline had passed.
    pub deadline_drops: u64,
    /// Attempts servers refused at once, shedding load (retried or not).
    pub shed: u64,
    /// Times a circuit breaker opened.
    pub circuit_openings: u64,
    /// The last tick whose service has been recorded (served work is read at each tick's close,
    /// wasted work as it is thrown away: a share compares them over closed ticks only).
    served_through: Option<u64>,
    /// Reads and writes by outcome (read and write availability).
    pub reads_ok: u64,
    pub reads_failed: u64,
    pub writes_ok: u64,
    pub writes_failed: u64,
    /// Reads that returned something older than the newest write acknowledged before they began.
    pub stale_reads: u64,
    /// Increments acknowledged to clients.
    pub increments_ok: u64,
    /// Reads a server answered from its own cache, and those it had to ask the database.
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Queries the servers sent the database (its load).
    pub db_queries: u64,
    /// With the balancer not checking: requests without valid credentials a server carried out,
    /// and writes from read-only clients that succeeded.
    pub forged_served: u64,
    pub forbidden_writes: u64,
    /// Latency of answered requests issued after the warm-up (errors' included).
    pub latency: Histogram,
    /// Requests issued before this time are left out of `latency`.
    pub warmup: Time,
    /// `ticks[i]` covers tick `first_tick + i`.
    ticks: VecDeque<Bucket>,
    first_tick: u64,
    recent_latency: RecentLatency,
}

impl Metrics {
    pub fn failed_total(&self) -> u64 {
        self.failed.iter().sum()
    }

    pub fn failed_by(&self, cause: Cause) -> u64 {
        self.failed[cause as usize]
    }

    fn bucket(&mut self, now: Time) -> &mut Bucket {
        let s = now / TICK;
        if self.ticks.is_empty() {
            self.first_tick = s;
        }
        while self.first_tick + (self.ticks.len() as u64) <= s {
            self.ticks.push_back(Bucket::default());
            if self.ticks.len() > HISTORY_TICKS {
                self.ticks.pop_front();
                self.first_tick += 1;
            }
        }
        let i = (s - self.first_tick) as usize;
        &mut self.ticks[i]
    }

    /// A request issued at `issued` had its answer at `now`: its wait counts in the latency
    /// figures whether it succeeded or not.
    pub fn answered(&mut self, now: Time, issued: Time, ok: bool) {
        if ok {
            self.succeeded += 1;
            self.bucket(now).ok += 1;
        }
        if issued >= self.warmup {
            self.latency.record(now - issued);
        }
        self.recent_latency.record(now, now - issued);
    }

    /// `us` of service whose answer nobody took (counted when it is thrown away; the service
    /// itself is in `served_us`).
    pub fn wasted(&mut self, now: Time, us: u32) {
        let us = u64::from(us);
        self.bucket(now).wasted_us += us;
        self.wasted_us += us;
    }

    /// The servers finished `us` of service in the tick that ends at `end` (the engine reads
    /// their own counts at each tick's close).
    pub fn served(&mut self, end: Time, us: u64) {
        let last = end.saturating_sub(1);
        self.bucket(last).served_us += us;
        self.served_us += us;
        self.served_through = Some(last / TICK);
    }

    /// Whether tick `t`'s service has been recorded.
    fn closed(&self, t: u64) -> bool {
        self.served_through.is_some_and(|c| t <= c)
    }

    /// Wasted work counted in ticks whose service is not recorded yet.
    fn unclosed_wasted(&self) -> u64 {
        (self.history())
            .filter(|&(t, _)| !self.closed(t))
            .map(|(_, b)| b.wasted_us)
            .sum()
    }

    /// An attempt is made again.
    pub fn retry(&mut self, now: Time) {
        self.retries += 1;
        self.bucket(now).retries += 1;
    }

    /// The headline figures over `window` at `now`.
    pub fn headline(&self, now: Time, window: Window) -> Headline {
        let recent_latency;
        let (done, length, latency) = match window {
            Window::Recent => {
                let (recent, length) = self.recent(now, WINDOW_TICKS);
                recent_latency = self.recent_latency.window(now);
                (recent, length, &recent_latency)
            }
            Window::Run => (
                Bucket {
                    ok: self.succeeded,
                    failed: self.failed_total(),
                    retries: self.retries,
                    served_us: self.served_us,
                    wasted_us: self.wasted_us - self.unclosed_wasted(),
                },
                now as f64 / SECOND as f64,
                &self.latency,
            ),
        };
        let [p50_ms, p95_ms, p99_ms] = latency.percentiles_ms();
        Headline {
            throughput: if length > 0.0 {
                done.ok as f64 / length
            } else {
                0.0
            },
            success: (done.ok + done.failed > 0)
                .then(|| 100.0 * done.ok as f64 / (done.ok + done.failed) as f64),
            p50_ms,
            p95_ms,
            p99_ms,
            failed: done.failed,
            retries: done.retries,
            wasted: (done.served_us > 0).then(|| {
                100.0 * (done.wasted_us.min(done.served_us)) as f64 / done.served_us as f64
            }),
        }
    }

    pub fn fail(&mut self, now: Time, cause: Cause) {
        self.failed[cause as usize] += 1;
        self.bucket(now).failed += 1;
    }

    /// Outcomes over the window from the start of tick ⌊now⌋−`span`+1 to `now`, and its length in
    /// seconds: a live figure that moves smoothly and forgets the past within `span` ticks.
    pub fn recent(&self, now: Time, span: u64) -> (Bucket, f64) {
        let s = now / TICK;
        let from = (s + 1).saturating_sub(span);
        let mut total = Bucket::default();
        for (i, b) in self.ticks.iter().enumerate() {
            if self.first_tick + i as u64 >= from {
                total.ok += b.ok;
                total.failed += b.failed;
                total.retries += b.retries;
                total.served_us += b.served_us;
                if self.closed(self.first_tick + i as u64) {
                    total.wasted_us += b.wasted_us;
                }
            }
        }
        let length = (now - from * TICK) as f64 / SECOND as f64;
        (total, length)
    }

    /// The per-tick history, oldest first, with the tick each covers.
    pub fn history(&self) -> impl Iterator<Item = (u64, Bucket)> + '_ {
        self.ticks
            .iter()
            .enumerate()
            .map(|(i, b)| (self.first_tick + i as u64, *b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut h = Histogram::default();
        for v in 1..=100_000u64 {
            h.record(v * 37);
        }
        for q in [0.5, 0.95, 0.99] {
            let exact = (q * 100_000.0) * 37.0;
            let got = h.quantile(q).unwrap();
            assert!((got - exact).abs() / exact < 0.01, "q{q}: {got} vs {exact}");
        }
        assert_eq!(h.max(), Some(3_700_000));
    }

    #[test]
    fn three_quantiles_in_one_pass_match_an_exact_sort() {
        // Heavy-tailed values; each ascending triple of shares, read in one pass, must land in
        // the bucket of the exact rank-th value (within half a bucket: 1/256 of it, or ½ µs).
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in [1usize, 2, 7, 100, 2_000] {
            let mut h = Histogram::default();
            let mut raw = Vec::new();
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = (x % 1_000) * (1 + (x >> 40) % 3_000) + x % 7;
                h.record(v);
                raw.push(v);
            }
            raw.sort_unstable();
            for qs in [
                [0.5, 0.95, 0.99],
                [0.0, 0.5, 1.0],
                [0.2, 0.2, 0.9],
                [0.01, 0.02, 0.03],
            ] {
                let got = h.quantiles(qs).unwrap();
                for (g, q) in got.iter().zip(qs) {
                    let rank = ((q * n as f64).ceil() as usize).max(1);
                    let exact = raw[rank - 1] as f64;
                    assert!(
                        (g - exact).abs() <= exact / 256.0 + 0.5,
                        "n {n}, q {q}: {g} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_live_window_covers_the_last_ten_ticks_exactly() {
        // Latencies that change every tick; the window's percentiles must match an exact sort of
        // the values completed from the start of tick ⌊now⌋ − 9 to now, and nothing older.
        let mut m = Metrics::default();
        let mut done: Vec<(Time, u64)> = Vec::new();
        let mut x: u64 = 1;
        for i in 0..40_000u64 {
            let now = 400_000 + i * 100; // one completion per 0.1 ms, from 0.4 s
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let latency = 1_000 + (x >> 40) % (50_000 * (1 + now / TICK % 7));
            m.answered(now, now - latency, true);
            done.push((now, latency));
            if i % 3_333 == 0 || i == 39_999 {
                let from = (now / TICK + 1).saturating_sub(WINDOW_TICKS) * TICK;
                let mut inside: Vec<u64> = done
                    .iter()
                    .filter(|&&(t, _)| t >= from)
                    .map(|&(_, l)| l)
                    .collect();
                inside.sort_unstable();
                let h = m.headline(now, Window::Recent);
                for (q, got) in [(0.5, h.p50_ms), (0.95, h.p95_ms), (0.99, h.p99_ms)] {
                    let rank = ((q * inside.len() as f64).ceil() as usize).max(1);
                    let exact = inside[rank - 1] as f64 / 1e3;
                    let got = got.expect("values in the window");
                    assert!(
                        (got - exact).abs() <= exact / 128.0,
                        "t={now} q{q}: {got} vs {exact}"
                    );
                }
                let length = (now - from) as f64 / SECOND as f64;
                assert!((h.throughput - inside.len() as f64 / length).abs() < 1e-9);
            }
        }
        let run = m.headline(5 * SECOND, Window::Run);
        assert_eq!(run.p99_ms, m.latency.quantile(0.99).map(|us| us / 1e3));
    }

    #[test]
    fn the_wasted_share_compares_closed_ticks_only() {
        // Ten ticks of 1,000 µs served, 500 of it wasted; the open tick has wasted 700 already,
        // whose service is not recorded yet: the share stays one half, in either window.
        let mut m = Metrics::default();
        for t in 0..10 {
            m.wasted(t * TICK + 5, 500);
            m.served((t + 1) * TICK, 1_000);
        }
        m.wasted(10 * TICK + 5, 700);
        let now = 10 * TICK + 50;
        assert_eq!(m.headline(now, Window::Recent).wasted, Some(50.0));
        assert_eq!(m.headline(now, Window::Run).wasted, Some(50.0));
    }

    #[test]
    fn history_is_bounded() {
        let mut m = Metrics::default();
        for s in 0..1_000u64 {
            m.answered(s * TICK + 5, s * TICK, true);
        }
        assert_eq!(m.history().count(), HISTORY_TICKS);
        assert_eq!(m.history().last().unwrap().0, 999);
    }
}
