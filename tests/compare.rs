//! Side by side equals single runs: each run of a comparison is exactly the run its choice makes
//! alone with the same seed, however the frames split the work.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Summary;
use clusterscope::sim::time::{MS, SECOND};
use clusterscope::sim::{Action, Config, NodeId, Replication, Strategy, World};
use clusterscope::sim::{Comparison, Variant};

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
        let mut c = Comparison::new(&base, &variants, &[]).unwrap();
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
        Comparison::new(&base, &one, &[])
            .err()
            .unwrap()
            .contains("pick 2 to 4")
    );
    let twice = [one[0], one[0]];
    assert!(Comparison::new(&base, &twice, &[]).is_err());
    let five: Vec<Variant> = Variant::all(false).into_iter().take(5).collect();
    assert!(Comparison::new(&base, &five, &[]).is_err());
    assert_eq!(Variant::all(true).len(), 3);
}

#[test]
fn side_by_side_replays_what_the_person_did() {
    // The person's run: round robin, Server 1 slowed at 5 s, Server 3 failed at 12 s, a switch to
    // least connections at 20 s, page-like frames. Side by side of round robin and least
    // connections from the same start must replay the slow-down and the failure (not the switch,
    // which is the compared choice), so the round-robin run is the person's run up to the switch.
    let base = Config {
        seed: 5,
        arrival_rate: 14.0,
        servers: 4,
        strategy: Strategy::RoundRobin,
        ..Config::default()
    };
    let mut person = World::new(base.clone()).unwrap();
    person.record_actions(true);
    let mut t = 0;
    let mut frame = |w: &mut World, until: u64| {
        while t < until {
            t += 16 * MS;
            w.step_until(t);
        }
    };
    frame(&mut person, 5 * SECOND);
    person.act(Action::Slow(NodeId::Server(0)));
    frame(&mut person, 12 * SECOND);
    person.act(Action::Fail(NodeId::Server(2)));
    frame(&mut person, 20 * SECOND);
    let at_switch = person.trace_hash();
    let switch_at = person.now();
    person.act(Action::SetStrategy(Strategy::LeastConnections));
    frame(&mut person, 40 * SECOND);

    let variants = [
        Variant::Strategy(Strategy::RoundRobin),
        Variant::Strategy(Strategy::LeastConnections),
    ];
    let mut c = Comparison::new(person.initial_config(), &variants, person.recorded()).unwrap();
    assert_eq!(c.replayed.len(), 2, "the slow-down and the failure");
    assert_eq!(c.left_out.len(), 1, "the switch of strategy");
    let mut t = 0;
    while c.now() < switch_at {
        t = (t + 16 * MS).min(switch_at);
        c.step_until_within(t, 300);
    }
    let rr = &c.runs[0].1;
    assert_eq!(
        rr.trace_hash(),
        at_switch,
        "round robin side by side is the person's run"
    );
    assert_eq!(
        rr.node_status(NodeId::Server(2)),
        person.node_status(NodeId::Server(2))
    );
    // Both runs go on with Server 3 down and Server 1 slow.
    c.step_until_within(60 * SECOND, u64::MAX);
    for (v, w) in &c.runs {
        assert_eq!(
            w.node_status(NodeId::Server(2)),
            Some(clusterscope::sim::Status::Down),
            "{}",
            v.label()
        );
        assert_eq!(
            w.node_status(NodeId::Server(0)),
            Some(clusterscope::sim::Status::Slow),
            "{}",
            v.label()
        );
    }
}
