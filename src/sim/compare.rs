//! Side by side: the same system, seed and traffic run once per choice (balancing strategies or
//! replication modes), so any difference in the figures is the choice's doing.

use super::balancer::Strategy;
use super::config::Config;
use super::event::Time;
use super::replication::Replication;
use super::summary::Summary;
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
            Variant::Replication(r) => r.name().into(),
        }
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
}

impl Comparison {
    /// 2 to 4 distinct choices on `base` (its seed for all); a clear message otherwise.
    pub fn new(base: &Config, variants: &[Variant]) -> Result<Self, String> {
        let mut chosen: Vec<Variant> = Vec::new();
        for v in variants {
            if !chosen.contains(v) {
                chosen.push(*v);
            }
        }
        if !(2..=MAX_RUNS).contains(&chosen.len()) {
            return Err(format!(
                "Pick 2 to {MAX_RUNS} choices to compare ({} picked)",
                chosen.len()
            ));
        }
        let runs = chosen
            .into_iter()
            .map(|v| World::new(v.config(base)).map(|w| (v, w)))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Self { runs })
    }

    pub fn now(&self) -> Time {
        self.runs.iter().map(|(_, w)| w.now()).min().unwrap_or(0)
    }

    /// Moves every run towards `t`, at most `budget` events between them; true when all reached
    /// it. A run that falls behind catches up later: its outcome is the same.
    pub fn step_until_within(&mut self, t: Time, budget: u64) -> bool {
        let share = (budget / self.runs.len().max(1) as u64).max(1);
        let mut all = true;
        for (_, w) in &mut self.runs {
            all &= w.step_until_within(t, share);
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
