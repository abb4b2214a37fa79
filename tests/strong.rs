//! Strong means strong, tested as Jepsen tests databases: run the system under faults, record every
//! client operation, and hand the history to a linearizability checker that knows nothing of the
//! model (`sim::linearizable`, itself checked against brute force in tests/linearizable.rs).
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::runner::{self, Command};
use clusterscope::sim::history::{Fate, Op};
use clusterscope::sim::linearizable::{self, Report};
use clusterscope::sim::time::{MS, SECOND};
use clusterscope::sim::{
    Action, ClockKind, Config, Consistency, NodeId, ReadFrom, Replication, SyncAcks, World,
};
use proptest::prelude::*;

/// The runs the strong-reads issue reported (each was not linearizable before the read path was
/// fixed, while every anomaly counter said 0).
const REPORTED: [&str; 3] = [
    // The leader cut from its followers served its own uncommitted write; reads went back in time.
    "--partition db-1|db-2,db-3@10-25",
    // The leader crashes for good under all-acks.
    "--sync-acks all --fail db-1@10",
    // A server stays on the old leader's side of the partition.
    "--partition db-1,server-1|db-2,db-3,server-2,server-3,lb,client@10-25",
];

fn reported(faults: &str) -> (World, Vec<Op>, Report) {
    let flags = format!(
        "--servers 3 --replicas 3 --write-ratio 0.5 --keys 20 --arrival-rate 200 --requests 8000 \
         --latency-ms 5 --service-ms 5 --workers 4 --replication leader-sync --read-from leader \
         --consistency cp --seed 34 {faults}"
    );
    let args: Vec<String> = flags.split_whitespace().map(String::from).collect();
    let Ok(Command::Run(plan)) = runner::parse_args(&args) else {
        panic!("flags parse: {flags}")
    };
    runner::execute_checked(&plan)
}

#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
#[test]
fn the_reported_runs_are_linearizable() {
    for faults in REPORTED {
        let (w, ops, report) = reported(faults);
        assert_eq!(report.cut_short_keys, 0, "{faults}: the search finished");
        assert!(
            report.first_violation.is_none(),
            "{faults}: {}",
            report.first_violation.as_ref().unwrap().text
        );
        assert_eq!(report.linearizable_keys, report.keys, "{faults}");
        // Not trivially quiet: writes and reads succeeded after the fault, on every key checked.
        let after = |write: bool| {
            ops.iter()
                .filter(|o| o.write == write && o.outcome == Fate::Ok && o.invoke > 12 * SECOND)
                .count()
        };
        assert!(
            after(true) > 100 && after(false) > 100,
            "{faults}: {} writes, {} reads after",
            after(true),
            after(false)
        );
        assert!(
            w.database().figures.failovers >= 1,
            "{faults}: a failover happened"
        );
        let r = w.anomalies();
        assert_eq!(
            (r.dirty, r.back_in_time, w.metrics().stale_reads),
            (0, 0, 0),
            "{faults}"
        );
    }
}

/// A fault schedule: crashes and recoveries of replicas and servers, and partitions between any
/// groups of nodes (servers included), each healed later or not.
fn faults() -> impl Strategy<Value = Schedule> {
    let db = (0usize..3).prop_map(NodeId::Db);
    let node = prop_oneof![
        3 => (0usize..3).prop_map(NodeId::Db),
        2 => (0usize..3).prop_map(NodeId::Server),
        1 => Just(NodeId::Lb),
    ];
    let action = prop_oneof![
        3 => db.clone().prop_map(Action::Fail),
        3 => db.prop_map(Action::Recover),
        2 => prop::collection::vec(node.clone(), 1..4).prop_map(Action::Partition),
        2 => (node.clone(), node).prop_map(|(a, b)| Action::Cut(a, b)),
        2 => Just(Action::HealAll),
    ];
    prop::collection::vec((2_000u64..30_000, action), 1..8)
}

/// Actions at times in milliseconds.
type Schedule = Vec<(u64, Action)>;

/// Runs `cfg` under `faults` for 40 simulated seconds (then heals everything and drains) and
/// checks the history.
fn run(cfg: Config, faults: &[(u64, Action)]) -> (World, Vec<Op>, Report) {
    run_checking(cfg, faults, false)
}

/// [`run`], with the World's live check on or off.
fn run_checking(cfg: Config, faults: &[(u64, Action)], live: bool) -> (World, Vec<Op>, Report) {
    let mut w = World::new(cfg).unwrap();
    w.record_history(true);
    w.check_live(live);
    for (at, a) in faults {
        w.schedule(at * MS, a.clone());
    }
    w.schedule(40 * SECOND, Action::HealAll);
    for j in 0..3 {
        w.schedule(40 * SECOND, Action::Recover(NodeId::Db(j)));
    }
    w.step_until(50 * SECOND);
    w.set_issue_limit(Some(w.metrics().issued));
    while !w.is_settled() && w.step() {}
    let ops = w.take_history();
    let report = linearizable::check(&ops, linearizable::DEFAULT_BUDGET);
    (w, ops, report)
}

