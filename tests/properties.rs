//! Property tests: invariants that hold for any config and any schedule of faults.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Knob;
use clusterscope::sim::TrafficShape;
use clusterscope::sim::time::MS;
use clusterscope::sim::{
    Action, ClockKind, Config, Consistency, NodeId, Payload, ReadFrom, Replication, ServiceDist,
    Status, Strategy as Balancing, SyncAcks, World,
};
use proptest::prelude::*;

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0usize..6).prop_map(|i| Action::Fail(NodeId::Server(i))),
        (0usize..6).prop_map(|i| Action::Recover(NodeId::Server(i))),
        (0usize..6).prop_map(|i| Action::Slow(NodeId::Server(i))),
        (0usize..4).prop_map(|j| Action::Fail(NodeId::Db(j))),
        (0usize..4).prop_map(|j| Action::Recover(NodeId::Db(j))),
        Just(Action::AddServer),
        Just(Action::RemoveServer),
        (0usize..6, 0u32..10).prop_map(|(server, power)| Action::SetPower { server, power }),
        (0usize..7).prop_map(|k| Action::SetStrategy(Balancing::ALL[k])),
        (node(), node()).prop_map(|(a, b)| Action::Cut(a, b)),
        (node(), node()).prop_map(|(a, b)| Action::Heal(a, b)),
        any::<bool>().prop_map(|ap| Action::SetConsistency(if ap {
            Consistency::Ap
        } else {
            Consistency::Cp
        })),
        any::<bool>().prop_map(Action::SetCas),
        any::<bool>().prop_map(Action::SetAuth),
        any::<bool>().prop_map(Action::SetDeadlines),
        (0usize..3).prop_map(|k| Action::SetTraffic(
            TrafficShape::parse(["steady", "spike:10,150@3+4", "step:5@0,120@6"][k]).unwrap()
        )),
        node().prop_map(Action::Isolate),
        node().prop_map(Action::Rejoin),
        tune(),
        (
            node(),
            node(),
            prop_oneof![
                Just(None),
                (0.0f64..400.0, prop_oneof![Just(0.0), 0.05f64..50.0]).prop_map(Some)
            ]
        )
            .prop_map(|(a, b, spec)| Action::SetLink { a, b, spec }),
        prop::collection::vec(node(), 0..4).prop_map(Action::Partition),
        Just(Action::HealAll),
        Just(Action::TraceNext),
    ]
}

/// A run-time knob change, within ranges that keep a case quick (the reducer fuzz in
/// tests/robustness.rs covers the extremes).
fn tune() -> impl Strategy<Value = Action> {
    (0usize..Knob::ALL.len(), 0.0f64..1.0).prop_map(|(k, u)| {
        let knob = Knob::ALL[k];
        let v = match knob {
            Knob::ArrivalRate => 0.5 + u * 300.0,
            Knob::ServiceMs => 1.0 + u * 400.0,
            Knob::Workers => 1.0 + (u * 3.0).floor(),
            Knob::QueueCap => (u * 5.0).floor(),
            Knob::LatencyMs | Knob::JitterMs => u * 300.0,
            Knob::BandwidthMbps => {
                if u < 0.5 {
                    0.0
                } else {
                    u * 50.0
                }
            }
            Knob::TimeoutMs => 50.0 + u * 3000.0,
            Knob::Retries => (u * 4.0).floor(),
            Knob::BackoffMs => u * 200.0,
            Knob::HcIntervalMs => {
                if u < 0.2 {
                    0.0
                } else {
                    50.0 + u * 2000.0
                }
            }
            Knob::HcRise | Knob::HcFall => 1.0 + (u * 4.0).floor(),
            Knob::ChaosMtbfS => {
                if u < 0.5 {
                    0.0
                } else {
                    5.0 + u * 60.0
                }
            }
            Knob::ChaosMttrS => 0.5 + u * 10.0,
            Knob::ShedMs if u < 0.3 => 0.0,
            Knob::ShedMs => u * 500.0,
            Knob::Breaker => (u * 6.0).floor(),
            Knob::BreakerOpenMs => 10.0 + u * 2000.0,
            _ => u,
        };
        Action::Tune(knob, v)
    })
}

fn node() -> impl Strategy<Value = NodeId> {
    prop_oneof![
        Just(NodeId::Client),
        Just(NodeId::Lb),
        (0usize..6).prop_map(NodeId::Server),
        (0usize..4).prop_map(NodeId::Db),
    ]
}

