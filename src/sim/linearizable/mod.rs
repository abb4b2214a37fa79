//! Linearizability of a recorded history, one register per key (as Knossos and Porcupine check it).
//!
//! Each key is an independent register, initially never written. An operation that ended `Ok` took
//! effect exactly once at some instant of `[invoke, complete]`; a write whose fate is `Unknown` took
//! effect once at some instant after its call, or never; `Refused` operations and reads that did not
//! end `Ok` are left out (they changed nothing and said nothing). Two operations are ordered only when
//! one completed strictly before the other was invoked, so operations that touch are concurrent.
//!
//! The search is Wing & Gong's, with Lowe's memoization: walk the call/return entries in time order,
//! linearize a call whose operation is legal in the current register state, and backtrack at a return
//! whose operation is still pending. A state is the set of operations linearized plus the register's
//! value; a state seen before is never explored again. The search is bounded by a budget of explored
//! states (never wall time): a search cut short says so, and never passes.
//!
//! [`check`] checks a whole history; [`LiveCheck`] checks one as it grows, window by window, in bounded
//! memory and bounded work per call.

use std::collections::{BTreeMap, VecDeque};

use super::history::{Fate, Op};
use super::sort::{sort, sort_by_key};
use super::time::Time;

/// A set as a sorted vector: small in code (std's HashSet would add its own to the page).
struct SortedSet<T>(Vec<T>);

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v: Vec<T> = iter.into_iter().collect();
        sort(&mut v);
        v.dedup();
        SortedSet(v)
    }
}

impl<T: Ord> SortedSet<T> {
    fn contains(&self, x: &T) -> bool {
        self.0.binary_search(x).is_ok()
    }

    fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

type Values = SortedSet<Option<u64>>;
type Ids = SortedSet<u64>;

/// States explored per key before a search is reported cut short. The search explores some 3 million
/// states a second natively; a history of a few hundred operations per key typically needs
/// thousands, but a failover under high latency (many long, overlapping operations) has needed
/// 600,000, so the budget leaves an order of magnitude above that (a few seconds at worst).
pub const DEFAULT_BUDGET: u64 = 10_000_000;

/// A return time that never comes: the operation may take effect at any point after its call.
const NO_DEADLINE: Time = Time::MAX;
/// Unknown writes carried from window to window per key before the live check gives up on exactness.
const MAX_CARRIED_UNKNOWN: usize = 32;

/// A small set of operations that admits no legal order by itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub key: u32,
    /// A small set of the history's operations that admits no legal order by itself (shrunk), sorted
    /// by invoke. Beside a read of a value nobody wrote, the value's writes (refused, or called too
    /// late) are listed too, to show where it came from.
    pub ops: Vec<Op>,
    /// One sentence for a person.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Linearizable,
    Violation(Violation),
    /// The budget ran out before the search could decide: nothing is claimed.
    CutShort,
}

/// Checks the operations of one key (all are taken as one register, whatever their `key`). Returns the
/// verdict and the states explored, shrinking included.
pub fn check_key(ops: &[Op], budget: u64) -> (Verdict, u64) {
    let mut kept: Vec<(Op, bool)> = ops.iter().filter_map(relevant).collect();
    sort_by_key(&mut kept, |(o, _)| (o.invoke, o.complete));
    let (status, states) = decide(&kept, budget);
    match status {
        Status::Found => (Verdict::Linearizable, states),
        Status::Paused => (Verdict::CutShort, states),
        Status::Exhausted => {
            let key = ops.first().map_or(0, |o| o.key);
            let mut shrinker = Shrinker::new(kept, true, budget);
            shrinker.step(budget);
            let set = shrinker.result().expect("known to fail");
            (
                Verdict::Violation(violation(key, &set, ops)),
                states + shrinker.spent,
            )
        }
    }
}

/// The outcome of checking every key of a history.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub keys: usize,
    pub linearizable_keys: usize,
    pub cut_short_keys: usize,
    /// Operations in the history given (all of them, refused and failed ones too).
    pub operations: usize,
    /// States explored over all keys.
    pub states: u64,
    /// Of the violations found, the one whose operations end earliest.
    pub first_violation: Option<Violation>,
}

