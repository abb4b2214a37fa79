//! The load balancer: which servers it believes healthy, how many requests each has outstanding,
//! and the strategy that picks one (here); as an actor, what it does with requests (`flight.rs`) and
//! health checks (`checks.rs`). It only knows what it has observed (probe answers, replies,
//! timeouts), never a server's true state.

mod breaker;
mod checks;
mod flight;
mod health;
mod requests;
mod retry;
mod ring;
mod strategy;

pub use breaker::{Breaker, Circuit};
pub use health::{Health, Verdict};
pub use retry::{RetryBudget, backoff_ms};
pub use ring::HashRing;
pub use strategy::Strategy;

use super::sample::{self, SimRng};
use super::slab::Slab;
use super::time::Time;
use flight::Flight;
pub(crate) use flight::Input;
pub use flight::Tried;

/// How fast the response-time average forgets, in µs (Finagle's default decay window).
const EWMA_DECAY_US: f64 = 10_000_000.0;

/// What the balancer knows of one server.
#[derive(Clone, Debug)]
pub struct Backend {
    pub health: Health,
    /// Its circuit breaker (always closed while breakers are off).
    pub breaker: Breaker,
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
            breaker: Breaker::default(),
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

    fn accepts(&self) -> bool {
        self.health.healthy && !self.draining && self.breaker.admits()
    }
}

#[derive(Clone, Debug)]
pub struct Balancer {
    pub strategy: Strategy,
    backends: Vec<Backend>,
    /// The servers it sends new work to, ascending: kept as health and draining change, so a
    /// pick costs no scan of a fleet of thousands (random and power of two are O(1)).
    accepting: Vec<u32>,
    /// A retry's candidates (the accepting servers it has not tried), reused between picks.
    scratch: Vec<u32>,
    pub budget: RetryBudget,
    /// Round robin (and the tie-break of the others): where the next search starts.
    pointer: usize,
    ring: HashRing,
    /// Power of two: the last pair compared.
    last_pair: Option<(usize, usize)>,
    /// Requests it is handling.
    flights: Slab<Flight>,
    /// The per-attempt timeout.
    timeout: Time,
    /// The last health check's number, and whether the next round's timer is set.
    probe_seq: u64,
    probe_armed: bool,
    /// Circuits opened so far: each opening's number (its half-open timer names it).
    openings: u64,
}

/// `m`'s servers from the first at or after `from` on, wrapping around (`m` ascending).
fn rotated(m: &[u32], from: usize) -> impl Iterator<Item = usize> + '_ {
    let (low, high) = m.split_at(m.partition_point(|&i| (i as usize) < from));
    high.iter().chain(low).map(|&i| i as usize)
}

impl Balancer {
    pub fn new(strategy: Strategy, servers: usize, retry_budget: f64) -> Self {
        let mut b = Self {
            strategy,
            backends: (0..servers).map(|_| Backend::new(true, 1)).collect(),
            accepting: Vec::new(),
            scratch: Vec::new(),
            budget: RetryBudget::new(retry_budget),
            pointer: 0,
            ring: HashRing::new(servers),
            last_pair: None,
            flights: Slab::default(),
            timeout: 0,
            probe_seq: 0,
            probe_armed: false,
            openings: 0,
        };
        b.refresh();
        b
    }

    /// What the balancer knows of each server.
    pub fn backends(&self) -> &[Backend] {
        &self.backends
    }

    /// Recomputes the accepting list after a change of health or draining (rare: a verdict, an
    /// action), so that picks need not look at every server.
    fn refresh(&mut self) {
        self.accepting.clear();
        let b = &self.backends;
        self.accepting
            .extend((0..b.len() as u32).filter(|&i| b[i as usize].accepts()));
    }

    /// A new server joins; it takes traffic once `healthy` (at once, or after its first checks).
    pub fn add_backend(&mut self, healthy: bool, weight: u32) {
        self.backends.push(Backend::new(healthy, weight));
        self.ring = HashRing::new(self.backends.len());
        self.refresh();
    }

