//! The simulation against queueing theory. Zero network latency, no database, unbounded queues and
//! no timeouts leave pure queueing systems whose mean response time is known in closed form; the
//! simulated mean must land within 5 % of it.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::time::SECOND;
use clusterscope::sim::{Config, ServiceDist, Strategy, World};

const SERVICE_MS: f64 = 10.0; // μ = 100 per second per worker

/// Mean simulated response time in ms over `requests` requests after a warm-up.
fn simulate(cfg: Config, requests: u64) -> f64 {
    let cfg = Config {
        latency_ms: 0.0,
        use_db: false,
        queue_cap: usize::MAX,
        timeout_ms: 600_000.0,
        retries: 0,
        hc_interval_ms: 0.0,
        service_ms: SERVICE_MS,
        ..cfg
    };
    let mut w = World::new(cfg).unwrap();
    w.set_warmup(20 * SECOND);
    w.set_issue_limit(Some(requests));
    while !(w.metrics().issued >= requests && w.is_settled()) && w.step() {}
    let h = &w.metrics().latency;
    assert!(
        h.count() > requests * 9 / 10,
        "too few samples: {}",
        h.count()
    );
    h.mean().unwrap() / 1_000.0
}

fn assert_close(simulated: f64, theory: f64, what: &str) {
    let err = (simulated - theory).abs() / theory;
    println!(
        "{what}: simulated {simulated:.3} ms, theory {theory:.3} ms, error {:.2} %",
        err * 100.0
    );
    assert!(
        err < 0.05,
        "{what}: simulated {simulated:.3} ms vs theory {theory:.3} ms"
    );
}

/// Random routing splits a Poisson stream into independent Poisson streams: each server is M/M/1,
/// W = 1 / (μ − λ/N).
#[test]
fn random_routing_with_exponential_service_is_mm1() {
    let (servers, lambda, mu) = (4, 280.0, 1000.0 / SERVICE_MS);
    let cfg = Config {
        servers,
        arrival_rate: lambda,
        strategy: Strategy::Random,
        seed: 11,
        ..Config::default()
    };
    let theory = 1000.0 / (mu - lambda / servers as f64);
    assert_close(simulate(cfg, 400_000), theory, "M/M/1 (ρ = 0.7)");
}

/// Constant service: M/D/1, Pollaczek–Khinchine: W = S + ρS / (2(1 − ρ)).
#[test]
fn random_routing_with_constant_service_is_md1() {
    let (servers, lambda) = (4, 280.0);
    let cfg = Config {
        servers,
        arrival_rate: lambda,
        strategy: Strategy::Random,
        service_dist: ServiceDist::Constant,
        seed: 12,
        ..Config::default()
    };
    let rho = lambda / servers as f64 * SERVICE_MS / 1000.0;
    let theory = SERVICE_MS + rho * SERVICE_MS / (2.0 * (1.0 - rho));
    assert_close(simulate(cfg, 400_000), theory, "M/D/1 (ρ = 0.7)");
}

/// One server with c workers is M/M/c: W = 1/μ + C(c, a) / (cμ − λ), with Erlang's C formula.
#[test]
fn one_server_with_several_workers_is_mmc() {
    let (c, lambda, mu) = (4usize, 280.0, 1000.0 / SERVICE_MS);
    let cfg = Config {
        servers: 1,
        workers: c,
        arrival_rate: lambda,
        seed: 13,
        ..Config::default()
    };
    let a = lambda / mu;
    let rho = a / c as f64;
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    let top = term / (1.0 - rho); // a^c / c! / (1 − ρ)
    let erlang_c = top / (sum + top);
    let theory = 1000.0 * (1.0 / mu + erlang_c / (c as f64 * mu - lambda));
    assert_close(simulate(cfg, 400_000), theory, "M/M/4 (ρ = 0.7)");
}

/// Round robin hands each of N servers every N-th arrival: Erlang-N gaps, a GI/M/1 queue with
/// W = 1 / (μ(1 − σ)), σ the root of σ = (λ / (λ + μ(1 − σ)))^N. Smoother arrivals than random
/// routing's, so a shorter wait: the reason round robin beats random on equal servers.
#[test]
fn round_robin_with_exponential_service_is_erlang_gi_m1() {
    let (servers, lambda, mu) = (4, 280.0, 1000.0 / SERVICE_MS);
    let cfg = Config {
        servers,
        arrival_rate: lambda,
        strategy: Strategy::RoundRobin,
        seed: 14,
        ..Config::default()
    };
    let mut sigma: f64 = 0.5;
    for _ in 0..10_000 {
        sigma = (lambda / (lambda + mu * (1.0 - sigma))).powi(servers as i32);
    }
    let theory = 1000.0 / (mu * (1.0 - sigma));
    let simulated = simulate(cfg, 400_000);
    assert_close(simulated, theory, "E4/M/1 (ρ = 0.7)");
    assert!(
        theory < 1000.0 / (mu - lambda / servers as f64),
        "round robin waits less than random"
    );
}
