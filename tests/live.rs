//! Native tests of what the playground changes while a run goes on: numeric knobs, single links,
//! partitions, chaos mode, the per-second series the charts draw and the request waterfall.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Knob;
use clusterscope::sim::SpanKind;
use clusterscope::sim::time::{MS, SECOND};
use clusterscope::sim::{Action, Config, NodeId, Payload, Role, Status, World};

fn world(cfg: Config) -> World {
    World::new(cfg).expect("valid config")
}

fn run_for(w: &mut World, secs: u64) {
    let t = w.now() + secs * SECOND;
    w.step_until(t);
}

#[test]
fn a_new_arrival_rate_takes_effect_at_once() {
    let mut w = world(Config {
        service_ms: 5.0,
        ..Config::v1()
    });
    run_for(&mut w, 20);
    w.apply(Action::Tune(Knob::ArrivalRate, 200.0));
    let before = w.metrics().issued;
    run_for(&mut w, 30);
    let rate = (w.metrics().issued - before) as f64 / 30.0;
    assert!(
        (rate - 200.0).abs() < 12.0,
        "issued {rate}/s after the change"
    );
    assert_eq!(w.config().arrival_rate, 200.0);
    // Out of range is clamped, not obeyed (and a NaN changes nothing).
    w.apply(Action::Tune(Knob::ArrivalRate, f64::NAN));
    assert_eq!(w.config().arrival_rate, 200.0);
    w.apply(Action::Tune(Knob::ArrivalRate, -3.0));
    assert_eq!(w.config().arrival_rate, 0.01);
    assert!(
        w.log()
            .next()
            .unwrap()
            .text
            .contains("Arrival rate now 0.01")
    );
}

#[test]
fn health_checks_switch_off_and_on() {
    let mut w = world(Config::v1());
    w.apply(Action::Fail(NodeId::Server(1)));
    run_for(&mut w, 5);
    assert!(!w.balancer().accepts(1), "checks noticed the crash");
    w.apply(Action::Tune(Knob::HcIntervalMs, 0.0));
    assert!(
        w.balancer().accepts(1),
        "without checks the balancer trusts every server"
    );
    run_for(&mut w, 5);
    assert!(
        w.messages()
            .all(|(_, m)| !matches!(m.payload, Payload::Probe { .. } | Payload::ProbeAck { .. })),
        "no health checks go out"
    );
    w.apply(Action::Tune(Knob::HcIntervalMs, 200.0));
    w.apply(Action::Tune(Knob::HcFall, 1.0));
    run_for(&mut w, 2);
    assert!(!w.balancer().accepts(1), "checks are back and notice again");
}

/// The latency requests see follows the global latency knob, and a slow link only slows the hop it
/// is on.
#[test]
fn latency_knobs_reach_the_wire() {
    let mut w = world(Config {
        use_db: false,
        service_ms: 1.0,
        ..Config::v1()
    });
    w.apply(Action::Tune(Knob::LatencyMs, 10.0));
    run_for(&mut w, 30);
    let p50 = w.series().samples().last().unwrap().p50_ms.unwrap();
    assert!((40.0..45.0).contains(&p50), "four hops of 10 ms: {p50}");
    w.apply(Action::SetLink {
        a: NodeId::Lb,
        b: NodeId::Server(0),
        spec: Some((500.0, 0.0)),
    });
    run_for(&mut w, 5);
    let slow: Vec<_> = w
        .messages()
        .filter(|(_, m)| (m.from, m.to) == (NodeId::Lb, NodeId::Server(0)))
        .map(|(_, m)| m.arrives - m.sent)
        .collect();
    assert!(
        !slow.is_empty() && slow.iter().all(|&d| d == 500 * MS),
        "{slow:?}"
    );
    assert!(
        w.messages()
            .filter(|(_, m)| (m.from, m.to) == (NodeId::Lb, NodeId::Server(1)))
            .all(|(_, m)| m.arrives - m.sent == 10 * MS)
    );
    w.apply(Action::SetLink {
        a: NodeId::Server(0),
        b: NodeId::Lb,
        spec: None,
    });
    assert!(!w.network().has_spec(NodeId::Lb, NodeId::Server(0)));
}

