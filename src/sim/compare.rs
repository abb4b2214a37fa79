//! Side by side: the same system, seed and traffic run once per choice (balancing strategies or
//! replication modes), so any difference in the figures is the choice's doing.

use super::balancer::Strategy;
use super::config::Config;
use super::event::Action;
use super::event::Recorded;
use super::replication::Replication;
use super::summary::Summary;
use super::time::Time;
use super::world::World;

/// One choice to compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Strategy(Strategy),
    Replication(Replication),
}

impl Variant {
    /// Every choice of one kind: strategies (`replication` false) or replication modes.
    pub fn all(replication: bool) -> Vec<Variant> {
        if replication {
            Replication::ALL
                .iter()
                .map(|&r| Variant::Replication(r))
                .collect()
        } else {
            Strategy::ALL
                .iter()
                .map(|&s| Variant::Strategy(s))
                .collect()
        }
    }

    pub fn label(self) -> String {
        match self {
            Variant::Strategy(s) => s.label().into(),
            Variant::Replication(r) => r.label().into(),
        }
    }

    /// Whether `action` sets what this choice is about (replaying it would undo the choice).
    pub fn overridden_by(self, action: &Action) -> bool {
        matches!(
            (self, action),
            (Variant::Strategy(_), Action::SetStrategy(_))
                | (Variant::Replication(_), Action::SetReplication(_))
        )
    }

    pub fn config(self, base: &Config) -> Config {
        let mut c = base.clone();
        match self {
            Variant::Strategy(s) => c.strategy = s,
            Variant::Replication(r) => c.replication = r,
        }
        c
    }
}

/// Runs compared at most at once (each is a whole World).
pub const MAX_RUNS: usize = 4;

pub struct Comparison {
    pub runs: Vec<(Variant, World)>,
    /// The person's actions every run replays, each at the moment it was taken.
    pub replayed: Vec<Recorded>,
    /// Actions not replayed: they set what is being compared.
    pub left_out: Vec<Recorded>,
    /// Per run, how many of `replayed` it has applied.
    applied: Vec<usize>,
}

impl Comparison {
    /// 2 to 4 distinct choices on `base` (its seed for all), each run replaying `actions` (the
    /// person's, with when they were taken) except those that set the compared choice itself; a
    /// clear message otherwise.
    pub fn new(base: &Config, variants: &[Variant], actions: &[Recorded]) -> Result<Self, String> {
        let mut chosen: Vec<Variant> = Vec::new();
        for v in variants {
            if !chosen.contains(v) {
                chosen.push(*v);
            }
        }
        if !(2..=MAX_RUNS).contains(&chosen.len()) {
            return Err(format!(
                "Nothing ran: pick 2 to {MAX_RUNS} choices to compare ({} picked)",
                chosen.len()
            ));
        }
        let kind = chosen[0];
        if chosen
            .iter()
            .any(|v| std::mem::discriminant(v) != std::mem::discriminant(&kind))
        {
            return Err(
                "Nothing ran: compare choices of one kind, strategies or replication modes".into(),
            );
        }
        // Following a request changes nothing in the system: not replayed, not listed.
        let actions = actions
            .iter()
            .filter(|r| r.action != Action::TraceNext)
            .cloned();
        let (left_out, replayed): (Vec<Recorded>, Vec<Recorded>) =
            actions.partition(|r| kind.overridden_by(&r.action));
        let runs: Vec<(Variant, World)> = chosen
            .into_iter()
            .map(|v| World::new(v.config(base)).map(|w| (v, w)))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            applied: vec![0; runs.len()],
            runs,
            replayed,
            left_out,
        })
    }

    pub fn now(&self) -> Time {
        self.runs.iter().map(|(_, w)| w.now()).min().unwrap_or(0)
    }

    /// Moves every run towards `t`, at most `budget` events between them; true when all reached
    /// it. A run that falls behind catches up later: its outcome is the same.
    pub fn step_until_within(&mut self, t: Time, budget: u64) -> bool {
        let share = (budget / self.runs.len().max(1) as u64).max(1);
        let mut all = true;
        for ((_, w), applied) in self.runs.iter_mut().zip(&mut self.applied) {
            // Up to each replayed action's moment, then the action, as the person's run did.
            let reached = loop {
                let next = self.replayed.get(*applied).filter(|r| r.at <= t);
                let Some(r) = next else {
                    break w.step_until_within(t, share);
                };
                if !w.step_until_within(r.at, share) {
                    break false;
                }
                w.apply(r.action.clone());
                *applied += 1;
            };
            all &= reached;
        }
        all
    }

    /// Each run's figures, in the order chosen.
    pub fn summaries(&self) -> Vec<(Variant, Summary)> {
        self.runs
            .iter()
            .map(|(v, w)| (*v, Summary::of(w)))
            .collect()
    }
}
