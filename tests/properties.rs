//! Property tests: invariants that hold for any config and any schedule of faults.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::event::MS;
use clusterscope::sim::{Action, Config, NodeId, Payload, Status, Strategy as Balancing, World};
use proptest::prelude::*;

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0usize..6).prop_map(|i| Action::Fail(NodeId::Server(i))),
        (0usize..6).prop_map(|i| Action::Recover(NodeId::Server(i))),
        (0usize..4).prop_map(|j| Action::Fail(NodeId::Db(j))),
        (0usize..4).prop_map(|j| Action::Recover(NodeId::Db(j))),
        Just(Action::AddServer),
        Just(Action::RemoveServer),
        Just(Action::SetStrategy(Balancing::Random)),
        Just(Action::SetStrategy(Balancing::RoundRobin)),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        any::<u64>(),
        1usize..6,
        1usize..4,
        0.5f64..200.0,
        1.0f64..400.0,
        0.0f64..300.0,
        0usize..5,
    )
        .prop_map(
            |(seed, servers, replicas, rate, service, latency, cap)| Config {
                seed,
                servers,
                replicas,
                arrival_rate: rate,
                service_ms: service,
                latency_ms: latency,
                queue_cap: cap,
                ..Config::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// issued = succeeded + failed + in flight after every event, and no request is ever sent to a
    /// server that the balancer could see was down.
    #[test]
    fn conservation_and_no_work_for_down_servers(
        cfg in config(),
        faults in prop::collection::vec((0u64..20_000, action()), 0..12),
    ) {
        let mut w = World::new(cfg).unwrap();
        for (at, a) in faults {
            w.schedule(at * MS, a);
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            if !w.step() { break; }
            let m = w.metrics();
            prop_assert_eq!(m.issued, m.succeeded + m.failed_total() + w.in_flight());
            for (h, msg) in w.messages() {
                if let (NodeId::Lb, NodeId::Server(i), Payload::Request(_)) = (msg.from, msg.to, &msg.payload)
                    && msg.sent == w.now()
                    && seen.insert(h.id)
                {
                    let s = &w.servers()[i];
                    prop_assert!(s.status == Status::Up, "sent to server {} while down", i + 1);
                    prop_assert!(!s.draining, "sent to server {} while draining", i + 1);
                }
            }
        }
    }
}