#[test]
fn a_partitioned_leader_is_replaced_and_healing_restores_every_link() {
    let mut w = world(Config::v1());
    run_for(&mut w, 5);
    w.apply(Action::Partition(vec![NodeId::Db(0)]));
    assert!(w.is_isolated(NodeId::Db(0)));
    run_for(&mut w, 10);
    assert_ne!(w.leader(), 0, "the majority side elected a new leader");
    assert!(
        w.log().any(|e| e.text.contains("elected leader")),
        "the log says so"
    );
    w.apply(Action::HealAll);
    assert_eq!(w.network().cut_links().count(), 0);
    run_for(&mut w, 10);
    assert_eq!(
        w.replicas()[0].role,
        Role::Follower,
        "the old leader rejoins"
    );
}

/// Chaos mode against renewal theory: a node alternating exponential up-times (MTBF) and repairs
/// (MTTR) is down a share MTTR / (MTBF + MTTR) of the time.
#[test]
fn chaos_keeps_each_node_down_for_its_share_of_time() {
    let (mtbf, mttr) = (40.0, 10.0);
    let mut w = world(Config {
        servers: 4,
        replicas: 3,
        arrival_rate: 1.0,
        chaos_mtbf_s: mtbf,
        chaos_mttr_s: mttr,
        ..Config::v1()
    });
    let nodes: Vec<NodeId> = (0..4)
        .map(NodeId::Server)
        .chain((0..3).map(NodeId::Db))
        .collect();
    let (mut down, mut samples) = (0u64, 0u64);
    for _ in 0..8_000 {
        run_for(&mut w, 1);
        for &n in &nodes {
            samples += 1;
            down += (w.node_status(n) == Some(Status::Down)) as u64;
        }
    }
    let share = down as f64 / samples as f64;
    let expect = mttr / (mtbf + mttr);
    assert!(
        (share - expect).abs() < 0.03,
        "down {share:.3}, theory {expect:.3}"
    );
    w.apply(Action::Tune(Knob::ChaosMtbfS, 0.0));
    run_for(&mut w, 300);
    assert!(w.chaos_down().is_empty(), "every crashed node was repaired");
    assert!(nodes.iter().all(|&n| w.node_status(n) == Some(Status::Up)));
}

/// The charts' per-second samples and the figures' per-second buckets count the same outcomes by
/// two separate paths.
#[test]
fn series_agree_with_the_metrics() {
    let mut w = world(Config {
        arrival_rate: 40.0,
        service_ms: 30.0,
        ..Config::v1()
    });
    w.apply(Action::Fail(NodeId::Server(2)));
    run_for(&mut w, 90);
    let samples: Vec<_> = w.series().samples().collect();
    assert_eq!(samples.len(), 60, "the ring keeps a minute");
    let buckets: std::collections::BTreeMap<u64, _> = w.metrics().history().collect();
    for s in &samples {
        let b = buckets[&s.tick];
        assert_eq!(
            (s.ok as u64, s.failed_total() as u64),
            (b.ok, b.failed),
            "{s:?}"
        );
        assert_eq!(s.utilization.len(), 3);
        assert_eq!(s.utilization[2], 0.0, "a crashed server does no work");
        if let (Some(a), Some(b), Some(c)) = (s.p50_ms, s.p95_ms, s.p99_ms) {
            assert!(a <= b && b <= c);
        }
    }
    let binned: u64 = w.series().latency_histogram().iter().sum();
    let ok: u64 = samples.iter().map(|s| s.ok as u64).sum();
    assert_eq!(binned, ok);
}

/// A traced request that succeeds at its first attempt is covered by its spans end to end, with no
/// gap and no overlap, and they add up to its latency.
#[test]
fn a_traced_request_is_accounted_for_hop_by_hop() {
    let mut w = world(Config {
        replication: clusterscope::sim::Replication::LeaderSync,
        bandwidth_mbps: 1.0,
        ..Config::v1()
    });
    run_for(&mut w, 3);
    w.apply(Action::TraceNext);
    assert!(w.tracing_next());
    run_for(&mut w, 30);
    let t = w.waterfall().expect("a request was followed");
    let Some(Ok(latency)) = t.outcome else {
        panic!("expected a success: {t:?}");
    };
    assert!(t.spans.iter().all(|s| s.kind != SpanKind::TimedOut));
    assert_eq!(t.spans[0].from, t.issued);
    for pair in t.spans.windows(2) {
        assert_eq!(pair[0].to, pair[1].from, "{pair:?}");
    }
    assert_eq!(t.spans.last().unwrap().to - t.issued, latency);
    let kinds: Vec<_> = t.spans.iter().map(|s| s.kind).collect();
    for k in [SpanKind::Network, SpanKind::Service, SpanKind::Database] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    assert_eq!(
        t.spans
            .iter()
            .filter(|s| s.kind == SpanKind::Network)
            .count(),
        6,
        "client → lb → server → db and back"
    );
}