prop_compose! {
    fn config()(
        seed in any::<u64>(),
        servers in 1usize..6,
        replicas in 1usize..4,
        strategy in 0usize..7,
        rate in 0.5f64..300.0,
        service in 1.0f64..400.0,
        dist in 0usize..3,
        workers in 1usize..4,
        latency in 0.0f64..300.0,
        jitter in 0.0f64..50.0,
        bandwidth in prop_oneof![Just(0.0), 0.05f64..100.0],
        cap in 0usize..5,
        timeout in 50.0f64..3000.0,
        retries in 0u32..4,
        hc in prop_oneof![Just(0.0), 50.0f64..2000.0],
        zipf in prop_oneof![Just(0.0), 0.1f64..2.0],
        db in (0usize..3, 0usize..2, any::<bool>(), any::<bool>(), 0.0f64..500.0),
        quorum in (1usize..4, 1usize..4, any::<bool>()),
        rmw in (prop_oneof![Just(0.0), 0.0f64..1.0], any::<bool>()),
        overload in (any::<bool>(), prop_oneof![Just(0.0), 1.0f64..500.0], 0u32..4, 10.0f64..2000.0),
        scaling in (prop_oneof![Just(0.0), 0.3f64..0.9], 1usize..4, 0.0f64..5.0, 0.0f64..10.0, 0usize..4),
    ) -> Config {
        let (autoscale_target, autoscale_min, autoscale_startup_s, autoscale_cooldown_s, shape) = scaling;
        let traffic = TrafficShape::parse(["steady", "step:20@0,200@5,5@12", "spike:10,150@3+4", "wave:60,50@8"][shape]).unwrap();
        let (deadlines, shed_ms, breaker, breaker_open_ms) = overload;
        let (repl, acks, any_reads, ap, skew) = db;
        let (w, r, lamport) = quorum;
        Config {
            seed, servers, replicas, strategy: Balancing::ALL[strategy], arrival_rate: rate,
            service_ms: service, service_dist: ServiceDist::ALL[dist], workers, latency_ms: latency,
            jitter_ms: jitter, bandwidth_mbps: bandwidth, queue_cap: cap, timeout_ms: timeout,
            retries, hc_interval_ms: hc, zipf,
            replication: Replication::ALL[repl], sync_acks: SyncAcks::ALL[acks],
            read_from: if any_reads { ReadFrom::Any } else { ReadFrom::Leader },
            consistency: if ap { Consistency::Ap } else { Consistency::Cp },
            clock_skew_ms: skew,
            write_quorum: w.min(replicas), read_quorum: r.min(replicas),
            rmw_ratio: rmw.0, cas: rmw.1,
            clock: if lamport { ClockKind::Lamport } else { ClockKind::Wall },
            deadlines, shed_ms, breaker, breaker_open_ms,
            autoscale_target, autoscale_min, autoscale_max: 8, autoscale_startup_s, autoscale_cooldown_s, traffic,
            ..Config::v1()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After every event: issued = succeeded + failed + in flight; no request goes to a server the
    /// balancer has marked down, is draining or has opened the circuit to; the event queue stays bounded by what is in flight.
    #[test]
    fn conservation_and_no_work_for_servers_marked_down(
        cfg in config(),
        faults in prop::collection::vec((0u64..20_000, action()), 0..12),
    ) {
        // Timeouts of attempts already answered stay queued until they fall due, so the queue may also
        // hold about one per attempt made within the last timeout.
        let mut w = World::new(cfg).unwrap();
        // The largest this has been: knobs may change rate, timeout and retries mid-run.
        let mut stale = 0.0f64;
        for (at, a) in faults {
            w.schedule(at * MS, a);
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            if !w.step() { break; }
            let c = w.config();
            stale = stale.max(c.traffic.peak(c.arrival_rate) * c.timeout_ms / 1e3 * (1 + c.retries) as f64 * 2.0);
            let m = w.metrics();
            prop_assert_eq!(m.issued, m.succeeded + m.failed_total() + w.in_flight());
            for (h, msg) in w.messages() {
                if let (NodeId::Server(i), Payload::Job(_)) = (msg.to, &msg.payload)
                    && msg.queued == w.now()
                    && seen.insert(h.id)
                {
                    let b = &w.balancer().backends()[i];
                    prop_assert!(b.health.healthy, "sent to server {} marked down", i + 1);
                    prop_assert!(!b.draining, "sent to server {} while draining", i + 1);
                    prop_assert!(b.breaker.state.name() != "open", "sent to server {} through an open circuit", i + 1);
                }
            }
            let bound = 64 + stale as usize + 8 * w.in_flight() as usize + w.messages().count()
                + 4 * w.servers().len();
            prop_assert!(w.pending_events() <= bound, "{} events pending", w.pending_events());
        }
    }

    /// Once faults stop and traffic stops, every request ends and the live replicas agree.
    #[test]
    fn every_request_ends_and_replicas_settle(
        cfg in config(),
        faults in prop::collection::vec((0u64..10_000, action()), 0..8),
    ) {
        let mut w = World::new(cfg).unwrap();
        for (at, a) in faults {
            w.schedule(at * MS, a);
        }
        w.step_until(10_000 * MS);
        // Faults stop: chaos too.
        w.apply(Action::Tune(Knob::ChaosMtbfS, 0.0));
        w.apply(Action::HealAll);
        let nodes: Vec<NodeId> = [NodeId::Client, NodeId::Lb]
            .into_iter()
            .chain((0..6).map(NodeId::Server))
            .chain((0..4).map(NodeId::Db))
            .collect();
        for &a in &nodes {
            w.apply(Action::Recover(a));
            for &b in &nodes {
                w.apply(Action::Heal(a, b));
            }
        }
        w.set_issue_limit(Some(w.metrics().issued));
        let mut guard = 0;
        while !w.is_settled() && w.step() {
            guard += 1;
            prop_assert!(guard < 2_000_000, "the run does not settle");
        }
        // Followers notice they are behind at the next heartbeat; give failover and catch-up time.
        let settle = w.now() + 8 * (w.config().failover_ms as u64 + w.config().heartbeat_ms as u64) * MS;
        w.step_until(settle);
        while !w.is_settled() && w.step() {}
        prop_assert_eq!(w.in_flight(), 0);
        let m = w.metrics();
        prop_assert_eq!(m.issued, m.succeeded + m.failed_total());
        prop_assert!(w.replicas().iter().all(|r| r.status == Status::Up));
        prop_assert!(w.database().in_sync(), "replicas differ after settling");
    }
}
