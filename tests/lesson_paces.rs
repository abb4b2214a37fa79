//! Every lesson holds: for 20 seeds and a person who waits 10, 30 or 90 seconds between steps (at the
//! lessons' 0.1× slow motion, 1, 3 or 9 simulated seconds), the person's steps are taken as the
//! lesson words them, every part's check fires, and the claim its text makes is true of the run,
//! judged here from the World's own state (not from the text). The stated waits are what the checks
//! wait. Release only (a few thousand simulated minutes): tests/run-all.sh runs it.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Knob;
use clusterscope::sim::WAN_LATENCY_MS;
use clusterscope::sim::Window;
use clusterscope::sim::lesson::{BALANCING_WAIT, LESSONS, OVERLOAD_RATE, Progress, SPEED, find};
use clusterscope::sim::time::{SECOND, Time};
use clusterscope::sim::{Action, Consistency, NodeId, Replication, Strategy, TrafficKind, World};

const SEEDS: u64 = 20;
const PACES: [u64; 3] = [10, 30, 90];

#[path = "common/lesson_walk.rs"]
mod lesson_walk;
use lesson_walk::{FRAME, run, wall};

/// Runs until the check has explained as many parts as `parts`, at most `secs` of the person's
/// time; when it did.
fn until_parts(w: &mut World, p: &mut Progress, parts: usize, secs: u64) -> Option<Time> {
    let end = w.now() + wall(secs);
    while p.parts.len() < parts && w.now() < end {
        let t = w.now() + FRAME;
        w.step_until(t);
        p.observe(w);
    }
    (p.parts.len() >= parts).then(|| w.now())
}

/// The stretch of the person's walk the test needs to judge the claim.
struct Walk {
    w: World,
    p: Progress,
}

impl Walk {
    fn new(id: &str, seed: u64) -> Walk {
        let i = find(id).unwrap();
        let mut cfg = LESSONS[i].config();
        cfg.seed = seed;
        let mut w = World::new(cfg).unwrap();
        // As the page does.
        w.check_live(true);
        Walk {
            w,
            p: Progress::new(i),
        }
    }
    fn wait(&mut self, secs: u64) {
        run(&mut self.w, &mut self.p, secs);
    }
    fn act(&mut self, a: Action) {
        self.w.act(a);
    }
    /// The check must explain part `parts` within `secs`, not before `at_least` has passed.
    fn part(&mut self, parts: usize, at_least: u64, secs: u64, what: &str) -> String {
        let from = self.w.now();
        let at = until_parts(&mut self.w, &mut self.p, parts, secs)
            .unwrap_or_else(|| panic!("{what}: part {parts} never explained"));
        assert!(
            at + FRAME >= from + wall(at_least),
            "{what}: part {parts} explained {} ms after the step, the step says {at_least} s",
            (at - from) / 1_000
        );
        self.p.parts[parts - 1].clone()
    }
}

/// A lesson's text says what the page's Linearizable line says (the live check is on, as in the
/// page): yes only with no violation found, no only with one.
fn says_what_the_line_says(w: &World, text: &str, what: &str) {
    let v = w
        .linearizability()
        .expect("the walk checks as the page does");
    if text.contains("says yes") {
        assert!(v.violation.is_none(), "{what}: {text}");
    }
    if text.contains("says no:") {
        assert!(v.violation.is_some(), "{what}: {text}");
    }
}

