//! Consistent hashing: each server owns many points ("virtual nodes") on a 64-bit ring; a session
//! goes to the owner of the first point at or after its hash. Removing one of N servers moves only
//! the sessions it owned, about 1/N of them.

use crate::sim::decimal::within;
use crate::sim::sample::mix64;

/// Points per server: enough that shares stay within a few percent of even.
pub const VIRTUAL_NODES: u64 = 160;

#[derive(Clone, Debug, Default)]
pub struct HashRing {
    points: Vec<(u64, u16)>,
}

impl HashRing {
    /// A ring over servers `0..n`.
    pub fn new(n: usize) -> Self {
        let mut points: Vec<(u64, u16)> = (0..n as u64)
            .flat_map(|s| (0..VIRTUAL_NODES).map(move |v| (mix64(s << 32 | v), s as u16)))
            .collect();
        crate::sim::sort::sort(&mut points);
        Self { points }
    }

    /// The server owning the point a share `at` (0..1) of the way round the ring (for drawing it).
    pub fn owner_at(&self, at: f64) -> Option<usize> {
        let h = (within(at, 0.0, 1.0) * u64::MAX as f64) as u64;
        let k = self.points.partition_point(|&(p, _)| p < h);
        self.points
            .get(k)
            .or(self.points.first())
            .map(|&(_, s)| s as usize)
    }

    /// The first server clockwise from `session`'s hash that `ok` accepts.
    pub fn lookup(&self, session: u32, ok: impl Fn(usize) -> bool) -> Option<usize> {
        if self.points.is_empty() {
            return None;
        }
        let h = mix64(0x5e55_1000_0000_0000 ^ session as u64);
        let start = self.points.partition_point(|&(p, _)| p < h);
        let len = self.points.len();
        (0..len)
            .map(|k| self.points[(start + k) % len].1 as usize)
            .find(|&s| ok(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_one_server_moves_about_one_nth_of_sessions() {
        for n in [3usize, 5, 10, 32] {
            let (before, after) = (HashRing::new(n), HashRing::new(n - 1));
            let sessions = 100_000u32;
            let moved = (0..sessions)
                .filter(|&s| before.lookup(s, |_| true) != after.lookup(s, |_| true))
                .count();
            let share = moved as f64 / sessions as f64;
            assert!(share <= 1.0 / n as f64 + 0.05, "n={n}: {share} moved");
            assert!(share > 0.0);
        }
    }

    #[test]
    fn a_down_server_only_moves_its_own_sessions() {
        let ring = HashRing::new(4);
        for s in 0..10_000 {
            let home = ring.lookup(s, |_| true).unwrap();
            let elsewhere = ring.lookup(s, |i| i != 2).unwrap();
            assert!(home == 2 || home == elsewhere);
            assert_ne!(elsewhere, 2);
        }
    }
}
