//! Read anomalies the model counts as they happen, with the definitions a history checker uses
//! (docs/DESIGN.md, "Anomalies"): reads that went back in time, and dirty reads — reads of a
//! write that was later rolled back. (Stale reads are counted beside them, in the request path.)

use std::collections::VecDeque;

use super::replication::Pos;

/// Reads of not-yet-durable writes waiting for their write's fate: bounded, oldest dropped.
const WATCH: usize = 4_096;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadAnomalies {
    /// Per key, the newest position (in the leader's commit order) any completed read returned.
    newest_read: Vec<Option<Pos>>,
    /// Positions that completed reads returned before they were durable.
    watch: VecDeque<Pos>,
    pub back_in_time: u64,
    pub dirty: u64,
}

impl ReadAnomalies {
    pub fn new(keys: u32) -> Self {
        Self {
            newest_read: vec![None; keys as usize],
            ..Self::default()
        }
    }

    /// What a read of `key` that starts now must not go below: the newest an earlier, completed
    /// read returned.
    pub fn floor(&self, key: u32) -> Option<Pos> {
        self.newest_read.get(key as usize).copied().flatten()
    }

    /// A read of `key` that began when [`Self::floor`] was `floor` returned `seen`; `durable`
    /// tells whether that write can no longer be rolled back (`None`: not known yet).
    pub fn read_done(
        &mut self,
        key: u32,
        floor: Option<Pos>,
        seen: Option<Pos>,
        durable: Option<bool>,
    ) {
        if seen < floor {
            self.back_in_time += 1;
        }
        if let Some(newest) = self.newest_read.get_mut(key as usize) {
            *newest = (*newest).max(seen);
        }
        match (seen, durable) {
            (Some(_), Some(false)) => self.dirty += 1,
            (Some(p), None) => {
                if self.watch.len() >= WATCH {
                    self.watch.pop_front();
                }
                self.watch.push_back(p);
            }
            _ => {}
        }
    }

    /// Settles what can be settled: `fate` says of a position whether it is durable (`Some(true)`),
    /// rolled back (`Some(false)`), or not known yet.
    pub fn resolve(&mut self, mut fate: impl FnMut(Pos) -> Option<bool>) {
        let mut dirty = 0;
        self.watch.retain(|&p| match fate(p) {
            Some(durable) => {
                dirty += !durable as u64;
                false
            }
            None => true,
        });
        self.dirty += dirty;
    }

    /// A write moved to a new position (a last-write-wins merge kept it): reads of it follow.
    pub fn moved(&mut self, from: Pos, to: Pos) {
        self.watch
            .iter_mut()
            .filter(|p| **p == from)
            .for_each(|p| *p = to);
    }

    /// The write at `p` was discarded: reads of it that were waiting are dirty.
    pub fn rolled_back(&mut self, p: Pos) {
        let before = self.watch.len();
        self.watch.retain(|w| *w != p);
        self.dirty += (before - self.watch.len()) as u64;
    }

    /// Positions of one replication mode do not compare with another's: start afresh.
    pub fn restart(&mut self) {
        self.newest_read.iter_mut().for_each(|p| *p = None);
        self.watch.clear();
    }

    /// Reads still waiting for their write's fate.
    pub fn watching(&self) -> usize {
        self.watch.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(term: u64, index: u64) -> Option<Pos> {
        Some(Pos { term, index })
    }

    #[test]
    fn a_read_below_an_earlier_read_went_back_in_time() {
        let mut a = ReadAnomalies::new(2);
        a.read_done(0, a.floor(0), pos(1, 5), Some(true));
        let floor = a.floor(0);
        a.read_done(0, floor, pos(1, 4), Some(true));
        a.read_done(0, floor, pos(2, 1), Some(true)); // a newer term is later in commit order
        a.read_done(1, a.floor(1), None, Some(true));
        assert_eq!((a.back_in_time, a.dirty), (1, 0));
        a.read_done(0, a.floor(0), None, Some(true));
        assert_eq!(
            a.back_in_time, 2,
            "nothing, after a read had returned a value"
        );
    }

    #[test]
    fn a_read_of_a_write_later_rolled_back_is_dirty_once_its_fate_is_known() {
        let mut a = ReadAnomalies::new(1);
        a.read_done(0, None, pos(1, 7), None);
        a.read_done(0, None, pos(1, 8), None);
        a.read_done(0, None, pos(1, 9), None);
        a.moved(Pos { term: 1, index: 9 }, Pos { term: 3, index: 2 });
        a.resolve(|_| None);
        assert_eq!((a.dirty, a.watching()), (0, 3));
        a.resolve(|p| match p.index {
            7 => Some(false),
            8 => None,
            _ => Some(p.term == 3),
        });
        assert_eq!((a.dirty, a.watching()), (1, 1));
        a.read_done(0, None, pos(1, 10), Some(false));
        assert_eq!(a.dirty, 2);
        a.read_done(0, None, pos(1, 11), None);
        a.read_done(0, None, pos(1, 11), None);
        a.rolled_back(Pos { term: 1, index: 11 });
        assert_eq!((a.dirty, a.watching()), (4, 1));
    }
}
