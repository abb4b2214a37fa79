//! The page's one reducer: the World plus how the person is driving and viewing it (playing, speed,
//! selection, notices). The World sits behind `Rc<RefCell<_>>` so a tick mutates it in place
//! instead of cloning it; each reduction returns a fresh `Rc<Playground>` (with a new frame number)
//! so Yew re-renders.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::Reducible;

use crate::sim::compare::{Comparison, Variant};
use crate::sim::event::{MS, Time};
use crate::sim::lesson::{LESSONS, Progress};
use crate::sim::quiz::QUESTIONS;
use crate::sim::sample::mix64;
use crate::sim::share::{MAX_ACTIONS, MAX_LEN, Scenario};
use crate::sim::{Action, Config, NodeId, World};

/// How far one press of Step advances the simulation.
pub const STEP: Time = 100 * MS;
/// A tick never advances more than this much wall time (a throttled tab resumes smoothly instead
/// of jumping).
const MAX_FRAME_MS: f64 = 250.0;
/// Events one frame may handle: past it the simulation falls behind real time (and says so)
/// rather than freezing the page.
pub const EVENTS_PER_FRAME: u64 = 40_000;
/// Simulated seconds per wall second the speed control offers.
pub const SPEEDS: [f64; 7] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0];

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Selection {
    Node(NodeId),
    Link(NodeId, NodeId),
}

pub enum Msg {
    /// A timer tick at this wall-clock time (ms, any origin).
    Tick(f64),
    TogglePlay,
    Step,
    Reset,
    Do(Action),
    /// Restart the run with this many database replicas (the quorums shrink to fit).
    SetReplicas(usize),
    SetSpeed(f64),
    Faster,
    Slower,
    /// Restart with the seed typed in (text, so a bad one is reported, not dropped).
    SetSeed(String),
    NewSeed,
    Select(Option<Selection>),
    /// The tab was hidden (true) or shown again.
    Hidden(bool),
    /// Show a message to the person (or clear it).
    Notice(Option<String>),
    ToggleHelp,
    /// Start lesson N from its preset (or close the lesson).
    Lesson(Option<usize>),
    /// Knowledge check: question, choice (or clear every answer).
    Answer(Option<(usize, usize)>),
    /// Open a scenario's text: from the page's link (`true`) or an imported file.
    Open(String, bool),
    /// Make the link of the run so far (shown, and copied by the view).
    MakeLink,
    /// Run these choices side by side on the current settings (or stop: empty).
    Compare(Vec<Variant>),
}

impl Msg {
    /// The message a `data-go` button of generated markup stands for: `l3` lesson 4, `lx` close
    /// it, `a2.1` answer question 3 with choice 2, `ac` clear the answers, `nserver-2` show a
    /// node. Anything else: none.
    pub fn from_go(go: &str) -> Option<Msg> {
        let (kind, rest) = (go.get(..1)?, go.get(1..)?);
        Some(match (kind, rest) {
            ("l", "x") => Msg::Lesson(None),
            ("l", n) => Msg::Lesson(Some(n.parse().ok()?)),
            ("a", "c") => Msg::Answer(None),
            ("n", node) => Msg::Select(Some(Selection::Node(node.parse().ok()?))),
            ("a", qc) => {
                let (q, c) = qc.split_once('.')?;
                Msg::Answer(Some((q.parse().ok()?, c.parse().ok()?)))
            }
            _ => return None,
        })
    }
}

#[derive(Clone)]
pub struct Playground {
    pub world: Rc<RefCell<World>>,
    pub playing: bool,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Bumped on every change; components compare it to decide whether to re-render.
    pub frame: u64,
    pub selected: Option<Selection>,
    /// The tab is hidden: the run waits.
    pub hidden: bool,
    /// The last frame could not keep up with the speed asked for.
    pub behind: bool,
    pub notice: Option<String>,
    pub help: bool,
    /// The lesson in progress, and the lessons done (bit per lesson).
    pub lesson: Option<Progress>,
    pub lessons_done: u32,
    pub answers: Vec<Option<usize>>,
    /// A shared run being replayed: the scenario and its next action.
    replay: Option<(Rc<Scenario>, Cell<usize>)>,
    /// The link last made.
    pub link: Option<String>,
    /// Runs side by side; while there are, they advance instead of the main run.
    pub compare: Option<Rc<RefCell<Comparison>>>,
    last_tick: Cell<Option<f64>>,
}

