//! The last six simulated seconds of the run, a sample per tick (a tenth of a second; about a second
//! of the person's time in the page's slow motion), for the live charts: outcomes by cause, latency
//! percentiles and a coarse latency histogram, per-server load, replication lag. Each sample is the
//! difference of the run's cumulative counters across its tick, so the charts show exactly what the
//! counters counted. Memory is bounded: a ring of [`SERIES_TICKS`].

use std::collections::VecDeque;

use super::message::Cause;
use super::metrics::{Histogram, Metrics};
use super::time::{TICK, Time};

/// Ticks of history the charts show (6 s).
pub const SERIES_TICKS: usize = 60;
/// Latency histogram bins: six per decade on the 1–1.5–2–3–5–7 ladder, from 0.1 ms to 100 s, so
/// every decade starts on a round label.
pub const LATENCY_BINS: usize = 36;
/// Bin edges in µs: `EDGES[i]` starts bin `i`; the last entry is the top of the last bin.
const EDGES: [u64; LATENCY_BINS + 1] = edges();

const fn edges() -> [u64; LATENCY_BINS + 1] {
    let ladder = [10, 15, 20, 30, 50, 70];
    let mut out = [0; LATENCY_BINS + 1];
    let (mut i, mut decade) = (0, 10);
    while i <= LATENCY_BINS {
        out[i] = ladder[i % 6] * decade;
        i += 1;
        if i % 6 == 0 {
            decade *= 10;
        }
    }
    out
}

/// The lower edge of latency bin `i`, in µs (bin 0 also takes everything faster); `i` may be
/// `LATENCY_BINS`, the top of the last bin.
#[cfg_attr(not(feature = "web"), allow(dead_code, reason = "the page's alone"))]
pub fn bin_floor_us(i: usize) -> f64 {
    EDGES[i.min(LATENCY_BINS)] as f64
}

/// The bin of a latency in µs (values past the top go in the last): a binary search, as every
/// success passes here.
pub fn bin_of(us: u64) -> usize {
    EDGES[..LATENCY_BINS]
        .partition_point(|&e| e <= us)
        .saturating_sub(1)
}

/// One tick, from `tick × TICK` to `(tick + 1) × TICK`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub tick: u64,
    pub ok: u32,
    pub failed: [u32; Cause::ALL.len()],
    pub reads_ok: u32,
    pub reads_failed: u32,
    pub writes_ok: u32,
    pub writes_failed: u32,
    /// Percentiles of the requests answered in this tick (errors' waits included), in ms.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub latency_bins: [u32; LATENCY_BINS],
    /// Per server: the share of its workers' time spent serving (0..=1).
    pub utilization: Vec<f32>,
    /// The most any replica lagged behind the leader at the end of the tick, in ms.
    pub max_lag_ms: f64,
    pub in_flight: u64,
    pub fleet: Fleet,
}

/// The fleet at a tick's end, and the rate the traffic's shape asked for then.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fleet {
    /// Servers in the fleet (draining ones included), launched and still starting, and the
    /// autoscaler's wish (0 while it is off).
    pub servers: u16,
    pub starting: u16,
    pub desired: u16,
    /// Requests per second the shape asks for.
    pub offered: f32,
}

impl Sample {
    pub fn failed_total(&self) -> u32 {
        self.failed.iter().sum()
    }
}

/// Cumulative figures at a tick's boundary; a sample is the difference of two.
#[derive(Clone, Debug, Default)]
struct Totals {
    ok: u64,
    failed: [u64; Cause::ALL.len()],
    reads_ok: u64,
    reads_failed: u64,
    writes_ok: u64,
    writes_failed: u64,
    busy_us: Vec<u64>,
}

