//! Fleets of thousands. Power of two choices meets its mean-field theory only as the fleet grows
//! (Mitzenmacher's supermarket model), so it is checked at 1,000 servers; a fleet of 10,000 — the
//! model's limit — serves on every server, loses one and routes around it.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::MAX_SERVERS;
use clusterscope::sim::time::SECOND;
use clusterscope::sim::{Action, Config, NodeId, ServiceDist, Strategy, World};

/// Mean time in system of the supermarket model with d = 2 choices at load λ, in service times, as
/// n → ∞: Σ_{i≥1} λ^(2^i − 2) (Mitzenmacher 2001, "The power of two choices in randomized load
/// balancing", Theorem 3.6 with d = 2).
fn supermarket(lambda: f64) -> f64 {
    (1..20).map(|i| lambda.powi((1 << i) - 2)).sum()
}

/// Queueing alone: no latency, no database, no checks, no timeouts, unbounded queues.
fn bare(servers: usize, strategy: Strategy, rate: f64, service_ms: f64) -> Config {
    Config {
        servers,
        strategy,
        workers: 1,
        service_ms,
        service_dist: ServiceDist::Exponential,
        arrival_rate: rate,
        latency_ms: 0.0,
        use_db: false,
        queue_cap: usize::MAX,
        client_pool: 0,
        timeout_ms: 600_000.0,
        retries: 0,
        hc_interval_ms: 0.0,
        ..Config::default()
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
fn power_of_two_at_a_thousand_servers_meets_the_supermarket_model() {
    let (n, load, service_ms) = (1_000, 0.9, 100.0);
    let requests = 3_000_000;
    let rate = load * n as f64 * 1_000.0 / service_ms;
    let mut w = World::new(bare(n, Strategy::PowerOfTwo, rate, service_ms)).unwrap();
    w.set_warmup(20 * SECOND);
    w.set_issue_limit(Some(requests));
    while !(w.metrics().issued >= requests && w.is_settled()) && w.step() {}
    let h = &w.metrics().latency;
    assert!(h.count() > requests * 4 / 5, "{} samples", h.count());
    let simulated = h.mean().unwrap() / 1_000.0;
    let theory = supermarket(load) * service_ms;
    let err = (simulated - theory).abs() / theory;
    println!(
        "supermarket, n = {n}: simulated {simulated:.2} ms, theory {theory:.2} ms, error {:.2} %",
        err * 100.0
    );
    assert!(
        (2.61..2.62).contains(&supermarket(load)),
        "the series: {}",
        supermarket(load)
    );
    assert!(
        err < 0.015,
        "simulated {simulated:.2} ms vs theory {theory:.2} ms"
    );
    // Random routing at the same load is M/M/1 on every server: 10 service times, nowhere near.
    assert!(simulated < 0.3 * service_ms / (1.0 - load));
}

#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
fn ten_thousand_servers_all_serve_and_a_crash_is_routed_around() {
    let n = MAX_SERVERS;
    assert_eq!(n, 10_000);
    let cfg = Config {
        servers: n,
        strategy: Strategy::RoundRobin,
        arrival_rate: 20.0 * n as f64,
        use_db: false,
        hc_interval_ms: 500.0,
        ..Config::default()
    };
    let mut w = World::new(cfg).unwrap();
    w.step_until(SECOND);
    let idle = w.servers().iter().filter(|s| s.served == 0).count();
    assert_eq!(idle, 0, "round robin reaches every one of {n} servers");
    let last = n - 1;
    w.act(Action::Fail(NodeId::Server(last)));
    // Its checks fail `fall` times in a row (3 × 500 ms), then it leaves the rotation.
    w.step_until(4 * SECOND);
    assert!(
        !w.balancer().accepts(last),
        "the balancer learned of the crash"
    );
    let (before, timeouts) = (w.metrics().succeeded, w.metrics().attempt_timeouts);
    w.step_until(6 * SECOND);
    assert_eq!(
        w.metrics().attempt_timeouts,
        timeouts,
        "nothing more was sent to the crashed server"
    );
    assert_eq!(w.balancer().backends()[last].outstanding, 0);
    assert!(
        w.metrics().succeeded - before > 3 * 10 * n as u64 / 2,
        "the others carried on"
    );
    assert!(w.servers()[..last].iter().all(|s| s.status.is_up()));
}