impl Playground {
    pub fn new(cfg: Config) -> Self {
        // Not `expect`: formatting the error would pull Debug and Unicode tables into the page.
        let mut world = World::new(cfg)
            .or_else(|_| World::new(Config::default()))
            .unwrap_or_else(|_| unreachable!("the default config is valid"));
        // Every person's action is kept, with when it was taken: "Copy link" replays them.
        world.record_actions(true);
        Self {
            world: Rc::new(RefCell::new(world)),
            playing: true,
            speed: 1.0,
            frame: 0,
            selected: None,
            hidden: false,
            behind: false,
            notice: None,
            help: false,
            lesson: None,
            lessons_done: 0,
            answers: vec![None; QUESTIONS.len()],
            replay: None,
            link: None,
            compare: None,
            last_tick: Cell::new(None),
        }
    }

    /// Opens a scenario's text (a link's fragment or a file): a fresh run that replays it, or,
    /// when it cannot be read, a notice saying why (`what` names the source).
    fn open(&self, text: &str, what: &str) -> Rc<Self> {
        match Scenario::decode(text) {
            Ok(s) => {
                let p = self.restart(s.config.clone());
                p.next(|p| {
                    p.replay = Some((Rc::new(s), Cell::new(0)));
                    p.notice = None;
                })
            }
            Err(e) => self.next(|p| p.notice = Some(format!("{what}: {e}."))),
        }
    }

    /// Advances the main run by `dt` within a frame's budget (replaying a shared run's actions
    /// on the way); whether it got there.
    fn advance(&self, dt: Time) -> bool {
        let mut w = self.world.borrow_mut();
        let t = w.now() + dt;
        match &self.replay {
            Some((s, next)) => {
                let mut cursor = next.get();
                let reached = s.replay_within(&mut w, &mut cursor, t, EVENTS_PER_FRAME);
                next.set(cursor);
                reached
            }
            None => w.step_until_within(t, EVENTS_PER_FRAME),
        }
    }

    /// Lets the lesson in progress look at the run; a lesson just done is kept as done.
    fn observe_lesson(&mut self) {
        if let Some(l) = self.lesson.as_mut()
            && l.done.is_none()
        {
            l.observe(&self.world.borrow());
            if l.done.is_some() {
                self.lessons_done |= 1 << l.lesson;
            }
        }
    }

    /// The same page one frame on, changed by `f`.
    fn next(&self, f: impl FnOnce(&mut Self)) -> Rc<Self> {
        let mut p = self.clone();
        p.frame += 1;
        f(&mut p);
        Rc::new(p)
    }

    /// A fresh run of `cfg`, keeping how the page is viewed.
    fn restart(&self, cfg: Config) -> Rc<Self> {
        let fresh = Playground::new(cfg);
        self.next(|p| {
            p.world = fresh.world;
            p.selected = None;
            p.behind = false;
            p.replay = None;
            p.link = None;
            p.compare = None;
            p.lesson = None;
            p.last_tick.set(None);
        })
    }
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world) && self.frame == other.frame
    }
}

