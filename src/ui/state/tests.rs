//! The reducer's behaviour, natively: ticks, speed, seeds, lessons, answers, links, side by side.

use super::*;
use crate::sim::NodeId;

fn reduce(p: Rc<Playground>, m: Msg) -> Rc<Playground> {
    p.reduce(m)
}

#[test]
fn ticks_advance_by_wall_time_times_speed_and_clamp_long_gaps() {
    let p = Rc::new(Playground::new(Config::default()));
    let p = reduce(p, Msg::Tick(1000.0));
    assert_eq!(
        p.world.borrow().now(),
        0,
        "the first tick only sets the origin"
    );
    // At the starting slow motion (0.1×), 16 ms of wall time is 1.6 ms simulated.
    let p = reduce(p, Msg::Tick(1016.0));
    assert_eq!(p.world.borrow().now(), 1_600);
    let p = reduce(p, Msg::Tick(60_000.0));
    assert_eq!(
        p.world.borrow().now(),
        1_600 + 25 * MS,
        "a long gap is clamped"
    );
}

#[test]
fn paused_ticks_change_nothing_and_step_advances() {
    let p = reduce(Rc::new(Playground::new(Config::default())), Msg::TogglePlay);
    assert!(!p.playing);
    let before = p.frame;
    let p = reduce(reduce(p, Msg::Tick(0.0)), Msg::Tick(500.0));
    assert_eq!((p.frame, p.world.borrow().now()), (before, 0));
    let p = reduce(p, Msg::Step);
    assert_eq!(p.world.borrow().now(), STEP);
    assert!(!p.playing);
}

#[test]
fn speed_steps_through_the_offered_values_and_clamps() {
    let p = Rc::new(Playground::new(Config::default()));
    assert_eq!(p.speed, 0.1, "slow motion at first");
    let p = reduce(reduce(p, Msg::Faster), Msg::Faster);
    assert_eq!(p.speed, 0.5);
    let p = reduce(reduce(reduce(p, Msg::Faster), Msg::Faster), Msg::Faster);
    assert_eq!(p.speed, 1.0, "real time at most");
    let p = reduce(p, Msg::SetSpeed(f64::NAN));
    assert_eq!(p.speed, 0.1);
    let p = reduce(p, Msg::SetSpeed(0.0001));
    assert_eq!(p.speed, 0.01);
    let p = reduce(p, Msg::Slower);
    assert_eq!(p.speed, 0.01);
}

#[test]
fn a_bad_seed_is_reported_and_a_good_one_restarts() {
    let p = Rc::new(Playground::new(Config::default()));
    let p = reduce(reduce(p, Msg::Step), Msg::SetSeed("12x".into()));
    assert!(p.notice.as_deref().unwrap().contains("kept 1"));
    assert_eq!(p.world.borrow().now(), STEP, "nothing restarted");
    let p = reduce(p, Msg::SetSeed(" 42 ".into()));
    assert_eq!(
        (p.world.borrow().config().seed, p.world.borrow().now()),
        (42, 0)
    );
    assert!(p.notice.is_none());
    let a = reduce(p, Msg::NewSeed);
    let seed = a.world.borrow().config().seed;
    assert_ne!(seed, 42);
}

#[test]
fn a_hidden_tab_waits() {
    let p = reduce(Rc::new(Playground::new(Config::default())), Msg::Tick(0.0));
    let p = reduce(p, Msg::Hidden(true));
    let p = reduce(p, Msg::Tick(100.0));
    assert_eq!(p.world.borrow().now(), 0);
    let p = reduce(reduce(p, Msg::Hidden(false)), Msg::Tick(5_000.0));
    assert_eq!(p.world.borrow().now(), 0, "no jump for the time away");
    let p = reduce(p, Msg::Tick(5_016.0));
    assert_eq!(p.world.borrow().now(), 1_600);
}

#[test]
fn changing_the_replica_count_restarts_with_quorums_that_fit() {
    let p = Rc::new(Playground::new(Config {
        write_quorum: 3,
        read_quorum: 2,
        ..Config::default()
    }));
    let p = reduce(reduce(p, Msg::Step), Msg::SetReplicas(2));
    let w = p.world.borrow();
    assert_eq!((w.replicas().len(), w.now()), (2, 0));
    assert_eq!((w.config().write_quorum, w.config().read_quorum), (2, 2));
    drop(w);
    let p = reduce(p, Msg::SetReplicas(99));
    assert_eq!(
        p.world.borrow().replicas().len(),
        9,
        "clamped to the most there can be"
    );
}

