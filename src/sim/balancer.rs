//! The load balancer's choice of server.

use std::fmt;
use std::str::FromStr;

use super::sample::{self, SimRng};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    Random,
    RoundRobin,
}

impl Strategy {
    pub const ALL: [Strategy; 2] = [Strategy::Random, Strategy::RoundRobin];

    /// The name used in the page's `<select>`, the runner's flags and links.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::RoundRobin => "round-robin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Strategy::Random => "Random",
            Strategy::RoundRobin => "Round robin",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Strategy::ALL
            .into_iter()
            .find(|st| st.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Strategy::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown strategy '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[derive(Clone, Debug)]
pub struct Balancer {
    pub strategy: Strategy,
    /// Round robin: the server to try first next time.
    next: usize,
}

impl Balancer {
    pub fn new(strategy: Strategy) -> Self {
        Self { strategy, next: 0 }
    }

    /// Round robin's pointer, for the view.
    pub fn pointer(&self) -> usize {
        self.next
    }

    /// Picks one of `n` servers among those `eligible` says may take traffic; `None` if none may.
    pub fn pick(
        &mut self,
        n: usize,
        eligible: impl Fn(usize) -> bool,
        rng: &mut SimRng,
    ) -> Option<usize> {
        match self.strategy {
            Strategy::Random => {
                let count = (0..n).filter(|&i| eligible(i)).count();
                if count == 0 {
                    return None;
                }
                let k = sample::below(rng, count);
                (0..n).filter(|&i| eligible(i)).nth(k)
            }
            Strategy::RoundRobin => {
                let start = if n == 0 { 0 } else { self.next % n };
                let chosen = (0..n).map(|k| (start + k) % n).find(|&i| eligible(i))?;
                self.next = chosen + 1;
                Some(chosen)
            }
        }
    }
}
