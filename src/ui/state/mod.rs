//! The page's one reducer: the World plus how the person is driving and viewing it (playing, speed,
//! selection, notices). The World sits behind `Rc<RefCell<_>>` so a tick mutates it in place
//! instead of cloning it; each reduction returns a fresh `Rc<Playground>` (with a new frame number)
//! so Yew re-renders.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::Reducible;

use crate::sim::compare::{Comparison, Variant};
use crate::sim::config::PAGE_SERVERS;
use crate::sim::decimal::within;
use crate::sim::event::MAX_ACTIONS;
use crate::sim::lesson::{LESSONS, Progress};
use crate::sim::metrics::Window;
use crate::sim::quiz::QUESTIONS;
use crate::sim::sample::mix64;
use crate::sim::share::{MAX_LEN, Scenario};
use crate::sim::time::{MS, Time};
use crate::sim::{Action, Config, NodeId, World};

/// How far one press of Step advances the simulation.
pub const STEP: Time = 10 * MS;
/// A tick never advances more than this much wall time (a throttled tab resumes smoothly instead
/// of jumping).
const MAX_FRAME_MS: f64 = 250.0;
/// Events one frame may handle: past it the simulation falls behind real time (and says so)
/// rather than freezing the page.
pub const EVENTS_PER_FRAME: u64 = 40_000;

const TOO_MANY: &str =
    "this page draws at most 64 servers; the runner, clusterscope-sim, takes up to 10,000";
