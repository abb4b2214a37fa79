//! Native tests of the model: balancing, failure detection, retries, scaling, replication and the
//! run's invariants, each through the World's public interface.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::time::{MS, SECOND, Time};
use clusterscope::sim::{
    Action, Cause, Config, NodeId, PacketKind, Payload, Role, Status, Strategy, World,
};

fn world(cfg: Config) -> World {
    World::new(cfg).expect("valid config")
}

/// (time, server) of every attempt the balancer sends from now until `until`, read off the wire.
fn jobs(w: &mut World, until: Time) -> Vec<(Time, usize)> {
    attempts(w, until, |_| true)
}

/// Like `jobs`, for the attempts whose number passes `which`.
fn attempts(w: &mut World, until: Time, which: impl Fn(u16) -> bool) -> Vec<(Time, usize)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while w.next_event_time().is_some_and(|t| t <= until) {
        w.step();
        for (h, m) in w.messages() {
            if let (NodeId::Server(i), Payload::Job(job)) = (m.to, &m.payload)
                && which(job.attempt)
                && m.queued == w.now()
                && seen.insert(h.id)
            {
                out.push((m.sent, i));
            }
        }
    }
    out
}

fn servers_of(jobs: &[(Time, usize)]) -> Vec<usize> {
    jobs.iter().map(|&(_, i)| i).collect()
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
        ..Config::v1()
    });
    let order = servers_of(&jobs(&mut w, 20 * SECOND));
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
        ..Config::v1()
    });
    let order = servers_of(&jobs(&mut w, 60 * SECOND));
    let mut counts = [0usize; 3];
    order.iter().for_each(|&i| counts[i] += 1);
    let n = order.len() as f64;
    assert!(
        counts
            .iter()
            .all(|&c| (c as f64 / n - 1.0 / 3.0).abs() < 0.08),
        "{counts:?}"
    );
    assert!(
        order.windows(3).any(|w| w[0] == w[1]),
        "not a rotation in disguise: {order:?}"
    );
}

/// Between a crash and its detection the balancer keeps sending the dead server work; after the
/// `fall`-th failed check it sends nothing more, whatever the strategy.
#[test]
fn a_crash_is_noticed_after_failed_checks_and_then_never_chosen() {
    for strategy in Strategy::ALL {
        let cfg = Config {
            strategy,
            arrival_rate: 30.0,
            service_ms: 50.0,
            ..Config::v1()
        };
        let (interval, fall, probe_timeout) = (cfg.hc_interval_ms, cfg.hc_fall, cfg.hc_timeout_ms);
        let mut w = world(cfg);
        w.step_until(5 * SECOND);
        let crash = w.now();
        w.apply(Action::Fail(NodeId::Server(1)));
        assert_eq!(w.servers()[1].status, Status::Down);
        let sent = jobs(&mut w, 20 * SECOND);
        let detected = w
            .log()
            .find(|e| e.text.contains("marked Server 2 down"))
            .map(|e| e.at)
            .expect("the balancer notices the crash");
        let window = (detected - crash) as f64 / 1e3;
        let (lo, hi) = (
            (fall - 1) as f64 * interval + probe_timeout,
            fall as f64 * interval + probe_timeout,
        );
        assert!(
            (lo..=hi).contains(&window),
            "{strategy}: detection took {window} ms"
        );
        let during = sent
            .iter()
            .filter(|&&(t, i)| t < detected && i == 1)
            .count();
        let after = sent
            .iter()
            .filter(|&&(t, i)| t >= detected && i == 1)
            .count();
        if strategy != Strategy::ConsistentHash {
            assert!(
                during > 0,
                "{strategy}: the detection window exists and costs requests"
            );
        }
        assert_eq!(
            after, 0,
            "{strategy}: server 2 was picked after it was marked down"
        );
        assert!(
            !w.is_suspect(1),
            "{strategy}: no longer suspect once detected"
        );
        assert_conserved(&w);

        w.apply(Action::Recover(NodeId::Server(1)));
        let sent = jobs(&mut w, 30 * SECOND);
        assert!(
            sent.iter().any(|&(_, i)| i == 1),
            "{strategy}: server 2 gets work again"
        );
    }
}