fn base(seed: u64) -> Config {
    Config {
        seed,
        replication: Replication::LeaderSync,
        read_from: ReadFrom::Leader,
        consistency: Consistency::Cp,
        arrival_rate: 60.0,
        service_ms: 10.0,
        latency_ms: 20.0,
        write_ratio: 0.5,
        keys: 6,
        timeout_ms: 1_000.0,
        ..Config::v1()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Leader-sync, leader reads, CP: linearizable on every schedule, with either acknowledgement
    /// rule and clock skew up to the failover timeout.
    #[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
    #[test]
    fn leader_sync_leader_reads_cp_is_linearizable(
        seed in any::<u64>(),
        all in any::<bool>(),
        skew in prop_oneof![Just(0.0), 0.0f64..2_000.0],
        latency in 1.0f64..150.0,
        faults in faults(),
    ) {
        let cfg = Config {
            sync_acks: if all { SyncAcks::All } else { SyncAcks::Majority },
            clock_skew_ms: skew,
            latency_ms: latency,
            ..base(seed)
        };
        let (w, ops, report) = run(cfg, &faults);
        prop_assert_eq!(report.cut_short_keys, 0);
        if let Some(v) = &report.first_violation {
            return Err(TestCaseError::fail(format!("{}\n{:#?}", v.text, v.ops)));
        }
        let r = w.anomalies();
        prop_assert_eq!((r.dirty, r.back_in_time, w.metrics().stale_reads), (0, 0, 0));
        prop_assert!(ops.iter().any(|o| o.write && o.outcome == Fate::Ok));
    }

    /// Quorum with W + R > N and Lamport clocks (or none skewed): never stale.
    #[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
    #[test]
    fn strict_quorums_are_never_stale(
        seed in any::<u64>(),
        lamport in any::<bool>(),
        faults in faults(),
    ) {
        let cfg = Config {
            replication: Replication::Quorum,
            write_quorum: 2,
            read_quorum: 2,
            clock: if lamport { ClockKind::Lamport } else { ClockKind::Wall },
            clock_skew_ms: if lamport { 500.0 } else { 0.0 },
            ..base(seed)
        };
        let (w, ops, _) = run(cfg, &faults);
        let stale = clusterscope::sim::history::stale_reads(&ops);
        prop_assert!(stale.is_empty(), "{:?}", &stale[..stale.len().min(3)]);
        prop_assert_eq!(w.metrics().stale_reads, 0);
    }

    /// Whatever the mode and faults: where the checker finds a violation some anomaly counter is
    /// non-zero. (Not the converse outside the strong mode: the model knows the order its leader
    /// applied writes in and which writes it rolled back, a history does not — a read of a write
    /// later lost, never contradicted by a later read, or two reads of overlapping writes in the
    /// leader's reverse order, leave a history that some order explains. In the strong mode both
    /// say nothing is wrong: `leader_sync_leader_reads_cp_is_linearizable`.)
    #[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
    #[test]
    fn the_counters_see_what_the_checker_sees(
        seed in any::<u64>(),
        mode in 0usize..3,
        any_reads in any::<bool>(),
        ap in any::<bool>(),
        faults in faults(),
    ) {
        let cfg = Config {
            replication: Replication::ALL[mode],
            read_from: if any_reads { ReadFrom::Any } else { ReadFrom::Leader },
            consistency: if ap { Consistency::Ap } else { Consistency::Cp },
            ..base(seed)
        };
        let (w, _, report) = run(cfg, &faults);
        prop_assume!(report.cut_short_keys == 0);
        let (r, f) = (w.anomalies(), &w.database().figures);
        let counted = [w.metrics().stale_reads, r.dirty, r.back_in_time, f.lost_acked_writes, f.conflicts, f.lost_by_clock_skew, f.duplicate_writes];
        if let Some(v) = &report.first_violation {
            prop_assert!(counted.iter().any(|&n| n > 0), "the checker found: {}", v.text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The page's live check restarts when the replication mode is switched, knowing neither the
    /// values already stored nor the writes of before that may still land: it may find less than
    /// the whole history shows, never more. (Before restarted keys began as "unknown value, writes
    /// forgotten", it called the first read after a switch a read of a value nobody wrote.)
    #[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
    #[test]
    fn a_live_check_restarted_by_a_switch_claims_only_what_the_history_shows(
        seed in any::<u64>(),
        from in 0usize..3,
        to in 0usize..3,
        any_reads in any::<bool>(),
        ap in any::<bool>(),
        at in 3_000u64..30_000,
        faults in faults(),
    ) {
        prop_assume!(from != to);
        let cfg = Config {
            replication: Replication::ALL[from],
            read_from: if any_reads { ReadFrom::Any } else { ReadFrom::Leader },
            consistency: if ap { Consistency::Ap } else { Consistency::Cp },
            ..base(seed)
        };
        let mut faults = faults;
        faults.push((at, Action::SetReplication(Replication::ALL[to])));
        let (mut w, _, whole) = run_checking(cfg, &faults, true);
        w.step_until(w.now() + 5 * SECOND);
        prop_assume!(whole.cut_short_keys == 0);
        let live = w.linearizability().expect("on");
        prop_assert!(w.linearizability_since() >= at * MS);
        if let Some(v) = live.violation {
            prop_assert!(
                whole.first_violation.is_some(),
                "the live check found what the whole history does not show: {}", v.text
            );
        }
    }
}

/// The weaker modes are caught, each on a schedule built to show its anomaly.
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
#[test]
fn weak_modes_are_found_out() {
    let cases: [(&str, Config, Schedule); 3] = [
        (
            "leader-async loses acknowledged writes when its leader dies",
            Config {
                replication: Replication::LeaderAsync,
                async_ship_ms: 400.0,
                ..base(7)
            },
            vec![
                (10_000, Action::Fail(NodeId::Db(0))),
                (25_000, Action::Recover(NodeId::Db(0))),
            ],
        ),
        (
            "reads from any replica see a follower left behind",
            Config {
                read_from: ReadFrom::Any,
                ..base(7)
            },
            vec![(10_000, Action::Cut(NodeId::Db(0), NodeId::Db(2)))],
        ),
        (
            "AP accepts writes on both sides of a partition",
            Config {
                consistency: Consistency::Ap,
                ..base(7)
            },
            // Replica 1 and Server 1 on one side, the other replicas and servers on the other; the
            // balancer still reaches every server, so both sides take writes.
            [(0, 1), (0, 2), (1, 0), (2, 0)]
                .into_iter()
                .flat_map(|(s, d)| {
                    [
                        (10_000, Action::Cut(NodeId::Db(0), NodeId::Db(d.max(1)))),
                        (10_000, Action::Cut(NodeId::Server(s), NodeId::Db(d))),
                    ]
                })
                .collect(),
        ),
    ];
    for (what, cfg, faults) in cases {
        let (_, _, report) = run(cfg, &faults);
        let v = report
            .first_violation
            .unwrap_or_else(|| panic!("{what}: found linearizable"));
        assert!(
            !v.ops.is_empty() && v.ops.len() <= 12,
            "{what}: {} ops",
            v.ops.len()
        );
    }
}

/// The World's live check (operations fed as they complete, windows closed behind the oldest
/// request still in flight) reaches the whole-history verdict, and logs a violation once.
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
#[test]
fn the_live_check_reaches_the_same_verdict() {
    let ap_split: Schedule = [(0, 1), (0, 2), (1, 0), (2, 0)]
        .into_iter()
        .flat_map(|(s, d)| {
            [
                (10_000, Action::Cut(NodeId::Db(0), NodeId::Db(d.max(1)))),
                (10_000, Action::Cut(NodeId::Server(s), NodeId::Db(d))),
            ]
        })
        .collect();
    for (cfg, faults, linearizable) in [
        (base(3), vec![(10_000, Action::Fail(NodeId::Db(0)))], true),
        (
            Config {
                consistency: Consistency::Ap,
                ..base(7)
            },
            ap_split,
            false,
        ),
    ] {
        // One run, checked live as it went and whole afterwards (the reference verdict).
        let (mut w, ops, whole) = run_checking(cfg, &faults, true);
        w.step_until(w.now() + 5 * SECOND);
        let v = w.linearizability().expect("on");
        assert_eq!(whole.first_violation.is_none(), linearizable);
        assert_eq!(
            v.violation.is_none(),
            linearizable,
            "{:?}",
            v.violation.map(|x| x.text)
        );
        let logged = w
            .log()
            .filter(|e| e.text.starts_with("Not linearizable"))
            .count();
        assert_eq!(logged, !linearizable as usize);
        if linearizable {
            assert!(!v.cut_short);
            let relevant = ops
                .iter()
                .filter(|o| o.outcome == Fate::Ok || (o.write && o.outcome == Fate::Unknown))
                .count() as u64;
            assert_eq!((v.operations_checked, v.pending), (relevant, 0));
        }
    }
}