/// Simulated seconds per wall second the speed control offers: slow motion, since the model runs
/// in real units (a hop of 5 ms would cross the screen in a third of a frame at 1×).
pub const SPEEDS: [f64; 7] = [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];
/// The speed a run starts at, and the lessons are written for.
pub const DEFAULT_SPEED: f64 = crate::sim::lesson::SPEED;

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
    /// Escape: closes the shortcuts panel, or else the inspector.
    Dismiss,
    /// Shows (or hides for good) the first visit's introduction.
    Intro(bool),
    /// The diagram's width in pixels, measured: it picks the diagram's layout.
    Resize(u32),
    /// Answers the lesson card's question on closing: keep the lesson's system (`Some(true)`),
    /// go back to the run from before the lesson (`Some(false)`), or stay in the lesson.
    Leave(Option<bool>),
    /// Headline figures over the last 10 s or the whole run.
    SetWindow(Window),
    /// Start lesson N from its preset (or close the lesson).
    Lesson(Option<usize>),
    /// Knowledge check: question, choice (or clear every answer).
    Answer(Option<(usize, usize)>),
    /// Open a scenario's text: from the page's link (`true`) or an imported file.
    Open(String, bool),
    /// Make the link of the run so far (shown, and copied by the view).
    MakeLink,
    /// The browser said whether the link reached the clipboard.
    Copied(bool),
    /// Run these choices side by side on the current settings (or stop: empty).
    Compare(Vec<Variant>),
    /// Back from side by side to the playground.
    CloseCompare,
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
    /// The introduction a first visit gets (hidden for good once dismissed or a lesson starts).
    pub intro: bool,
    /// The lesson in progress, and the lessons done (bit per lesson).
    pub lesson: Option<Progress>,
    /// The run from before the lesson (lessons start systems of their own), and whether the
    /// lesson card is asking which to keep.
    yours: Option<Rc<RefCell<World>>>,
    pub asking: bool,
    pub lessons_done: u32,
    /// The stretch of the run the headline figures cover.
    pub window: Window,
    pub answers: Vec<Option<usize>>,
    /// A shared run being replayed: the scenario and its next action.
    replay: Option<(Rc<Scenario>, Cell<usize>)>,
    /// The link last made, and whether the browser copied it (unknown until it says).
    pub link: Option<String>,
    pub copied: Option<bool>,
    /// The diagram's width in pixels (0 until measured).
    pub px: u32,
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
        // Every run is checked for linearizability as it goes (docs/DESIGN.md, "Live check").
        world.check_live(true);
        Self {
            world: Rc::new(RefCell::new(world)),
            playing: true,
            speed: DEFAULT_SPEED,
            frame: 0,
            selected: None,
            hidden: false,
            behind: false,
            notice: None,
            help: false,
            intro: false,
            lesson: None,
            lessons_done: 0,
            window: Window::Recent,
            answers: vec![None; QUESTIONS.len()],
            replay: None,
            link: None,
            copied: None,
            px: 0,
            yours: None,
            asking: false,
            compare: None,
            last_tick: Cell::new(None),
        }
    }

    /// Opens a scenario's text (a link's fragment or a file): a fresh run that replays it, or,
    /// when it cannot be read, a notice saying why (`what` names the source).
    fn open(&self, text: &str, what: &str) -> Rc<Self> {
        let fits = |s: Scenario| {
            (s.config.servers <= PAGE_SERVERS)
                .then_some(s)
                .ok_or(TOO_MANY)
        };
        match Scenario::decode(text).and_then(|s| fits(s).map_err(String::from)) {
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
            && !l.done()
        {
            l.observe(&self.world.borrow());
            if l.done() {
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
                let dt_ms = last.map_or(0.0, |l| within(wall_ms - l, 0.0, MAX_FRAME_MS));
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
                    within(v, SPEEDS[0], SPEEDS[6])
                } else {
                    DEFAULT_SPEED
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
            Msg::Dismiss if self.help => self.next(|p| p.help = false),
            Msg::Dismiss => self.next(|p| p.selected = None),
            Msg::Intro(show) => self.next(|p| p.intro = show),
            Msg::Resize(px) => self.next(|p| p.px = px),
            Msg::Hidden(hidden) => {
                self.last_tick.set(None);
                self.next(|p| p.hidden = hidden)
            }
            Msg::Notice(n) => self.next(|p| p.notice = n),
            Msg::ToggleHelp => self.next(|p| p.help = !p.help),
            Msg::SetWindow(window) => self.next(|p| p.window = window),
            Msg::Do(action) => {
                self.world.borrow_mut().act(action);
                self.next(|_| {})
            }
            // Closing a lesson asks first, when there is a run of yours to go back to.
            Msg::Lesson(None) if self.yours.is_some() && self.lesson.is_some() => {
                self.next(|p| p.asking = true)
            }
            Msg::Lesson(None) => self.reduce(Msg::Leave(Some(true))),
            Msg::Leave(None) => self.next(|p| p.asking = false),
            Msg::Leave(Some(keep)) => {
                let back = self.yours.clone().filter(|_| !keep);
                let p = match back {
                    Some(world) => self.next(|p| {
                        p.world = world;
                        p.selected = None;
                        p.compare = None;
                        p.replay = None;
                        p.link = None;
                        p.last_tick.set(None);
                    }),
                    None => self,
                };
                p.next(|p| {
                    p.lesson = None;
                    p.yours = None;
                    p.asking = false;
                })
            }
            Msg::Lesson(Some(i)) => match LESSONS.get(i) {
                Some(l) => {
                    // The run before the first of a row of lessons is the one to go back to.
                    let yours = if self.lesson.is_some() {
                        self.yours.clone()
                    } else {
                        Some(self.world.clone())
                    };
                    let p = self.restart(l.config());
                    p.next(|p| {
                        p.lesson = Some(Progress::new(i));
                        p.yours = yours;
                        p.asking = false;
                        p.intro = false;
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
                    p.copied = None;
                    // Actions past the record's end were not kept: the replay goes its own way there.
                    p.notice = full.then(|| {
                        format!("A link holds the first {MAX_ACTIONS} actions: it replays the run up to the last of them")
                    });
                })
            }
            Msg::CloseCompare => self.next(|p| p.compare = None),
            Msg::Copied(ok) => self.next(|p| p.copied = Some(ok)),
            Msg::Compare(variants) => {
                // The run from its start, with the person's actions replayed at their moments.
                let (base, actions) = {
                    let w = self.world.borrow();
                    (w.initial_config().clone(), w.recorded().to_vec())
                };
                match Comparison::new(&base, &variants, &actions) {
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
mod tests;
