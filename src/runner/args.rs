//! The headless runner's flags (docs/DESIGN.md, "Contract: headless runner"). Every value is checked: a
//! bad one is an error that names its flag, never a panic.

use std::str::FromStr;

use crate::sim::event::Recorded;
use crate::sim::share::Scenario;
use crate::sim::time::{SECOND, Time};
use crate::sim::{Action, Config, NodeId, ServiceDist, Strategy};

/// The `--help` text; `usage()` fills in the lists that come from the model's own (`STRATEGIES`).
const USAGE: &str = "\
clusterscope-sim: run the ClusterScope simulation without a browser and print a summary.

USAGE: clusterscope-sim [FLAGS]

  --seed N                 random seed (default 1)
  --servers N              servers, 1..=10000 (default 3; the page draws up to 64)
  --strategy NAME          STRATEGIES (default round-robin)
  --arrival-rate R         Poisson arrivals per second (default 60)
  --service-ms MEAN        mean service time at power 1, ms (default 20)
  --db-service-ms MS       time a replica spends on each query, ms (default 5)
  --service-dist D         exp | const | lognormal (default exp)
  --workers K              concurrent requests per server (default 1)
  --queue-cap N|inf        waiting requests a server holds before rejecting (default 20)
  --latency-ms MS          one-way latency of every hop, ms; 0 allowed (default 5)
  --jitter-ms MS           extra uniform one-way delay, ms (default 0)
  --bandwidth-mbps M       bandwidth of every link, Mbit/s; 0 = unlimited (default 0)
  --timeout-ms MS          balancer's per-attempt timeout (default 300)
  --retries N              retries on another server, 0..=5 (default 1)
  --hc-interval-ms MS      health-check period; 0 = off (default 100)
  --replicas N             database replicas, 1..=9 (default 3)
  --write-ratio F          share of writes, 0..=1 (default 0.3)
  --keys N                 key space (default 50)
  --zipf S                 key popularity exponent; 0 = uniform (default 0)
  --no-db                  requests do not touch the database
  --requests N             stop issuing after N requests, then drain (default 10000)
  --warmup-s S             leave the first S simulated seconds out of latency figures (default 0)
  --fail NODE@S            crash NODE (server-N, db-N) at S simulated seconds (repeatable)
  --recover NODE@S         bring NODE back at S seconds (repeatable)
  --slow NODE@S            degrade server NODE at S seconds (repeatable)
  --replication MODE       leader-async | leader-sync | quorum (default leader-async)
  --write-quorum W         quorum mode: acknowledgements per write (default 2)
  --read-quorum R          quorum mode: answers per read (default 2)
  --clock KIND             wall | lamport stamps for last-write-wins (default wall)
  --anti-entropy-ms MS     quorum mode: anti-entropy period; 0 = off (default 500)
  --chaos-mtbf-s S         chaos mode: every server and replica crashes on average once per S
                           seconds while up; 0 = off (default 0)
  --chaos-mttr-s S         chaos mode: mean time to repair a crashed node (default 1)
  --sync-acks WHICH        leader-sync commits a write once these followers hold it: majority, or
                           all = every follower heard from within the failover timeout (one down
                           longer stops counting), never fewer than a majority (default majority)
  --read-from WHERE        leader | any replica (default leader)
  --consistency C          cp (refuse without a majority) | ap (accept on both sides); default cp
  --clock-skew-ms MS       replica clocks spread over ±MS (default 0)
  --heartbeat-ms MS        leader heartbeats and failover-monitor pings (default 50)
  --failover-ms MS         leader silence before failover (default 200)
  --sequential-keys        every write goes to a new key (an insert-only workload)
  --rmw-ratio F            share of requests that increment a counter by read-modify-write (default 0)
  --cas                    increments use compare-and-set (a version check) and retry on conflict
  --cache-keys N           keys each server caches locally; 0 = no cache (default 0)
  --client-pool N|inf      requests the clients may have outstanding; one more fails at once
                           (cause client_pool); inf = no limit, for theory runs (default 10000)
  --cache-ttl-ms MS        a cached entry's lifetime; 0 = until evicted (default 1000)
  --auth                   the balancer checks credentials and rights (401 / 403 at the edge)
  --bad-credentials F      share of requests without valid credentials (default 0)
  --read-only-share F      share of client sessions allowed only to read (default 0)
  --partition G|G[@A-B]    cut links between groups of nodes (e.g. db-1|db-2,db-3@10-20), repeatable
  --history FILE           write one JSON line per client operation to FILE
  --check                  check the run's operations for linearizability (per key, a register);
                           the JSON gains a check block (keys, verdict, first violation)
  --share LINK             replay a run shared from the page (its #fragment): its settings, seed
                           and actions, each at the point it was taken; flags after it change them
  --json                   print the summary as one JSON object
  --compare                run the same traffic (same seed) once per strategy and compare
  --bench                  measure simulated requests per second for every strategy
  --help                   this text
";

/// `--help`: the flags, with the strategies as the model lists them, wrapped to the usage's width.
pub fn usage() -> String {
    let mut lines = vec![String::new()];
    for (k, name) in Strategy::ALL.iter().enumerate() {
        let last = lines.len() - 1;
        let piece = if k + 1 < Strategy::ALL.len() {
            format!("{name} | ")
        } else {
            name.to_string()
        };
        if !lines[last].is_empty() && lines[last].len() + piece.len() > 70 {
            lines.push(String::new());
        }
        let last = lines.len() - 1;
        lines[last].push_str(&piece);
    }
    let indent = format!("\n{}", " ".repeat(27));
    USAGE.replacen("STRATEGIES", &lines.join(&indent).replace(" \n", "\n"), 1)
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

/// Parses the flags (without the program name).
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut cfg = Config::default();
    let (mut requests, mut warmup) = (10_000u64, 0.0);
    let (mut json, mut bench, mut compare, mut check) = (false, false, false, false);
    let mut timed_flags: Vec<(String, String)> = Vec::new();
    let mut partitions: Vec<String> = Vec::new();
    let mut history = None;
    let mut replay = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let flag = flag.as_str();
        let mut value = || {
            it.next()
                .map(String::as_str)
                .ok_or_else(|| format!("{flag}: needs a value"))
        };
        match flag {
            "--help" | "-h" => return Ok(Command::Help),
            "--json" => json = true,
            "--bench" => bench = true,
            "--compare" => compare = true,
            "--check" => check = true,
            "--no-db" => cfg.use_db = false,
            "--seed" => cfg.seed = parse(flag, value()?, "a whole number")?,
            "--servers" => cfg.servers = parse(flag, value()?, "a whole number")?,
            "--replicas" => cfg.replicas = parse(flag, value()?, "a whole number")?,
            "--strategy" => {
                cfg.strategy = value()?
                    .parse::<Strategy>()
                    .map_err(|e| format!("{flag}: {e}"))?
            }
            "--arrival-rate" => cfg.arrival_rate = number(flag, value()?)?,
            "--service-ms" => cfg.service_ms = number(flag, value()?)?,
            "--db-service-ms" => cfg.db_service_ms = number(flag, value()?)?,
            "--service-dist" => {
                cfg.service_dist = value()?
                    .parse::<ServiceDist>()
                    .map_err(|e| format!("{flag}: {e}"))?
            }
            "--workers" => cfg.workers = parse(flag, value()?, "a whole number")?,
            "--queue-cap" => {
                let v = value()?;
                cfg.queue_cap = if v == "inf" {
                    usize::MAX
                } else {
                    parse(flag, v, "a whole number or inf")?
                };
            }
            "--latency-ms" => cfg.latency_ms = number(flag, value()?)?,
            "--jitter-ms" => cfg.jitter_ms = number(flag, value()?)?,
            "--bandwidth-mbps" => cfg.bandwidth_mbps = number(flag, value()?)?,
            "--timeout-ms" => cfg.timeout_ms = number(flag, value()?)?,
            "--retries" => cfg.retries = parse(flag, value()?, "a whole number")?,
            "--hc-interval-ms" => cfg.hc_interval_ms = number(flag, value()?)?,
            "--write-ratio" => cfg.write_ratio = number(flag, value()?)?,
            "--keys" => cfg.keys = parse(flag, value()?, "a whole number")?,
            "--zipf" => cfg.zipf = number(flag, value()?)?,
            "--replication" => cfg.replication = named(flag, value()?)?,
            "--sync-acks" => cfg.sync_acks = named(flag, value()?)?,
            "--read-from" => cfg.read_from = named(flag, value()?)?,
            "--consistency" => cfg.consistency = named(flag, value()?)?,
            "--clock-skew-ms" => cfg.clock_skew_ms = number(flag, value()?)?,
            "--heartbeat-ms" => cfg.heartbeat_ms = number(flag, value()?)?,
            "--failover-ms" => cfg.failover_ms = number(flag, value()?)?,
            "--sequential-keys" => cfg.sequential_keys = true,
            "--rmw-ratio" => cfg.rmw_ratio = number(flag, value()?)?,
            "--cas" => cfg.cas = true,
            "--cache-keys" => cfg.cache_keys = parse(flag, value()?, "a whole number")?,
            "--client-pool" => {
                cfg.client_pool = match value()? {
                    "inf" => 0,
                    "0" => {
                        return Err(format!(
                            "{flag}: 0 would refuse every request; use 'inf' for no limit"
                        ));
                    }
                    v => parse(flag, v, "a whole number or 'inf'")?,
                }
            }
            "--cache-ttl-ms" => cfg.cache_ttl_ms = number(flag, value()?)?,
            "--auth" => cfg.auth = true,
            "--bad-credentials" => cfg.bad_credentials = number(flag, value()?)?,
            "--read-only-share" => cfg.read_only_share = number(flag, value()?)?,
            "--write-quorum" => cfg.write_quorum = parse(flag, value()?, "a whole number")?,
            "--read-quorum" => cfg.read_quorum = parse(flag, value()?, "a whole number")?,
            "--clock" => cfg.clock = named(flag, value()?)?,
            "--anti-entropy-ms" => cfg.anti_entropy_ms = number(flag, value()?)?,
            "--chaos-mtbf-s" => cfg.chaos_mtbf_s = number(flag, value()?)?,
            "--chaos-mttr-s" => cfg.chaos_mttr_s = number(flag, value()?)?,
            "--partition" => partitions.push(value()?.to_string()),
            "--history" => history = Some(value()?.to_string()),
            "--share" => {
                let s = Scenario::decode(value()?).map_err(|e| format!("{flag}: {e}"))?;
                cfg = s.config;
                replay = s.actions;
            }
            "--requests" => requests = parse(flag, value()?, "a whole number")?,
            "--warmup-s" => {
                warmup = number(flag, value()?)?;
                if !(0.0..=1e9).contains(&warmup) {
                    return Err(format!("{flag}: {warmup} is outside 0..=1e9"));
                }
            }
            "--fail" | "--recover" | "--slow" => {
                timed_flags.push((flag.to_string(), value()?.to_string()))
            }
            other => return Err(format!("{other}: unknown flag (see --help)")),
        }
    }
    cfg.validate()
        .map_err(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))?;
    if requests > 1_000_000_000 {
        return Err(format!("--requests: {requests} is more than 1000000000"));
    }
    let mut actions = Vec::new();
    for p in &partitions {
        actions.extend(partition(p, cfg.servers, cfg.replicas)?);
    }
    for (flag, v) in &timed_flags {
        let (at, node) = timed(flag, v, cfg.servers, cfg.replicas)?;
        let action = match flag.as_str() {
            "--fail" => Action::Fail(node),
            "--recover" => Action::Recover(node),
            _ if matches!(node, NodeId::Server(_)) => Action::Slow(node),
            _ => return Err(format!("{flag}: only servers can be slowed, not {node}")),
        };
        actions.push((at, action));
    }
    let warmup = (warmup * SECOND as f64).round() as Time;
    Ok(Command::Run(Box::new(Plan {
        config: cfg,
        requests,
        warmup,
        actions,
        json,
        bench,
        compare,
        history,
        check,
        replay,
    })))
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