/// Checks every key of `ops` on its own (a history is linearizable iff each key's is).
pub fn check(ops: &[Op], budget_per_key: u64) -> Report {
    let mut by_key: BTreeMap<u32, Vec<Op>> = BTreeMap::new();
    for op in ops {
        by_key.entry(op.key).or_default().push(*op);
    }
    let mut report = Report {
        keys: by_key.len(),
        linearizable_keys: 0,
        cut_short_keys: 0,
        operations: ops.len(),
        states: 0,
        first_violation: None,
    };
    for key_ops in by_key.values() {
        let (verdict, states) = check_key(key_ops, budget_per_key);
        report.states += states;
        match verdict {
            Verdict::Linearizable => report.linearizable_keys += 1,
            Verdict::CutShort => report.cut_short_keys += 1,
            Verdict::Violation(v) => {
                let earlier = report
                    .first_violation
                    .as_ref()
                    .is_none_or(|f| end(&v) < end(f));
                if earlier {
                    report.first_violation = Some(v);
                }
            }
        }
    }
    report
}

fn end(v: &Violation) -> Time {
    v.ops.iter().map(|o| o.complete).max().unwrap_or(0)
}

impl Report {
    pub fn to_json(&self) -> String {
        let violation = self
            .first_violation
            .as_ref()
            .map_or("null".to_string(), |v| {
                let ops: Vec<String> = v.ops.iter().map(Op::to_json).collect();
                format!(
                    "{{\"key\":{},\"text\":{},\"ops\":[{}]}}",
                    v.key,
                    json_string(&v.text),
                    ops.join(",")
                )
            });
        format!(
            "{{\"keys\":{},\"linearizable_keys\":{},\"cut_short_keys\":{},\"operations\":{},\"first_violation\":{}}}",
            self.keys, self.linearizable_keys, self.cut_short_keys, self.operations, violation
        )
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What the checker keeps of an operation: `Some((op, optional))`, optional meaning it may never have
/// taken effect (and has no deadline); `None` for what changed nothing and said nothing.
fn relevant(op: &Op) -> Option<(Op, bool)> {
    match op.outcome {
        Fate::Ok => Some((*op, false)),
        Fate::Unknown if op.write => Some((*op, true)),
        _ => None,
    }
}

/// A first-success search of `ops` (flagged optional or not) from the empty register.
fn first_success(ops: &[(Op, bool)]) -> Search {
    // An optional write nobody read never helps: placed anywhere, it only hides the value before it.
    // One that was read took effect before the first read of its value ended: that is its deadline,
    // and it is required. (Left open-ended, every such write doubles the states to explore.)
    // (Only for a value written once, as every write of a run is: else another write may explain
    // the read.)
    let mut first_read: Vec<(Option<u64>, Time)> = ops
        .iter()
        .filter(|(o, _)| !o.write)
        .map(|(o, _)| (o.value, o.complete))
        .collect();
    sort(&mut first_read);
    let mut written: Vec<Option<u64>> = ops
        .iter()
        .filter(|(o, _)| o.write)
        .map(|(o, _)| o.value)
        .collect();
    sort(&mut written);
    let first_read_of = |v: Option<u64>| {
        let at = first_read.partition_point(|r| r.0 < v);
        first_read.get(at).filter(|r| r.0 == v).map(|r| r.1)
    };
    let written_once = |v: Option<u64>| {
        written.partition_point(|w| *w <= v) - written.partition_point(|w| *w < v) == 1
    };
    let sops: Vec<SOp> = ops
        .iter()
        .filter_map(|&(o, optional)| match (optional, first_read_of(o.value)) {
            (false, _) => Some(SOp::of(&o, true)),
            (true, Some(_)) if o.write && !written_once(o.value) => Some(SOp::of(&o, false)),
            (true, Some(t)) if o.write => Some(SOp::of(
                &Op {
                    complete: t.max(o.invoke),
                    ..o
                },
                true,
            )),
            _ => None,
        })
        .collect();
    Search::new(canonical(sops), vec![(vec![], Reg::Unset)], false)
}

/// Writes whose value no read returned all leave the register in one state as far as the rest of
/// the search can tell (nothing may read it): giving them one value lets the memo merge those
/// states. Not for the live check, whose later windows may still read such a value.
fn canonical(mut ops: Vec<SOp>) -> Vec<SOp> {
    const UNREAD: Option<u64> = Some(u64::MAX);
    let read: Values = ops.iter().filter(|o| !o.write).map(|o| o.value).collect();
    if read.contains(&UNREAD) {
        return ops;
    }
    for o in ops
        .iter_mut()
        .filter(|o| o.write && !read.contains(&o.value))
    {
        o.value = UNREAD;
    }
    ops
}

/// Decides `ops` within `budget` states.
fn decide(ops: &[(Op, bool)], budget: u64) -> (Status, u64) {
    let mut search = first_success(ops);
    let status = search.run(budget);
    (status, search.states)
}

/// Shrinks a failing set, resumably (the live check spreads it over frames): first the shortest
/// failing prefix, then greedy removals from the latest operation backwards. It spends at most `cap`
/// states in all; when they run out it keeps the smallest failing set found so far.
struct Shrinker {
    kept: Vec<(Op, bool)>,
    /// Completion times of the operations that must take effect, for the prefixes.
    times: Vec<Time>,
    /// The smallest set known to fail (`None` until `kept` itself is known to).
    best: Option<Vec<(Op, bool)>>,
    phase: Phase,
    /// The candidate being searched.
    trial: Option<(Vec<(Op, bool)>, Search)>,
    spent: u64,
    cap: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Does `kept` fail at all?
    Verify,
    /// Binary search over `times`: the first failing prefix is in `lo..=hi`.
    Prefix {
        lo: usize,
        hi: usize,
    },
    /// Removing chunks of `size` ending at `end`, from the end backwards.
    Remove {
        size: usize,
        end: usize,
        changed: bool,
    },
    Done,
}

impl Shrinker {
    /// `known_to_fail`: `kept` was searched already and fails.
    fn new(mut kept: Vec<(Op, bool)>, known_to_fail: bool, cap: u64) -> Shrinker {
        sort_by_key(&mut kept, |(o, _)| (o.invoke, o.complete));
        let mut times: Vec<Time> = kept
            .iter()
            .filter(|(_, opt)| !opt)
            .map(|(o, _)| o.complete)
            .collect();
        sort(&mut times);
        times.dedup();
        let prefix = Phase::Prefix {
            lo: 0,
            hi: times.len().saturating_sub(1),
        };
        Shrinker {
            best: known_to_fail.then(|| kept.clone()),
            phase: if known_to_fail { prefix } else { Phase::Verify },
            kept,
            times,
            trial: None,
            spent: 0,
            cap,
        }
    }

    /// The prefix up to a completion time T: what completed by T, plus writes called by T and still
    /// running, which may or may not have taken effect by then. A prefix of a linearizable history is
    /// linearizable, so failing is monotone in T and a binary search finds the first failing T.
    fn prefix(&self, t: Time) -> Vec<(Op, bool)> {
        self.kept
            .iter()
            .filter_map(|&(o, optional)| {
                if !optional && o.complete <= t {
                    Some((o, false))
                } else if o.write && o.invoke <= t {
                    Some((o, true))
                } else {
                    None
                }
            })
            .collect()
    }

    /// The next candidate to search, moving through the phases; `None` when done.
    fn next_candidate(&mut self) -> Option<Vec<(Op, bool)>> {
        loop {
            match self.phase {
                Phase::Done => return None,
                Phase::Verify => return Some(self.kept.clone()),
                Phase::Prefix { lo, hi } if lo < hi => {
                    return Some(self.prefix(self.times[(lo + hi) / 2]));
                }
                Phase::Prefix { .. } => {
                    let len = self.best.as_ref().map_or(0, Vec::len);
                    self.phase = Phase::Remove {
                        size: (len / 2).max(1),
                        end: len,
                        changed: false,
                    };
                }
                Phase::Remove {
                    size,
                    end: 0,
                    changed,
                } => {
                    let len = self.best.as_ref().map_or(0, Vec::len);
                    self.phase = if size > 1 {
                        Phase::Remove {
                            size: size / 2,
                            end: len,
                            changed: false,
                        }
                    } else if changed {
                        Phase::Remove {
                            size,
                            end: len,
                            changed: false,
                        }
                    } else {
                        Phase::Done
                    };
                }
                Phase::Remove { size, end, changed } => {
                    // A write stays while a remaining read returned its value: without it that read
                    // would fail for a reason the history does not have.
                    let best = self.best.as_ref().expect("known to fail");
                    let start = end.saturating_sub(size);
                    let read: Values = best[..start]
                        .iter()
                        .chain(&best[end..])
                        .filter(|(o, _)| !o.write)
                        .map(|(o, _)| o.value)
                        .collect();
                    let protected = best[start..end]
                        .iter()
                        .filter(|(o, _)| o.write && read.contains(&o.value));
                    let candidate: Vec<(Op, bool)> = best[..start]
                        .iter()
                        .chain(protected)
                        .chain(&best[end..])
                        .copied()
                        .collect();
                    if candidate.len() < best.len() {
                        return Some(candidate);
                    }
                    self.phase = Phase::Remove {
                        size,
                        end: start,
                        changed,
                    };
                }
            }
        }
    }

    /// Takes the verdict on the candidate searched.
    fn learn(&mut self, candidate: Vec<(Op, bool)>, fails: bool) {
        self.phase = match self.phase {
            Phase::Verify if fails => {
                self.best = Some(candidate);
                Phase::Prefix {
                    lo: 0,
                    hi: self.times.len().saturating_sub(1),
                }
            }
            Phase::Verify => Phase::Done,
            Phase::Prefix { lo, hi } => {
                let mid = (lo + hi) / 2;
                if fails {
                    self.best = Some(candidate);
                    Phase::Prefix { lo, hi: mid }
                } else {
                    Phase::Prefix { lo: mid + 1, hi }
                }
            }
            Phase::Remove { size, end, changed } => {
                let start = end.saturating_sub(size);
                if fails {
                    self.best = Some(candidate);
                }
                Phase::Remove {
                    size,
                    end: start,
                    changed: changed || fails,
                }
            }
            Phase::Done => Phase::Done,
        };
    }

    /// Works on for at most `budget` more states; true when done (finished, or out of `cap`).
    fn step(&mut self, budget: u64) -> bool {
        let stop = self.spent.saturating_add(budget).min(self.cap);
        loop {
            if self.trial.is_none() {
                let Some(candidate) = self.next_candidate() else {
                    return true;
                };
                let search = first_success(&candidate);
                self.trial = Some((candidate, search));
            }
            let (_, search) = self.trial.as_mut().expect("set");
            let before = search.states;
            let status = search.run(before + (stop - self.spent));
            self.spent += search.states - before;
            match status {
                Status::Paused if self.spent >= self.cap => {
                    self.phase = Phase::Done;
                    self.trial = None;
                    return true;
                }
                Status::Paused => return false,
                _ => {
                    let (candidate, _) = self.trial.take().expect("set");
                    self.learn(candidate, status == Status::Exhausted);
                }
            }
        }
    }

    /// The smallest failing set found (operations as recorded), if `kept` fails.
    fn result(&self) -> Option<Vec<Op>> {
        self.best
            .as_ref()
            .map(|b| b.iter().map(|(o, _)| *o).collect())
    }
}

fn secs(t: Time) -> String {
    format!("{} s", crate::sim::decimal::fixed(t as f64 / 1e6, 3))
}

fn val(v: Option<u64>) -> String {
    v.map_or("nothing".to_string(), |v| format!("v{v}"))
}

/// A violation of `set` (shrunk from the key's history `all`), described for a person.
fn violation(key: u32, set: &[Op], all: &[Op]) -> Violation {
    let (text, mut ops) = describe(key, set, all);
    ops.extend_from_slice(set);
    sort_by_key(&mut ops, |o| {
        (o.invoke, o.complete, o.client, o.write, o.value)
    });
    ops.dedup();
    Violation { key, ops, text }
}

/// One sentence for the failing `set`, and any operations of `all` worth showing beside it.
fn describe(key: u32, set: &[Op], all: &[Op]) -> (String, Vec<Op>) {
    let reads: Vec<&Op> = set.iter().filter(|o| !o.write).collect();
    let write_of = |v: Option<u64>| set.iter().find(|o| o.write && o.value == v && v.is_some());

    // A value nobody wrote: no write of it (that may have taken effect) was called before the read
    // ended.
    for r in &reads {
        let Some(v) = r.value else { continue };
        let writes: Vec<&Op> = all
            .iter()
            .filter(|w| w.write && w.value == Some(v))
            .collect();
        if writes
            .iter()
            .any(|w| w.outcome != Fate::Refused && w.invoke <= r.complete)
        {
            continue;
        }
        let why = if writes.iter().any(|w| w.outcome == Fate::Refused) {
            " (its write was refused)".to_string()
        } else if let Some(w) = writes.iter().find(|w| w.outcome != Fate::Refused) {
            format!(" (its write began only at {})", secs(w.invoke))
        } else {
            String::new()
        };
        let text = format!(
            "key {key}: a read at {} returned v{v}, which no write had put there{why}",
            secs(r.invoke)
        );
        // Show its writes beside it, though they could not have put it there.
        return (text, writes.into_iter().copied().collect());
    }

    // A stale read: a write called after the value's write ended had been acknowledged before the
    // read began.
    for r in &reads {
        // The value's write must have ended when it says: an unknown one may take effect later.
        let source = write_of(r.value);
        if r.value.is_some() && source.is_none_or(|s| s.outcome != Fate::Ok) {
            continue;
        }
        let newer = set.iter().find(|w| {
            w.write
                && w.outcome == Fate::Ok
                && w.complete < r.invoke
                && w.value != r.value
                && source.is_none_or(|s| w.invoke > s.complete)
        });
        let Some(w) = newer else { continue };
        let text = if w.client == r.client {
            format!(
                "key {key}: client {} wrote {} (acknowledged at {}) and then read {} at {}, an older value",
                r.client,
                val(w.value),
                secs(w.complete),
                val(r.value),
                secs(r.invoke)
            )
        } else if r.value.is_some() {
            format!(
                "key {key}: a read at {} returned {}, though {}, written after it, had been acknowledged at {}, before the read began",
                secs(r.invoke),
                val(r.value),
                val(w.value),
                secs(w.complete)
            )
        } else {
            format!(
                "key {key}: a read at {} returned nothing, though {} had been acknowledged at {}, before the read began",
                secs(r.invoke),
                val(w.value),
                secs(w.complete)
            )
        };
        return (text, vec![]);
    }

    // Reads going back in time: a later read returned a value older than an earlier read's, older
    // meaning its write ended before the newer one's began.
    for r2 in &reads {
        for r1 in reads.iter().filter(|r1| r1.complete < r2.invoke) {
            let Some(w1) = write_of(r1.value) else {
                continue;
            };
            let older = match r2.value {
                None => true,
                v => {
                    write_of(v).is_some_and(|w2| w2.outcome == Fate::Ok && w2.complete < w1.invoke)
                }
            };
            if older {
                let text = if r2.value.is_some() {
                    format!(
                        "key {key}: a read at {} returned {} after a read at {} had returned {}, written later",
                        secs(r2.invoke),
                        val(r2.value),
                        secs(r1.invoke),
                        val(r1.value)
                    )
                } else {
                    format!(
                        "key {key}: a read at {} returned nothing after a read at {} had returned {}",
                        secs(r2.invoke),
                        secs(r1.invoke),
                        val(r1.value)
                    )
                };
                return (text, vec![]);
            }
        }
    }

    let text = format!(
        "key {key}: these {} operations admit no order in which each read returns the latest write",
        set.len()
    );
    (text, vec![])
}

// ---------------------------------------------------------------------------------------------------
// The search.

/// The register's value in a search state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Reg {
    /// Never written.
    Unset,
    Val(u64),
    /// Could be anything: the live check's stand-in after a window it could not finish.
    Any,
}

impl Reg {
    fn of(v: Option<u64>) -> Reg {
        v.map_or(Reg::Unset, Reg::Val)
    }

