//! Side by side equals single runs: each run of a comparison is exactly the run its choice makes
//! alone with the same seed, however the frames split the work.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::compare::{Comparison, Variant};
use clusterscope::sim::event::{MS, SECOND};
use clusterscope::sim::summary::Summary;
use clusterscope::sim::{Config, Replication, Strategy, World};

fn alone(cfg: Config, t: u64) -> World {
    let mut w = World::new(cfg).unwrap();
    w.step_until(t);
    w
}

#[test]
fn each_run_side_by_side_is_the_run_alone() {
    let base = Config {
        seed: 99,
        arrival_rate: 14.0,
        servers: 4,
        ..Config::default()
    };
    for variants in [
        vec![
            Variant::Strategy(Strategy::Random),
            Variant::Strategy(Strategy::RoundRobin),
            Variant::Strategy(Strategy::LeastConnections),
            Variant::Strategy(Strategy::PowerOfTwo),
        ],
        vec![
            Variant::Replication(Replication::LeaderAsync),
            Variant::Replication(Replication::Quorum),
        ],
    ] {
        let mut c = Comparison::new(&base, &variants).unwrap();
        for (_, w) in &mut c.runs {
            w.record_history(true);
        }
        // Frames of 16 ms with a small event budget, as the page steps it.
        let end = 40 * SECOND;
        let mut t = 0;
        while c.now() < end {
            t = (t + 16 * MS).min(end);
            c.step_until_within(t, 300);
        }
        for (v, side) in c.summaries() {
            let single = alone(v.config(&base), end);
            let run = &c.runs.iter().find(|(x, _)| *x == v).unwrap().1;
            assert_eq!(run.trace_hash(), single.trace_hash(), "{}", v.label());
            assert_eq!(side, Summary::of(&single), "{}", v.label());
        }
        let rows = c.summaries();
        assert_ne!(
            rows[0].1.latency_ms, rows[1].1.latency_ms,
            "the choice changes the run"
        );
        assert_eq!(
            rows[0].1.issued, rows[1].1.issued,
            "same seed, same arrivals"
        );
    }
}

#[test]
fn a_comparison_needs_two_to_four_distinct_choices() {
    let base = Config::default();
    let one = [Variant::Strategy(Strategy::Random)];
    assert!(
        Comparison::new(&base, &one)
            .err()
            .unwrap()
            .contains("Pick 2 to 4")
    );
    let twice = [one[0], one[0]];
    assert!(Comparison::new(&base, &twice).is_err());
    let five: Vec<Variant> = Variant::all(false).into_iter().take(5).collect();
    assert!(Comparison::new(&base, &five).is_err());
    assert_eq!(Variant::all(true).len(), 3);
}
