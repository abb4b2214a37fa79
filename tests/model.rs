//! Native tests of the model: balancing, failures, replication and the run's invariants.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::event::{MS, SECOND};
use clusterscope::sim::{Action, Config, NodeId, Payload, Status, Strategy, World};

fn world(cfg: Config) -> World {
    World::new(cfg).expect("valid config")
}

/// Servers the balancer sends requests to from now on, in order, read off the wire as the run goes.
fn picks(w: &mut World, until: u64) -> Vec<usize> {
    let mut seen = std::collections::BTreeSet::new();
    let mut order = Vec::new();
    while w.next_event_time().is_some_and(|t| t <= until) {
        w.step();
        for (h, m) in w.messages() {
            if let (NodeId::Lb, NodeId::Server(i), Payload::Request(_)) = (m.from, m.to, &m.payload)
                && m.sent == w.now()
                && seen.insert(h.id)
            {
                order.push(i);
            }
        }
    }
    order
}

fn assert_conserved(w: &World) {
    let m = w.metrics();
    assert_eq!(
        m.issued,
        m.succeeded + m.failed_total() + w.in_flight(),
        "conservation"
    );
}

#[test]
fn round_robin_visits_servers_in_turn() {
    let mut w = world(Config {
        servers: 4,
        strategy: Strategy::RoundRobin,
        ..Config::default()
    });
    let order = picks(&mut w, 20 * SECOND);
    assert!(order.len() > 50, "only {} picks", order.len());
    for (k, &i) in order.iter().enumerate() {
        assert_eq!(i, k % 4, "pick {k} went to server {i}: {order:?}");
    }
}

#[test]
fn random_spreads_requests_over_every_server() {
    let mut w = world(Config {
        servers: 3,
        strategy: Strategy::Random,
        ..Config::default()
    });
    let order = picks(&mut w, 60 * SECOND);
    let mut counts = [0usize; 3];
    order.iter().for_each(|&i| counts[i] += 1);
    let n = order.len() as f64;
    assert!(
        counts
            .iter()
            .all(|&c| (c as f64 / n - 1.0 / 3.0).abs() < 0.08),
        "{counts:?}"
    );
    // Not a rotation in disguise.
    assert!(order.windows(3).any(|w| w[0] == w[1]), "{order:?}");
}

#[test]
fn a_down_server_is_never_chosen_and_its_work_fails() {
    for strategy in Strategy::ALL {
        let mut w = world(Config {
            servers: 3,
            strategy,
            arrival_rate: 20.0,
            ..Config::default()
        });
        w.step_until(5 * SECOND);
        let served_before = w.servers()[1].served;
        w.apply(Action::Fail(NodeId::Server(1)));
        assert_eq!(w.servers()[1].status, Status::Down);
        let order = picks(&mut w, 30 * SECOND);
        assert!(
            !order.contains(&1),
            "{strategy}: server 2 was picked while down"
        );
        assert!(order.contains(&0) && order.contains(&2));
        assert_eq!(
            w.servers()[1].served,
            served_before,
            "{strategy}: a down server served"
        );
        assert_conserved(&w);

        w.apply(Action::Recover(NodeId::Server(1)));
        let order = picks(&mut w, 40 * SECOND);
        assert!(
            order.contains(&1),
            "{strategy}: server 2 gets work again once recovered"
        );
    }
}

#[test]
fn crashing_a_busy_server_fails_what_it_held() {
    let mut w = world(Config {
        servers: 1,
        arrival_rate: 50.0,
        service_ms: 100.0,
        ..Config::default()
    });
    w.step_until(10 * SECOND);
    let held = w.servers()[0].pending;
    assert!(held > 0, "the server should be busy");
    let failed = w.metrics().failed_total();
    w.apply(Action::Fail(NodeId::Server(0)));
    assert!(
        w.metrics().failed_total() > failed,
        "queued and running requests fail at once"
    );
    assert!(w.bursts().count() > 0, "the failure is visible");
    assert_conserved(&w);
}

#[test]
fn a_recovered_replica_converges_to_the_leader() {
    let mut w = world(Config {
        write_ratio: 0.8,
        arrival_rate: 20.0,
        ..Config::default()
    });
    w.step_until(3 * SECOND);
    w.apply(Action::Fail(NodeId::Db(1)));
    w.step_until(10 * SECOND);
    let (leader, stale) = (&w.replicas()[0], &w.replicas()[1]);
    assert!(
        leader.applied > stale.applied + 20,
        "a down replica misses writes"
    );
    assert_ne!(leader.data, stale.data);
    w.apply(Action::Recover(NodeId::Db(1)));
    // Stop new traffic and let everything in flight land.
    w.set_issue_limit(Some(0));
    w.step_until(20 * SECOND);
    assert!(w.is_settled());
    for r in w.replicas() {
        assert_eq!(r.applied, w.replicas()[0].applied);
        assert_eq!(r.data, w.replicas()[0].data);
    }
}

#[test]
fn writes_fail_while_the_leader_is_down() {
    let mut w = world(Config::default());
    w.apply(Action::Fail(NodeId::Db(0)));
    w.step_until(20 * SECOND);
    assert!(w.metrics().failed_by(clusterscope::sim::Cause::DbDown) > 0);
    assert_eq!(w.metrics().succeeded, 0);
}

#[test]
fn same_seed_same_run_and_another_seed_another_run() {
    let run = |seed| {
        let mut w = world(Config {
            seed,
            ..Config::default()
        });
        w.schedule(4 * SECOND, Action::Fail(NodeId::Server(2)));
        w.schedule(9 * SECOND, Action::Recover(NodeId::Server(2)));
        w.step_until(30 * SECOND);
        (
            w.trace_hash(),
            w.metrics().succeeded,
            w.metrics().failed_total(),
        )
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).0, run(8).0);
}

#[test]
fn stepping_in_small_or_large_increments_changes_nothing() {
    let mut a = world(Config::default());
    let mut b = world(Config::default());
    a.step_until(30 * SECOND);
    let mut t = 0;
    while t < 30 * SECOND {
        t += 16 * MS + 7;
        b.step_until(t.min(30 * SECOND));
    }
    assert_eq!(a.trace_hash(), b.trace_hash());
}

#[test]
fn removing_a_server_drains_it_then_adding_brings_one_back() {
    let mut w = world(Config {
        servers: 3,
        arrival_rate: 5.0,
        ..Config::default()
    });
    w.step_until(5 * SECOND);
    w.apply(Action::RemoveServer);
    w.step_until(10 * SECOND);
    assert_eq!(w.servers().len(), 2, "the drained server leaves");
    assert_eq!(w.metrics().failed_total(), 0, "draining loses nothing");
    assert!(w.metrics().succeeded > 20);
    w.apply(Action::AddServer);
    assert_eq!(w.servers().len(), 3);
    for _ in 0..10 {
        w.apply(Action::RemoveServer);
    }
    w.step_until(20 * SECOND);
    assert_eq!(w.servers().len(), 1, "the last server is never removed");
    assert_conserved(&w);
}
