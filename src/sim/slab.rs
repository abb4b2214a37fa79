//! A minimal arena: values live in reusable slots, so the hot path allocates nothing once warm.
//! Each value also carries a unique id, so a stale handle to a reused slot is detected, not obeyed.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub slot: u32,
    pub id: u64,
}

#[derive(Clone, Debug)]
pub struct Slab<T> {
    slots: Vec<Option<(u64, T)>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slab<T> {
    pub fn insert(&mut self, id: u64, value: T) -> Handle {
        self.len += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some((id, value));
                slot
            }
            None => {
                self.slots.push(Some((id, value)));
                (self.slots.len() - 1) as u32
            }
        };
        Handle { slot, id }
    }

    pub fn get(&self, h: Handle) -> Option<&T> {
        match self.slots.get(h.slot as usize) {
            Some(Some((id, v))) if *id == h.id => Some(v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, h: Handle) -> Option<&mut T> {
        match self.slots.get_mut(h.slot as usize) {
            Some(Some((id, v))) if *id == h.id => Some(v),
            _ => None,
        }
    }

    pub fn remove(&mut self, h: Handle) -> Option<T> {
        let entry = self.slots.get_mut(h.slot as usize)?;
        if !matches!(entry, Some((id, _)) if *id == h.id) {
            return None;
        }
        self.len -= 1;
        self.free.push(h.slot);
        entry.take().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Live values in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (Handle, &T)> {
        self.slots.iter().enumerate().filter_map(|(slot, e)| {
            e.as_ref().map(|(id, v)| {
                (
                    Handle {
                        slot: slot as u32,
                        id: *id,
                    },
                    v,
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_handles_are_refused_after_reuse() {
        let mut s = Slab::default();
        let a = s.insert(1, "a");
        assert_eq!(s.remove(a), Some("a"));
        let b = s.insert(2, "b");
        assert_eq!(a.slot, b.slot, "the slot is reused");
        assert_eq!(s.get(a), None);
        assert_eq!(s.remove(a), None);
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.len(), 1);
    }
}
