//! Every lesson walked natively: its check stays quiet until the person does the step, then
//! notices and explains with the run's own figures.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Knob;
use clusterscope::sim::lesson::{LESSONS, OVERLOAD_RATE, Progress, find};
use clusterscope::sim::{Action, Consistency, NodeId, Strategy, TrafficKind, World};

#[path = "common/lesson_walk.rs"]
mod lesson_walk;
use lesson_walk::run;

/// What a person does in each lesson (after a first stretch of watching).
fn steps(id: &str, w: &mut World, p: &mut Progress) {
    match id {
        "architecture" => w.apply(Action::TraceNext),
        "balancing" => w.apply(Action::SetStrategy(Strategy::LeastConnections)),
        "failure" => w.apply(Action::Fail(NodeId::Server(1))),
        "scaling" => {
            w.apply(Action::AddServer);
            w.apply(Action::SetPower {
                server: 0,
                power: 2,
            });
        }
        "latency" => w.apply(Action::SetLink {
            a: NodeId::Lb,
            b: NodeId::Server(0),
            spec: Some((clusterscope::sim::WAN_LATENCY_MS, 0.0)),
        }),
        "replication" => {
            w.apply(Action::Fail(NodeId::Db(2)));
            run(w, p, 10);
            w.apply(Action::Recover(NodeId::Db(2)));
        }
        "failover" => w.apply(Action::Fail(NodeId::Db(0))),
        "cap" => {
            w.apply(Action::Cut(NodeId::Db(0), NodeId::Db(1)));
            w.apply(Action::Cut(NodeId::Db(0), NodeId::Db(2)));
        }
        "concurrency" => w.apply(Action::SetCas(true)),
        "cache" => w.apply(Action::Tune(Knob::CacheKeys, 50.0)),
        "security" => w.apply(Action::SetAuth(true)),
        "overload" => w.apply(Action::Tune(Knob::ArrivalRate, OVERLOAD_RATE)),
        "autoscale" => {
            w.apply(Action::TrafficPreset(TrafficKind::Spike));
            // The spike starts 2 s on and lasts 10 s (the walk then waits 4.5 s more).
            run(w, p, 90);
        }
        other => panic!("no steps for lesson {other}"),
    }
}

#[test]
fn every_lesson_waits_for_its_step_then_explains_what_happened() {
    for (i, lesson) in LESSONS.iter().enumerate() {
        assert_eq!(find(lesson.id), Some(i));
        let mut w = World::new(lesson.config()).expect("a lesson's preset is valid");
        let mut p = Progress::new(i);
        run(&mut w, &mut p, 30);
        assert!(
            p.parts.is_empty(),
            "{}: explained before the step",
            lesson.id
        );
        steps(lesson.id, &mut w, &mut p);
        run(&mut w, &mut p, 45);
        let text = p
            .parts
            .first()
            .unwrap_or_else(|| panic!("{}: the check never fired", lesson.id));
        println!("{}: {text}", lesson.id);
        assert!(
            text.chars().any(|c| c.is_ascii_digit()),
            "{}: {text}",
            lesson.id
        );
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
}

#[test]
fn lesson_figures_come_from_the_run() {
    // The security lesson counts what the servers served before the check: a different preset
    // (no forged requests) must say 0.
    let i = find("security").unwrap();
    let mut cfg = LESSONS[i].config();
    cfg.bad_credentials = 0.0;
    cfg.read_only_share = 0.5;
    let mut w = World::new(cfg).unwrap();
    let mut p = Progress::new(i);
    run(&mut w, &mut p, 20);
    w.apply(Action::SetAuth(true));
    run(&mut w, &mut p, 20);
    let text = p.parts.first().expect("read-only writes are refused");
    assert!(
        text.starts_with("Unchecked, servers carried out 0 requests"),
        "{text}"
    );
    assert!(
        !text.contains(" 0 with 403"),
        "read-only writes were refused: {text}"
    );
    // The CAP lesson checks CP, then AP, each with the choice in force.
    let i = find("cap").unwrap();
    let mut w = World::new(LESSONS[i].config()).unwrap();
    let mut p = Progress::new(i);
    let cut = |w: &mut World| {
        w.apply(Action::Cut(NodeId::Db(0), NodeId::Db(1)));
        w.apply(Action::Cut(NodeId::Db(0), NodeId::Db(2)));
    };
    // AP first: part 1 is about CP and stays open.
    w.apply(Action::SetConsistency(Consistency::Ap));
    cut(&mut w);
    run(&mut w, &mut p, 15);
    assert!(p.parts.is_empty());
    w.apply(Action::HealAll);
    w.apply(Action::SetConsistency(Consistency::Cp));
    cut(&mut w);
    run(&mut w, &mut p, 15);
    let cp = p.parts.first().cloned().expect("partitioned under CP");
    assert!(cp.starts_with("Under CP: "), "{cp}");
    assert!(!p.done());
    w.apply(Action::HealAll);
    w.apply(Action::SetConsistency(Consistency::Ap));
    cut(&mut w);
    run(&mut w, &mut p, 15);
    let ap = p.parts.get(1).cloned().expect("partitioned under AP");
    assert!(ap.starts_with("Under AP: 0 requests refused"), "{ap}");
    assert!(p.done());
    println!("cap/CP: {cp}\ncap/AP: {ap}");
}

#[test]
fn other_actions_or_half_a_step_leave_the_check_quiet() {
    let quiet = |id: &str, act: &dyn Fn(&mut World)| {
        let i = find(id).unwrap();
        let mut w = World::new(LESSONS[i].config()).unwrap();
        let mut p = Progress::new(i);
        run(&mut w, &mut p, 10);
        act(&mut w);
        run(&mut w, &mut p, 60);
        assert!(p.parts.is_empty(), "{id}: {:?}", p.parts);
    };
    // Less traffic is not scaling.
    quiet("scaling", &|w| {
        w.apply(Action::Tune(Knob::ArrivalRate, 5.0))
    });
    // One bigger machine under round robin: enough capacity in total, but the other still drowns.
    quiet("scaling", &|w| {
        w.apply(Action::SetPower {
            server: 0,
            power: 2,
        })
    });
    // Near misses: the wrong server, the wrong knob, the wrong lesson's step.
    quiet("failure", &|w| w.apply(Action::Fail(NodeId::Server(0))));
    quiet("cache", &|w| w.apply(Action::SetAuth(true)));
    quiet("concurrency", &|w| {
        w.apply(Action::Tune(Knob::CacheKeys, 10.0))
    });
    quiet("latency", &|w| w.apply(Action::Tune(Knob::JitterMs, 50.0)));
}
