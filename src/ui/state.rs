//! The page's one reducer: the World plus how the person is driving it (playing, speed).
//! The World sits behind `Rc<RefCell<_>>` so a tick mutates it in place instead of cloning it; each
//! reduction returns a fresh `Rc<Playground>` (with a new frame number) so Yew re-renders.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::Reducible;

use crate::sim::event::{MS, Time};
use crate::sim::{Action, Config, World};

/// How far one press of Step advances the simulation.
pub const STEP: Time = 100 * MS;
/// A tick never advances more than this much wall time (a throttled or hidden tab resumes smoothly
/// instead of jumping).
const MAX_FRAME_MS: f64 = 250.0;

pub enum Msg {
    /// A timer tick at this wall-clock time (ms, any origin).
    Tick(f64),
    TogglePlay,
    Step,
    Reset,
    Do(Action),
    /// Restart the run with this many database replicas (the quorums shrink to fit).
    SetReplicas(usize),
}

pub struct Playground {
    pub world: Rc<RefCell<World>>,
    pub playing: bool,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Bumped on every change; components compare it to decide whether to re-render.
    pub frame: u64,
    last_tick: Cell<Option<f64>>,
}

impl Playground {
    pub fn new(cfg: Config) -> Self {
        let world = World::new(cfg).unwrap_or_else(|_| {
            World::new(Config::default()).expect("the default config is valid")
        });
        Self {
            world: Rc::new(RefCell::new(world)),
            playing: true,
            speed: 1.0,
            frame: 0,
            last_tick: Cell::new(None),
        }
    }

    fn next(&self, playing: bool) -> Rc<Self> {
        Rc::new(Self {
            world: self.world.clone(),
            playing,
            speed: self.speed,
            frame: self.frame + 1,
            last_tick: Cell::new(self.last_tick.get()),
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
                if !self.playing {
                    return self;
                }
                let dt_ms = last.map_or(0.0, |l| (wall_ms - l).clamp(0.0, MAX_FRAME_MS));
                let advance = (dt_ms * self.speed * MS as f64).round() as Time;
                if advance == 0 {
                    return self;
                }
                {
                    let mut w = self.world.borrow_mut();
                    let t = w.now() + advance;
                    w.step_until(t);
                }
                self.next(true)
            }
            Msg::TogglePlay => {
                self.last_tick.set(None);
                self.next(!self.playing)
            }
            Msg::Step => {
                {
                    let mut w = self.world.borrow_mut();
                    let t = w.now() + STEP;
                    w.step_until(t);
                }
                self.next(false)
            }
            Msg::Reset => {
                let cfg = self.world.borrow().config().clone();
                let fresh = Playground::new(cfg);
                Rc::new(Self {
                    frame: self.frame + 1,
                    playing: self.playing,
                    ..fresh
                })
            }
            Msg::SetReplicas(n) => {
                let mut cfg = self.world.borrow().config().clone();
                cfg.replicas = n.clamp(1, crate::sim::config::MAX_REPLICAS);
                cfg.write_quorum = cfg.write_quorum.min(cfg.replicas);
                cfg.read_quorum = cfg.read_quorum.min(cfg.replicas);
                let fresh = Playground::new(cfg);
                Rc::new(Self {
                    frame: self.frame + 1,
                    playing: self.playing,
                    ..fresh
                })
            }
            Msg::Do(action) => {
                self.world.borrow_mut().apply(action);
                self.next(self.playing)
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
}
