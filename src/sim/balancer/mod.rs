//! The load balancer's brain: which servers it believes healthy, how many requests each has
//! outstanding, and the strategy that picks one. It only knows what it has observed (probe answers,
//! replies, timeouts), never a server's true state.

mod health;
mod retry;
mod ring;
mod strategy;

pub use health::{Health, Verdict};
pub use retry::{RetryBudget, backoff_ms};
pub use ring::HashRing;
pub use strategy::Strategy;

use super::sample::{self, SimRng};
use super::time::Time;

/// How fast the response-time average forgets, in µs (Finagle's default decay window).
const EWMA_DECAY_US: f64 = 10_000_000.0;

/// What the balancer knows of one server.
#[derive(Clone, Debug)]
pub struct Backend {
    pub health: Health,
    /// Being removed: gets no new work.
    pub draining: bool,
    /// Attempts sent to it that the balancer is still waiting on.
    pub outstanding: u32,
    /// Weight for weighted round robin (the server's power).
    pub weight: u32,
    wrr_current: i64,
    /// Peak-EWMA response time in µs, and when it was last updated.
    ewma_us: f64,
    ewma_at: Time,
}

impl Backend {
    fn new(healthy: bool, weight: u32) -> Self {
        Self {
            health: Health::new(healthy),
            draining: false,
            outstanding: 0,
            weight,
            wrr_current: 0,
            ewma_us: 0.0,
            ewma_at: 0,
        }
    }

    /// Least-response-time's cost: expected wait if sent one more request.
    pub fn cost(&self) -> f64 {
        self.ewma_us.max(1.0) * (self.outstanding + 1) as f64
    }

    pub fn ewma_ms(&self) -> f64 {
        self.ewma_us / 1_000.0
    }
}

#[derive(Clone, Debug)]
pub struct Balancer {
    pub strategy: Strategy,
    pub backends: Vec<Backend>,
    pub budget: RetryBudget,
    /// Round robin (and the tie-break of the others): where the next search starts.
    pointer: usize,
    ring: HashRing,
    /// Power of two: the last pair compared.
    last_pair: Option<(usize, usize)>,
}

/// Servers as a bit set (at most 64, the fleet's limit).
type Mask = u64;

fn nth_set_bit(mut m: Mask, n: u32) -> usize {
    for _ in 0..n {
        m &= m - 1;
    }
    m.trailing_zeros() as usize
}

/// The set bits of `m` in order starting at `from` and wrapping around.
fn rotated(m: Mask, from: usize) -> impl Iterator<Item = usize> {
    let high = if from >= 64 { 0 } else { m & (!0 << from) };
    let low = m & !high;
    bits(high).chain(bits(low))
}

fn bits(mut m: Mask) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (m != 0).then(|| {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            i
        })
    })
}

impl Balancer {
    pub fn new(strategy: Strategy, servers: usize, retry_budget: f64) -> Self {
        Self {
            strategy,
            backends: (0..servers).map(|_| Backend::new(true, 1)).collect(),
            budget: RetryBudget::new(retry_budget),
            pointer: 0,
            ring: HashRing::new(servers),
            last_pair: None,
        }
    }

    /// A new server joins; it takes traffic once `healthy` (at once, or after its first checks).
    pub fn add_backend(&mut self, healthy: bool, weight: u32) {
        self.backends.push(Backend::new(healthy, weight));
        self.ring = HashRing::new(self.backends.len());
    }

    pub fn remove_last(&mut self) {
        self.backends.pop();
        self.ring = HashRing::new(self.backends.len());
    }

    /// Does the balancer send new work to server `i`?
    pub fn accepts(&self, i: usize) -> bool {
        self.backends
            .get(i)
            .is_some_and(|b| b.health.healthy && !b.draining)
    }

    pub fn pointer(&self) -> usize {
        self.pointer
    }

    pub fn last_pair(&self) -> Option<(usize, usize)> {
        self.last_pair
    }

    /// Who owns each of `n` equal arcs of the consistent-hash ring, clockwise from the top.
    pub fn ring_owners(&self, n: usize) -> Vec<Option<usize>> {
        (0..n)
            .map(|k| self.ring.owner_at((k as f64 + 0.5) / n as f64))
            .collect()
    }

    /// Picks a server for `session`, avoiding the servers in `tried` when any other is available;
    /// `None` when no server accepts work.
    pub fn pick(&mut self, session: u32, tried: Mask, rng: &mut SimRng) -> Option<usize> {
        let ok: Mask = (0..self.backends.len())
            .filter(|&i| self.accepts(i))
            .fold(0, |m, i| m | 1 << i);
        let mask = if ok & !tried != 0 { ok & !tried } else { ok };
        if mask == 0 {
            return None;
        }
        let n = self.backends.len();
        let from = self.pointer % n;
        let b = &self.backends;
        let chosen = match self.strategy {
            Strategy::Random => {
                nth_set_bit(mask, sample::below(rng, mask.count_ones() as usize) as u32)
            }
            Strategy::RoundRobin => rotated(mask, from).next()?,
            Strategy::WeightedRoundRobin => {
                let total: i64 = bits(mask).map(|i| b[i].weight as i64).sum();
                for i in bits(mask) {
                    self.backends[i].wrr_current += self.backends[i].weight as i64;
                }
                let best =
                    bits(mask).max_by_key(|&i| (self.backends[i].wrr_current, -(i as i64)))?;
                self.backends[best].wrr_current -= total;
                best
            }
            Strategy::LeastConnections => rotated(mask, from).min_by_key(|&i| b[i].outstanding)?,
            Strategy::PowerOfTwo => {
                let count = mask.count_ones() as usize;
                let a = sample::below(rng, count);
                let c = if count > 1 {
                    let c = sample::below(rng, count - 1);
                    if c >= a { c + 1 } else { c }
                } else {
                    a
                };
                let (x, y) = (nth_set_bit(mask, a as u32), nth_set_bit(mask, c as u32));
                self.last_pair = Some((x, y));
                if b[y].outstanding < b[x].outstanding {
                    y
                } else {
                    x
                }
            }
            Strategy::ConsistentHash => self.ring.lookup(session, |i| mask & (1 << i) != 0)?,
            Strategy::LeastResponseTime => {
                rotated(mask, from).min_by(|&x, &y| b[x].cost().total_cmp(&b[y].cost()))?
            }
        };
        self.pointer = chosen + 1;
        Some(chosen)
    }

