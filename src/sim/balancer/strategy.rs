//! The balancing strategies, by name.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    Random,
    RoundRobin,
    /// Smooth weighted round robin (as nginx does it), weights from server power.
    WeightedRoundRobin,
    /// Fewest requests outstanding at the balancer.
    LeastConnections,
    /// Two random picks; the one with fewer outstanding requests wins.
    PowerOfTwo,
    /// A hash ring with virtual nodes, by session: a session sticks to its server.
    ConsistentHash,
    /// Lowest peak-EWMA response time × (outstanding + 1), as Finagle and Linkerd do.
    LeastResponseTime,
}

impl Strategy {
    pub const ALL: [Strategy; 7] = [
        Strategy::Random,
        Strategy::RoundRobin,
        Strategy::WeightedRoundRobin,
        Strategy::LeastConnections,
        Strategy::PowerOfTwo,
        Strategy::ConsistentHash,
        Strategy::LeastResponseTime,
    ];

    /// The name used in the page's `<select>`, the runner's flags and links.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::RoundRobin => "round-robin",
            Strategy::WeightedRoundRobin => "weighted-round-robin",
            Strategy::LeastConnections => "least-connections",
            Strategy::PowerOfTwo => "power-of-two",
            Strategy::ConsistentHash => "consistent-hash",
            Strategy::LeastResponseTime => "least-response-time",
        }
    }

    /// How it picks, in a few words (the balancer's box in the diagram).
    pub fn rule(self) -> &'static str {
        match self {
            Strategy::Random => "picks at random",
            Strategy::RoundRobin => "in turn",
            Strategy::WeightedRoundRobin => "in turn, by power",
            Strategy::LeastConnections => "fewest open requests",
            Strategy::PowerOfTwo => "two random, less busy",
            Strategy::ConsistentHash => "by session",
            Strategy::LeastResponseTime => "fastest recent replies",
        }
    }

    /// Whether it looks at how busy each server is (so it steers around a slow one).
    pub fn load_aware(self) -> bool {
        match self {
            Strategy::LeastConnections | Strategy::PowerOfTwo | Strategy::LeastResponseTime => true,
            Strategy::Random
            | Strategy::RoundRobin
            | Strategy::WeightedRoundRobin
            | Strategy::ConsistentHash => false,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Strategy::Random => "Random",
            Strategy::RoundRobin => "Round robin",
            Strategy::WeightedRoundRobin => "Weighted round robin",
            Strategy::LeastConnections => "Least connections",
            Strategy::PowerOfTwo => "Power of two choices",
            Strategy::ConsistentHash => "Consistent hashing",
            Strategy::LeastResponseTime => "Least response time",
        }
    }
}

impl crate::sim::Named for Strategy {
    fn text(&self) -> &'static str {
        self.name()
    }
    fn set_text(&mut self, s: &str) -> bool {
        match Strategy::ALL.into_iter().find(|v| v.name() == s) {
            Some(v) => {
                *self = v;
                true
            }
            None => false,
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    fn names(&self) -> Vec<&'static str> {
        Strategy::ALL.iter().map(|v| v.name()).collect()
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