    fn mix(self) -> u64 {
        match self {
            Reg::Unset => 0x5851_f42d_4c95_7f2d,
            Reg::Val(v) => splitmix(v ^ 0x2545_f491_4f6c_dd1d),
            Reg::Any => 0x1405_7b7e_f767_814f,
        }
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An operation as the search sees it.
#[derive(Clone, Copy, Debug)]
struct SOp {
    write: bool,
    value: Option<u64>,
    invoke: Time,
    /// Its deadline ([`NO_DEADLINE`] when optional).
    ret: Time,
    /// Must take effect (in this search); otherwise it may or may not.
    required: bool,
}

impl SOp {
    fn of(o: &Op, required: bool) -> SOp {
        SOp {
            write: o.write,
            value: o.value,
            invoke: o.invoke,
            ret: if required {
                o.complete.max(o.invoke)
            } else {
                NO_DEADLINE
            },
            required,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// A legal order of every required operation (first-success searches only).
    Found,
    /// Every state reachable was explored.
    Exhausted,
    /// The budget ran out; `run` again with a higher limit resumes.
    Paused,
}

/// One explored state: the linearized set as its count of leading ones (operations in call order, so
/// long histories share a long full prefix) plus the words after it, and the register.
struct Seen {
    lead: u32,
    reg: Reg,
    start: usize,
    len: u32,
    /// The next state with the same hash.
    next: u32,
}

/// The states explored: a hash of (set, register) with a full comparison behind it. The hash table
/// is open addressing over the Zobrist hashes as they are (well mixed already), each slot heading a
/// chain of states with that hash. (No std HashMap: it would add its code to the page.)
#[derive(Default)]
struct Cache {
    /// (hash, first state) per slot, `u32::MAX` for an empty one; a power of two long.
    table: Vec<(u64, u32)>,
    used: usize,
    seen: Vec<Seen>,
    words: Vec<u64>,
}

impl Cache {
    /// The slot holding `hash`, or the empty one where it would go.
    fn slot(&self, hash: u64) -> usize {
        let mask = self.table.len() - 1;
        let mut i = hash as usize & mask;
        while self.table[i].1 != u32::MAX && self.table[i].0 != hash {
            i = (i + 1) & mask;
        }
        i
    }

    fn contains(&self, hash: u64, lead: usize, tail: &[u64], reg: Reg) -> bool {
        if self.table.is_empty() {
            return false;
        }
        let first = self.table[self.slot(hash)].1;
        let mut at = (first != u32::MAX).then_some(first);
        while let Some(i) = at {
            let s = &self.seen[i as usize];
            if s.lead as usize == lead
                && s.reg == reg
                && s.len as usize == tail.len()
                && self.words[s.start..s.start + tail.len()] == *tail
            {
                return true;
            }
            at = (s.next != u32::MAX).then_some(s.next);
        }
        false
    }

    fn insert(&mut self, hash: u64, lead: usize, tail: &[u64], reg: Reg) {
        if 2 * (self.used + 1) > self.table.len() {
            let size = (2 * self.table.len()).max(64);
            let old = std::mem::replace(&mut self.table, vec![(0, u32::MAX); size]);
            for (h, first) in old.into_iter().filter(|e| e.1 != u32::MAX) {
                let at = self.slot(h);
                self.table[at] = (h, first);
            }
        }
        let i = self.seen.len() as u32;
        let at = self.slot(hash);
        let next = self.table[at].1;
        self.used += (next == u32::MAX) as usize;
        self.table[at] = (hash, i);
        self.seen.push(Seen {
            lead: lead as u32,
            reg,
            start: self.words.len(),
            len: tail.len() as u32,
            next,
        });
        self.words.extend_from_slice(tail);
    }
}

const HEAD: u32 = 0;

/// A resumable depth-first search over the entries of one register's operations, from one or more
/// starting points (`roots`: operations already linearized, and the register then). In first-success
/// mode it stops at the first state where every required operation is linearized; in enumerate mode it
/// explores everything and records each such state in `finals`.
struct Search {
    ops: Vec<SOp>,
    /// `ops[i]` is the caller's operation `order[i]`.
    order: Vec<usize>,
    zobrist: Vec<u64>,
    // The entries as a doubly linked list (Knuth's dancing links): 0 is the head, the last the tail.
    next: Vec<u32>,
    prev: Vec<u32>,
    node_op: Vec<u32>,
    is_call: Vec<bool>,
    call_node: Vec<u32>,
    ret_node: Vec<u32>,
    tail: u32,
    // The current state.
    bits: Vec<u64>,
    /// Operations 0..lead are all linearized.
    lead: usize,
    /// Words from `hiw` on are all zero.
    hiw: usize,
    hash: u64,
    reg: Reg,
    required_left: usize,
    /// Each step taken: the call node, the register before it, and whether it was forced (a read
    /// of the value the register holds, which leaves no alternative worth trying at its level).
    stack: Vec<(u32, Reg, bool)>,
    /// The current level has not yet been looked at for a forced read.
    fresh: bool,
    cur: u32,
    cache: Cache,
    states: u64,
    roots: Vec<(Vec<usize>, Reg)>,
    root: usize,
    in_root: bool,
    enumerate: bool,
    optional: Vec<usize>,
    /// Enumerate mode: (caller indices of optional operations linearized, register) at each end.
    finals: Vec<(Vec<usize>, Reg)>,
}

impl Search {
    /// `roots` name operations by the caller's index.
    fn new(ops: Vec<SOp>, roots: Vec<(Vec<usize>, Reg)>, enumerate: bool) -> Search {
        let n = ops.len();
        let mut order: Vec<usize> = (0..n).collect();
        // Call order, so that a long history's linearized set is mostly a run of leading ones.
        sort_by_key(&mut order, |&i| (ops[i].invoke, ops[i].ret, i));
        let mut pos = vec![0; n];
        for (p, &i) in order.iter().enumerate() {
            pos[i] = p;
        }
        let sorted: Vec<SOp> = order.iter().map(|&i| ops[i]).collect();
        // Calls before returns at one instant: operations that touch are concurrent.
        let mut entries: Vec<(Time, bool, usize)> = Vec::with_capacity(2 * n);
        for (i, o) in sorted.iter().enumerate() {
            entries.push((o.invoke, false, i));
            entries.push((o.ret, true, i));
        }
        sort(&mut entries);
        let nodes = 2 * n + 2;
        let tail = (nodes - 1) as u32;
        let mut search = Search {
            zobrist: (0..n as u64)
                .map(|i| splitmix(i.wrapping_mul(0x9e37_79b9) ^ 0xd1b5_4a32_d192_ed03))
                .collect(),
            next: (0..nodes as u32).map(|i| (i + 1).min(tail)).collect(),
            prev: (0..nodes as u32).map(|i| i.saturating_sub(1)).collect(),
            node_op: vec![u32::MAX; nodes],
            is_call: vec![false; nodes],
            call_node: vec![0; n],
            ret_node: vec![0; n],
            tail,
            bits: vec![0; n.div_ceil(64)],
            lead: 0,
            hiw: 0,
            hash: 0,
            reg: Reg::Unset,
            required_left: sorted.iter().filter(|o| o.required).count(),
            stack: Vec::new(),
            fresh: true,
            cur: HEAD,
            cache: Cache::default(),
            states: 0,
            roots: roots
                .into_iter()
                .map(|(pre, reg)| (pre.into_iter().map(|i| pos[i]).collect(), reg))
                .collect(),
            root: 0,
            in_root: false,
            enumerate,
            optional: (0..n).filter(|&i| !sorted[i].required).collect(),
            finals: Vec::new(),
            ops: sorted,
            order,
        };
        for (k, &(_, is_ret, i)) in entries.iter().enumerate() {
            let node = k + 1;
            search.node_op[node] = i as u32;
            search.is_call[node] = !is_ret;
            if is_ret {
                search.ret_node[i] = node as u32;
            } else {
                search.call_node[i] = node as u32;
            }
        }
        search
    }

    fn unlink(&mut self, x: u32) {
        let (p, n) = (self.prev[x as usize], self.next[x as usize]);
        self.next[p as usize] = n;
        self.prev[n as usize] = p;
    }

    fn relink(&mut self, x: u32) {
        let (p, n) = (self.prev[x as usize], self.next[x as usize]);
        self.next[p as usize] = x;
        self.prev[n as usize] = x;
    }

    fn lift(&mut self, i: usize) {
        self.unlink(self.call_node[i]);
        self.unlink(self.ret_node[i]);
    }

    /// Undoes `lift`: only in the reverse order of the lifts.
    fn unlift(&mut self, i: usize) {
        self.relink(self.ret_node[i]);
        self.relink(self.call_node[i]);
    }

    fn set(&mut self, i: usize) {
        self.bits[i / 64] |= 1 << (i % 64);
        self.hash ^= self.zobrist[i];
        self.hiw = self.hiw.max(i / 64 + 1);
        if i == self.lead {
            loop {
                let w = self.lead / 64;
                if w >= self.bits.len() {
                    break;
                }
                let ones = (self.bits[w] >> (self.lead % 64)).trailing_ones() as usize;
                self.lead += ones;
                if ones == 0 || !self.lead.is_multiple_of(64) {
                    break;
                }
            }
        }
    }

    fn clear(&mut self, i: usize) {
        self.bits[i / 64] &= !(1 << (i % 64));
        self.hash ^= self.zobrist[i];
        self.lead = self.lead.min(i);
        while self.hiw > 0 && self.bits[self.hiw - 1] == 0 {
            self.hiw -= 1;
        }
    }

    fn tail_words(&self) -> &[u64] {
        let w0 = self.lead / 64;
        if self.hiw > w0 {
            &self.bits[w0..self.hiw]
        } else {
            &[]
        }
    }

    fn seen(&self, reg: Reg) -> bool {
        self.cache
            .contains(self.hash ^ reg.mix(), self.lead, self.tail_words(), reg)
    }

    fn remember(&mut self, reg: Reg) {
        let w0 = self.lead / 64;
        let tail = if self.hiw > w0 {
            &self.bits[w0..self.hiw]
        } else {
            &[]
        };
        self.cache
            .insert(self.hash ^ reg.mix(), self.lead, tail, reg);
        self.states += 1;
    }

    fn record(&mut self) {
        let linearized: Vec<usize> = self
            .optional
            .iter()
            .filter(|&&i| self.bits[i / 64] & (1 << (i % 64)) != 0)
            .map(|&i| self.order[i])
            .collect();
        self.finals.push((linearized, self.reg));
    }

    fn enter_root(&mut self) {
        let pre = std::mem::take(&mut self.roots[self.root].0);
        for &i in &pre {
            self.lift(i);
            self.set(i);
            if self.ops[i].required {
                self.required_left -= 1;
            }
        }
        self.reg = self.roots[self.root].1;
        self.roots[self.root].0 = pre;
    }

    fn leave_root(&mut self) {
        let pre = std::mem::take(&mut self.roots[self.root].0);
        for &i in pre.iter().rev() {
            self.unlift(i);
            self.clear(i);
            if self.ops[i].required {
                self.required_left += 1;
            }
        }
        self.roots[self.root].0 = pre;
        self.root += 1;
        self.in_root = false;
    }

    /// A callable read (its call comes before every pending return) of what the register holds.
    fn forced_read(&self) -> Option<u32> {
        let mut node = self.next[HEAD as usize];
        while node != self.tail && self.is_call[node as usize] {
            let o = &self.ops[self.node_op[node as usize] as usize];
            if !o.write && Reg::of(o.value) == self.reg {
                return Some(node);
            }
            node = self.next[node as usize];
        }
        None
    }

    /// Runs until done or until `limit` states in all have been explored.
    fn run(&mut self, limit: u64) -> Status {
        loop {
            if !self.in_root {
                if self.root == self.roots.len() {
                    return Status::Exhausted;
                }
                if self.states >= limit {
                    return Status::Paused;
                }
                self.enter_root();
                self.in_root = true;
                self.fresh = true;
                if self.seen(self.reg) {
                    self.leave_root();
                    continue;
                }
                self.remember(self.reg);
                self.cur = self.next[HEAD as usize];
                if self.required_left == 0 {
                    if !self.enumerate {
                        return Status::Found;
                    }
                    self.record();
                }
                continue;
            }
            if std::mem::take(&mut self.fresh)
                && let Some(c) = self.forced_read()
            {
                // A callable read of what the register holds can go first: any order that places
                // it later leaves the register unchanged until then (values are never written
                // twice), so this prunes orders without losing an outcome.
                let i = self.node_op[c as usize] as usize;
                self.set(i);
                if self.seen(self.reg) {
                    // Explored from here before, to no end: this level has nothing new.
                    self.clear(i);
                    self.cur = self.tail;
                    continue;
                }
                if self.states >= limit {
                    self.clear(i);
                    self.fresh = true;
                    return Status::Paused;
                }
                self.remember(self.reg);
                self.stack.push((c, self.reg, true));
                self.lift(i);
                if self.ops[i].required {
                    self.required_left -= 1;
                }
                self.cur = self.next[HEAD as usize];
                self.fresh = true;
                if self.required_left == 0 {
                    if !self.enumerate {
                        return Status::Found;
                    }
                    self.record();
                }
                continue;
            }
            let c = self.cur;
            if c == self.tail || !self.is_call[c as usize] {
                // A pending operation's deadline (or the end): undo the latest step.
                match self.stack.pop() {
                    Some((node, reg, forced)) => {
                        let i = self.node_op[node as usize] as usize;
                        self.unlift(i);
                        self.clear(i);
                        self.reg = reg;
                        if self.ops[i].required {
                            self.required_left += 1;
                        }
                        // A forced step had no alternative: its level is done too.
                        self.cur = if forced {
                            self.tail
                        } else {
                            self.next[node as usize]
                        };
                    }
                    None => self.leave_root(),
                }
                continue;
            }
            let i = self.node_op[c as usize] as usize;
            let o = self.ops[i];
            // A write always succeeds; a read only when it returns what the register holds.
            let legal = o.write || self.reg == Reg::Any || self.reg == Reg::of(o.value);
            if !legal {
                self.cur = self.next[c as usize];
                continue;
            }
            let after = Reg::of(o.value);
            self.set(i);
            if self.seen(after) {
                self.clear(i);
                self.cur = self.next[c as usize];
                continue;
            }
            if self.states >= limit {
                self.clear(i);
                return Status::Paused;
            }
            self.remember(after);
            self.stack.push((c, self.reg, false));
            self.reg = after;
            self.lift(i);
            self.fresh = true;
            if o.required {
                self.required_left -= 1;
            }
            self.cur = self.next[HEAD as usize];
            if self.required_left == 0 {
                if !self.enumerate {
                    return Status::Found;
                }
                self.record();
            }
        }
    }
}

mod live;
pub use live::{Incremental, LiveCheck, LiveVerdict, MAX_HELD};

#[cfg(test)]
mod tests;