    /// A reply from server `i` took `rtt` µs: feed the peak-EWMA (a slower sample counts at once,
    /// faster ones are averaged in).
    pub fn observe(&mut self, i: usize, now: Time, rtt: Time) {
        let Some(b) = self.backends.get_mut(i) else {
            return;
        };
        let rtt = rtt as f64;
        if rtt > b.ewma_us {
            b.ewma_us = rtt;
        } else {
            let w = libm::exp(-(now.saturating_sub(b.ewma_at) as f64) / EWMA_DECAY_US);
            b.ewma_us = b.ewma_us * w + rtt * (1.0 - w);
        }
        b.ewma_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn balancer(strategy: Strategy, n: usize) -> (Balancer, SimRng) {
        (Balancer::new(strategy, n, 0.2), SimRng::seed_from_u64(11))
    }

    #[test]
    fn round_robin_rotates_exactly_and_skips_the_unhealthy() {
        let (mut b, mut rng) = balancer(Strategy::RoundRobin, 4);
        let picks: Vec<_> = (0..8).map(|_| b.pick(0, 0, &mut rng).unwrap()).collect();
        assert_eq!(picks, [0, 1, 2, 3, 0, 1, 2, 3]);
        b.backends[2].health = Health::new(false);
        let picks: Vec<_> = (0..6).map(|_| b.pick(0, 0, &mut rng).unwrap()).collect();
        assert_eq!(picks, [0, 1, 3, 0, 1, 3]);
    }

    #[test]
    fn least_connections_picks_a_minimum() {
        let (mut b, mut rng) = balancer(Strategy::LeastConnections, 5);
        for round in 0..500u32 {
            for (i, be) in b.backends.iter_mut().enumerate() {
                be.outstanding = (round * 7 + i as u32 * 13) % 6;
            }
            let chosen = b.pick(0, 0, &mut rng).unwrap();
            let min = b.backends.iter().map(|x| x.outstanding).min().unwrap();
            assert_eq!(b.backends[chosen].outstanding, min);
        }
    }

    #[test]
    fn power_of_two_never_picks_the_busier_of_its_pair() {
        let (mut b, mut rng) = balancer(Strategy::PowerOfTwo, 8);
        let mut seen = [0; 8];
        for round in 0..2_000u32 {
            for (i, be) in b.backends.iter_mut().enumerate() {
                be.outstanding = (round * 31 + i as u32 * 17) % 9;
            }
            let chosen = b.pick(0, 0, &mut rng).unwrap();
            let (x, y) = b.last_pair().unwrap();
            assert_ne!(x, y, "two distinct servers are compared");
            assert!(chosen == x || chosen == y);
            let other = if chosen == x { y } else { x };
            assert!(b.backends[chosen].outstanding <= b.backends[other].outstanding);
            seen[chosen] += 1;
        }
        assert!(seen.iter().all(|&c| c > 0), "{seen:?}");
    }

    #[test]
    fn weighted_shares_follow_weights() {
        let (mut b, mut rng) = balancer(Strategy::WeightedRoundRobin, 4);
        let weights = [1u32, 2, 4, 8];
        for (be, w) in b.backends.iter_mut().zip(weights) {
            be.weight = w;
        }
        let mut counts = [0u32; 4];
        let picks = 100_000;
        for _ in 0..picks {
            counts[b.pick(0, 0, &mut rng).unwrap()] += 1;
        }
        for (c, w) in counts.iter().zip(weights) {
            let share = *c as f64 / picks as f64;
            let want = w as f64 / 15.0;
            assert!((share - want).abs() / want < 0.02, "{counts:?}");
        }
    }

    #[test]
    fn consistent_hash_keeps_sessions_on_their_server() {
        let (mut b, mut rng) = balancer(Strategy::ConsistentHash, 5);
        for s in 0..1_000 {
            let first = b.pick(s, 0, &mut rng).unwrap();
            assert_eq!(b.pick(s, 0, &mut rng), Some(first));
        }
    }

    #[test]
    fn least_response_time_avoids_the_slow_server() {
        let (mut b, mut rng) = balancer(Strategy::LeastResponseTime, 3);
        b.observe(0, 1_000, 50_000);
        b.observe(1, 1_000, 5_000);
        b.observe(2, 1_000, 6_000);
        let picks: Vec<_> = (0..4).map(|_| b.pick(0, 0, &mut rng).unwrap()).collect();
        assert_eq!(picks[0], 1);
        assert!(!picks.contains(&0), "{picks:?}");
    }

    #[test]
    fn retries_avoid_servers_already_tried_unless_none_is_left() {
        for strategy in Strategy::ALL {
            let (mut b, mut rng) = balancer(strategy, 3);
            for s in 0..50 {
                let tried = 0b011;
                assert_eq!(b.pick(s, tried, &mut rng), Some(2), "{strategy}");
                assert!(b.pick(s, 0b111, &mut rng).is_some(), "{strategy}");
            }
            for i in 0..3 {
                b.backends[i].health = Health::new(false);
            }
            assert_eq!(b.pick(0, 0, &mut rng), None, "{strategy}");
        }
    }
}