/// The page hands the World a frame's budget of events; a run cut into many short frames is the
/// same run.
#[test]
fn a_frame_budget_delays_the_run_but_does_not_change_it() {
    let cfg = Config {
        arrival_rate: 500.0,
        service_ms: 5.0,
        ..Config::v1()
    };
    let mut whole = world(cfg.clone());
    whole.step_until(20 * SECOND);
    let mut framed = world(cfg);
    let mut frames = 1;
    while !framed.step_until_within(20 * SECOND, 1_000) {
        frames += 1;
    }
    assert!(frames > 10, "{frames} frames");
    assert_eq!(framed.now(), 20 * SECOND);
    assert_eq!(framed.trace_hash(), whole.trace_hash());
}

/// A waterfall span never starts before its request: the timed-out attempt is drawn from when it
/// was sent, even if the timeout was raised while it waited.
#[test]
fn a_timed_out_span_starts_when_its_attempt_went_out() {
    let mut w = world(Config {
        service_ms: 2_000.0,
        service_dist: clusterscope::sim::ServiceDist::Constant,
        timeout_ms: 500.0,
        ..Config::v1()
    });
    run_for(&mut w, 2);
    w.apply(Action::TraceNext);
    // Until the attempt is on its way to a server, then raise the timeout under it.
    while w.waterfall().is_none_or(|t| t.spans.len() < 2) {
        w.step();
    }
    w.apply(Action::Tune(Knob::TimeoutMs, 60_000.0));
    run_for(&mut w, 5);
    let t = w.waterfall().unwrap();
    assert!(
        t.spans.iter().any(|s| s.kind == SpanKind::TimedOut),
        "{t:?}"
    );
    assert!(
        t.spans.iter().all(|s| s.from >= t.issued && s.to >= s.from),
        "{t:?}"
    );
}

#[test]
fn fewer_workers_take_effect_under_load() {
    let mut w = world(Config {
        workers: 8,
        arrival_rate: 200.0,
        service_ms: 100.0,
        ..Config::v1()
    });
    run_for(&mut w, 5);
    assert!(w.servers().iter().any(|s| s.busy.len() > 1));
    w.apply(Action::Tune(Knob::Workers, 1.0));
    run_for(&mut w, 5);
    assert!(
        w.servers().iter().all(|s| s.busy.len() <= 1),
        "busy beyond the new worker count"
    );
}

#[test]
fn a_removed_server_takes_its_cut_links_with_it() {
    let mut w = world(Config::v1());
    w.apply(Action::AddServer);
    w.apply(Action::Isolate(NodeId::Server(3)));
    assert!(w.network().cut_links().count() > 0);
    w.apply(Action::RemoveServer);
    run_for(&mut w, 10);
    assert_eq!(w.servers().len(), 3, "drained and gone");
    assert_eq!(w.network().cut_links().count(), 0, "no ghost cuts");
    w.apply(Action::AddServer);
    assert!(
        !w.is_isolated(NodeId::Server(3)),
        "the new server starts connected"
    );
    w.apply(Action::Cut(NodeId::Server(40), NodeId::Lb));
    assert_eq!(
        w.network().cut_links().count(),
        0,
        "no cut for a server that does not exist"
    );
}

/// Lowering the latency never lets a later message overtake an earlier one on the same link.
#[test]
fn lowering_latency_keeps_each_link_in_order() {
    let mut w = world(Config {
        latency_ms: 500.0,
        arrival_rate: 50.0,
        ..Config::v1()
    });
    run_for(&mut w, 3);
    w.apply(Action::Tune(Knob::LatencyMs, 5.0));
    run_for(&mut w, 0);
    w.step_until(w.now() + 100 * MS);
    let mut on_link: Vec<_> = w
        .messages()
        .filter(|(_, m)| (m.from, m.to) == (NodeId::Client, NodeId::Lb))
        .map(|(_, m)| (m.sent, m.arrives))
        .collect();
    on_link.sort();
    assert!(on_link.len() > 5);
    assert!(on_link.windows(2).all(|p| p[0].1 <= p[1].1), "{on_link:?}");
}