/// One lesson walked at one pace and seed; panics with the reason when its claim does not hold.
fn walk(id: &str, seed: u64, pace: u64) {
    let what = format!("{id} seed {seed} pace {pace} s");
    let mut k = Walk::new(id, seed);
    k.wait(pace);
    assert!(k.p.parts.is_empty(), "{what}: explained before the step");
    // Presets fail requests only where that is the point: scaling (too little capacity) and
    // balancing (a heavy tail: a request stuck behind a slow one can time out).
    let tiles = k.w.metrics().headline(k.w.now(), Window::Recent);
    if id != "scaling" && id != "balancing" {
        assert_eq!(
            tiles.failed, 0,
            "{what}: the preset fails requests before the step"
        );
    }
    match id {
        "architecture" => {
            k.act(Action::TraceNext);
            let text = k.part(1, 0, 30, &what);
            let t = k.w.waterfall().unwrap();
            let end = t.spans.iter().map(|s| s.to).max().unwrap();
            let total: Time = t.spans.iter().map(|s| s.to - s.from).sum();
            assert_eq!(total, end - t.issued, "{what}: spans do not add up: {text}");
            assert!(
                text.starts_with(&format!(
                    "That request took {} ms",
                    clusterscope::sim::decimal::trimmed((end - t.issued) as f64 / 1e3, 1)
                )),
                "{what}: {text}"
            );
        }
        "balancing" => {
            let strategy = if seed.is_multiple_of(2) {
                Strategy::LeastConnections
            } else {
                Strategy::PowerOfTwo
            };
            k.act(Action::SetStrategy(strategy));
            // The tiles as the check saw them in the frame it noticed the switch.
            k.wait(0);
            let t = k.w.now() + FRAME;
            k.w.step_until(t);
            let before = k.w.metrics().headline(k.w.now(), Window::Recent);
            k.p.observe(&k.w);
            // The wait in the person's seconds, as the step states it.
            let wait = (BALANCING_WAIT as f64 / (SPEED * SECOND as f64)).round() as u64;
            let text = k.part(1, wait - 1, wait + 1, &what);
            let after = k.w.metrics().headline(k.w.now(), Window::Recent);
            let ms = |v: Option<f64>| format!("p99 {:.0} ms", v.unwrap());
            assert!(
                text.contains(&ms(before.p99_ms)) && text.contains(&ms(after.p99_ms)),
                "{what}: the text quotes the tiles: {text}"
            );
            // At these rates a 1 s window holds ~150 requests: p99 is their second slowest, and
            // whether it shrinks varies with the seed. The text must say which way it went.
            let shrank = after.p99_ms.unwrap() < before.p99_ms.unwrap();
            assert_eq!(
                text.contains("Round robin gives a server stuck"),
                shrank,
                "{what}: {text}"
            );
            if !shrank {
                panic!("{what}: effect not shown (the text says so)");
            }
        }
        "failure" => {
            let at = k.w.now();
            k.act(Action::Fail(NodeId::Server(1)));
            let mut noticed = None;
            while noticed.is_none() && k.w.now() < at + wall(30) {
                k.wait(0);
                let t = k.w.now() + FRAME;
                k.w.step_until(t);
                k.p.observe(&k.w);
                if !k.w.balancer().accepts(1) {
                    noticed = Some(k.w.now());
                }
            }
            let cfg = k.w.config().clone();
            let noticed = noticed.expect("noticed");
            let bound = (cfg.hc_interval_ms * cfg.hc_fall as f64 + cfg.hc_timeout_ms) * 1e3;
            assert!(
                ((noticed - at) as f64) <= bound + 20e3,
                "{what}: noticed after {} ms",
                (noticed - at) / 1000
            );
            let text = k.part(1, 0, 30, &what);
            let said = format!(
                "{} ms after it died",
                clusterscope::sim::decimal::fixed((noticed - at) as f64 / 1e3, 0)
            );
            assert!(text.contains(&said), "{what}: {said} / {text}");
        }
        "scaling" => {
            // One more server, and a second if errors go on (as the step says: until they stop).
            k.act(Action::AddServer);
            if until_parts(&mut k.w, &mut k.p, 1, 60).is_none() {
                k.act(Action::AddServer);
            }
            k.part(1, 0, 120, &what);
            let tiles = k.w.metrics().headline(k.w.now(), Window::Recent);
            assert_eq!(tiles.failed, 0, "{what}: the Errors tile");
        }
        "latency" => {
            k.act(Action::SetLink {
                a: NodeId::Lb,
                b: NodeId::Server(0),
                spec: Some((WAN_LATENCY_MS, 0.0)),
            });
            k.part(1, 15, 16, &what);
            let b = k.w.balancer().backends();
            assert!(
                // Twice the extra delay per round trip, less the noise of queueing elsewhere: at
                // least one extra hop's worth.
                !k.w.balancer().accepts(0)
                    || b[0].ewma_ms() > b[1].ewma_ms() + WAN_LATENCY_MS - k.w.config().latency_ms,
                "{what}: {} vs {} ms",
                b[0].ewma_ms(),
                b[1].ewma_ms()
            );
        }
        "replication" => {
            k.act(Action::Fail(NodeId::Db(2)));
            k.wait(pace);
            k.act(Action::Recover(NodeId::Db(2)));
            let text = k.part(1, 0, 60, &what);
            let db = k.w.database();
            assert_eq!(
                db.replicas[2].version(),
                db.replicas[k.w.leader()].version(),
                "{what}"
            );
            assert!(!text.contains("missed 0 writes"), "{what}: {text}");
        }
        "failover" => {
            k.act(Action::Fail(NodeId::Db(0)));
            let text = k.part(1, 0, 30, &what);
            assert_ne!(k.w.leader(), 0, "{what}");
            says_what_the_line_says(&k.w, &text, &what);
            k.wait(pace);
            k.act(Action::SetReplication(Replication::LeaderSync));
            k.wait(pace);
            k.act(Action::Recover(NodeId::Db(0)));
            k.wait(pace);
            let f = k.w.database().figures.clone();
            let dirty = k.w.anomalies().dirty;
            let leader = k.w.leader();
            k.act(Action::Fail(NodeId::Db(leader)));
            let text = k.part(2, 0, 30, &what);
            assert_ne!(k.w.leader(), leader, "{what}");
            let now = &k.w.database().figures;
            assert_eq!(now.lost_acked_writes, f.lost_acked_writes, "{what}: {text}");
            assert_eq!(k.w.anomalies().dirty, dirty, "{what}: {text}");
            assert!(
                text.contains(" 0 acknowledged writes were lost"),
                "{what}: {text}"
            );
            // The strong mode: the check, restarted by the switch, finds nothing.
            assert!(text.contains("still says yes"), "{what}: {text}");
            says_what_the_line_says(&k.w, &text, &what);
            // Leader-sync costs write latency, not availability once a leader is elected.
            k.wait(30);
            let tiles = k.w.metrics().headline(k.w.now(), Window::Recent);
            assert_eq!(tiles.failed, 0, "{what}: failing 3 s after the election");
        }
        "cap" => {
            let cut = |k: &mut Walk| {
                k.act(Action::Cut(NodeId::Db(0), NodeId::Db(1)));
                k.wait(pace.min(10));
                k.act(Action::Cut(NodeId::Db(0), NodeId::Db(2)));
            };
            let conflicts = k.w.database().figures.conflicts;
            cut(&mut k);
            let refused = k.w.database().figures.refused;
            let text = k.part(1, 10, 11, &what);
            // CP over synchronous replication: consistent in full.
            assert!(text.contains("still says yes"), "{what}: {text}");
            says_what_the_line_says(&k.w, &text, &what);
            assert!(
                k.w.database().figures.refused > refused,
                "{what}: CP refuses"
            );
            assert_eq!(k.w.database().figures.conflicts, conflicts, "{what}");
            k.wait(pace);
            k.act(Action::HealAll);
            k.wait(pace);
            k.act(Action::SetConsistency(Consistency::Ap));
            k.wait(pace);
            cut(&mut k);
            let text = k.part(2, 10, 11, &what);
            says_what_the_line_says(&k.w, &text, &what);
            assert!(k.w.database().divergent_keys() > 0, "{what}: {text}");
            let conflicts = k.w.database().figures.conflicts;
            k.act(Action::HealAll);
            k.wait(15);
            // Back to what replication lag alone leaves.
            assert!(k.w.database().divergent_keys() <= 3, "{what}: settled");
            assert!(k.w.database().figures.conflicts > conflicts, "{what}");
        }
        "concurrency" => {
            let lost = k.w.lost_updates();
            assert!(lost > 0, "{what}: nothing lost before compare-and-set");
            let in_flight = k.w.in_flight();
            k.act(Action::SetCas(true));
            let text = k.part(1, 10, 11, &what);
            // Only increments that had read before the switch can still be lost.
            let since = k.w.lost_updates().abs_diff(lost);
            assert!(
                since <= in_flight,
                "{what}: {since} since, {in_flight} in flight: {text}"
            );
        }
        "cache" => {
            let q0 = k.w.metrics().db_queries;
            k.wait(20);
            let before = k.w.metrics().db_queries - q0;
            k.act(Action::Tune(Knob::CacheKeys, 50.0));
            let q1 = k.w.metrics().db_queries;
            k.part(1, 20, 21, &what);
            let after = k.w.metrics().db_queries - q1;
            assert!(
                after < before,
                "{what}: {after} queries in 2 s, {before} before"
            );
        }
        "security" => {
            let forged = k.w.metrics().forged_served;
            assert!(forged > 0, "{what}: nothing forged before the check");
            let in_flight = k.w.in_flight();
            k.act(Action::SetAuth(true));
            k.part(1, 5, 30, &what);
            // Only requests already past the balancer may still be served.
            let since = k.w.metrics().forged_served - forged;
            assert!(since <= in_flight, "{what}: {since} forged served since");
        }
        "overload" => {
            k.act(Action::Tune(Knob::ArrivalRate, OVERLOAD_RATE));
            let text = k.part(1, 0, 120, &what);
            let tiles = k.w.metrics().headline(k.w.now(), Window::Recent);
            assert!(tiles.success.unwrap() < 50.0, "{what}: {text}");
            assert!(tiles.wasted.unwrap() > 50.0, "{what}: little waste: {text}");
            k.wait(pace);
            k.act(Action::SetDeadlines(true));
            let text = k.part(2, 50, 300, &what);
            let tiles = k.w.metrics().headline(k.w.now(), Window::Recent);
            assert!(tiles.success.unwrap() >= 85.0, "{what}: {text}");
            assert!(k.w.metrics().deadline_drops > 0, "{what}: {text}");
            k.wait(pace);
            k.act(Action::SetDeadlines(false));
            k.act(Action::Tune(Knob::ShedMs, 100.0));
            let shed = k.w.metrics().shed;
            let text = k.part(3, 50, 300, &what);
            let tiles = k.w.metrics().headline(k.w.now(), Window::Recent);
            assert!(tiles.success.unwrap() >= 85.0, "{what}: {text}");
            assert!(k.w.metrics().shed > shed, "{what}: nothing shed: {text}");
        }
        "autoscale" => {
            let spike = |_: &World| Action::TrafficPreset(TrafficKind::Spike);
            let (failed, before) = (k.w.metrics().failed_total(), k.w.servers().len());
            k.act(spike(&k.w));
            // The spike starts 2 s on and lasts 10 s; the check speaks a second after.
            let text = k.part(1, 130, 300, &what);
            assert!(
                k.w.metrics().failed_total() > failed,
                "{what}: no harm: {text}"
            );
            assert!(
                k.w.scaling().max_servers > before,
                "{what}: no growth: {text}"
            );
            assert!(
                text.contains(&format!("from {before} to ")),
                "{what}: {text}"
            );
            k.act(Action::Tune(Knob::AutoscaleMin, 5.0));
            k.wait(pace);
            let failed = k.w.metrics().failed_total();
            k.act(spike(&k.w));
            k.wait(20);
            let ready = k.w.servers().iter().filter(|s| s.status.is_up()).count();
            let text = k.part(2, 110, 300, &what);
            if text.contains("already big enough") {
                assert!(ready >= 5, "{what}: {ready} up: {text}");
            } else {
                assert!(text.contains("still starting"), "{what}: {text}");
            }
            let now = k.w.metrics().failed_total() - failed;
            assert!(
                text.contains(&format!(" {now} of ")),
                "{what}: {now} failed: {text}"
            );
        }
        other => panic!("no walk for lesson {other}"),
    }
}

