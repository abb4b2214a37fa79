//! The headless runner's flags (docs/DESIGN.md, "Contract: headless runner"). Every value is checked: a
//! bad one is an error that names its flag, never a panic.

use std::str::FromStr;

use crate::sim::event::Recorded;
use crate::sim::replication::{ClockKind, Consistency, ReadFrom, Replication, SyncAcks};
use crate::sim::share::Scenario;
use crate::sim::time::{SECOND, Time};
use crate::sim::{Action, Config, NodeId, ServiceDist, Strategy};

const INTRO: &str = "\
clusterscope-sim: run the ClusterScope simulation without a browser and print a summary.

USAGE: clusterscope-sim [FLAGS]   (a value follows its flag, or joins it: --seed=7)
";

/// Requests issued when `--requests` is not given.
const DEFAULT_REQUESTS: u64 = 10_000;

/// What the flags build up, before it is checked as a whole.
struct Draft {
    cfg: Config,
    requests: u64,
    warmup: f64,
    json: bool,
    bench: bool,
    compare: bool,
    check: bool,
    /// `--fail`, `--recover`, `--slow` with their values: read once the fleet's size is known.
    timed: Vec<(&'static str, String)>,
    partitions: Vec<String>,
    history: Option<String>,
    replay: Vec<Recorded>,
}

type Set = fn(&mut Draft, &'static str, &str) -> Result<(), String>;

/// One flag: the runner's flags, `--help` and the closest-flag hint all come from this table.
struct Flag {
    name: &'static str,
    /// The value's placeholder; empty for a switch.
    value: &'static str,
    help: &'static str,
    /// The values a named setting takes, from the model's own list.
    choices: Option<fn() -> Vec<&'static str>>,
    /// The default as `--help` shows it, read from `Config::default()`: help cannot drift from it.
    default: Option<fn(&Config) -> String>,
    set: Set,
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

#[rustfmt::skip]
const FLAGS: &[Flag] = &[
    flag("--seed", "N", "random seed", |c| c.seed.to_string(),
        |d, f, v| { d.cfg.seed = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--servers", "N", "servers, 1..=10000 (the page draws up to 64)", |c| c.servers.to_string(),
        |d, f, v| { d.cfg.servers = parse(f, v, "a whole number")?; Ok(()) }),
    choice("--strategy", "how the balancer picks a server", || names(&Strategy::ALL, Strategy::name),
        |c| c.strategy.name().into(),
        |d, f, v| { d.cfg.strategy = named(f, v)?; Ok(()) }),
    flag("--arrival-rate", "R", "Poisson arrivals per second", |c| c.arrival_rate.to_string(),
        |d, f, v| { d.cfg.arrival_rate = number(f, v)?; Ok(()) }),
    flag("--service-ms", "MEAN", "mean service time at power 1, ms", |c| c.service_ms.to_string(),
        |d, f, v| { d.cfg.service_ms = number(f, v)?; Ok(()) }),
    flag("--db-service-ms", "MS", "time a replica spends on each query, ms", |c| c.db_service_ms.to_string(),
        |d, f, v| { d.cfg.db_service_ms = number(f, v)?; Ok(()) }),
    choice("--service-dist", "how service times vary", || names(ServiceDist::ALL, ServiceDist::name),
        |c| c.service_dist.name().into(),
        |d, f, v| { d.cfg.service_dist = named(f, v)?; Ok(()) }),
    flag("--workers", "K", "concurrent requests per server", |c| c.workers.to_string(),
        |d, f, v| { d.cfg.workers = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--queue-cap", "N|inf", "waiting requests a server holds before rejecting", |c| cap_text(c.queue_cap),
        |d, f, v| { d.cfg.queue_cap = whole_or_inf(f, v, usize::MAX)?; Ok(()) }),
    flag("--latency-ms", "MS", "one-way latency of every hop, ms; 0 allowed", |c| c.latency_ms.to_string(),
        |d, f, v| { d.cfg.latency_ms = number(f, v)?; Ok(()) }),
    flag("--jitter-ms", "MS", "extra uniform one-way delay, ms", |c| c.jitter_ms.to_string(),
        |d, f, v| { d.cfg.jitter_ms = number(f, v)?; Ok(()) }),
    flag("--bandwidth-mbps", "M", "bandwidth of every link, Mbit/s; 0 = unlimited", |c| c.bandwidth_mbps.to_string(),
        |d, f, v| { d.cfg.bandwidth_mbps = number(f, v)?; Ok(()) }),
    flag("--timeout-ms", "MS", "balancer's per-attempt timeout", |c| c.timeout_ms.to_string(),
        |d, f, v| { d.cfg.timeout_ms = number(f, v)?; Ok(()) }),
    flag("--retries", "N", "retries on another server, 0..=5", |c| c.retries.to_string(),
        |d, f, v| { d.cfg.retries = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--hc-interval-ms", "MS", "health-check period; 0 = off", |c| c.hc_interval_ms.to_string(),
        |d, f, v| { d.cfg.hc_interval_ms = number(f, v)?; Ok(()) }),
    flag("--retry-budget", "F", "retries allowed as a share of requests (a token bucket), 0..=1", |c| c.retry_budget.to_string(),
        |d, f, v| { d.cfg.retry_budget = number(f, v)?; Ok(()) }),
    flag("--backoff-ms", "MS", "base of the exponential backoff with full jitter before a retry", |c| c.backoff_ms.to_string(),
        |d, f, v| { d.cfg.backoff_ms = number(f, v)?; Ok(()) }),
    flag("--hc-timeout-ms", "MS", "a probe unanswered this long counts as failed", |c| c.hc_timeout_ms.to_string(),
        |d, f, v| { d.cfg.hc_timeout_ms = number(f, v)?; Ok(()) }),
    flag("--hc-fall", "N", "failed checks in a row before the balancer marks a server down, 1..=10", |c| c.hc_fall.to_string(),
        |d, f, v| { d.cfg.hc_fall = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--hc-rise", "N", "good checks in a row before it marks a server up again, 1..=10", |c| c.hc_rise.to_string(),
        |d, f, v| { d.cfg.hc_rise = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--slow-factor", "F", "speed of a slowed server relative to its power, 0.01..=1", |c| c.slow_factor.to_string(),
        |d, f, v| { d.cfg.slow_factor = number(f, v)?; Ok(()) }),
    flag("--sessions", "N", "distinct client sessions (consistent hashing routes by session)", |c| c.sessions.to_string(),
        |d, f, v| { d.cfg.sessions = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--async-ship-ms", "MS", "leader-async ships writes in batches this long after the first: the window a crash can lose",
        |c| c.async_ship_ms.to_string(),
        |d, f, v| { d.cfg.async_ship_ms = number(f, v)?; Ok(()) }),
    flag("--replicas", "N", "database replicas, 1..=9", |c| c.replicas.to_string(),
        |d, f, v| { d.cfg.replicas = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--write-ratio", "F", "share of writes, 0..=1", |c| c.write_ratio.to_string(),
        |d, f, v| { d.cfg.write_ratio = number(f, v)?; Ok(()) }),
    flag("--keys", "N", "key space", |c| c.keys.to_string(),
        |d, f, v| { d.cfg.keys = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--zipf", "S", "key popularity exponent; 0 = uniform", |c| c.zipf.to_string(),
        |d, f, v| { d.cfg.zipf = number(f, v)?; Ok(()) }),
    plain("--no-db", "", "requests do not touch the database",
        |d, _, _| { d.cfg.use_db = false; Ok(()) }),
    Flag { name: "--requests", value: "N", help: "stop issuing after N requests, then drain", choices: None,
        default: Some(|_| DEFAULT_REQUESTS.to_string()),
        set: |d, f, v| { d.requests = parse(f, v, "a whole number")?; Ok(()) } },
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
    choice("--replication", "how writes reach the replicas", || names(Replication::ALL, Replication::name),
        |c| c.replication.name().into(),
        |d, f, v| { d.cfg.replication = named(f, v)?; Ok(()) }),
    flag("--write-quorum", "W", "quorum mode: acknowledgements per write", |c| c.write_quorum.to_string(),
        |d, f, v| { d.cfg.write_quorum = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--read-quorum", "R", "quorum mode: answers per read", |c| c.read_quorum.to_string(),
        |d, f, v| { d.cfg.read_quorum = parse(f, v, "a whole number")?; Ok(()) }),
    choice("--clock", "what stamps writes for last-write-wins", || names(ClockKind::ALL, ClockKind::name),
        |c| c.clock.name().into(),
        |d, f, v| { d.cfg.clock = named(f, v)?; Ok(()) }),
    flag("--anti-entropy-ms", "MS", "quorum mode: anti-entropy period; 0 = off", |c| c.anti_entropy_ms.to_string(),
        |d, f, v| { d.cfg.anti_entropy_ms = number(f, v)?; Ok(()) }),
    flag("--chaos-mtbf-s", "S", "chaos mode: every server and replica crashes on average once per S seconds while up; 0 = off",
        |c| c.chaos_mtbf_s.to_string(),
        |d, f, v| { d.cfg.chaos_mtbf_s = number(f, v)?; Ok(()) }),
    flag("--chaos-mttr-s", "S", "chaos mode: mean time to repair a crashed node", |c| c.chaos_mttr_s.to_string(),
        |d, f, v| { d.cfg.chaos_mttr_s = number(f, v)?; Ok(()) }),
    choice("--sync-acks", "leader-sync commits a write once these followers hold it: a majority, or all = every follower heard from within the failover timeout (one down longer stops counting), never fewer than a majority",
        || names(SyncAcks::ALL, SyncAcks::name), |c| c.sync_acks.name().into(),
        |d, f, v| { d.cfg.sync_acks = named(f, v)?; Ok(()) }),
    choice("--read-from", "where reads go: the leader, or any replica", || names(ReadFrom::ALL, ReadFrom::name),
        |c| c.read_from.name().into(),
        |d, f, v| { d.cfg.read_from = named(f, v)?; Ok(()) }),
    choice("--consistency", "in a partition, cp refuses without a majority, ap accepts on both sides",
        || names(Consistency::ALL, Consistency::name), |c| c.consistency.name().into(),
        |d, f, v| { d.cfg.consistency = named(f, v)?; Ok(()) }),
    flag("--clock-skew-ms", "MS", "replica clocks spread over ±MS", |c| c.clock_skew_ms.to_string(),
        |d, f, v| { d.cfg.clock_skew_ms = number(f, v)?; Ok(()) }),
    flag("--heartbeat-ms", "MS", "leader heartbeats and failover-monitor pings", |c| c.heartbeat_ms.to_string(),
        |d, f, v| { d.cfg.heartbeat_ms = number(f, v)?; Ok(()) }),
    flag("--failover-ms", "MS", "leader silence before failover", |c| c.failover_ms.to_string(),
        |d, f, v| { d.cfg.failover_ms = number(f, v)?; Ok(()) }),
    plain("--sequential-keys", "", "every write goes to a new key (an insert-only workload)",
        |d, _, _| { d.cfg.sequential_keys = true; Ok(()) }),
    flag("--rmw-ratio", "F", "share of requests that increment a counter by read-modify-write", |c| c.rmw_ratio.to_string(),
        |d, f, v| { d.cfg.rmw_ratio = number(f, v)?; Ok(()) }),
    plain("--cas", "", "increments use compare-and-set (a version check) and retry on conflict",
        |d, _, _| { d.cfg.cas = true; Ok(()) }),
    flag("--cache-keys", "N", "keys each server caches locally; 0 = no cache", |c| c.cache_keys.to_string(),
        |d, f, v| { d.cfg.cache_keys = parse(f, v, "a whole number")?; Ok(()) }),
    flag("--cache-ttl-ms", "MS", "a cached entry's lifetime; 0 = until evicted", |c| c.cache_ttl_ms.to_string(),
        |d, f, v| { d.cfg.cache_ttl_ms = number(f, v)?; Ok(()) }),
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
    flag("--bad-credentials", "F", "share of requests without valid credentials", |c| c.bad_credentials.to_string(),
        |d, f, v| { d.cfg.bad_credentials = number(f, v)?; Ok(()) }),
    flag("--read-only-share", "F", "share of client sessions allowed only to read", |c| c.read_only_share.to_string(),
        |d, f, v| { d.cfg.read_only_share = number(f, v)?; Ok(()) }),
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
const WIDTH: usize = 100;
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
fn unknown(given: &str) -> String {
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

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub config: Config,
    pub requests: u64,
    pub warmup: Time,
    pub actions: Vec<(Time, Action)>,
    pub json: bool,
    pub bench: bool,
    pub compare: bool,
    /// Where to write one JSON line per client operation.
    pub history: Option<String>,
    /// Check the run's operations for linearizability (`--check`).
    pub check: bool,
    /// A shared page run's actions, each applied at the point it was taken (`--share`).
    pub replay: Vec<Recorded>,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Run(Box<Plan>),
    Help,
}

fn parse<T: FromStr>(flag: &str, v: &str, what: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: '{v}' is not {what}"))
}

fn number(flag: &str, v: &str) -> Result<f64, String> {
    let x: f64 = parse(flag, v, "a number")?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{flag}: '{v}' is not a finite number"))
    }
}

fn timed(flag: &str, v: &str, servers: usize, replicas: usize) -> Result<(Time, NodeId), String> {
    let (node, at) = v
        .split_once('@')
        .ok_or_else(|| format!("{flag}: '{v}' is not NODE@SECONDS (e.g. server-2@10)"))?;
    let node: NodeId = node.parse().map_err(|e| format!("{flag}: {e}"))?;
    let secs = number(flag, at)?;
    if !(0.0..=1e9).contains(&secs) {
        return Err(format!("{flag}: {secs} s is outside 0..=1e9"));
    }
    match node {
        NodeId::Server(i) if i < servers => {}
        NodeId::Db(j) if j < replicas => {}
        NodeId::Server(_) | NodeId::Db(_) => {
            return Err(format!(
                "{flag}: there is no {node} (servers: {servers}, replicas: {replicas})"
            ));
        }
        NodeId::Client | NodeId::Lb => {
            return Err(format!(
                "{flag}: {node} cannot fail in this model; pick server-N or db-N"
            ));
        }
    }
    Ok(((secs * SECOND as f64).round() as Time, node))
}

/// Parses the flags (without the program name). lexopt splits them (`--flag value` and
/// `--flag=value`); the table above says what each means.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    use lexopt::Arg;
    let mut d = Draft {
        cfg: Config::default(),
        requests: DEFAULT_REQUESTS,
        warmup: 0.0,
        json: false,
        bench: false,
        compare: false,
        check: false,
        timed: Vec::new(),
        partitions: Vec::new(),
        history: None,
        replay: Vec::new(),
    };
    let mut p = lexopt::Parser::from_args(args);
    loop {
        let arg = match p.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(lexopt_error(e)),
        };
        let given = match arg {
            Arg::Long("help") | Arg::Short('h') => return Ok(Command::Help),
            Arg::Long(name) => format!("--{name}"),
            Arg::Short(c) => return Err(unknown(&format!("-{c}"))),
            Arg::Value(v) => {
                let v = v.to_string_lossy();
                return Err(format!("{v}: not a flag (flags start with --; see --help)"));
            }
        };
        let Some(f) = FLAGS.iter().find(|f| f.name == given) else {
            return Err(unknown(&given));
        };
        let value = if f.value.is_empty() {
            String::new()
        } else {
            let v = p
                .value()
                .map_err(|_| format!("{}: needs a value", f.name))?;
            v.into_string()
                .map_err(|_| format!("{}: the value is not valid text", f.name))?
        };
        (f.set)(&mut d, f.name, &value)?;
    }
    let cfg = d.cfg;
    cfg.validate()
        .map_err(|e| format!("--{}: {}", e.field, e.message))?;
    if d.requests > 1_000_000_000 {
        return Err(format!(
            "--requests: {} is more than 1000000000",
            d.requests
        ));
    }
    let mut actions = Vec::new();
    for p in &d.partitions {
        actions.extend(partition(p, cfg.servers, cfg.replicas)?);
    }
    for (flag, v) in &d.timed {
        let (at, node) = timed(flag, v, cfg.servers, cfg.replicas)?;
        let action = match *flag {
            "--fail" => Action::Fail(node),
            "--recover" => Action::Recover(node),
            _ if matches!(node, NodeId::Server(_)) => Action::Slow(node),
            _ => return Err(format!("{flag}: only servers can be slowed, not {node}")),
        };
        actions.push((at, action));
    }
    let warmup = (d.warmup * SECOND as f64).round() as Time;
    Ok(Command::Run(Box::new(Plan {
        config: cfg,
        requests: d.requests,
        warmup,
        actions,
        json: d.json,
        bench: d.bench,
        compare: d.compare,
        history: d.history,
        check: d.check,
        replay: d.replay,
    })))
}

/// lexopt's own errors, in this runner's form: the flag first, one line.
fn lexopt_error(e: lexopt::Error) -> String {
    match e {
        lexopt::Error::UnexpectedValue { option, .. } => {
            format!("{option}: takes no value (it is a switch)")
        }
        other => format!("{other} (see --help)"),
    }
}

fn named<T: FromStr<Err = String>>(flag: &str, v: &str) -> Result<T, String> {
    v.parse().map_err(|e| format!("{flag}: {e}"))
}

/// `GROUP|GROUP[|…][@FROM-TO]`: cut every link between nodes of different groups at FROM seconds
/// (default 0) and heal them at TO (default: never).
fn partition(v: &str, servers: usize, replicas: usize) -> Result<Vec<(Time, Action)>, String> {
    let flag = "--partition";
    let (groups, window) = match v.split_once('@') {
        Some((g, w)) => (g, Some(w)),
        None => (v, None),
    };
    let (from, to) = match window {
        None => (0.0, None),
        Some(w) => {
            let (a, b) = w
                .split_once('-')
                .ok_or_else(|| format!("{flag}: '{w}' is not FROM-TO (seconds, e.g. 10-20)"))?;
            let (a, b) = (number(flag, a)?, number(flag, b)?);
            if !(0.0..=1e9).contains(&a) || !(a..=1e9).contains(&b) {
                return Err(format!("{flag}: {a}-{b} is not a window within 0..=1e9 s"));
            }
            (a, Some(b))
        }
    };
    let groups: Vec<Vec<NodeId>> = groups
        .split('|')
        .map(|g| {
            g.split(',')
                .map(|n| {
                    let node: NodeId = n.trim().parse().map_err(|e| format!("{flag}: {e}"))?;
                    match node {
                        NodeId::Server(i) if i >= servers => {
                            Err(format!("{flag}: there is no {node}"))
                        }
                        NodeId::Db(j) if j >= replicas => {
                            Err(format!("{flag}: there is no {node}"))
                        }
                        _ => Ok(node),
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    if groups.len() < 2 {
        return Err(format!(
            "{flag}: '{v}' needs at least two groups separated by |"
        ));
    }
    let at = |s: f64| (s * SECOND as f64).round() as Time;
    let mut out = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        for h in &groups[i + 1..] {
            for &a in g {
                for &b in h {
                    out.push((at(from), Action::Cut(a, b)));
                    if let Some(to) = to {
                        out.push((at(to), Action::Heal(a, b)));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn err(s: &str) -> String {
        parse_args(&args(s)).unwrap_err()
    }

    #[test]
    fn flags_fill_the_plan() {
        let Command::Run(p) = parse_args(&args(
            "--seed 9 --servers 10 --strategy power-of-two --queue-cap inf --latency-ms 0 \
             --no-db --requests 500 --warmup-s 2.5 --fail server-2@10 --recover server-2@20 --json",
        ))
        .unwrap() else {
            panic!("not a run")
        };
        assert_eq!(
            (p.config.seed, p.config.servers, p.config.strategy),
            (9, 10, Strategy::PowerOfTwo)
        );
        assert_eq!(
            (p.config.queue_cap, p.config.latency_ms, p.config.use_db),
            (usize::MAX, 0.0, false)
        );
        assert_eq!((p.requests, p.warmup, p.json), (500, 2_500_000, true));
        assert_eq!(
            p.actions,
            [
                (10 * SECOND, Action::Fail(NodeId::Server(1))),
                (20 * SECOND, Action::Recover(NodeId::Server(1)))
            ]
        );
    }

    #[test]
    fn one_flag_per_setting_and_help_shows_the_true_defaults() {
        let defaults = Config::default();
        for f in FLAGS
            .iter()
            .filter(|f| f.default.is_some() && f.name != "--requests")
        {
            let shown = (f.default.unwrap())(&defaults);
            let Command::Run(p) = parse_args(&args(&format!("{} {shown}", f.name))).unwrap() else {
                panic!("{}: not a run", f.name)
            };
            assert_eq!(p.config, defaults, "{} {shown}", f.name);
        }
        let help = usage();
        for f in FLAGS {
            assert!(
                help.contains(&format!("  {} ", f.name)),
                "{} missing from --help",
                f.name
            );
        }
        assert!(help.lines().all(|l| l.chars().count() <= WIDTH), "{help}");
        for s in Strategy::ALL {
            assert!(help.contains(s.name()), "{s} missing from --help");
        }
        // Every setting of the model has its flag (a new field without one fails here).
        let debug = format!("{defaults:?}");
        let fields = debug
            .split([' ', '{', ','])
            .filter_map(|w| w.strip_suffix(':'));
        for field in fields {
            let flag = match field {
                "use_db" => "--no-db".to_string(),
                f => format!("--{}", f.replace('_', "-")),
            };
            assert!(FLAGS.iter().any(|f| f.name == flag), "no flag for {field}");
        }
        // A share link carries every setting too, under its flag's name.
        let shared = crate::sim::share::field_names();
        assert_eq!(shared.len(), debug.matches(": ").count(), "{shared:?}");
        for name in shared {
            let flag = match name {
                "use-db" => "--no-db".to_string(),
                n => format!("--{n}"),
            };
            assert!(
                FLAGS.iter().any(|f| f.name == flag),
                "link field {name} has no flag"
            );
        }
    }

    #[test]
    fn values_may_join_their_flags_and_a_typo_is_answered_with_the_closest_flag() {
        let Command::Run(p) = parse_args(&args("--seed=7 --strategy=random")).unwrap() else {
            panic!("not a run")
        };
        assert_eq!((p.config.seed, p.config.strategy), (7, Strategy::Random));
        assert!(err("--arival-rate 5").contains("did you mean --arrival-rate?"));
        assert!(err("--servrs 5").contains("did you mean --servers?"));
        assert!(err("--jsno").contains("did you mean --json?"));
        assert!(!err("--frobnicate").contains("did you mean"));
        assert!(err("--json=1").starts_with("--json:"));
        assert!(err("stray").starts_with("stray:"));
    }

    #[test]
    fn bad_flags_name_themselves() {
        assert!(err("--bogus").starts_with("--bogus:"));
        assert!(err("--servers").starts_with("--servers: needs a value"));
        assert!(err("--servers abc").starts_with("--servers:"));
        assert!(err("--servers 0").starts_with("--servers:"));
        assert!(err("--servers 10001").starts_with("--servers:"));
        assert!(err("--arrival-rate NaN").starts_with("--arrival-rate:"));
        assert!(err("--arrival-rate -3").starts_with("--arrival-rate:"));
        assert!(err("--latency-ms inf").starts_with("--latency-ms:"));
        assert!(err("--strategy fastest").contains("round-robin"));
        assert!(err("--fail server-9@3").contains("no server-9"));
        assert!(err("--fail lb@3").starts_with("--fail:"));
        assert!(err("--fail server-1").starts_with("--fail:"));
        assert!(err("--recover db-1@-4").starts_with("--recover:"));
        assert!(err("--slow db-1@4").starts_with("--slow:"));
        assert!(err("--warmup-s -1").starts_with("--warmup-s:"));
        assert!(err("--queue-cap lots").starts_with("--queue-cap:"));
    }
}
