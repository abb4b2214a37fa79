//! Consistency from the outside: each check replays the recorded history of client operations (as
//! Jepsen does against real databases) and compares with what the model counted.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::history::{self, Op};
use clusterscope::sim::time::{MS, SECOND};
use clusterscope::sim::{
    Action, Config, Consistency, NodeId, ReadFrom, Replication, SyncAcks, World,
};
use proptest::prelude::*;

/// Runs until every request has ended and the replicas had time to settle; returns the history.
fn run(w: &mut World, until_s: u64) -> Vec<Op> {
    w.record_history(true);
    w.step_until(until_s * SECOND);
    w.set_issue_limit(Some(w.metrics().issued));
    while !w.is_settled() && w.step() {}
    let calm = w.now() + 20 * SECOND;
    w.step_until(calm);
    w.take_history()
}

/// Runs `cfg` for a minute under `faults`: the stale reads the history shows, and those the model
/// counted.
fn stale_reads_under(cfg: Config, faults: Vec<(u64, Action)>) -> (Vec<Op>, u64) {
    let mut w = World::new(cfg).unwrap();
    for (at, a) in faults {
        w.schedule(at * MS, a);
    }
    let ops = run(&mut w, 60);
    (history::stale_reads(&ops), w.metrics().stale_reads)
}