#[test]
fn without_health_checks_a_dead_server_keeps_costing_timeouts() {
    let cfg = Config {
        hc_interval_ms: 0.0,
        retries: 0,
        arrival_rate: 10.0,
        ..Config::v1()
    };
    let mut w = world(cfg);
    w.apply(Action::Fail(NodeId::Server(0)));
    w.step_until(60 * SECOND);
    let timeouts = w.metrics().failed_by(Cause::Timeout);
    // Round robin sends a third of the traffic to the dead server for the whole run.
    let issued = w.metrics().issued as f64;
    assert!(
        (timeouts as f64 / issued - 1.0 / 3.0).abs() < 0.05,
        "{timeouts} of {issued}"
    );
}

#[test]
fn retries_rescue_the_requests_a_crash_loses() {
    let run = |retries| {
        let cfg = Config {
            retries,
            retry_budget: 1.0,
            arrival_rate: 20.0,
            service_ms: 50.0,
            ..Config::v1()
        };
        let mut w = world(cfg);
        w.step_until(5 * SECOND);
        w.apply(Action::Fail(NodeId::Server(1)));
        w.set_issue_limit(Some(w.metrics().issued + 200));
        w.step_until(40 * SECOND);
        assert!(w.is_settled());
        assert_conserved(&w);
        (w.metrics().failed_by(Cause::Timeout), w.metrics().retries)
    };
    let (lost_without, retried_without) = run(0);
    let (lost_with, retried_with) = run(2);
    assert_eq!(retried_without, 0);
    assert!(lost_without > 0, "without retries the crash costs requests");
    assert!(retried_with > 0);
    assert_eq!(
        lost_with, 0,
        "with retries on other servers every request gets through"
    );
}

#[test]
fn a_full_queue_rejects_and_the_retry_budget_caps_retries() {
    let cfg = Config {
        servers: 1,
        arrival_rate: 50.0,
        service_ms: 100.0,
        queue_cap: 2,
        retries: 3,
        retry_budget: 0.1,
        ..Config::v1()
    };
    let mut w = world(cfg);
    w.step_until(120 * SECOND);
    let m = w.metrics();
    assert!(m.failed_by(Cause::QueueFull) > 0);
    // The budget allows retries of at most 10 % of requests (plus a small burst).
    assert!(
        (m.retries as f64) <= 0.1 * m.issued as f64 + 10.0,
        "{} retries of {}",
        m.retries,
        m.issued
    );
    assert!(m.retries_denied > 0);
    assert_conserved(&w);
}

#[test]
fn a_recovered_replica_converges_to_the_leader() {
    let mut w = world(Config {
        write_ratio: 0.8,
        arrival_rate: 20.0,
        ..Config::v1()
    });
    w.step_until(3 * SECOND);
    w.apply(Action::Fail(NodeId::Db(1)));
    w.step_until(10 * SECOND);
    let (leader, stale) = (&w.replicas()[0], &w.replicas()[1]);
    assert!(
        leader.version() > stale.version() + 20,
        "a down replica misses writes"
    );
    assert_ne!(leader.data, stale.data);
    w.apply(Action::Recover(NodeId::Db(1)));
    w.set_issue_limit(Some(0));
    w.step_until(20 * SECOND);
    assert!(w.is_settled());
    assert!(w.database().in_sync());
    for r in w.replicas() {
        assert_eq!(
            (r.last, &r.data),
            (w.replicas()[0].last, &w.replicas()[0].data)
        );
    }
}

