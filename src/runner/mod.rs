//! The headless runner's logic: the same World the page runs, driven from flags to a summary.
//! The binary (`src/bin/clusterscope-sim.rs`) only adds the wall clock and the exit codes.

pub mod args;
mod flags;

use std::fmt::Write;

use crate::sim::history::Op;
use crate::sim::summary::Summary;
use crate::sim::time::from_ms;
use crate::sim::{Config, Strategy, World};

pub use args::{Command, Plan, parse_args};
pub use flags::usage;

/// Runs a plan to the end: `requests` issued, every one answered or failed, every scheduled action
/// applied, nothing but periodic checks left on the wire, and the replicas in step — or, if a
/// partition or a crash keeps them apart, given ample time to try.
pub fn execute(plan: &Plan) -> World {
    execute_with_history(plan, |_| {})
}

/// Like [`execute`], handing the recorded operations to `sink` as the run goes (for `--history`).
pub fn execute_with_history(plan: &Plan, mut sink: impl FnMut(Vec<Op>)) -> World {
    let mut w = World::new(plan.config.clone()).expect("parse_args validated the config");
    w.set_issue_limit(Some(plan.requests));
    w.set_warmup(plan.warmup);
    w.record_history(plan.history.is_some() || plan.check);
    let last_action = plan
        .actions
        .iter()
        .map(|(t, _)| *t)
        .chain(plan.replay.iter().map(|r| r.at))
        .max()
        .unwrap_or(0);
    let mut replayed = 0;
    for (at, action) in &plan.actions {
        w.schedule(*at, action.clone());
    }
    let patience = 20 * from_ms(plan.config.failover_ms + plan.config.heartbeat_ms);
    let mut deadline = None;
    let mut steps = 0u64;
    loop {
        // A shared run's actions go in at the exact point they were taken (see `share`).
        while let Some(r) = plan.replay.get(replayed)
            && w.events_handled() >= r.events
        {
            r.apply_to(&mut w);
            replayed += 1;
        }
        let quiet = w.metrics().issued >= plan.requests
            && w.is_settled()
            && w.now() >= last_action
            && replayed == plan.replay.len();
        if quiet {
            if w.database().in_sync() {
                break;
            }
            let d = *deadline.get_or_insert(w.now() + patience);
            if w.now() >= d {
                break;
            }
        } else {
            deadline = None;
        }
        if !w.step() {
            break;
        }
        steps += 1;
        if steps.is_multiple_of(4096) {
            sink(w.take_history());
        }
    }
    sink(w.take_history());
    w
}

/// Runs a plan, keeping its operations, and checks them for linearizability (`--check`).
pub fn execute_checked(plan: &Plan) -> (World, Vec<Op>, crate::sim::linearizable::Report) {
    let plan = Plan {
        check: true,
        ..plan.clone()
    };
    let mut ops = Vec::new();
    let w = execute_with_history(&plan, |mut batch| ops.append(&mut batch));
    let report = crate::sim::linearizable::check(&ops, crate::sim::linearizable::DEFAULT_BUDGET);
    (w, ops, report)
}

/// The benchmark's workload: 1 M requests over 10 servers through the whole path (balancer, server,
/// database leader, replication to two followers), 1 ms hops, 1 ms mean service, 70 % utilisation.
pub fn bench_plan(strategy: Strategy, requests: u64) -> Plan {
    Plan {
        config: Config {
            servers: 10,
            strategy,
            arrival_rate: 7_000.0,
            service_ms: 1.0,
            latency_ms: 1.0,
            queue_cap: 1_000,
            ..Config::default()
        },
        requests,
        warmup: 0,
        actions: Vec::new(),
        json: false,
        bench: true,
        compare: false,
        history: None,
        check: false,
        replay: Vec::new(),
    }
}

/// The plan run once per strategy, same seed and traffic: one summary each.
pub fn compare(plan: &Plan) -> Vec<Summary> {
    Strategy::ALL
        .iter()
        .map(|&strategy| {
            let mut p = plan.clone();
            p.config.strategy = strategy;
            Summary::of(&execute(&p))
        })
        .collect()
}

/// The comparison as a table for people.
pub fn comparison_table(rows: &[Summary]) -> String {
    let mut o = String::from(
        "strategy                  p50 ms    p95 ms    p99 ms   failed  retries  max util\n",
    );
    for s in rows {
        let [_, p50, p95, p99, _] = s.latency_ms.unwrap_or([f64::NAN; 5]);
        let max_util = s.servers.iter().map(|v| v.utilization).fold(0.0, f64::max);
        let _ = writeln!(
            o,
            "{:<22} {p50:>9.1} {p95:>9.1} {p99:>9.1} {:>8} {:>8} {:>8.0}%",
            s.strategy,
            s.failed,
            s.retries,
            max_util * 100.0
        );
    }
    o
}

/// The summary for people.
/// The checker's verdict in one line of the human summary.
pub fn check_line(c: &crate::sim::linearizable::Report) -> String {
    let mut o = format!(
        "check     {} of {} keys linearizable ({} operations)",
        c.linearizable_keys, c.keys, c.operations
    );
    if c.cut_short_keys > 0 {
        let _ = write!(o, "; {} cut short by the search budget", c.cut_short_keys);
    }
    if let Some(v) = &c.first_violation {
        let _ = write!(o, "\n          first violation: {}", v.text);
    }
    o
}

pub fn human(s: &Summary, wall_s: f64) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "strategy {} · seed {} · {:.1} simulated s in {:.3} s",
        s.strategy, s.seed, s.simulated_s, wall_s
    );
    let _ = writeln!(
        o,
        "requests  issued {}  succeeded {}  failed {}  in flight {}",
        s.issued, s.succeeded, s.failed, s.in_flight
    );
    let causes: Vec<String> = s
        .failed_by_cause
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    if !causes.is_empty() {
        let _ = writeln!(o, "failures  {}", causes.join("  "));
    }
    let _ = writeln!(
        o,
        "retries   {}  (attempt timeouts {})",
        s.retries, s.attempt_timeouts
    );
    match s.latency_ms {
        Some([mean, p50, p95, p99, max]) => {
            let _ = writeln!(
                o,
                "latency   mean {mean:.1} ms  p50 {p50:.1}  p95 {p95:.1}  p99 {p99:.1}  max {max:.1}"
            );
        }
        None => o.push_str("latency   no answered request to measure\n"),
    }
    for sv in &s.servers {
        let _ = writeln!(
            o,
            "{:<10} served {:>8}  utilization {:>5.1}%  power {}×  {}",
            sv.id,
            sv.served,
            sv.utilization * 100.0,
            sv.power,
            sv.status
        );
    }
    let _ = writeln!(o, "fleet cost ${:.2}/hour", s.fleet_cost_per_hour);
    o
}
