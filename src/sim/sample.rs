//! Random variates drawn from the world's one generator. The arithmetic is spelled out (and `ln` comes
//! from `libm`) so that a seed gives the same numbers bit for bit on every target.

use crate::sim::decimal::within;
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

/// Standard normal (Box–Muller; one of the pair is discarded to keep the draw count fixed).
pub fn normal(rng: &mut SimRng) -> f64 {
    let (u1, u2) = (1.0 - unit(rng), unit(rng));
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Log-normal with the given mean and shape σ (μ is chosen so that the mean comes out right).
pub fn lognormal(rng: &mut SimRng, mean: f64, sigma: f64) -> f64 {
    let mu = libm::log(mean) - sigma * sigma / 2.0;
    libm::exp(mu + sigma * normal(rng))
}

/// Uniform in [lo, hi).
pub fn uniform(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// Bernoulli trial.
pub fn chance(rng: &mut SimRng, p: f64) -> bool {
    unit(rng) < p
}

/// Zipf-distributed ranks in `0..n` with exponent `s > 0`, by rejection-inversion (Hörmann and
/// Derflinger): constant time and no table, whatever `n` is.
#[derive(Clone, Debug)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_x1: f64,
    h_n: f64,
    threshold: f64,
}

impl Zipf {
    pub fn new(n: u32, s: f64) -> Self {
        let mut z = Zipf {
            n: n as f64,
            s,
            h_x1: 0.0,
            h_n: 0.0,
            threshold: 0.0,
        };
        z.h_x1 = z.h_integral(1.5) - 1.0;
        z.h_n = z.h_integral(z.n + 0.5);
        z.threshold = 2.0 - z.h_integral_inv(z.h_integral(2.5) - z.h(2.0));
        z
    }

    fn h(&self, x: f64) -> f64 {
        libm::exp(-self.s * libm::log(x))
    }

    fn h_integral(&self, x: f64) -> f64 {
        let log_x = libm::log(x);
        helper2((1.0 - self.s) * log_x) * log_x
    }

    fn h_integral_inv(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.s)).max(-1.0);
        libm::exp(helper1(t) * x)
    }

    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        loop {
            let u = self.h_n + unit(rng) * (self.h_x1 - self.h_n);
            let x = self.h_integral_inv(u);
            let k = within(libm::floor(x + 0.5), 1.0, self.n);
            if k - x <= self.threshold || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u32 - 1;
            }
        }
    }
}

/// ln(1 + x) / x, accurate near 0.
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::log1p(x) / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// (e^x − 1) / x, accurate near 0.
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::expm1(x) / x
    } else {
        1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x))
    }
}

/// A 64-bit mixer (SplitMix64's finaliser): spreads ids over the hash ring.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
    fn lognormal_keeps_the_mean_and_zipf_follows_its_law() {
        let mut rng = SimRng::seed_from_u64(3);
        let n = 400_000;
        let mean = (0..n).map(|_| lognormal(&mut rng, 5.0, 1.0)).sum::<f64>() / n as f64;
        assert!((mean - 5.0).abs() < 0.1, "mean {mean}");
        let z = Zipf::new(1_000, 1.2);
        let mut counts = vec![0u32; 1_000];
        for _ in 0..n {
            counts[z.sample(&mut rng) as usize] += 1;
        }
        let ratio = counts[0] as f64 / counts[1] as f64;
        let want = libm::pow(2.0, 1.2);
        assert!(
            (ratio - want).abs() / want < 0.03,
            "P(1)/P(2) = {ratio}, want {want}"
        );
        assert!(counts[999] > 0 && counts[999] < counts[99]);
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
