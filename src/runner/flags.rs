//! The runner's flags as one table: each flag's name, value, meaning, the model's list of names
//! where it takes one, its default (read from `Config::default()`) and how it sets the run. The
//! parser (`args.rs`), `--help` and the closest-flag hint all read it.

use std::str::FromStr;

use crate::sim::replication::{ClockKind, Consistency, ReadFrom, Replication, SyncAcks};
use crate::sim::share::Scenario;
use crate::sim::{Config, Recorded, ServiceDist, Strategy};

const INTRO: &str = "\
clusterscope-sim: run the ClusterScope simulation without a browser and print a summary.

USAGE: clusterscope-sim [FLAGS]   (a value follows its flag, or joins it: --seed=7)
";

/// Requests issued when `--requests` is not given.
pub(super) const DEFAULT_REQUESTS: u64 = 10_000;

/// What the flags build up, before it is checked as a whole.
pub(super) struct Draft {
    pub(super) cfg: Config,
    pub(super) requests: u64,
    pub(super) warmup: f64,
    pub(super) json: bool,
    pub(super) bench: bool,
    pub(super) compare: bool,
    pub(super) check: bool,
    /// `--fail`, `--recover`, `--slow` with their values: read once the fleet's size is known.
    pub(super) timed: Vec<(&'static str, String)>,
    pub(super) partitions: Vec<String>,
    pub(super) history: Option<String>,
    pub(super) replay: Vec<Recorded>,
}

type Set = fn(&mut Draft, &'static str, &str) -> Result<(), String>;

/// One flag: the runner's flags, `--help` and the closest-flag hint all come from this table.
pub(super) struct Flag {
    pub(super) name: &'static str,
    /// The value's placeholder; empty for a switch.
    pub(super) value: &'static str,
    help: &'static str,
    /// The values a named setting takes, from the model's own list.
    choices: Option<fn() -> Vec<&'static str>>,
    /// The default as `--help` shows it, read from `Config::default()`: help cannot drift from it.
    pub(super) default: Option<fn(&Config) -> String>,
    pub(super) set: Set,
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&v| name(v)).collect()
}

/// A setting with a value; `set` stores the parsed value.
const fn flag(
    name: &'static str,
    value: &'static str,
    help: &'static str,
    default: fn(&Config) -> String,
    set: Set,
) -> Flag {
    Flag {
        name,
        value,
        help,
        choices: None,
        default: Some(default),
        set,
    }
}

/// A setting named from a list (`choices`).
const fn choice(
    name: &'static str,
    help: &'static str,
    choices: fn() -> Vec<&'static str>,
    default: fn(&Config) -> String,
    set: Set,
) -> Flag {
    Flag {
        name,
        value: "NAME",
        help,
        choices: Some(choices),
        default: Some(default),
        set,
    }
}

/// A flag with no default to show (a switch, or one that may repeat).
const fn plain(name: &'static str, value: &'static str, help: &'static str, set: Set) -> Flag {
    Flag {
        name,
        value,
        help,
        choices: None,
        default: None,
        set,
    }
}

/// `N|inf`: a whole number, or `inf` (as `inf_as`).
fn whole_or_inf<T: FromStr>(flag: &str, v: &str, inf_as: T) -> Result<T, String> {
    if v == "inf" {
        Ok(inf_as)
    } else {
        parse(flag, v, "a whole number or inf")
    }
}

fn cap_text(n: usize) -> String {
    if n == usize::MAX {
        "inf".into()
    } else {
        n.to_string()
    }
}

/// The setter of `Config::$field`, its text read by `$read` (`number`, `whole`, `named`).
macro_rules! into {
    ($field:ident, $read:ident) => {
        |d, f, v| {
            d.cfg.$field = $read(f, v)?;
            Ok(())
        }
    };
}

/// A flag naming one of `$ty::ALL` for `Config::$field`.
macro_rules! pick {
    ($name:literal, $help:literal, $ty:ident, $field:ident) => {
        choice(
            $name,
            $help,
            || names(&$ty::ALL[..], $ty::name),
            |c| c.$field.to_string(),
            into!($field, named),
        )
    };
}

/// A flag for `Config::$field`, its default shown as the value displays.
macro_rules! setting {
    ($name:literal, $value:literal, $help:literal, $field:ident, $read:ident) => {
        flag(
            $name,
            $value,
            $help,
            |c| c.$field.to_string(),
            into!($field, $read),
        )
    };
}

#[rustfmt::skip]
pub(super) const FLAGS: &[Flag] = &[
    setting!("--seed", "N", "random seed", seed, whole),
    setting!("--servers", "N", "servers, 1..=10000 (the page draws up to 64)", servers, whole),
    pick!("--strategy", "how the balancer picks a server", Strategy, strategy),
    setting!("--arrival-rate", "R", "Poisson arrivals per second", arrival_rate, number),
    setting!("--service-ms", "MEAN", "mean service time at power 1, ms", service_ms, number),
    setting!("--db-service-ms", "MS", "time a replica spends on each query, ms", db_service_ms, number),
    pick!("--service-dist", "how service times vary", ServiceDist, service_dist),
    setting!("--workers", "K", "concurrent requests per server", workers, whole),
    flag("--queue-cap", "N|inf", "waiting requests a server holds before rejecting", |c| cap_text(c.queue_cap),
        |d, f, v| { d.cfg.queue_cap = whole_or_inf(f, v, usize::MAX)?; Ok(()) }),
    setting!("--latency-ms", "MS", "one-way latency of every hop, ms; 0 allowed", latency_ms, number),
    setting!("--jitter-ms", "MS", "extra uniform one-way delay, ms", jitter_ms, number),
    setting!("--bandwidth-mbps", "M", "bandwidth of every link, Mbit/s; 0 = unlimited", bandwidth_mbps, number),
    setting!("--timeout-ms", "MS", "balancer's per-attempt timeout", timeout_ms, number),
    setting!("--retries", "N", "retries on another server, 0..=5", retries, whole),
    setting!("--hc-interval-ms", "MS", "health-check period; 0 = off", hc_interval_ms, number),
    setting!("--retry-budget", "F", "retries allowed as a share of requests (a token bucket), 0..=1", retry_budget, number),
    setting!("--backoff-ms", "MS", "base of the exponential backoff with full jitter before a retry", backoff_ms, number),
    setting!("--hc-timeout-ms", "MS", "a probe unanswered this long counts as failed", hc_timeout_ms, number),
    setting!("--hc-fall", "N", "failed checks in a row before the balancer marks a server down, 1..=10", hc_fall, whole),
    setting!("--hc-rise", "N", "good checks in a row before it marks a server up again, 1..=10", hc_rise, whole),
    setting!("--slow-factor", "F", "speed of a slowed server relative to its power, 0.01..=1", slow_factor, number),
    setting!("--sessions", "N", "distinct client sessions (consistent hashing routes by session)", sessions, whole),
    setting!("--async-ship-ms", "MS", "leader-async ships writes in batches this long after the first: the window a crash can lose", async_ship_ms, number),
    setting!("--replicas", "N", "database replicas, 1..=9", replicas, whole),
    setting!("--write-ratio", "F", "share of writes, 0..=1", write_ratio, number),
    setting!("--keys", "N", "key space", keys, whole),
    setting!("--zipf", "S", "key popularity exponent; 0 = uniform", zipf, number),
    plain("--no-db", "", "requests do not touch the database",
        |d, _, _| { d.cfg.use_db = false; Ok(()) }),
    Flag { name: "--requests", value: "N", help: "stop issuing after N requests, then drain", choices: None,
        default: Some(|_| DEFAULT_REQUESTS.to_string()),
        set: |d, f, v| { d.requests = whole(f, v)?; Ok(()) } },
    Flag { name: "--warmup-s", value: "S", help: "leave the first S simulated seconds out of latency figures",
        choices: None, default: Some(|_| "0".into()),
        set: |d, f, v| {
            d.warmup = number(f, v)?;
            if !(0.0..=1e9).contains(&d.warmup) {
                return Err(format!("{f}: {} is outside 0..=1e9", d.warmup));
            }
            Ok(())
        } },
    plain("--fail", "NODE@S", "crash NODE (server-N, db-N) at S simulated seconds (repeatable)",
        |d, f, v| { d.timed.push((f, v.into())); Ok(()) }),
    plain("--recover", "NODE@S", "bring NODE back at S seconds (repeatable)",
        |d, f, v| { d.timed.push((f, v.into())); Ok(()) }),
    plain("--slow", "NODE@S", "degrade server NODE at S seconds (repeatable)",
        |d, f, v| { d.timed.push((f, v.into())); Ok(()) }),
    pick!("--replication", "how writes reach the replicas", Replication, replication),
    setting!("--write-quorum", "W", "quorum mode: acknowledgements per write", write_quorum, whole),
    setting!("--read-quorum", "R", "quorum mode: answers per read", read_quorum, whole),
    pick!("--clock", "what stamps writes for last-write-wins", ClockKind, clock),
    setting!("--anti-entropy-ms", "MS", "quorum mode: anti-entropy period; 0 = off", anti_entropy_ms, number),
    setting!("--chaos-mtbf-s", "S", "chaos mode: every server and replica crashes on average once per S seconds while up; 0 = off", chaos_mtbf_s, number),
    setting!("--chaos-mttr-s", "S", "chaos mode: mean time to repair a crashed node", chaos_mttr_s, number),
    pick!("--sync-acks", "leader-sync commits a write once these followers hold it: a majority, or all = every follower heard from within the failover timeout (one down longer stops counting), never fewer than a majority", SyncAcks, sync_acks),
    pick!("--read-from", "where reads go: the leader, or any replica", ReadFrom, read_from),
    pick!("--consistency", "in a partition, cp refuses without a majority, ap accepts on both sides", Consistency, consistency),
    setting!("--clock-skew-ms", "MS", "replica clocks spread over ±MS", clock_skew_ms, number),
    setting!("--heartbeat-ms", "MS", "leader heartbeats and failover-monitor pings", heartbeat_ms, number),
    setting!("--failover-ms", "MS", "leader silence before failover", failover_ms, number),
    plain("--sequential-keys", "", "every write goes to a new key (an insert-only workload)",
        |d, _, _| { d.cfg.sequential_keys = true; Ok(()) }),
    setting!("--rmw-ratio", "F", "share of requests that increment a counter by read-modify-write", rmw_ratio, number),
    plain("--cas", "", "increments use compare-and-set (a version check) and retry on conflict",
        |d, _, _| { d.cfg.cas = true; Ok(()) }),
    setting!("--cache-keys", "N", "keys each server caches locally; 0 = no cache", cache_keys, whole),
    setting!("--cache-ttl-ms", "MS", "a cached entry's lifetime; 0 = until evicted", cache_ttl_ms, number),
    flag("--client-pool", "N|inf", "requests the clients may have outstanding; one more fails at once (cause client_pool); inf = no limit, for theory runs",
        |c| if c.client_pool == 0 { "inf".into() } else { c.client_pool.to_string() },
        |d, f, v| {
            if v == "0" {
                return Err(format!("{f}: 0 would refuse every request; use 'inf' for no limit"));
            }
            d.cfg.client_pool = whole_or_inf(f, v, 0)?;
            Ok(())
        }),
    plain("--auth", "", "the balancer checks credentials and rights (401 / 403 at the edge)",
        |d, _, _| { d.cfg.auth = true; Ok(()) }),
    setting!("--bad-credentials", "F", "share of requests without valid credentials", bad_credentials, number),
    setting!("--read-only-share", "F", "share of client sessions allowed only to read", read_only_share, number),
    plain("--partition", "G|G[@A-B]", "cut links between groups of nodes (e.g. db-1|db-2,db-3@10-20), repeatable",
        |d, _, v| { d.partitions.push(v.into()); Ok(()) }),
    plain("--history", "FILE", "write one JSON line per client operation to FILE",
        |d, _, v| { d.history = Some(v.into()); Ok(()) }),
    plain("--check", "", "check the run's operations for linearizability (per key, a register); the JSON gains a check block (keys, verdict, first violation)",
        |d, _, _| { d.check = true; Ok(()) }),
    plain("--share", "LINK", "replay a run shared from the page (its #fragment): its settings, seed and actions, each at the point it was taken; flags after it change them",
        |d, f, v| {
            let s = Scenario::decode(v).map_err(|e| format!("{f}: {e}"))?;
            d.cfg = s.config;
            d.replay = s.actions;
            Ok(())
        }),
    plain("--json", "", "print the summary as one JSON object", |d, _, _| { d.json = true; Ok(()) }),
    plain("--compare", "", "run the same traffic (same seed) once per strategy and compare",
        |d, _, _| { d.compare = true; Ok(()) }),
    plain("--bench", "", "measure simulated requests per second for every strategy",
        |d, _, _| { d.bench = true; Ok(()) }),
    plain("--help", "", "this text", |_, _, _| Ok(())),
];

/// Help lines wrap here; descriptions start at `COLUMN`.
pub(super) const WIDTH: usize = 100;
const COLUMN: usize = 27;

/// `--help`, generated from the flag table: names, values, meanings, the model's own lists of
/// names, and the defaults of `Config::default()`.
pub fn usage() -> String {
    let defaults = Config::default();
    let mut out = String::from(INTRO);
    out.push('\n');
    for f in FLAGS {
        let mut text = f.help.to_string();
        if let Some(list) = f.choices {
            text = format!("{text}: {}", list().join(" | "));
        }
        let mut words: Vec<String> = text.split(' ').map(String::from).collect();
        // "(default X)" stays on one line.
        words.extend(f.default.map(|d| format!("(default {})", d(&defaults))));
        let head = format!("  {} {}", f.name, f.value);
        let mut line = format!("{head:<COLUMN$}");
        if head.len() >= COLUMN {
            line = format!("{head} ");
        }
        for word in &words {
            if line.len() + word.len() >= WIDTH && line.trim_start().len() > head.trim().len() {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(COLUMN);
            }
            line.push_str(word);
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Edit distance (Levenshtein), for the closest-flag hint.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = (prev + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = here;
        }
    }
    row[b.len()]
}

/// "unknown flag", with the closest known one when it is close (a typo, a missing letter).
pub(super) fn unknown(given: &str) -> String {
    let best = FLAGS
        .iter()
        .map(|f| (distance(given, f.name), f.name))
        .min()
        .filter(|&(d, name)| d <= 3.max(name.len() / 4));
    match best {
        Some((_, name)) => format!("{given}: unknown flag; did you mean {name}? (see --help)"),
        None => format!("{given}: unknown flag (see --help)"),
    }
}

pub(super) fn parse<T: FromStr>(flag: &str, v: &str, what: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: '{v}' is not {what}"))
}

pub(super) fn number(flag: &str, v: &str) -> Result<f64, String> {
    let x: f64 = parse(flag, v, "a number")?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{flag}: '{v}' is not a finite number"))
    }
}

/// A whole number.
fn whole<T: FromStr>(flag: &str, v: &str) -> Result<T, String> {
    parse(flag, v, "a whole number")
}

pub(super) fn named<T: FromStr<Err = String>>(flag: &str, v: &str) -> Result<T, String> {
    v.parse().map_err(|e| format!("{flag}: {e}"))
}