#[test]
fn chart_data_exports_as_csv_one_row_a_tick() {
    let mut w = world(Config {
        arrival_rate: 50.0,
        ..Config::v1()
    });
    run_for(&mut w, 12);
    let csv = w.series().to_csv();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 1 + w.series().samples().len());
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "ragged rows");
    assert_eq!(rows[0][0], "t_s");
    // Rows a tenth of a second apart, in simulated seconds.
    let t: Vec<f64> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(
        t.windows(2).all(|p| (p[1] - p[0] - 0.1).abs() < 1e-9),
        "{t:?}"
    );
    let ok: u64 = rows[1..].iter().map(|r| r[1].parse::<u64>().unwrap()).sum();
    let sampled: u64 = w.series().samples().map(|s| s.ok as u64).sum();
    assert_eq!(ok, sampled);
    // A tick with answers, failures included, has a p99; one without leaves the cell empty, never
    // NaN. A request its client's pool refused was never answered: it has no latency.
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    let (p99, pool, reads_ok) = (col("p99_ms"), col("failed_client_pool"), col("reads_ok"));
    for r in &rows[1..] {
        let answered = (1..reads_ok).filter(|&c| c != pool).any(|c| r[c] != "0");
        assert_eq!(answered, r[p99].parse::<f64>().is_ok(), "{r:?}");
    }
}

/// The page checks every run as it goes. Switching the replication mode restarts the check: the
/// values written before the switch are still in the store, so the restarted check must not call
/// a read of one of them a value nobody wrote (it did, the first time the page showed a verdict).
#[test]
fn the_live_check_restarted_by_a_mode_switch_finds_no_false_violation() {
    use clusterscope::sim::Replication;
    for seed in 1..=5 {
        let mut w = world(Config {
            seed,
            keys: 5,
            write_ratio: 0.5,
            ..Config::v1()
        });
        w.check_live(true);
        run_for(&mut w, 20);
        let before = w.linearizability().expect("on");
        assert_eq!(
            before.violation, None,
            "seed {seed}: no faults, leader reads"
        );
        assert!(before.operations_checked > 50, "seed {seed}: {before:?}");
        w.apply(Action::SetReplication(Replication::LeaderSync));
        run_for(&mut w, 20);
        let after = w.linearizability().expect("on");
        assert_eq!(after.violation, None, "seed {seed}");
        assert!(after.operations_checked > 50, "seed {seed}: {after:?}");
        assert_eq!(w.linearizability_since(), 20 * SECOND);
    }
}

/// Latency is the client's wait for its answer, errors included: with every server dead (and no
/// health checks to say so), each request waits out the timeout twice and fails, and the figures
/// show that wait. A request refused by its own client's pool never waited, so it is not counted:
/// were it counted at 0 ms, the p50 here would be 0.
#[test]
fn a_failed_request_counts_with_its_wait_and_a_pool_refusal_does_not() {
    let mut w = world(Config {
        hc_interval_ms: 0.0,
        retry_budget: 1.0,
        client_pool: 4,
        ..Config::default()
    });
    for i in 0..3 {
        w.apply(Action::Fail(NodeId::Server(i)));
    }
    run_for(&mut w, 10);
    let m = w.metrics();
    assert_eq!(m.succeeded, 0);
    let pool = m.failed_by(clusterscope::sim::Cause::ClientPool);
    let waited = m.failed_by(clusterscope::sim::Cause::Timeout);
    assert!(
        pool > waited && waited > 20,
        "pool {pool}, timed out {waited}"
    );
    let run = m.headline(w.now(), clusterscope::sim::Window::Run);
    let timeout = w.config().timeout_ms;
    let p50 = run.p50_ms.expect("answered requests have a latency");
    assert!(
        p50 >= 2.0 * timeout && run.p99_ms.unwrap() < 2.2 * timeout,
        "{run:?}"
    );
    let now = m.headline(w.now(), clusterscope::sim::Window::Recent);
    assert!(now.p50_ms.unwrap() >= 2.0 * timeout, "{now:?}");
}