    pub fn remove_last(&mut self) {
        self.backends.pop();
        self.ring = HashRing::new(self.backends.len());
        self.refresh();
    }

    /// Does the balancer send new work to server `i`?
    pub fn accepts(&self, i: usize) -> bool {
        self.backends.get(i).is_some_and(Backend::accepts)
    }

    /// Server `i` is being removed (gets no new work), or is kept after all.
    pub fn set_draining(&mut self, i: usize, draining: bool) {
        if let Some(b) = self.backends.get_mut(i) {
            b.draining = draining;
            self.refresh();
        }
    }

    pub fn set_weight(&mut self, i: usize, weight: u32) {
        if let Some(b) = self.backends.get_mut(i) {
            b.weight = weight;
        }
    }

    /// Without health checks a balancer has nothing to go on: it trusts every server.
    pub fn trust_all(&mut self) {
        for b in &mut self.backends {
            b.health = Health::new(true);
        }
        self.refresh();
    }

    /// Sends server `i` a probe numbered `seq` unless one is still awaited; says whether it did.
    pub fn probe(&mut self, i: usize, seq: u64) -> bool {
        let Some(b) = self.backends.get_mut(i) else {
            return false;
        };
        let free = b.health.may_probe();
        if free {
            b.health.sent(seq);
        }
        free
    }

    /// Server `i` answered probe `seq`: it may be marked up after `rise` good checks.
    pub fn probe_answered(&mut self, i: usize, seq: u64, rise: u32) -> Option<Verdict> {
        let verdict = self.backends.get_mut(i)?.health.answered(seq, rise);
        self.believe(verdict)
    }

    /// Probe `seq` to server `i` went unanswered: it may be marked down after `fall` in a row.
    pub fn probe_timed_out(&mut self, i: usize, seq: u64, fall: u32) -> Option<Verdict> {
        let verdict = self.backends.get_mut(i)?.health.timed_out(seq, fall);
        self.believe(verdict)
    }

    /// A changed belief changes who gets work.
    fn believe(&mut self, verdict: Option<Verdict>) -> Option<Verdict> {
        if verdict.is_some() {
            self.refresh();
        }
        verdict
    }

    /// An attempt went to server `i` (a half-open circuit's trial: it admits no more).
    pub fn sent(&mut self, i: usize) {
        if let Some(b) = self.backends.get_mut(i) {
            b.outstanding += 1;
            if b.breaker.sent() {
                self.refresh();
            }
        }
    }

    /// An attempt at server `i` ended, `ok` unless it timed out or was refused: its circuit
    /// breaker may change state (with the opening's number when it opens).
    pub fn judge(&mut self, i: usize, ok: bool, threshold: u32) -> Option<(Circuit, u64)> {
        let b = self.backends.get_mut(i)?;
        let circuit = b.breaker.ended(ok, threshold, self.openings + 1)?;
        if circuit == Circuit::Open {
            self.openings += 1;
        }
        self.refresh();
        Some((circuit, self.openings))
    }

    /// Opening `opening` of server `i`'s circuit has lasted its time: one trial may pass.
    pub fn half_open(&mut self, i: usize, opening: u64) -> bool {
        let due = self
            .backends
            .get_mut(i)
            .is_some_and(|b| b.breaker.half_open(opening));
        if due {
            self.refresh();
        }
        due
    }

    /// Breakers switched off: every circuit closes.
    pub fn reset_breakers(&mut self) {
        for b in &mut self.backends {
            b.breaker.reset();
        }
        self.refresh();
    }

    /// Whether a server the checks believe healthy is kept from work by its open circuit alone
    /// (then a request with nowhere to go failed by the breakers, not for want of servers).
    fn circuits_hold_back(&self) -> bool {
        self.backends
            .iter()
            .any(|b| b.health.healthy && !b.draining && !b.breaker.admits())
    }

