//! Retries without retry storms: a token bucket caps retries at a share of real traffic (as Finagle's
//! and Envoy's retry budgets do), and each retry waits an exponential backoff with full jitter.

use crate::sim::sample::{self, SimRng};

/// Tokens the bucket holds at most: a short burst of retries is allowed, a storm is not.
const BURST: f64 = 10.0;
/// The longest backoff, in ms.
const BACKOFF_CAP_MS: f64 = 2_000.0;

#[derive(Clone, Debug, PartialEq)]
pub struct RetryBudget {
    tokens: f64,
    ratio: f64,
}

impl RetryBudget {
    pub fn new(ratio: f64) -> Self {
        Self {
            tokens: BURST,
            ratio,
        }
    }

    pub fn set_ratio(&mut self, ratio: f64) {
        self.ratio = ratio;
    }

    /// A new request earns the bucket `ratio` tokens.
    pub fn deposit(&mut self) {
        self.tokens = (self.tokens + self.ratio).min(BURST);
    }

    /// Takes a token for one retry, if there is one.
    pub fn withdraw(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Full-jitter backoff before retry number `retry` (1, 2, …): uniform in 0..min(cap, base·2^(retry−1)).
pub fn backoff_ms(rng: &mut SimRng, base_ms: f64, retry: u32) -> f64 {
    let ceiling = (base_ms * libm::pow(2.0, retry.saturating_sub(1) as f64)).min(BACKOFF_CAP_MS);
    sample::uniform(rng, 0.0, ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_budget_caps_retries_at_a_share_of_requests() {
        let mut b = RetryBudget::new(0.1);
        let mut allowed = 0;
        for _ in 0..10_000 {
            b.deposit();
            if b.withdraw() {
                allowed += 1;
            }
        }
        // 10 % of 10 000 plus the initial burst.
        assert!((1_000..=1_011).contains(&allowed), "{allowed}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut rng = SimRng::seed_from_u64(9);
        let mut max = |retry| {
            (0..2_000)
                .map(|_| backoff_ms(&mut rng, 25.0, retry))
                .fold(0.0, f64::max)
        };
        let (m1, m3, m20) = (max(1), max(3), max(20));
        assert!(m1 < 25.0 && m1 > 20.0, "{m1}");
        assert!(m3 < 100.0 && m3 > 80.0, "{m3}");
        assert!(m20 <= BACKOFF_CAP_MS && m20 > 1_500.0, "{m20}");
    }
}
