//! A server's local read cache: recent database answers kept in the server's own memory, so a hit
//! skips the round trip to the database (data locality). Each server has its own: a write through
//! one server refreshes only that server's copy, and the others serve the old value until their
//! entry expires — the stale reads a cache trades for speed.

use super::message::Observed;
use super::time::Time;

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u32,
    seen: Observed,
    stored: Time,
    used: Time,
}

/// Least-recently-used, at most `cap` keys (a few hundred at most: a scan beats a map here).
#[derive(Clone, Debug, Default)]
pub struct LocalCache {
    entries: Vec<Entry>,
}

impl LocalCache {
    /// The cached answer for `key`, unless absent or older than `ttl` (0: entries never expire).
    pub fn get(&mut self, key: u32, now: Time, ttl: Time) -> Option<Observed> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        if ttl > 0 && now.saturating_sub(self.entries[i].stored) >= ttl {
            self.entries.swap_remove(i);
            return None;
        }
        self.entries[i].used = now;
        Some(self.entries[i].seen)
    }

    /// Keeps `seen` as `key`'s value, evicting the least recently used entry when full.
    pub fn put(&mut self, key: u32, seen: Observed, now: Time, cap: usize) {
        let entry = Entry {
            key,
            seen,
            stored: now,
            used: now,
        };
        if let Some(e) = self.entries.iter_mut().find(|e| e.key == key) {
            // Never replace a newer version with an older answer that arrived late.
            if seen.pos >= e.seen.pos {
                *e = entry;
            }
            return;
        }
        if cap == 0 {
            return;
        }
        if self.entries.len() >= cap {
            let lru = (0..self.entries.len())
                .min_by_key(|&i| self.entries[i].used)
                .expect("a full cache has entries");
            self.entries.swap_remove(lru);
        }
        self.entries.push(entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Shrinks to `cap` entries (the capacity was lowered), dropping the least recently used.
    pub fn trim(&mut self, cap: usize) {
        while self.entries.len() > cap {
            let lru = (0..self.entries.len())
                .min_by_key(|&i| self.entries[i].used)
                .expect("non-empty");
            self.entries.swap_remove(lru);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(n: u64) -> Observed {
        Observed {
            value: n,
            pos: crate::sim::Pos { term: 1, index: n },
            count: 0,
        }
    }

    #[test]
    fn hits_expire_and_the_least_recently_used_goes_first() {
        let mut c = LocalCache::default();
        c.put(1, seen(1), 0, 2);
        c.put(2, seen(2), 10, 2);
        assert_eq!(c.get(1, 20, 0).map(|s| s.value), Some(1)); // 1 is now the more recent
        c.put(3, seen(3), 30, 2);
        assert!(c.get(2, 31, 0).is_none(), "2 was least recently used");
        assert!(c.get(1, 31, 0).is_some());
        assert!(c.get(3, 31, 100).is_some());
        assert!(c.get(3, 130, 100).is_none(), "expired after its lifetime");
        assert_eq!(c.len(), 1);
        c.put(1, seen(5), 140, 2);
        c.put(1, seen(4), 150, 2);
        assert_eq!(
            c.get(1, 151, 0).map(|s| s.value),
            Some(5),
            "a late older answer is ignored"
        );
        c.trim(0);
        assert!(c.is_empty());
    }
}