fn db_faults() -> impl Strategy<Value = Vec<(u64, Action)>> {
    let node = (0usize..3).prop_map(NodeId::Db);
    let action = prop_oneof![
        node.clone().prop_map(Action::Fail),
        node.clone().prop_map(Action::Recover),
        (node.clone(), node.clone()).prop_map(|(a, b)| Action::Cut(a, b)),
        (node.clone(), node).prop_map(|(a, b)| Action::Heal(a, b)),
    ];
    prop::collection::vec((0u64..40_000, action), 0..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Synchronous replication, reads from the leader, CP: whatever crashes and partitions do, no
    /// read returns a value older than a write acknowledged before the read began.
    #[test]
    fn leader_sync_reads_are_never_stale(
        seed in any::<u64>(),
        all in any::<bool>(),
        latency in 0.0f64..200.0,
        faults in db_faults(),
    ) {
        let cfg = Config {
            seed,
            replication: Replication::LeaderSync,
            sync_acks: if all { SyncAcks::All } else { SyncAcks::Majority },
            read_from: ReadFrom::Leader,
            consistency: Consistency::Cp,
            latency_ms: latency,
            arrival_rate: 30.0,
            service_ms: 20.0,
            write_ratio: 0.5,
            keys: 8,
            ..Config::v1()
        };
        let (stale, counted) = stale_reads_under(cfg, faults);
        prop_assert!(stale.is_empty(), "stale reads: {:?}", &stale[..stale.len().min(3)]);
        prop_assert_eq!(counted, 0);
    }
}

#[test]
fn reading_from_any_replica_can_be_stale_and_both_counts_see_it() {
    let cfg = Config {
        read_from: ReadFrom::Any,
        latency_ms: 60.0,
        arrival_rate: 40.0,
        service_ms: 10.0,
        write_ratio: 0.5,
        keys: 4,
        ..Config::v1()
    };
    let mut w = World::new(cfg).unwrap();
    // A follower cut off from the leader falls behind and keeps answering reads.
    w.schedule(10 * SECOND, Action::Cut(NodeId::Db(0), NodeId::Db(2)));
    w.schedule(30 * SECOND, Action::Heal(NodeId::Db(0), NodeId::Db(2)));
    let ops = run(&mut w, 40);
    let stale = history::stale_reads(&ops);
    assert!(
        stale.len() > 10,
        "the history shows stale reads: {}",
        stale.len()
    );
    assert!(
        w.metrics().stale_reads > 10,
        "and the model counted them: {}",
        w.metrics().stale_reads
    );
}

/// Asynchronous replication, CP: a crashed leader takes with it the writes it acknowledged but had
/// not shipped. Every write goes to a new key, so an acknowledged write is lost exactly when the
/// settled database does not hold its value.
#[test]
fn lost_acknowledged_writes_match_the_history() {
    let mut total = 0;
    for seed in 1..=6 {
        let cfg = Config {
            seed,
            replication: Replication::LeaderAsync,
            consistency: Consistency::Cp,
            sequential_keys: true,
            keys: 100_000,
            write_ratio: 0.9,
            arrival_rate: 60.0,
            service_ms: 10.0,
            latency_ms: 150.0,
            ..Config::v1()
        };
        let mut w = World::new(cfg).unwrap();
        for (k, at) in [10u64, 30, 50].into_iter().enumerate() {
            // Crash whichever replica leads then; bring it back later as a follower.
            w.schedule(at * SECOND, Action::Fail(NodeId::Db(k % 3)));
            w.schedule((at + 12) * SECOND, Action::Recover(NodeId::Db(k % 3)));
        }
        let ops = run(&mut w, 70);
        let db = w.database();
        assert!(db.in_sync(), "seed {seed}: replicas settle");
        let data = &db.replicas[db.leader].data;
        let lost = ops
            .iter()
            .filter(|o| o.write && o.ok)
            .filter(|o| data[o.key as usize].map(|v| v.value) != o.value)
            .count() as u64;
        assert_eq!(db.figures.lost_acked_writes, lost, "seed {seed}");
        total += lost;
    }
    assert!(total > 0, "the scenario does lose writes");
}

/// A partition with a server on each side. AP: both sides keep writing (a leader each), and on heal
/// last-write-wins reconciles, counting conflicts. CP: the minority side refuses instead.
#[test]
fn ap_diverges_and_reconciles_while_cp_refuses() {
    let run_with = |consistency, skew: f64| {
        let cfg = Config {
            consistency,
            clock_skew_ms: skew,
            servers: 3,
            strategy: clusterscope::sim::Strategy::RoundRobin,
            arrival_rate: 30.0,
            service_ms: 10.0,
            write_ratio: 0.8,
            keys: 6,
            ..Config::v1()
        };
        let mut w = World::new(cfg).unwrap();
        // Replica 3 (whose clock runs fastest when skewed) and Server 1 on one side; the leader,
        // Replica 2 and the other servers on the other.
        let side_a = [NodeId::Db(2), NodeId::Server(0)];
        let side_b = [
            NodeId::Db(0),
            NodeId::Db(1),
            NodeId::Server(1),
            NodeId::Server(2),
        ];
        for a in side_a {
            for b in side_b {
                w.schedule(10 * SECOND, Action::Cut(a, b));
                w.schedule(40 * SECOND, Action::Heal(a, b));
            }
        }
        w.step_until(35 * SECOND);
        let leaders = w
            .replicas()
            .iter()
            .filter(|r| r.role == clusterscope::sim::Role::Leader)
            .count();
        let divergent = w.database().divergent_keys();
        run(&mut w, 60);
        (w, leaders, divergent)
    };
    let (ap, ap_leaders, ap_divergent) = run_with(Consistency::Ap, 0.0);
    assert_eq!(ap_leaders, 2, "AP: a leader on each side");
    assert!(ap_divergent > 0, "AP: the sides diverge");
    assert!(
        ap.database().figures.conflicts > 0,
        "AP: conflicts counted on heal"
    );
    assert!(
        ap.database().in_sync(),
        "AP: replicas converge after the heal"
    );
    assert_eq!(
        ap.database().figures.lost_by_clock_skew,
        0,
        "no skew, no skew losses"
    );

    let (cp, cp_leaders, _) = run_with(Consistency::Cp, 0.0);
    assert_eq!(cp_leaders, 1, "CP: only the majority side leads");
    assert!(
        cp.database().figures.refused > 0,
        "CP: the minority side refuses"
    );
    assert_eq!(cp.database().figures.conflicts, 0);
    assert!(cp.database().in_sync());
    assert!(
        cp.metrics().writes_failed > ap.metrics().writes_failed,
        "CP trades availability"
    );

    let (skewed, _, _) = run_with(Consistency::Ap, 400.0);
    assert!(
        skewed.database().figures.lost_by_clock_skew > 0,
        "with clocks 800 ms apart, last-write-wins keeps some earlier writes over later ones"
    );
}

fn quorum(seed: u64, w: usize, r: usize) -> Config {
    Config {
        seed,
        replication: Replication::Quorum,
        write_quorum: w,
        read_quorum: r,
        consistency: Consistency::Cp,
        arrival_rate: 30.0,
        service_ms: 20.0,
        write_ratio: 0.5,
        keys: 8,
        ..Config::v1()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Leaderless with W + R > N (strict quorums, CP): every read overlaps every acknowledged write,
    /// so no read is stale, whatever crashes and partitions do.
    #[test]
    fn strict_quorums_never_read_stale(
        seed in any::<u64>(),
        wr in prop_oneof![Just((2usize, 2usize)), Just((3, 1)), Just((1, 3))],
        lamport in any::<bool>(),
        faults in db_faults(),
    ) {
        let clock = if lamport { clusterscope::sim::ClockKind::Lamport } else { clusterscope::sim::ClockKind::Wall };
        let (stale, counted) = stale_reads_under(Config { clock, ..quorum(seed, wr.0, wr.1) }, faults);
        prop_assert!(stale.is_empty(), "stale reads: {:?}", &stale[..stale.len().min(3)]);
        prop_assert_eq!(counted, 0);
    }
}

#[test]
fn a_sloppy_quorum_reads_stale_where_a_strict_one_does_not() {
    let stale = |w_q, r_q| {
        let mut w = World::new(quorum(3, w_q, r_q)).unwrap();
        // Replica 3 stops hearing from the other two (the servers still reach it).
        for other in [NodeId::Db(0), NodeId::Db(1)] {
            w.schedule(10 * SECOND, Action::Cut(NodeId::Db(2), other));
            w.schedule(30 * SECOND, Action::Heal(NodeId::Db(2), other));
        }
        let ops = run(&mut w, 60);
        (history::stale_reads(&ops).len(), w.metrics().stale_reads)
    };
    assert_eq!(stale(2, 2), (0, 0), "W + R > N");
    let (history_found, counted) = stale(1, 1);
    assert!(
        history_found > 0 && counted > 0,
        "W + R ≤ N reads stale: {history_found} / {counted}"
    );
}

/// Last-write-wins by skewed wall clocks loses writes made after the one that beats them; Lamport
/// stamps (each write reading the key's stamp first) lose none, on the very same traffic.
#[test]
fn clock_skew_loses_updates_and_lamport_stamps_do_not() {
    let run_with = |clock| {
        let cfg = Config {
            clock,
            clock_skew_ms: 2_000.0,
            // Short hops, so operations on a key follow one another rather than overlap.
            latency_ms: 5.0,
            keys: 2,
            write_ratio: 0.7,
            ..quorum(21, 2, 2)
        };
        let mut w = World::new(cfg).unwrap();
        let ops = run(&mut w, 60);
        (
            w.database().figures.lost_by_clock_skew,
            history::stale_reads(&ops).len(),
        )
    };
    let (wall_lost, wall_stale) = run_with(clusterscope::sim::ClockKind::Wall);
    let (lamport_lost, lamport_stale) = run_with(clusterscope::sim::ClockKind::Lamport);
    assert!(wall_lost > 0, "wall clocks 4 s apart lose updates");
    assert!(wall_stale > 0, "and readers then see older values");
    assert_eq!(
        (lamport_lost, lamport_stale),
        (0, 0),
        "Lamport stamps lose none"
    );
}

/// A replica that misses writes while down gets them as hints when it returns, without
/// anti-entropy; read repair fixes what reads notice meanwhile.
#[test]
fn hinted_handoff_and_read_repair_bring_a_returning_replica_in_step() {
    let cfg = Config {
        anti_entropy_ms: 0.0,
        ..quorum(5, 2, 2)
    };
    let mut w = World::new(cfg).unwrap();
    w.schedule(5 * SECOND, Action::Fail(NodeId::Db(2)));
    w.schedule(25 * SECOND, Action::Recover(NodeId::Db(2)));
    run(&mut w, 40);
    let f = &w.database().figures;
    assert!(
        f.hints_stored > 0,
        "writes to the down replica were parked as hints"
    );
    assert!(f.read_repairs > 0, "reads repaired stale copies");
    assert!(w.database().in_sync(), "the returning replica caught up");
}

/// Concurrent read-modify-write increments race: two read the same count and both write count + 1,
/// so one increment vanishes. Compare-and-set refuses the second write and the server redoes it.
#[test]
fn racing_increments_lose_updates_and_compare_and_set_prevents_it() {
    let run_with = |cas| {
        let cfg = Config {
            cas,
            rmw_ratio: 0.8,
            keys: 4,
            servers: 4,
            arrival_rate: 10.0,
            service_ms: 20.0,
            ..Config::v1()
        };
        let mut w = World::new(cfg).unwrap();
        run(&mut w, 120);
        assert!(w.database().in_sync());
        (
            w.lost_updates(),
            w.metrics().increments_ok,
            w.database().figures.cas_rejections,
        )
    };
    let (lost, acked, _) = run_with(false);
    assert!(acked > 500, "{acked} increments acknowledged");
    assert!(
        lost > acked / 20,
        "without compare-and-set some increments vanish: {lost} of {acked}"
    );
    let (lost, acked, refused) = run_with(true);
    assert!(acked > 500);
    assert_eq!(lost, 0, "compare-and-set loses none");
    assert!(refused > 0, "it refused racing writes (which were redone)");
}