    /// The attempt at server `i` ended after `rtt` µs (a reply, or its timeout).
    pub fn ended(&mut self, i: usize, now: Time, rtt: Time) {
        if let Some(b) = self.backends.get_mut(i) {
            b.outstanding -= 1;
        }
        self.observe(i, now, rtt);
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
    pub fn pick(&mut self, session: u32, tried: Tried, rng: &mut SimRng) -> Option<usize> {
        let mut rest = std::mem::take(&mut self.scratch);
        rest.clear();
        if !tried.is_empty() {
            let fresh = self
                .accepting
                .iter()
                .filter(|&&i| !tried.contains(i as usize));
            rest.extend(fresh);
        }
        let chosen = self.choose(
            session,
            if rest.is_empty() { None } else { Some(&rest) },
            rng,
        );
        self.scratch = rest;
        self.pointer = chosen? + 1;
        chosen
    }

    /// The strategy's choice among `among` (ascending), or among every accepting server.
    fn choose(&mut self, session: u32, among: Option<&[u32]>, rng: &mut SimRng) -> Option<usize> {
        let m = among.unwrap_or(&self.accepting);
        if m.is_empty() {
            return None;
        }
        let n = self.backends.len();
        let from = self.pointer % n;
        let b = &mut self.backends;
        let nth = |k: usize| m[k] as usize;
        Some(match self.strategy {
            Strategy::Random => nth(sample::below(rng, m.len())),
            Strategy::RoundRobin => rotated(m, from).next()?,
            Strategy::WeightedRoundRobin => {
                let mut total = 0;
                for &i in m {
                    let x = &mut b[i as usize];
                    x.wrr_current += x.weight as i64;
                    total += x.weight as i64;
                }
                let best = (m.iter().map(|&i| i as usize))
                    .max_by_key(|&i| (b[i].wrr_current, -(i as i64)))?;
                b[best].wrr_current -= total;
                best
            }
            Strategy::LeastConnections => rotated(m, from).min_by_key(|&i| b[i].outstanding)?,
            Strategy::PowerOfTwo => {
                let count = m.len();
                let a = sample::below(rng, count);
                let c = if count > 1 {
                    let c = sample::below(rng, count - 1);
                    if c >= a { c + 1 } else { c }
                } else {
                    a
                };
                let (x, y) = (nth(a), nth(c));
                self.last_pair = Some((x, y));
                if b[y].outstanding < b[x].outstanding {
                    y
                } else {
                    x
                }
            }
            Strategy::ConsistentHash => self
                .ring
                .lookup(session, |i| m.binary_search(&(i as u32)).is_ok())?,
            Strategy::LeastResponseTime => {
                rotated(m, from).min_by(|&x, &y| b[x].cost().total_cmp(&b[y].cost()))?
            }
        })
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
        let picks: Vec<_> = (0..8)
            .map(|_| b.pick(0, Tried::default(), &mut rng).unwrap())
            .collect();
        assert_eq!(picks, [0, 1, 2, 3, 0, 1, 2, 3]);
        b.backends[2].health = Health::new(false);
        b.refresh();
        let picks: Vec<_> = (0..6)
            .map(|_| b.pick(0, Tried::default(), &mut rng).unwrap())
            .collect();
        assert_eq!(picks, [0, 1, 3, 0, 1, 3]);
    }

    #[test]
    fn least_connections_picks_a_minimum() {
        let (mut b, mut rng) = balancer(Strategy::LeastConnections, 5);
        for round in 0..500u32 {
            for (i, be) in b.backends.iter_mut().enumerate() {
                be.outstanding = (round * 7 + i as u32 * 13) % 6;
            }
            let chosen = b.pick(0, Tried::default(), &mut rng).unwrap();
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
            let chosen = b.pick(0, Tried::default(), &mut rng).unwrap();
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
            counts[b.pick(0, Tried::default(), &mut rng).unwrap()] += 1;
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
            let first = b.pick(s, Tried::default(), &mut rng).unwrap();
            assert_eq!(b.pick(s, Tried::default(), &mut rng), Some(first));
        }
    }

    #[test]
    fn least_response_time_avoids_the_slow_server() {
        let (mut b, mut rng) = balancer(Strategy::LeastResponseTime, 3);
        b.observe(0, 1_000, 50_000);
        b.observe(1, 1_000, 5_000);
        b.observe(2, 1_000, 6_000);
        let picks: Vec<_> = (0..4)
            .map(|_| b.pick(0, Tried::default(), &mut rng).unwrap())
            .collect();
        assert_eq!(picks[0], 1);
        assert!(!picks.contains(&0), "{picks:?}");
    }

    #[test]
    fn retries_avoid_servers_already_tried_unless_none_is_left() {
        for strategy in Strategy::ALL {
            let (mut b, mut rng) = balancer(strategy, 3);
            for s in 0..50 {
                let mut tried = Tried::default();
                tried.add(0);
                tried.add(1);
                assert_eq!(b.pick(s, tried, &mut rng), Some(2), "{strategy}");
                tried.add(2);
                assert!(b.pick(s, tried, &mut rng).is_some(), "{strategy}");
            }
            for i in 0..3 {
                b.backends[i].health = Health::new(false);
            }
            b.refresh();
            assert_eq!(b.pick(0, Tried::default(), &mut rng), None, "{strategy}");
        }
    }

    /// The picker as it was when servers were a 64-bit mask: the reference that the sorted
    /// accepting list must match pick for pick (same rng draws, same state after).
    #[cfg(not(target_arch = "wasm32"))]
    mod reference {
        use super::*;
        use crate::sim::balancer::Strategy;
        use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest};

        fn nth_set_bit(mut m: u64, n: usize) -> usize {
            for _ in 0..n {
                m &= m - 1;
            }
            m.trailing_zeros() as usize
        }

        fn bits(m: u64) -> impl Iterator<Item = usize> {
            (0..64).filter(move |i| m >> i & 1 == 1)
        }

        fn rotated(m: u64, from: usize) -> impl Iterator<Item = usize> {
            bits(m)
                .filter(move |&i| i >= from)
                .chain(bits(m).filter(move |&i| i < from))
        }

        fn mask_pick(
            b: &mut Balancer,
            session: u32,
            tried: u64,
            rng: &mut SimRng,
        ) -> Option<usize> {
            let ok = (0..b.backends.len())
                .filter(|&i| b.accepts(i))
                .fold(0u64, |m, i| m | 1 << i);
            let mask = if ok & !tried != 0 { ok & !tried } else { ok };
            if mask == 0 {
                return None;
            }
            let from = b.pointer % b.backends.len();
            let count = mask.count_ones() as usize;
            let chosen = match b.strategy {
                Strategy::Random => nth_set_bit(mask, sample::below(rng, count)),
                Strategy::RoundRobin => rotated(mask, from).next()?,
                Strategy::WeightedRoundRobin => {
                    let total: i64 = bits(mask).map(|i| b.backends[i].weight as i64).sum();
                    for i in bits(mask) {
                        b.backends[i].wrr_current += b.backends[i].weight as i64;
                    }
                    let best =
                        bits(mask).max_by_key(|&i| (b.backends[i].wrr_current, -(i as i64)))?;
                    b.backends[best].wrr_current -= total;
                    best
                }
                Strategy::LeastConnections => {
                    rotated(mask, from).min_by_key(|&i| b.backends[i].outstanding)?
                }
                Strategy::PowerOfTwo => {
                    let a = sample::below(rng, count);
                    let c = if count > 1 {
                        let c = sample::below(rng, count - 1);
                        if c >= a { c + 1 } else { c }
                    } else {
                        a
                    };
                    let (x, y) = (nth_set_bit(mask, a), nth_set_bit(mask, c));
                    b.last_pair = Some((x, y));
                    if b.backends[y].outstanding < b.backends[x].outstanding {
                        y
                    } else {
                        x
                    }
                }
                Strategy::ConsistentHash => b.ring.lookup(session, |i| mask >> i & 1 == 1)?,
                Strategy::LeastResponseTime => rotated(mask, from)
                    .min_by(|&x, &y| b.backends[x].cost().total_cmp(&b.backends[y].cost()))?,
            };
            b.pointer = chosen + 1;
            Some(chosen)
        }

        proptest! {
            /// Circuits open, half-open, take trials and close in any order: the list of servers
            /// the balancer sends work to is always exactly those it would admit, and a server
            /// whose circuit is open is never among them.
            #[test]
            fn the_accepting_list_follows_every_circuit(
                ops in proptest::collection::vec((0u8..5, 0usize..6, any::<bool>()), 1..300),
            ) {
                let mut b = Balancer::new(Strategy::Random, 6, 0.2);
                let mut timers = Vec::new();
                for (op, i, ok) in ops {
                    match op {
                        0 => b.sent(i),
                        1 | 2 => {
                            if let Some((Circuit::Open, opening)) = b.judge(i, ok, 2) {
                                timers.push((i, opening));
                            }
                        }
                        3 => {
                            if let Some((i, opening)) = timers.pop() {
                                b.half_open(i, opening);
                            }
                        }
                        _ if ok => b.reset_breakers(),
                        _ => {
                            b.backends[i].health = Health::new(!b.backends[i].health.healthy);
                            b.refresh();
                        }
                    }
                    let want: Vec<u32> = (0..6u32).filter(|&k| b.accepts(k as usize)).collect();
                    prop_assert_eq!(&b.accepting, &want);
                    for &k in &b.accepting {
                        prop_assert!(b.backends[k as usize].breaker.state != Circuit::Open);
                    }
                }
            }

            #[test]
            fn the_accepting_list_picks_as_the_bit_mask_did(
                n in 1usize..=64,
                strategy in 0..Strategy::ALL.len(),
                states in proptest::collection::vec((any::<bool>(), any::<bool>(), 0u32..5, 1u32..9, 0u64..50_000), 64),
                picks in proptest::collection::vec((any::<u32>(), any::<u64>(), 0usize..64), 1..40),
                seed in any::<u64>(),
            ) {
                let mut b = Balancer::new(Strategy::ALL[strategy], n, 0.2);
                for (i, &(healthy, draining, outstanding, weight, rtt)) in states.iter().take(n).enumerate() {
                    b.backends[i].health = Health::new(healthy);
                    b.backends[i].draining = draining;
                    b.backends[i].outstanding = outstanding;
                    b.backends[i].weight = weight;
                    b.observe(i, 1_000, rtt);
                }
                b.refresh();
                let mut old = b.clone();
                let (mut rng, mut old_rng) = (SimRng::seed_from_u64(seed), SimRng::seed_from_u64(seed));
                for &(session, tried_bits, pointer) in &picks {
                    // A retry's tried set: at most one server per attempt, six attempts.
                    let mut tried = Tried::default();
                    let mut mask = 0u64;
                    for i in bits(tried_bits).filter(|&i| i < n).take(6) {
                        tried.add(i);
                        mask |= 1 << i;
                    }
                    b.pointer = pointer;
                    old.pointer = pointer;
                    let got = b.pick(session, tried, &mut rng);
                    let want = mask_pick(&mut old, session, mask, &mut old_rng);
                    prop_assert_eq!(got, want);
                    prop_assert_eq!(b.pointer, old.pointer);
                    prop_assert_eq!(b.last_pair, old.last_pair);
                    let wrr = |x: &Balancer| x.backends.iter().map(|e| e.wrr_current).collect::<Vec<_>>();
                    prop_assert_eq!(wrr(&b), wrr(&old));
                }
            }
        }
    }
}