#[test]
fn actions_reach_the_world_and_reset_restores_it() {
    let p = Rc::new(Playground::new(Config::default()));
    let p = reduce(p, Msg::Do(Action::Fail(NodeId::Server(1))));
    assert_eq!(
        p.world.borrow().node_status(NodeId::Server(1)),
        Some(crate::sim::Status::Down)
    );
    let p = reduce(reduce(p, Msg::Step), Msg::Reset);
    let w = p.world.borrow();
    assert_eq!(
        (w.now(), w.node_status(NodeId::Server(1))),
        (0, Some(crate::sim::Status::Up))
    );
}

#[test]
fn a_lesson_starts_from_its_preset_and_is_kept_done_once_its_check_fires() {
    use crate::sim::lesson::{LESSONS, find};
    let i = find("security").unwrap();
    let p = reduce(
        Rc::new(Playground::new(Config::default())),
        Msg::Lesson(Some(i)),
    );
    assert_eq!(p.world.borrow().config(), &LESSONS[i].config());
    assert_eq!(p.lesson.as_ref().map(|l| l.lesson), Some(i));
    let mut p = reduce(p, Msg::Do(Action::SetAuth(true)));
    let mut wall = 0.0;
    while p.lessons_done == 0 && wall < 60_000.0 {
        wall += 100.0;
        p = reduce(p, Msg::Tick(wall));
    }
    assert_eq!(
        p.lessons_done,
        1 << i,
        "done within a minute of simulated time"
    );
    assert!(p.lesson.as_ref().unwrap().done());
    // Out of range: nothing happens; None asks whether to keep the lesson's system.
    let p = reduce(p, Msg::Lesson(Some(LESSONS.len())));
    assert_eq!(p.lesson.as_ref().map(|l| l.lesson), Some(i));
    let p = reduce(p, Msg::Lesson(None));
    assert!(p.asking && p.lesson.is_some());
    let p = reduce(p, Msg::Leave(Some(true)));
    assert!(p.lesson.is_none() && !p.asking);
    assert!(
        p.world.borrow().config().auth,
        "the lesson's system kept, as it was left"
    );
}

/// Closing a lesson asks: keep its system, or go back to the run from before it (before the
/// first of several lessons in a row), as it was left; or stay.
#[test]
fn closing_a_lesson_can_return_to_the_run_from_before_it() {
    let mine = Config {
        seed: 99,
        ..Config::default()
    };
    let p = Rc::new(Playground::new(mine.clone()));
    let p = reduce(p, Msg::Tick(0.0));
    let p = reduce(p, Msg::Tick(100.0));
    let before = p.world.clone();
    let at = before.borrow().now();
    let p = reduce(p, Msg::Lesson(Some(0)));
    let p = reduce(p, Msg::Lesson(Some(1)));
    assert!(!Rc::ptr_eq(&p.world, &before));
    let p = reduce(p, Msg::Lesson(None));
    assert!(p.asking);
    let p = reduce(p, Msg::Leave(None));
    assert!(!p.asking && p.lesson.is_some(), "stays");
    let p = reduce(reduce(p, Msg::Lesson(None)), Msg::Leave(Some(false)));
    assert!(p.lesson.is_none() && !p.asking);
    assert!(
        Rc::ptr_eq(&p.world, &before),
        "the same run, as it was left"
    );
    assert_eq!(
        (p.world.borrow().config().seed, p.world.borrow().now()),
        (99, at)
    );
    // With no lesson open, closing does nothing to ask about.
    assert!(!reduce(p, Msg::Lesson(None)).asking);
}

#[test]
fn answers_out_of_range_are_ignored_and_clear_empties_them() {
    let p = Rc::new(Playground::new(Config::default()));
    let p = reduce(p, Msg::Answer(Some((0, 2))));
    let p = reduce(p, Msg::Answer(Some((0, 9))));
    let p = reduce(p, Msg::Answer(Some((99, 0))));
    assert_eq!(p.answers[0], Some(2));
    assert_eq!(p.answers.iter().flatten().count(), 1);
    assert!(
        reduce(p, Msg::Answer(None))
            .answers
            .iter()
            .all(Option::is_none)
    );
}

