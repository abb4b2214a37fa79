//! A map from `u64` keys, kept as one sorted double-ended queue.
//!
//! The model's maps are keyed by ids that mostly arrive in increasing order (request and
//! operation ids, terms) and are dropped oldest first, which a sorted deque does in O(1) at either
//! end and by binary search elsewhere. It replaces `BTreeMap`, whose code the page would carry once
//! per value type, several kilobytes each.

use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq)]
pub struct SortedMap<V> {
    items: VecDeque<(u64, V)>,
}

impl<V> Default for SortedMap<V> {
    fn default() -> Self {
        SortedMap {
            items: VecDeque::new(),
        }
    }
}

impl<V> SortedMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where `key` is (`Ok`), or where it would go (`Err`).
    fn find(&self, key: u64) -> Result<usize, usize> {
        // The common case first: a key past every other.
        match self.items.back() {
            None => Err(0),
            Some(&(last, _)) if key > last => Err(self.items.len()),
            _ => self.items.binary_search_by_key(&key, |e| e.0),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn get(&self, key: u64) -> Option<&V> {
        self.find(key).ok().map(|i| &self.items[i].1)
    }

    pub fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.items[i].1)
    }

    /// Sets `key` to `value`, giving back what it held.
    pub fn insert(&mut self, key: u64, value: V) -> Option<V> {
        match self.find(key) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, value)),
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, first set to `value` if it has none.
    pub fn get_or_insert(&mut self, key: u64, value: V) -> &mut V {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.items.insert(i, (key, value));
                i
            }
        };
        &mut self.items[i].1
    }

    pub fn remove(&mut self, key: u64) -> Option<V> {
        let i = self.find(key).ok()?;
        self.items.remove(i).map(|(_, v)| v)
    }

    /// Removes the entry of the smallest key.
    pub fn pop_first(&mut self) -> Option<(u64, V)> {
        self.items.pop_front()
    }

    /// Every entry, in increasing order of key.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.items.iter().map(|(k, v)| (*k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.items.iter_mut().map(|(_, v)| v)
    }
}

// Property tests: proptest is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u64, u32),
        Remove(u64),
        PopFirst,
        GetOrInsert(u64, u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few keys, so that operations meet; increasing runs as the model's ids come.
        prop_oneof![
            (0..40u64, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (0..40u64).prop_map(Op::Remove),
            Just(Op::PopFirst),
            (0..40u64, any::<u32>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
        ]
    }

    proptest! {
        /// Behaves as the standard library's ordered map, operation by operation.
        #[test]
        fn agrees_with_btreemap(ops in proptest::collection::vec(op(), 0..200)) {
            let mut ours = SortedMap::new();
            let mut std = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), std.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(ours.remove(k), std.remove(&k)),
                    Op::PopFirst => prop_assert_eq!(ours.pop_first(), std.pop_first()),
                    Op::GetOrInsert(k, v) => {
                        let a = ours.get_or_insert(k, v);
                        *a = a.wrapping_add(1);
                        let b = std.entry(k).or_insert(v);
                        *b = b.wrapping_add(1);
                    }
                }
                prop_assert_eq!(ours.len(), std.len());
                let a: Vec<(u64, u32)> = ours.iter().map(|(k, v)| (k, *v)).collect();
                let b: Vec<(u64, u32)> = std.iter().map(|(k, v)| (*k, *v)).collect();
                prop_assert_eq!(a, b);
                for k in 0..40 {
                    prop_assert_eq!(ours.get(k), std.get(&k));
                }
            }
        }
    }
}