impl Reducible for Playground {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        match msg {
            Msg::Tick(wall_ms) => {
                let last = self.last_tick.replace(Some(wall_ms));
                if !self.playing || self.hidden {
                    return self;
                }
                let dt_ms = last.map_or(0.0, |l| (wall_ms - l).clamp(0.0, MAX_FRAME_MS));
                let advance = (dt_ms * self.speed * MS as f64).round() as Time;
                if advance == 0 {
                    return self;
                }
                if let Some(c) = &self.compare {
                    let mut c = c.borrow_mut();
                    let t = c.now() + advance;
                    let reached = c.step_until_within(t, EVENTS_PER_FRAME);
                    return self.next(|p| p.behind = !reached);
                }
                let reached = self.advance(advance);
                self.next(|p| {
                    p.behind = !reached;
                    p.observe_lesson();
                })
            }
            Msg::TogglePlay => {
                self.last_tick.set(None);
                self.next(|p| p.playing = !p.playing)
            }
            Msg::Step => {
                // Within a frame's budget, like a tick: a step never freezes the page.
                if let Some(c) = &self.compare {
                    let mut c = c.borrow_mut();
                    let t = c.now() + STEP;
                    c.step_until_within(t, EVENTS_PER_FRAME);
                } else {
                    self.advance(STEP);
                }
                self.next(|p| {
                    p.playing = false;
                    p.observe_lesson();
                })
            }
            Msg::Reset => {
                let cfg = self.world.borrow().restart_config();
                self.restart(cfg)
            }
            Msg::SetReplicas(n) => {
                let mut cfg = self.world.borrow().restart_config();
                cfg.replicas = n.clamp(1, crate::sim::config::MAX_REPLICAS);
                cfg.write_quorum = cfg.write_quorum.min(cfg.replicas);
                cfg.read_quorum = cfg.read_quorum.min(cfg.replicas);
                self.restart(cfg)
            }
            Msg::SetSpeed(v) => {
                let v = if v.is_finite() {
                    v.clamp(SPEEDS[0], SPEEDS[6])
                } else {
                    1.0
                };
                self.next(|p| p.speed = v)
            }
            Msg::Faster => {
                let v = SPEEDS.iter().copied().find(|&s| s > self.speed + 1e-9);
                self.next(|p| p.speed = v.unwrap_or(SPEEDS[6]))
            }
            Msg::Slower => {
                let v = SPEEDS
                    .iter()
                    .rev()
                    .copied()
                    .find(|&s| s < self.speed - 1e-9);
                self.next(|p| p.speed = v.unwrap_or(SPEEDS[0]))
            }
            Msg::SetSeed(text) => match text.trim().parse::<u64>() {
                Ok(seed) => {
                    let mut cfg = self.world.borrow().restart_config();
                    cfg.seed = seed;
                    let p = self.restart(cfg);
                    p.next(|p| p.notice = None)
                }
                Err(_) => {
                    let seed = self.world.borrow().config().seed;
                    self.next(|p| {
                        p.notice = Some(format!(
                            "Seed: “{}” is not a whole number from 0 to {}; kept {seed}",
                            text.chars().take(40).collect::<String>(),
                            u64::MAX
                        ))
                    })
                }
            },
            Msg::NewSeed => {
                let mut cfg = self.world.borrow().restart_config();
                // Derived from the current seed, so "new seed" is itself reproducible.
                cfg.seed = mix64(cfg.seed ^ 0x5eed) % 1_000_000;
                self.restart(cfg)
            }
            Msg::Select(s) => self.next(|p| p.selected = s),
            Msg::Hidden(hidden) => {
                self.last_tick.set(None);
                self.next(|p| p.hidden = hidden)
            }
            Msg::Notice(n) => self.next(|p| p.notice = n),
            Msg::ToggleHelp => self.next(|p| p.help = !p.help),
            Msg::Do(action) => {
                self.world.borrow_mut().act(action);
                self.next(|_| {})
            }
            Msg::Lesson(None) => self.next(|p| p.lesson = None),
            Msg::Lesson(Some(i)) => match LESSONS.get(i) {
                Some(l) => {
                    let p = self.restart(l.config());
                    p.next(|p| {
                        p.lesson = Some(Progress::new(i));
                        p.playing = true;
                    })
                }
                None => self,
            },
            Msg::Answer(None) => self.next(|p| p.answers.fill(None)),
            Msg::Answer(Some((q, choice))) => self.next(|p| {
                if let (Some(a), Some(question)) = (p.answers.get_mut(q), QUESTIONS.get(q))
                    && choice < question.choices.len()
                {
                    *a = Some(choice);
                }
            }),
            Msg::Open(text, from_link) => {
                // A link that opened the page finds it fresh; one changed later, a run going on.
                let fresh = self.world.borrow().now() == 0;
                self.open(
                    &text,
                    match (from_link, fresh) {
                        (true, true) => {
                            "This link could not be opened, so the default system is shown"
                        }
                        (true, false) => {
                            "This link could not be opened, so the run goes on unchanged"
                        }
                        (false, _) => "That file could not be opened, so the run goes on unchanged",
                    },
                )
            }
            Msg::MakeLink => {
                let (text, full) = {
                    let w = self.world.borrow();
                    (Scenario::of(&w).encode(), w.actions_dropped())
                };
                if text.len() > MAX_LEN {
                    return self.next(|p| {
                        p.notice = Some(format!(
                            "This run is too long for a link ({} characters; at most {MAX_LEN}): Reset, and share a shorter one",
                            text.len()
                        ))
                    });
                }
                self.next(|p| {
                    p.link = Some(text);
                    // Actions past the record's end were not kept: the replay goes its own way there.
                    p.notice = full.then(|| {
                        format!("A link holds the first {MAX_ACTIONS} actions: it replays the run up to the last of them")
                    });
                })
            }
            Msg::Compare(variants) if variants.is_empty() => self.next(|p| p.compare = None),
            Msg::Compare(variants) => {
                let base = self.world.borrow().restart_config();
                match Comparison::new(&base, &variants) {
                    Ok(c) => self.next(|p| {
                        p.compare = Some(Rc::new(RefCell::new(c)));
                        p.playing = true;
                        p.notice = None;
                    }),
                    Err(e) => self.next(|p| p.notice = Some(e)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
        let p = reduce(p, Msg::Tick(1016.0));
        assert_eq!(p.world.borrow().now(), 16 * MS);
        let p = reduce(p, Msg::Tick(60_000.0));
        assert_eq!(
            p.world.borrow().now(),
            16 * MS + 250 * MS,
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
        let p = reduce(reduce(p, Msg::Faster), Msg::Faster);
        assert_eq!(p.speed, 5.0);
        let p = reduce(reduce(reduce(p, Msg::Faster), Msg::Faster), Msg::Faster);
        assert_eq!(p.speed, 10.0);
        let p = reduce(p, Msg::SetSpeed(f64::NAN));
        assert_eq!(p.speed, 1.0);
        let p = reduce(p, Msg::SetSpeed(0.0001));
        assert_eq!(p.speed, 0.1);
        let p = reduce(p, Msg::Slower);
        assert_eq!(p.speed, 0.1);
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
        assert_eq!(p.world.borrow().now(), 16 * MS);
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
        assert!(p.lesson.as_ref().unwrap().done.is_some());
        // Out of range: nothing happens; None closes it.
        let p = reduce(p, Msg::Lesson(Some(LESSONS.len())));
        assert_eq!(p.lesson.as_ref().map(|l| l.lesson), Some(i));
        assert!(reduce(p, Msg::Lesson(None)).lesson.is_none());
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
            notice.contains("the default system is shown: it is in format v7"),
            "{notice}"
        );
    }

    #[test]
    fn side_by_side_needs_two_choices_and_then_runs_instead_of_the_main_run() {
        use crate::sim::compare::Variant;
        use crate::sim::{Replication, Strategy};
        let p = reduce(Rc::new(Playground::new(Config::default())), Msg::Tick(0.0));
        let p = reduce(p, Msg::Compare(vec![Variant::Strategy(Strategy::Random)]));
        assert!(p.compare.is_none() && p.notice.as_deref().unwrap().contains("Pick 2 to 4"));
        let two = vec![
            Variant::Replication(Replication::LeaderAsync),
            Variant::Replication(Replication::Quorum),
        ];
        let p = reduce(reduce(p, Msg::Compare(two)), Msg::Tick(500.0));
        assert_eq!(p.world.borrow().now(), 0, "the main run waits");
        assert_eq!(p.compare.as_ref().unwrap().borrow().now(), 250 * MS);
        assert!(reduce(p, Msg::Compare(Vec::new())).compare.is_none());
    }

    #[test]
    fn markup_buttons_stand_for_messages_and_nothing_else() {
        assert!(matches!(Msg::from_go("l3"), Some(Msg::Lesson(Some(3)))));
        assert!(matches!(Msg::from_go("lx"), Some(Msg::Lesson(None))));
        assert!(matches!(
            Msg::from_go("a2.1"),
            Some(Msg::Answer(Some((2, 1))))
        ));
        assert!(matches!(Msg::from_go("ac"), Some(Msg::Answer(None))));
        assert!(matches!(
            Msg::from_go("nserver-2"),
            Some(Msg::Select(Some(Selection::Node(NodeId::Server(1)))))
        ));
        for bad in [
            "",
            "l",
            "la",
            "a2",
            "a2.x",
            "z1",
            "l-1",
            "\u{e9}",
            "nserver-0",
            "n",
        ] {
            assert!(Msg::from_go(bad).is_none(), "{bad}");
        }
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
}