#[test]
fn a_dead_leader_is_replaced_by_the_most_up_to_date_follower() {
    let cfg = Config {
        write_ratio: 0.5,
        arrival_rate: 10.0,
        retries: 0,
        ..Config::v1()
    };
    let (failover, heartbeat) = (cfg.failover_ms, cfg.heartbeat_ms);
    let mut w = world(cfg);
    w.step_until(10 * SECOND);
    // Replica 3 stops hearing from the leader and falls behind, but stays alive.
    w.apply(Action::Cut(NodeId::Db(0), NodeId::Db(2)));
    w.step_until(12 * SECOND);
    assert!(w.database().writes_behind(2) > 3);
    w.apply(Action::Fail(NodeId::Db(0)));
    let ok_before = w.metrics().succeeded;
    // Within the failover window writes reach a dead leader and time out. An election takes a
    // randomised timeout (one to two failover timeouts) and perhaps a second round.
    w.step_until(12 * SECOND + (4.0 * failover + heartbeat) as u64 * 1_000);
    assert_eq!(
        w.database().leader,
        1,
        "replica 2, the up-to-date follower, leads"
    );
    w.step_until(40 * SECOND);
    assert!(
        w.metrics().failed_by(Cause::Timeout) > 0,
        "the failover window costs requests"
    );
    assert!(
        w.metrics().succeeded > ok_before + 150,
        "service resumes under the new leader"
    );
    let r2 = &w.replicas()[1];
    assert_eq!(r2.role, Role::Leader);
    assert!(r2.term > 1, "it leads a newer term");
    // The old leader comes back as a follower of the new term and catches up.
    w.apply(Action::Recover(NodeId::Db(0)));
    w.apply(Action::Heal(NodeId::Db(0), NodeId::Db(2)));
    w.set_issue_limit(Some(w.metrics().issued));
    w.step_until(50 * SECOND);
    assert_eq!(w.replicas()[0].role, Role::Follower);
    assert!(
        w.database().in_sync(),
        "every replica converges on the new leader's data"
    );
}