impl Totals {
    fn of(m: &Metrics, busy_us: Vec<u64>) -> Self {
        Self {
            ok: m.succeeded,
            failed: m.failed,
            reads_ok: m.reads_ok,
            reads_failed: m.reads_failed,
            writes_ok: m.writes_ok,
            writes_failed: m.writes_failed,
            busy_us,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Series {
    samples: VecDeque<Sample>,
    /// Latencies of the tick in progress.
    window: Histogram,
    bins: [u32; LATENCY_BINS],
    /// The tick in progress, and the totals at its start.
    tick: u64,
    last: Totals,
}

impl Default for Series {
    fn default() -> Self {
        Self {
            samples: VecDeque::with_capacity(SERIES_TICKS + 1),
            window: Histogram::default(),
            bins: [0; LATENCY_BINS],
            tick: 0,
            last: Totals::default(),
        }
    }
}

impl Series {
    /// A request succeeded after `latency` µs (called for every success).
    pub fn record(&mut self, latency: Time) {
        self.window.record(latency);
        self.bins[bin_of(latency)] += 1;
    }

    /// When the current tick ends.
    pub fn due(&self) -> Time {
        (self.tick + 1) * TICK
    }

    /// Closes the current tick with the run's totals now, each server's cumulative busy
    /// worker-µs, the worker count and the lag and in-flight gauges.
    pub fn close(
        &mut self,
        m: &Metrics,
        busy_us: Vec<u64>,
        workers: usize,
        lag_ms: f64,
        in_flight: u64,
        fleet: Fleet,
    ) {
        let now = Totals::of(m, busy_us);
        let d = |a: u64, b: u64| a.saturating_sub(b) as u32;
        let mut failed = [0; Cause::ALL.len()];
        for (i, f) in failed.iter_mut().enumerate() {
            *f = d(now.failed[i], self.last.failed[i]);
        }
        let span = (TICK * workers.max(1) as u64) as f64;
        let utilization = now
            .busy_us
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                // A counter that went back is a new server at this index: it started from zero.
                let before = self
                    .last
                    .busy_us
                    .get(i)
                    .copied()
                    .filter(|&x| x <= b)
                    .unwrap_or(0);
                (b.saturating_sub(before) as f64 / span).min(1.0) as f32
            })
            .collect();
        let [p50_ms, p95_ms, p99_ms] = self.window.percentiles_ms();
        let sample = Sample {
            tick: self.tick,
            ok: d(now.ok, self.last.ok),
            failed,
            reads_ok: d(now.reads_ok, self.last.reads_ok),
            reads_failed: d(now.reads_failed, self.last.reads_failed),
            writes_ok: d(now.writes_ok, self.last.writes_ok),
            writes_failed: d(now.writes_failed, self.last.writes_failed),
            p50_ms,
            p95_ms,
            p99_ms,
            latency_bins: std::mem::replace(&mut self.bins, [0; LATENCY_BINS]),
            utilization,
            max_lag_ms: lag_ms,
            in_flight,
            fleet,
        };
        if self.samples.len() == SERIES_TICKS {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        // Cleared in place: a fresh histogram is 35 KB to allocate and zero every tick.
        self.window.clear();
        self.last = now;
        self.tick += 1;
    }

    /// The closed ticks, oldest first.
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> + ExactSizeIterator {
        self.samples.iter()
    }

    /// Latency counts per bin over the ticks kept.
    pub fn latency_histogram(&self) -> [u64; LATENCY_BINS] {
        let mut out = [0u64; LATENCY_BINS];
        for s in &self.samples {
            for (o, &c) in out.iter_mut().zip(&s.latency_bins) {
                *o += c as u64;
            }
        }
        out
    }

    /// The ticks kept, one CSV row each (what the charts draw), with a header row; `t_s` is when
    /// the tick began, in simulated seconds.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write;
        let mut o = String::from("t_s,succeeded");
        for c in Cause::ALL {
            let _ = write!(o, ",failed_{}", c.name());
        }
        o.push_str(",reads_ok,reads_failed,writes_ok,writes_failed,p50_ms,p95_ms,p99_ms,in_flight,max_lag_ms,mean_utilization\n");
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| super::decimal::trimmed(v, 3));
        for s in &self.samples {
            let t = super::decimal::trimmed((s.tick * TICK) as f64 / 1e6, 1);
            let _ = write!(o, "{t},{}", s.ok);
            for f in s.failed {
                let _ = write!(o, ",{f}");
            }
            let util = (!s.utilization.is_empty()).then(|| {
                s.utilization.iter().map(|&u| u as f64).sum::<f64>() / s.utilization.len() as f64
            });
            let _ = writeln!(
                o,
                ",{},{},{},{},{},{},{},{},{},{}",
                s.reads_ok,
                s.reads_failed,
                s.writes_ok,
                s.writes_failed,
                opt(s.p50_ms),
                opt(s.p95_ms),
                opt(s.p99_ms),
                s.in_flight,
                opt(Some(s.max_lag_ms)),
                opt(util)
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_climb_a_round_ladder() {
        assert_eq!(bin_of(0), 0);
        assert_eq!(bin_of(149), 0);
        assert_eq!(bin_of(150), 1);
        assert_eq!(bin_of(1_000), 6);
        assert_eq!(bin_of(999), 5);
        assert_eq!(bin_of(u64::MAX), LATENCY_BINS - 1);
        for i in 0..LATENCY_BINS {
            assert_eq!(bin_of(bin_floor_us(i).round() as u64), i, "edge of bin {i}");
        }
        assert_eq!(bin_floor_us(24), 1e6, "one second starts a decade");
    }

    #[test]
    fn samples_are_differences_and_the_ring_is_bounded() {
        let mut s = Series::default();
        let mut m = Metrics::default();
        for sec in 0..100u64 {
            for _ in 0..sec % 7 {
                m.answered(sec * TICK + 10, sec * TICK, true);
                s.record(10);
            }
            m.fail(sec * TICK + 20, Cause::Timeout);
            s.close(&m, vec![sec * TICK / 2], 1, 3.0, 4, Fleet::default());
        }
        assert_eq!(s.samples().len(), SERIES_TICKS);
        let last = s.samples().last().unwrap();
        assert_eq!((last.tick, last.ok), (99, (99 % 7) as u32));
        assert_eq!(last.failed[Cause::Timeout as usize], 1);
        assert!((last.utilization[0] - 0.5).abs() < 1e-6);
        assert_eq!(last.p50_ms.map(|v| v.round()), Some(0.0));
        let total: u64 = s.latency_histogram().iter().sum();
        let expect: u64 = (40..100u64).map(|sec| sec % 7).sum();
        assert_eq!(total, expect);
    }
}
