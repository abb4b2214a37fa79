//! Random variates drawn from the world's one generator. The arithmetic is spelled out (and `ln` comes
//! from `libm`) so that a seed gives the same numbers bit for bit on every target.

use rand::Rng;
use rand::rngs::Xoshiro256PlusPlus;

pub type SimRng = Xoshiro256PlusPlus;

/// Uniform in [0, 1) with 53 random bits.
pub fn unit(rng: &mut SimRng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in `0..n` (n > 0), by multiply-shift; the bias is below 2^-32 for any n we use.
pub fn below(rng: &mut SimRng, n: usize) -> usize {
    debug_assert!(n > 0);
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// Exponential with the given mean (inverse transform; `1 - u` is never 0).
pub fn exponential(rng: &mut SimRng, mean: f64) -> f64 {
    -mean * libm::log(1.0 - unit(rng))
}

/// Bernoulli trial.
pub fn chance(rng: &mut SimRng, p: f64) -> bool {
    unit(rng) < p
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn exponential_has_the_requested_mean() {
        let mut rng = SimRng::seed_from_u64(7);
        let n = 200_000;
        let mean = (0..n).map(|_| exponential(&mut rng, 3.0)).sum::<f64>() / n as f64;
        assert!((mean - 3.0).abs() < 0.03, "mean {mean}");
    }

    #[test]
    fn below_covers_every_value_evenly() {
        let mut rng = SimRng::seed_from_u64(1);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[below(&mut rng, 7)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
