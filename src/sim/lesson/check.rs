//! The lessons' live checks: each watches the World frame by frame, notices each part's step, and
//! explains what the run showed with its own figures, the same figures the tiles show at that moment
//! (their window: the last simulated second), and every consistency counter that moved. Waits are in
//! simulated time; the steps say them in the person's time too, at the lessons' [`super::SPEED`].

use crate::sim::decimal::fixed;
use crate::sim::metrics::{Headline, Window};
use crate::sim::replication::{ReadFrom, Replication};
use crate::sim::time::{SECOND, Time};
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
    pub(super) mark: Option<(Time, Figures)>,
    /// The tiles at that moment.
    pub(super) at_step: Option<Headline>,
    /// A second moment the failure check waits for (the balancer noticing).
    pub(super) later: Option<Time>,
    /// The consistency counters when the current part began.
    pub(super) base: Option<[u64; COUNTERS.len()]>,
}

/// Figures a check takes when it first sees the step done (what each means is the check's own).
pub(super) type Figures = [u64; 3];

/// A duration to a tenth of a ms: a hop is a few ms, so whole ms would hide parts of a request.
pub(super) fn ms(us: Time) -> String {
    format!("{} ms", crate::sim::decimal::trimmed(us as f64 / 1e3, 1))
}

pub(super) fn ms_of(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{} ms", fixed(v, 0)))
}

/// What the page's Linearizable line says now: `Some(true)` for no violation found (`None` when the
/// live check is off, as in the runner).
pub(super) fn linearizable_now(w: &World) -> Option<bool> {
    w.linearizability().map(|v| v.violation.is_none())
}

pub(super) fn ratio(a: u64, b: u64) -> u64 {
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

    /// Takes the consistency counters a part starts from, the first frame it is watched.
    pub(super) fn begin(&mut self, w: &World) {
        self.base.get_or_insert(counters(w));
    }

    /// Keeps a part's explanation, with the consistency counters that moved during the part.
    pub(super) fn record(&mut self, w: &World, mut text: String) {
        let now = counters(w);
        let base = self.base.unwrap_or(now);
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
    pub(super) fn held(&mut self, w: &World, cond: bool, wait: Time, figures: Figures) -> bool {
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
    pub(super) fn before(&self) -> Figures {
        self.mark.map_or([0; 3], |m| m.1)
    }
}