#[test]
fn a_made_link_opens_into_the_same_run_and_a_bad_one_says_why() {
    let p = Rc::new(Playground::new(Config {
        seed: 5,
        ..Config::default()
    }));
    let p = reduce(p, Msg::Tick(0.0));
    let p = reduce(p, Msg::Tick(200.0));
    let p = reduce(p, Msg::Do(Action::Fail(NodeId::Server(2))));
    let p = reduce(reduce(p, Msg::Tick(400.0)), Msg::MakeLink);
    // Whether it reached the clipboard is unknown until the browser answers, and said once it has;
    // a new link forgets the old answer.
    assert_eq!(p.copied, None);
    let p = reduce(p, Msg::Copied(true));
    assert_eq!(p.copied, Some(true));
    let p = reduce(p, Msg::MakeLink);
    assert_eq!(p.copied, None);
    let link = p.link.clone().unwrap();
    let (events, now) = {
        let w = p.world.borrow();
        (w.events_handled(), w.now())
    };
    let q = reduce(p, Msg::Open(link.clone(), true));
    assert!(q.notice.is_none());
    let mut q = reduce(q, Msg::Tick(1_000.0));
    for k in 1..=6 {
        q = reduce(q, Msg::Tick(1_000.0 + 100.0 * k as f64));
    }
    {
        let w = q.world.borrow();
        assert_eq!(
            w.node_status(NodeId::Server(2)),
            Some(crate::sim::Status::Down)
        );
        assert!(w.now() >= now && w.events_handled() >= events);
    }
    let q = reduce(q, Msg::MakeLink);
    assert_eq!(
        q.link.as_deref(),
        Some(link.as_str()),
        "the replay links to itself"
    );
    let bad = reduce(q, Msg::Open(link[..link.len() - 2].into(), true));
    let notice = bad.notice.as_deref().unwrap();
    assert!(notice.contains("damaged or cut short"), "{notice}");
    assert!(
        notice.contains("the run goes on unchanged"),
        "mid-run: {notice}"
    );
    let fresh = Rc::new(Playground::new(Config::default()));
    let bad = reduce(fresh, Msg::Open("v7;x=1".into(), true));
    let notice = bad.notice.as_deref().unwrap();
    assert!(
        notice.contains(
            "the default system is shown: it is in format v7, and this page reads v1 and v2"
        ),
        "{notice}"
    );
}

#[test]
fn a_link_to_a_fleet_larger_than_the_page_draws_is_refused_with_a_reason() {
    let big = Config {
        servers: 65,
        ..Config::default()
    };
    let p = reduce(Rc::new(Playground::new(big)), Msg::MakeLink);
    let link = p.link.clone().unwrap();
    let fresh = Rc::new(Playground::new(Config::default()));
    let q = reduce(fresh, Msg::Open(link, true));
    let notice = q.notice.as_deref().unwrap();
    assert!(notice.contains("at most 64 servers"), "{notice}");
    assert_eq!(q.world.borrow().servers().len(), 3, "the run goes on");
    // Add server stops at the page's 64 too.
    let at64 = Config {
        servers: 64,
        ..Config::default()
    };
    let p = reduce(Rc::new(Playground::new(at64)), Msg::Do(Action::AddServer));
    assert_eq!(p.world.borrow().servers().len(), 64);
}

#[test]
fn side_by_side_needs_two_choices_and_then_runs_instead_of_the_main_run() {
    use crate::sim::compare::Variant;
    use crate::sim::{Replication, Strategy};
    let p = reduce(Rc::new(Playground::new(Config::default())), Msg::Tick(0.0));
    let p = reduce(p, Msg::Compare(vec![Variant::Strategy(Strategy::Random)]));
    assert!(p.compare.is_none() && p.notice.as_deref().unwrap().contains("pick 2 to 4"));
    let two = vec![
        Variant::Replication(Replication::LeaderAsync),
        Variant::Replication(Replication::Quorum),
    ];
    let p = reduce(reduce(p, Msg::Compare(two)), Msg::Tick(500.0));
    assert_eq!(p.world.borrow().now(), 0, "the main run waits");
    assert_eq!(p.compare.as_ref().unwrap().borrow().now(), 25 * MS);
    assert!(reduce(p.clone(), Msg::CloseCompare).compare.is_none());
    // Run with nothing ticked says why nothing ran, and leaves the comparison as it was.
    let none = reduce(p, Msg::Compare(Vec::new()));
    assert!(none.compare.is_some());
    assert!(none.notice.as_deref().unwrap().starts_with("Nothing ran"));
}

#[test]
fn a_run_too_long_for_a_link_says_so() {
    let mut p = Rc::new(Playground::new(Config::default()));
    for _ in 0..2_000 {
        p = reduce(p, Msg::Do(Action::TraceNext));
    }
    let p = reduce(p, Msg::MakeLink);
    assert!(p.link.is_some() && p.notice.is_none(), "2000 fit");
    let p = reduce(reduce(p, Msg::Do(Action::TraceNext)), Msg::MakeLink);
    assert!(p.link.is_some());
    let notice = p.notice.as_deref().unwrap();
    assert!(notice.contains("the first 2000 actions"), "{notice}");
    let mut p = Rc::new(Playground::new(Config::default()));
    let everyone: Vec<NodeId> = (0..64).map(NodeId::Server).collect();
    for _ in 0..100 {
        p = reduce(p, Msg::Do(Action::Partition(everyone.clone())));
    }
    let p = reduce(p, Msg::MakeLink);
    assert!(p.link.is_none());
    assert!(p.notice.as_deref().unwrap().contains("too long for a link"));
}