/// Lessons whose effect does not show on every seed, with the share it must keep: their text says
/// truthfully, each time, whether it showed (checked above). Balancing compares two one-second
/// windows of a heavy-tailed workload; at 1,440 req/s (real units) each holds over a thousand
/// requests, and it shows on 58 of 60 walks (34 at the 15 req/s of the units before).
const NOISY: [(&str, usize); 1] = [("balancing", 58)];

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "release only: cargo test --release --test lesson_paces"
)]
fn every_lesson_holds_at_every_pace_and_seed() {
    let mut failed = Vec::new();
    // LESSON=id walks one lesson only (while tuning it).
    let only = std::env::var("LESSON").ok();
    for lesson in LESSONS
        .iter()
        .filter(|l| only.as_deref().is_none_or(|o| o == l.id))
    {
        let mut held = 0;
        let floor = NOISY.iter().find(|n| n.0 == lesson.id).map(|n| n.1);
        for seed in 1..=SEEDS {
            for pace in PACES {
                match std::panic::catch_unwind(|| walk(lesson.id, seed, pace)) {
                    Ok(()) => held += 1,
                    Err(e) => {
                        let text = e
                            .downcast_ref::<String>()
                            .cloned()
                            .unwrap_or_else(|| "?".into());
                        if floor.is_none() || !text.ends_with("effect not shown (the text says so)")
                        {
                            failed.push(text);
                        }
                    }
                }
            }
        }
        if let Some(floor) = floor {
            assert!(
                held >= floor,
                "{}: held on {held}, at least {floor}",
                lesson.id
            );
        }
        println!(
            "{:<13} held on {held} of {} seeds × paces",
            lesson.id,
            SEEDS as usize * PACES.len()
        );
    }
    assert!(
        failed.is_empty(),
        "{} walks failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "release only: cargo test --release --test lesson_paces"
)]
fn presets_keep_up_unless_overload_is_the_point() {
    // Left alone for two minutes of the person's time, a lesson's system keeps up with its traffic:
    // no failures in the last 1 s and the mean server below 85 % busy. Scaling is about too little capacity, and
    // balancing's heavy tail times some requests out.
    for lesson in LESSONS {
        for seed in 1..=SEEDS {
            let mut cfg = lesson.config();
            cfg.seed = seed;
            let mut w = World::new(cfg).unwrap();
            w.step_until(wall(120));
            let tiles = w.metrics().headline(w.now(), Window::Recent);
            let busy: Vec<f64> = w
                .series()
                .samples()
                .rev()
                .take(30)
                .map(|s| {
                    s.utilization.iter().map(|&u| f64::from(u)).sum::<f64>()
                        / s.utilization.len() as f64
                })
                .collect();
            let busy = busy.iter().sum::<f64>() / busy.len() as f64;
            println!(
                "{:<13} seed {seed:>2}: failed {:>3}, servers {:.0} % busy",
                lesson.id,
                tiles.failed,
                busy * 100.0
            );
            if lesson.id == "scaling" || lesson.id == "balancing" {
                continue;
            }
            assert_eq!(tiles.failed, 0, "{} seed {seed}", lesson.id);
            assert!(
                busy < 0.85,
                "{} seed {seed}: {:.0} % busy",
                lesson.id,
                busy * 100.0
            );
        }
    }
}