#[test]
fn same_seed_same_run_and_another_seed_another_run() {
    let run = |seed| {
        let mut w = world(Config {
            seed,
            ..Config::v1()
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
    let mut a = world(Config::v1());
    let mut b = world(Config::v1());
    a.step_until(30 * SECOND);
    let mut t = 0;
    while t < 30 * SECOND {
        t += 16 * MS + 7;
        b.step_until(t.min(30 * SECOND));
    }
    assert_eq!(a.trace_hash(), b.trace_hash());
}

#[test]
fn removing_a_server_drains_it_and_a_new_one_earns_traffic_by_health_checks() {
    let mut w = world(Config {
        servers: 3,
        arrival_rate: 5.0,
        ..Config::v1()
    });
    w.step_until(5 * SECOND);
    w.apply(Action::RemoveServer);
    w.step_until(10 * SECOND);
    assert_eq!(w.servers().len(), 2, "the drained server leaves");
    assert_eq!(w.metrics().failed_total(), 0, "draining loses nothing");
    w.apply(Action::AddServer);
    assert_eq!(w.servers().len(), 3);
    assert!(
        !w.balancer().accepts(2),
        "a new server waits for its health checks"
    );
    let sent = jobs(&mut w, 20 * SECOND);
    let first = sent
        .iter()
        .find(|&&(_, i)| i == 2)
        .expect("the new server gets traffic")
        .0;
    assert!(
        first >= 10 * SECOND + 2 * SECOND - SECOND,
        "traffic only after `rise` good checks"
    );
    for _ in 0..10 {
        w.apply(Action::RemoveServer);
    }
    w.step_until(30 * SECOND);
    assert_eq!(w.servers().len(), 1, "the last server is never removed");
    assert_conserved(&w);
}

#[test]
fn least_response_time_steers_away_from_a_slow_server() {
    let share_of_slow = |strategy| {
        let cfg = Config {
            strategy,
            servers: 4,
            arrival_rate: 8.0,
            service_ms: 100.0,
            slow_factor: 0.4,
            // Short hops, so response times are mostly service time, which is what differs.
            latency_ms: 10.0,
            ..Config::v1()
        };
        let mut w = world(cfg);
        w.apply(Action::Slow(NodeId::Server(0)));
        let sent = servers_of(&attempts(&mut w, 200 * SECOND, |a| a == 1));
        sent.iter().filter(|&&i| i == 0).count() as f64 / sent.len() as f64
    };
    let (rr, lrt) = (
        share_of_slow(Strategy::RoundRobin),
        share_of_slow(Strategy::LeastResponseTime),
    );
    assert!((rr - 0.25).abs() < 0.02, "round robin ignores speed: {rr}");
    assert!(
        lrt < 0.15,
        "least response time avoids the slow server: {lrt}"
    );
}

#[test]
fn vertical_scaling_speeds_a_server_and_costs_more_than_linearly() {
    let mut w = world(Config {
        servers: 2,
        strategy: Strategy::WeightedRoundRobin,
        ..Config::v1()
    });
    let base = w.fleet_cost_per_hour();
    w.apply(Action::SetPower {
        server: 1,
        power: 4,
    });
    w.apply(Action::SetPower {
        server: 0,
        power: 3,
    }); // not a level: ignored
    assert_eq!(w.servers()[0].power, 1);
    assert!(
        w.fleet_cost_per_hour() - base > 3.0 * base / 2.0,
        "4× power costs more than 4×"
    );
    let sent = servers_of(&jobs(&mut w, 60 * SECOND));
    let share = sent.iter().filter(|&&i| i == 1).count() as f64 / sent.len() as f64;
    assert!(
        (share - 0.8).abs() < 0.02,
        "weights follow power 1:4, got {share}"
    );
}

#[test]
fn a_saturated_link_becomes_the_bottleneck() {
    let p50 = |mbps| {
        let cfg = Config {
            bandwidth_mbps: mbps,
            arrival_rate: 20.0,
            service_ms: 5.0,
            ..Config::v1()
        };
        let mut w = world(cfg);
        w.step_until(60 * SECOND);
        w.metrics().latency.quantile(0.5).unwrap()
    };
    let (fast, slow) = (p50(0.0), p50(0.68));
    // 20 req/s × 4 kB responses = 0.64 Mbit/s: at 0.68 Mbit/s the links carrying responses are
    // 94 % busy and answers queue for them (about 45 ms to send each, and waits several times that).
    assert!(
        slow > fast + 200_000.0,
        "a narrow link adds queueing delay: {fast} → {slow} µs"
    );
}

#[test]
fn a_cut_link_loses_what_crosses_it_until_healed() {
    let cfg = Config {
        servers: 1,
        retries: 0,
        arrival_rate: 10.0,
        service_ms: 20.0,
        ..Config::v1()
    };
    let mut w = world(cfg);
    w.step_until(5 * SECOND);
    assert_eq!(w.metrics().failed_total(), 0);
    w.apply(Action::Cut(NodeId::Server(0), NodeId::Db(0)));
    w.step_until(20 * SECOND);
    let failed = w.metrics().failed_by(Cause::Timeout);
    assert!(
        failed > 50,
        "queries to the database are lost: {failed} timeouts"
    );
    w.apply(Action::Heal(NodeId::Db(0), NodeId::Server(0)));
    w.step_until(25 * SECOND);
    let settled = w.metrics().failed_by(Cause::Timeout);
    w.step_until(60 * SECOND);
    assert_eq!(
        w.metrics().failed_by(Cause::Timeout),
        settled,
        "healed: no more losses"
    );
    assert_conserved(&w);
}

#[test]
fn without_the_database_no_query_is_sent() {
    let mut w = world(Config {
        use_db: false,
        ..Config::v1()
    });
    let mut queries = 0;
    while w.now() < 20 * SECOND && w.step() {
        queries += w
            .messages()
            .filter(|(_, m)| matches!(m.payload, Payload::Query(_)))
            .count();
    }
    assert_eq!(queries, 0);
    assert!(w.metrics().succeeded > 50);
    assert!(
        w.messages()
            .all(|(_, m)| m.kind() != PacketKind::Replication)
    );
}

#[test]
fn switching_replication_modes_back_and_forth_keeps_the_replicas_converging() {
    let cfg = Config {
        write_ratio: 0.6,
        arrival_rate: 20.0,
        service_ms: 20.0,
        ..Config::v1()
    };
    let mut w = world(cfg);
    let modes = [
        clusterscope::sim::Replication::Quorum,
        clusterscope::sim::Replication::LeaderSync,
        clusterscope::sim::Replication::Quorum,
        clusterscope::sim::Replication::LeaderAsync,
    ];
    for (k, mode) in modes.into_iter().enumerate() {
        w.schedule((10 + 10 * k as u64) * SECOND, Action::SetReplication(mode));
    }
    w.step_until(60 * SECOND);
    let served = w.metrics().succeeded;
    w.set_issue_limit(Some(w.metrics().issued));
    w.step_until(90 * SECOND);
    assert!(
        served > 800,
        "service continues across the switches: {served}"
    );
    assert!(
        w.database().in_sync(),
        "the replicas agree after the last switch"
    );
    assert_eq!(
        w.replicas()
            .iter()
            .filter(|r| r.role == Role::Leader)
            .count(),
        1
    );
    assert_conserved(&w);
}
