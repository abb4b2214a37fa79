//! Traffic shapes and the autoscaler. Arrivals under a shape must be the Poisson process of that
//! rate (thinning is exact: counts match the rate's integral within Poisson noise); a step from 6
//! to 60 req/s must be absorbed within start-up + cooldown + three health-check intervals; the
//! server time the summary reports must equal the fleet's size integrated over the run, sampled
//! from outside.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::server_cost_per_hour;
use clusterscope::sim::time::{MS, SECOND, Time};
use clusterscope::sim::{Config, Summary, TrafficShape, World};

fn shape(text: &str) -> TrafficShape {
    TrafficShape::parse(text).unwrap()
}

/// Requests issued in [from, to) seconds.
fn issued_between(w: &mut World, from: u64, to: u64) -> u64 {
    w.step_until(from * SECOND);
    let before = w.metrics().issued;
    w.step_until(to * SECOND);
    w.metrics().issued - before
}

#[test]
fn arrivals_follow_the_shape() {
    // A spike of 200 req/s for 5 s over a base of 20, and a wave of 60 ± 40 every 40 s.
    let cfg = Config {
        traffic: shape("spike:20,200@10+5"),
        seed: 9,
        ..Config::default()
    };
    let mut w = World::new(cfg).unwrap();
    let base = issued_between(&mut w, 0, 10) as f64;
    let spike = issued_between(&mut w, 10, 15) as f64;
    let after = issued_between(&mut w, 15, 25) as f64;
    // Within four standard deviations of Poisson counts of mean 200, 1,000 and 200.
    for (got, mean) in [(base, 200.0), (spike, 1_000.0), (after, 200.0)] {
        assert!((got - mean).abs() < 4.0 * mean.sqrt(), "{got} vs {mean}");
    }
    let cfg = Config {
        traffic: shape("wave:60,40@40"),
        seed: 10,
        ..Config::default()
    };
    let mut w = World::new(cfg).unwrap();
    // Over a rising quarter the rate's integral is 60·10 + 40·40/(2π) = 854.6; the falling half's
    // trough quarter, 60·10 − 254.6 = 345.4.
    let rising = issued_between(&mut w, 0, 10) as f64;
    let trough = issued_between(&mut w, 30, 40) as f64;
    let q = 40.0 * 40.0 / (2.0 * std::f64::consts::PI);
    for (got, mean) in [(rising, 600.0 + q), (trough, 600.0 - q)] {
        assert!((got - mean).abs() < 4.0 * mean.sqrt(), "{got} vs {mean}");
    }
}

/// The step: 6 → 60 req/s at 30 s, servers of 10 req/s (100 ms of service, a 3 s
/// timeout), target 0.6, 2 to 32 servers, 20 s start-up, 60 s cooldown.
fn stepped(seed: u64) -> Config {
    Config {
        seed,
        servers: 2,
        service_ms: 100.0,
        // Thirty service times, as the runner's own example: timeouts then mean overload.
        timeout_ms: 3_000.0,
        use_db: false,
        traffic: shape("step:6@0,60@30"),
        autoscale_target: 0.6,
        autoscale_min: 2,
        autoscale_max: 32,
        autoscale_startup_s: 20.0,
        autoscale_cooldown_s: 60.0,
        ..Config::default()
    }
}

#[test]
fn a_step_is_absorbed_within_startup_cooldown_and_three_checks() {
    for seed in 1..=5 {
        let cfg = stepped(seed);
        let bound = 30 * SECOND
            + (cfg.autoscale_startup_s + cfg.autoscale_cooldown_s) as Time * SECOND
            + 3 * (cfg.hc_interval_ms as Time) * MS;
        let mut w = World::new(cfg).unwrap();
        // The last failure, watched every 10 ms.
        let (mut failed, mut last_failure) = (0, 0);
        while w.now() < bound + 10 * SECOND {
            w.step_until(w.now() + 10 * MS);
            let now = w.metrics().failed_total();
            if now > failed {
                (failed, last_failure) = (now, w.now());
            }
        }
        println!(
            "seed {seed}: last failure {:.1} s after the step; {} servers",
            (last_failure as f64 - 30e6) / 1e6,
            w.servers().len()
        );
        assert!(
            failed > 0,
            "60 req/s on two servers of 10 must fail at first"
        );
        // No failure in the 10 s window ending at the bound + 10 s: absorbed by the bound.
        assert!(
            last_failure <= bound,
            "seed {seed}: a failure at {last_failure} µs"
        );
        assert!((10..=14).contains(&w.servers().len()));
    }
}

#[test]
fn server_time_is_the_fleet_integrated_over_the_run() {
    let cfg = Config {
        traffic: shape("step:6@0,60@30,6@90"),
        autoscale_cooldown_s: 20.0,
        ..stepped(4)
    };
    let mut w = World::new(cfg).unwrap();
    // Event by event: the fleet's size times how long it held, and its largest.
    let (mut integral, mut most, mut last) = (0.0, 0, 0);
    let mut held = w.servers().len();
    while w.now() < 200 * SECOND && w.step() {
        integral += held as f64 * (w.now() - last) as f64 / 1e6;
        held = w.servers().len();
        last = w.now();
        most = most.max(w.servers().len());
        // Cost at each moment: the servers then in the fleet, at their power's price.
        let cost: f64 = (w.servers().iter())
            .map(|s| server_cost_per_hour(s.power))
            .sum();
        assert_eq!(w.fleet_cost_per_hour(), cost);
    }
    let s = Summary::of(&w).autoscale;
    println!(
        "server time {:.2} s, sampled {integral:.2} s; {} out, {} in",
        s.server_seconds, s.scale_outs, s.scale_ins
    );
    assert!((s.server_seconds - integral).abs() / integral < 1e-6);
    assert_eq!(s.max_servers, most);
    assert!(s.scale_outs >= 1 && s.scale_ins >= 1, "it grew and shrank");
    assert_eq!(
        w.servers().len(),
        2,
        "back to the minimum after the step down"
    );
}
