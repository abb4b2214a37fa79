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

use super::event::Time;
use super::history::{Fate, Op};
use super::sort::{sort, sort_by_key};

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
    format!("{:.3} s", t as f64 / 1e6)
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

// ---------------------------------------------------------------------------------------------------
// The live check.

/// Closed operations kept (over all keys) only to explain a violation found later.
const RECENT: usize = 4096;

/// Checks a history as it grows, key by key, window by window.
///
/// A window of a key closes at a cut time C and holds the operations called before C. Its search
/// starts from every configuration the previous window could end in and records every configuration it
/// can end in; a configuration is the register's value plus which carried operations have already
/// taken effect. Carried are the operations that may still take effect after C: those called before C
/// that completed after it (the cut goes where none do when there is such a point), and `Unknown`
/// writes. An unknown write no read has returned yet is carried as never applied, which loses nothing:
/// applied but unread, it could as well have been applied at the start of the next window. Closed
/// windows are discarded; a key left with one possible value and nothing carried is kept as that value
/// alone.
pub struct LiveCheck {
    budget_per_window: u64,
    /// Keys with something recorded, running or carried.
    keys: BTreeMap<u32, KeyLive>,
    /// Every other key seen: its one possible value, and where its last window closed.
    settled: BTreeMap<u32, (Reg, Time)>,
    /// The latest operations of closed windows.
    recent: VecDeque<Op>,
    /// The key the next `advance` starts from (where the last one ran out of budget).
    cursor: u32,
    checked: u64,
    cut_short: bool,
    violation: Option<Violation>,
    /// The violation being shrunk from the operations still known (`violation` holds a plainer
    /// account meanwhile): its key, those operations, the work.
    explain: Option<(u32, Vec<Op>, Shrinker)>,
    spent: u64,
    next_id: u64,
}

/// What the live check can say so far.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveVerdict {
    /// Operations in windows checked to the end.
    pub operations_checked: u64,
    /// Operations recorded and not yet checked to the end (waiting for the watermark, or for budget).
    pub pending: usize,
    /// The first violation found (checking stops there).
    pub violation: Option<Violation>,
    /// Some window could not be checked exactly (budget, more than 32 unknown writes carried for a key,
    /// operations recorded after their window closed): a lack of violation is no pass.
    pub cut_short: bool,
}

/// An operation carried across a cut.
#[derive(Clone, Copy, Debug)]
struct Carried {
    id: u64,
    op: Op,
    /// Completed `Ok`: takes effect exactly once. Otherwise (an unknown write) at most once.
    must: bool,
}

struct KeyLive {
    /// Recorded, not yet in a window.
    pending: Vec<Op>,
    /// Where the last window closed.
    cut: Time,
    carried: Vec<Carried>,
    /// Where the last window can have ended: (ids of carried operations already applied, sorted; the
    /// register).
    configs: Vec<(Vec<u64>, Reg)>,
    job: Option<Box<Job>>,
    /// Some write that may have taken effect is no longer known: a read of a value no known write
    /// explains may come from it.
    forgot: bool,
}

impl KeyLive {
    fn new(reg: Reg, cut: Time) -> KeyLive {
        KeyLive {
            pending: Vec::new(),
            cut,
            carried: Vec::new(),
            configs: vec![(vec![], reg)],
            job: None,
            forgot: false,
        }
    }

    /// Nothing to remember but one value.
    fn settled(&self) -> Option<Reg> {
        let one = self.configs.len() == 1 && self.configs[0].0.is_empty();
        let idle = self.pending.is_empty() && self.carried.is_empty() && self.job.is_none();
        (one && idle && !self.forgot).then_some(self.configs[0].1)
    }
}

/// A window being checked.
struct Job {
    search: Search,
    cut: Time,
    /// The window's new operations.
    fresh: Vec<Op>,
    /// What each search operation is.
    slots: Vec<Slot>,
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Carried(usize),
    Fresh(usize),
    /// A write that may have been forgotten (see `KeyLive::forgot`).
    Stand,
}

/// How a window's search ended.
enum Closed {
    Ok,
    Violation,
    CutShort,
}

/// A check fed as the run goes: the World holds one behind this trait, so that a build that never
/// turns it on (the page, for now: see docs/DESIGN.md) carries none of its code.
pub trait Incremental {
    fn record(&mut self, op: Op);
    fn advance(&mut self, watermark: Time, budget: u64);
    fn verdict(&self) -> LiveVerdict;
    /// Forgets everything: checking starts afresh.
    fn restart(&mut self);
}

impl Incremental for LiveCheck {
    fn record(&mut self, op: Op) {
        LiveCheck::record(self, op)
    }
    fn advance(&mut self, watermark: Time, budget: u64) {
        LiveCheck::advance(self, watermark, budget)
    }
    fn verdict(&self) -> LiveVerdict {
        LiveCheck::verdict(self)
    }
    fn restart(&mut self) {
        LiveCheck::reset(self)
    }
}

impl LiveCheck {
    pub fn new(budget_per_window: u64) -> Self {
        LiveCheck {
            budget_per_window,
            keys: BTreeMap::new(),
            settled: BTreeMap::new(),
            recent: VecDeque::new(),
            cursor: 0,
            checked: 0,
            cut_short: false,
            violation: None,
            explain: None,
            spent: 0,
            next_id: 0,
        }
    }

    /// Takes an operation that just ended (operations arrive in completion order).
    pub fn record(&mut self, op: Op) {
        if self.violation.is_some() || relevant(&op).is_none() {
            return;
        }
        let settled = &mut self.settled;
        let k = self.keys.entry(op.key).or_insert_with(|| {
            let (reg, cut) = settled.remove(&op.key).unwrap_or((Reg::Unset, 0));
            KeyLive::new(reg, cut)
        });
        let closed = k.job.as_ref().map_or(k.cut, |j| j.cut);
        if op.invoke < closed {
            // Its window is gone (the caller's watermark was wrong). Leaving out a read only loses
            // checking; leaving out a write could make a later read of its value look made up, so such
            // values may from now on come from anywhere.
            k.forgot |= op.write;
            self.cut_short = true;
            return;
        }
        k.pending.push(op);
    }

    /// Every op still in flight was invoked at or after `watermark` (the caller guarantees it). Checks
    /// and closes, per key, windows that end before the watermark. At most `budget` states are spent
    /// per call (so a frame stays bounded); work left over waits for the next call.
    pub fn advance(&mut self, watermark: Time, budget: u64) {
        let mut left = budget;
        if self.explain.is_some() {
            self.explain_now(&mut left);
            return;
        }
        if self.violation.is_some() {
            return;
        }
        let order: Vec<u32> = self
            .keys
            .range(self.cursor..)
            .chain(self.keys.range(..self.cursor))
            .map(|(k, _)| *k)
            .collect();
        for key in order {
            loop {
                let k = self.keys.get_mut(&key).expect("listed");
                if k.job.is_none() && !open_window(k, watermark) {
                    if let Some(reg) = k.settled() {
                        let cut = k.cut;
                        self.keys.remove(&key);
                        self.settled.insert(key, (reg, cut));
                    }
                    break;
                }
                let job = k.job.as_mut().expect("opened");
                let before = job.search.states;
                let limit = before + left.min(self.budget_per_window.saturating_sub(before));
                let status = job.search.run(limit);
                let used = job.search.states - before;
                left -= used;
                self.spent += used;
                if status == Status::Paused && job.search.states < self.budget_per_window {
                    // Out of budget for this call: resume here next time.
                    self.cursor = key;
                    return;
                }
                match self.close_window(key, status == Status::Exhausted) {
                    Closed::Ok => {}
                    Closed::CutShort => self.cut_short = true,
                    Closed::Violation => {
                        self.explain_now(&mut left);
                        return;
                    }
                }
            }
        }
        self.cursor = 0;
    }

    pub fn verdict(&self) -> LiveVerdict {
        let pending = self
            .keys
            .values()
            .map(|k| {
                k.pending.len()
                    + k.carried.iter().filter(|c| c.must).count()
                    + k.job.as_ref().map_or(0, |j| j.fresh.len())
            })
            .sum();
        LiveVerdict {
            operations_checked: self.checked,
            pending,
            violation: self.violation.clone(),
            cut_short: self.cut_short,
        }
    }

    pub fn reset(&mut self) {
        *self = LiveCheck::new(self.budget_per_window);
    }

    /// States explored so far, in all.
    pub fn states(&self) -> u64 {
        self.spent
    }

    /// Shrinks the violation on, with what is left of this call's budget.
    fn explain_now(&mut self, left: &mut u64) {
        let Some((key, known, shrinker)) = &mut self.explain else {
            return;
        };
        let before = shrinker.spent;
        let done = shrinker.step(*left);
        let used = shrinker.spent - before;
        *left -= used;
        self.spent += used;
        if done {
            // Unless the known operations were not enough to show it, the shrunk set replaces the
            // plain account.
            if let Some(set) = shrinker.result() {
                self.violation = Some(violation(*key, &set, known));
            }
            self.explain = None;
        }
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Closes the key's window whose search ended (`exhausted`: explored to the end; else cut short).
    fn close_window(&mut self, key: u32, exhausted: bool) -> Closed {
        let mut k = self.keys.remove(&key).expect("listed");
        let mut job = k.job.take().expect("running");
        let finals = std::mem::take(&mut job.search.finals);
        let cut = job.cut;
        if exhausted && finals.is_empty() {
            self.fail(key, &k, &job);
            return Closed::Violation;
        }
        let mut carried: Vec<Carried> = Vec::new();
        let mut fresh_in_search = vec![false; job.fresh.len()];
        let mut carried_in_search = vec![false; k.carried.len()];
        let mut done = 0u64;
        let mut id_of: Vec<Option<u64>> = vec![None; job.slots.len()];
        for (s, slot) in job.slots.iter().enumerate() {
            let (op, old) = match *slot {
                Slot::Carried(c) => {
                    carried_in_search[c] = true;
                    (k.carried[c].op, Some(k.carried[c]))
                }
                Slot::Fresh(f) => {
                    fresh_in_search[f] = true;
                    (job.fresh[f], None)
                }
                Slot::Stand => continue,
            };
            let must = op.outcome == Fate::Ok;
            if exhausted {
                // Applied in every end (always so for what completed before the cut): done. In none
                // or some: carried, with the ends it was applied in.
                let applied = if must && op.complete < cut {
                    finals.len()
                } else {
                    finals.iter().filter(|(lin, _)| lin.contains(&s)).count()
                };
                if applied == finals.len() {
                    done += u64::from(must);
                    continue;
                }
                let id = old.map_or_else(|| self.new_id(), |c| c.id);
                id_of[s] = Some(id);
                carried.push(Carried { id, op, must });
            } else if op.write && !(must && op.complete < cut) {
                // Cut short: from here on the register may hold anything, and what was carried may
                // take effect (again): more lenient than the truth, so a violation found later is real.
                let id = old.map_or_else(|| self.new_id(), |c| c.id);
                carried.push(Carried {
                    id,
                    op,
                    must: false,
                });
            }
        }
        let result = if exhausted {
            let mut configs: Vec<(Vec<u64>, Reg)> = finals
                .iter()
                .map(|(lin, reg)| {
                    let mut ids: Vec<u64> = lin.iter().filter_map(|&s| id_of[s]).collect();
                    sort(&mut ids);
                    (ids, *reg)
                })
                .collect();
            sort(&mut configs);
            configs.dedup();
            k.configs = configs;
            // Unknown writes count as checked in their first window.
            self.checked +=
                done + job.fresh.iter().filter(|o| o.outcome != Fate::Ok).count() as u64;
            Closed::Ok
        } else {
            k.configs = vec![(vec![], Reg::Any)];
            Closed::CutShort
        };
        // Unknown writes nobody has read yet stay carried, as never applied.
        for (c, was) in carried_in_search.iter().enumerate() {
            if !was {
                carried.push(k.carried[c]);
            }
        }
        for (f, was) in fresh_in_search.iter().enumerate() {
            if !was {
                let id = self.new_id();
                carried.push(Carried {
                    id,
                    op: job.fresh[f],
                    must: false,
                });
            }
        }
        // Bounded: past the cap, the oldest unknown writes are forgotten (and the key is no longer
        // checked exactly).
        sort_by_key(&mut carried, |c| (c.op.invoke, c.id));
        while carried.iter().filter(|c| !c.must).count() > MAX_CARRIED_UNKNOWN {
            let at = carried.iter().position(|c| !c.must).expect("counted");
            let gone = carried.remove(at).id;
            for (ids, _) in &mut k.configs {
                ids.retain(|&i| i != gone);
            }
            sort(&mut k.configs);
            k.configs.dedup();
            k.forgot = true;
            self.cut_short = true;
        }
        k.carried = carried;
        k.cut = cut;
        for op in &job.fresh {
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(*op);
        }
        self.keys.insert(key, k);
        result
    }

    /// The window admits no order from any configuration the key could be in: a violation. It is
    /// shrunk from the operations still known (the recent ones of the key and the window's); until
    /// then, or if they are not enough to show it by themselves, it is described plainly.
    fn fail(&mut self, key: u32, k: &KeyLive, job: &Job) {
        let mut window: Vec<Op> = k
            .carried
            .iter()
            .map(|c| c.op)
            .chain(job.fresh.iter().copied())
            .collect();
        sort_by_key(&mut window, |o| (o.invoke, o.complete));
        let mut known: Vec<Op> = self
            .recent
            .iter()
            .filter(|o| o.key == key)
            .copied()
            .chain(window.iter().copied())
            .collect();
        sort_by_key(&mut known, |o| {
            (o.invoke, o.complete, o.client, o.value, o.write)
        });
        known.dedup();
        // A read whose write is no longer known cannot be judged from these alone: leave it out.
        let written: Values = known.iter().filter(|o| o.write).map(|o| o.value).collect();
        known.retain(|o| o.write || o.value.is_none() || written.contains(&o.value));
        let text = format!(
            "key {key}: the operations between {} and {} admit no order that continues from any value the key could hold at {} (the operations before are no longer kept)",
            secs(k.cut),
            secs(job.cut),
            secs(k.cut)
        );
        self.violation = Some(Violation {
            key,
            ops: window,
            text,
        });
        let kept: Vec<(Op, bool)> = known.iter().filter_map(relevant).collect();
        let shrinker = Shrinker::new(kept, false, self.budget_per_window.saturating_mul(2));
        self.explain = Some((key, known, shrinker));
        // Checking stops here: free what it held.
        self.keys.clear();
        self.settled.clear();
        self.recent.clear();
    }
}

/// Opens the key's next window if there is anything to check before `watermark`.
fn open_window(k: &mut KeyLive, watermark: Time) -> bool {
    if watermark <= k.cut {
        return false;
    }
    let due = |c: Time, k: &KeyLive| {
        k.pending.iter().any(|o| o.invoke < c)
            || k.carried.iter().any(|m| m.must && m.op.complete < c)
    };
    if !due(watermark, k) {
        return false;
    }
    // Cut where no operation that must take effect is running, if there is such a point after the last
    // cut with something before it: then nothing runs across the cut.
    let mut spans: Vec<(Time, Time)> = k
        .pending
        .iter()
        .filter(|o| o.outcome == Fate::Ok && o.invoke < watermark)
        .map(|o| (o.invoke, o.complete.max(o.invoke)))
        .chain(
            k.carried
                .iter()
                .filter(|c| c.must)
                .map(|c| (c.op.invoke, c.op.complete)),
        )
        .collect();
    sort(&mut spans);
    let mut cut = watermark;
    let mut block: Option<(Time, Time)> = None;
    for (a, b) in spans {
        // An operation runs across a cut in (a, b]; touching ones run across the same cuts together.
        block = match block {
            Some((s, e)) if a <= e => Some((s, e.max(b))),
            _ => Some((a, b)),
        };
        if let Some((s, e)) = block
            && s < watermark
            && watermark <= e
        {
            cut = s;
        }
    }
    if cut <= k.cut || !due(cut, k) {
        cut = watermark;
    }
    let (fresh, rest): (Vec<Op>, Vec<Op>) = k.pending.iter().partition(|o| o.invoke < cut);
    k.pending = rest;

    let read: Values = fresh
        .iter()
        .chain(k.carried.iter().filter(|c| c.must).map(|c| &c.op))
        .filter(|o| !o.write)
        .map(|o| o.value)
        .collect();
    let applied: Ids = k
        .configs
        .iter()
        .flat_map(|(ids, _)| ids.iter().copied())
        .collect();
    let mut ops: Vec<SOp> = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    // (carried id, its index in the search): a few dozen at most.
    let mut index_of: Vec<(u64, usize)> = Vec::new();
    for (c, cr) in k.carried.iter().enumerate() {
        // An unknown write nobody has applied or reads here stays out (see `LiveCheck`).
        if cr.must || applied.contains(&cr.id) || read.contains(&cr.op.value) {
            index_of.push((cr.id, ops.len()));
            ops.push(SOp::of(&cr.op, cr.must && cr.op.complete < cut));
            slots.push(Slot::Carried(c));
        }
    }
    for (f, o) in fresh.iter().enumerate() {
        if o.outcome == Fate::Ok || read.contains(&o.value) {
            ops.push(SOp::of(o, o.outcome == Fate::Ok && o.complete < cut));
            slots.push(Slot::Fresh(f));
        }
    }
    if k.forgot {
        let written: Values = k
            .carried
            .iter()
            .map(|c| &c.op)
            .chain(&fresh)
            .filter(|o| o.write)
            .map(|o| o.value)
            .collect();
        let mut unexplained: Vec<Option<u64>> = read
            .iter()
            .copied()
            .filter(|v| v.is_some() && !written.contains(v))
            .collect();
        sort(&mut unexplained);
        for v in unexplained {
            ops.push(SOp {
                write: true,
                value: v,
                invoke: 0,
                ret: NO_DEADLINE,
                required: false,
            });
            slots.push(Slot::Stand);
        }
    }
    let roots = k
        .configs
        .iter()
        .map(|(ids, reg)| {
            let at = |id: &u64| index_of.iter().find(|e| e.0 == *id).expect("carried").1;
            (ids.iter().map(at).collect(), *reg)
        })
        .collect();
    k.job = Some(Box::new(Job {
        search: Search::new(ops, roots, true),
        cut,
        fresh,
        slots,
    }));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: u32 = 7;
    const MS: Time = 1_000;

    fn op(
        client: u32,
        write: bool,
        value: Option<u64>,
        invoke: Time,
        complete: Time,
        outcome: Fate,
    ) -> Op {
        Op {
            client,
            write,
            key: KEY,
            value,
            invoke,
            complete,
            ok: outcome == Fate::Ok,
            outcome,
        }
    }

    fn w(client: u32, v: u64, invoke: Time, complete: Time) -> Op {
        op(client, true, Some(v), invoke, complete, Fate::Ok)
    }

    fn r(client: u32, v: Option<u64>, invoke: Time, complete: Time) -> Op {
        op(client, false, v, invoke, complete, Fate::Ok)
    }

    fn verdict(ops: &[Op]) -> Verdict {
        check_key(ops, DEFAULT_BUDGET).0
    }

    fn violation_of(ops: &[Op]) -> Violation {
        match verdict(ops) {
            Verdict::Violation(v) => {
                // Honest: what is shown fails by itself.
                assert!(matches!(verdict(&v.ops), Verdict::Violation(_)), "{v:?}");
                v
            }
            other => panic!("expected a violation, got {other:?}"),
        }
    }

    /// A history of a real register: each operation takes effect at a random instant of its interval;
    /// clients take turns, each one operation at a time.
    fn generated(n: usize, clients: u32, keys: u32, seed: u64) -> Vec<Op> {
        let mut rng = seed;
        let mut next = move || {
            rng = splitmix(rng);
            rng
        };
        let mut free = vec![0; clients as usize];
        let mut ops = Vec::with_capacity(n);
        let mut points = Vec::with_capacity(n);
        for i in 0..n {
            let client = i as u32 % clients;
            let invoke = free[client as usize] + next() % 50;
            let length = 1 + next() % 400;
            let complete = invoke + length;
            free[client as usize] = complete + 1;
            points.push(invoke + next() % (length + 1));
            let write = next() % 2 == 0;
            let value = write.then_some(i as u64 + 1);
            let key = (next() % u64::from(keys)) as u32;
            ops.push(Op {
                client,
                write,
                key,
                value,
                invoke,
                complete,
                ok: true,
                outcome: Fate::Ok,
            });
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (points[i], i));
        let mut register: BTreeMap<u32, Option<u64>> = BTreeMap::new();
        for i in order {
            let o = &mut ops[i];
            if o.write {
                register.insert(o.key, o.value);
            } else {
                o.value = register.get(&o.key).copied().flatten();
            }
        }
        ops
    }

    /// For operations in completion order: after the first i + 1 have ended, every later one is
    /// called at or after the i-th watermark.
    fn watermarks(sorted: &[Op]) -> Vec<Time> {
        let mut marks = vec![Time::MAX; sorted.len()];
        for i in (0..sorted.len().saturating_sub(1)).rev() {
            marks[i] = marks[i + 1].min(sorted[i + 1].invoke);
        }
        marks
    }

    /// Feeds `ops` in completion order, advancing after each with the watermark they allow, then
    /// finishes.
    fn live(ops: &[Op], per_window: u64, per_call: u64) -> LiveCheck {
        let mut ops = ops.to_vec();
        ops.sort_by_key(|o| o.complete);
        let marks = watermarks(&ops);
        let mut live = LiveCheck::new(per_window);
        for (op, mark) in ops.iter().zip(marks) {
            live.record(*op);
            live.advance(mark, per_call);
        }
        for _ in 0..100_000 {
            if live.verdict().pending == 0 && live.explain.is_none() {
                break;
            }
            live.advance(Time::MAX, per_call);
        }
        assert_eq!(live.verdict().pending, 0);
        live
    }

    #[test]
    fn sequential_histories_are_linearizable() {
        let h = [
            r(1, None, 0, 5 * MS),
            w(1, 1, 10 * MS, 20 * MS),
            r(2, Some(1), 30 * MS, 40 * MS),
            w(2, 2, 50 * MS, 60 * MS),
            r(1, Some(2), 70 * MS, 80 * MS),
        ];
        assert_eq!(verdict(&h), Verdict::Linearizable);
        assert_eq!(verdict(&[]), Verdict::Linearizable);
    }

    #[test]
    fn overlapping_operations_may_take_effect_in_either_order() {
        let long = w(1, 1, 0, 100);
        assert_eq!(verdict(&[long, r(2, None, 10, 20)]), Verdict::Linearizable);
        assert_eq!(
            verdict(&[long, r(2, Some(1), 10, 20)]),
            Verdict::Linearizable
        );
        let (a, b) = (w(1, 1, 0, 50), w(2, 2, 10, 60));
        assert_eq!(
            verdict(&[a, b, r(3, Some(1), 70, 80)]),
            Verdict::Linearizable
        );
        assert_eq!(
            verdict(&[a, b, r(3, Some(2), 70, 80)]),
            Verdict::Linearizable
        );
        // Operations that touch are concurrent; one instant apart, they are not.
        assert_eq!(
            verdict(&[w(1, 1, 0, 10), w(2, 2, 10, 20), r(3, Some(1), 20, 30)]),
            Verdict::Linearizable
        );
        assert!(matches!(
            verdict(&[w(1, 1, 0, 10), w(2, 2, 11, 20), r(3, Some(1), 21, 30)]),
            Verdict::Violation(_)
        ));
    }

    #[test]
    fn a_client_not_reading_its_own_write_is_caught() {
        let h = [
            w(1, 1, 0, 10 * MS),
            w(1, 2, 20 * MS, 30 * MS),
            r(1, Some(1), 40 * MS, 50 * MS),
        ];
        let v = violation_of(&h);
        assert_eq!(
            v.text,
            "key 7: client 1 wrote v2 (acknowledged at 0.030 s) and then read v1 at 0.040 s, an older value"
        );
        assert_eq!(v.ops, h.to_vec());
    }

    #[test]
    fn reads_going_back_in_time_are_caught() {
        let h = [
            w(1, 1, 0, 10 * MS),
            w(1, 2, 20 * MS, 100 * MS),
            r(2, Some(2), 30 * MS, 40 * MS),
            r(3, Some(1), 50 * MS, 60 * MS),
        ];
        let v = violation_of(&h);
        assert_eq!(
            v.text,
            "key 7: a read at 0.050 s returned v1 after a read at 0.030 s had returned v2, written later"
        );
        assert_eq!(v.ops.len(), 4);
    }

    #[test]
    fn a_value_nobody_wrote_is_caught() {
        let h = [
            r(1, Some(9), 0, 10 * MS),
            w(2, 9, 20 * MS, 30 * MS),
            w(2, 3, 40 * MS, 50 * MS),
        ];
        let v = violation_of(&h);
        assert_eq!(
            v.text,
            "key 7: a read at 0.000 s returned v9, which no write had put there (its write began only at 0.020 s)"
        );
        // The write of the value read stays, so the read fails for the history's reason.
        assert_eq!(v.ops, h[..2].to_vec());
    }

    #[test]
    fn a_stale_read_is_caught_and_shrunk_to_a_few_operations() {
        let mut h = Vec::new();
        for i in 0..50 {
            h.push(w(1, i + 1, i * 100 * MS, i * 100 * MS + 10 * MS));
            h.push(r(
                2,
                Some(i + 1),
                i * 100 * MS + 20 * MS,
                i * 100 * MS + 30 * MS,
            ));
        }
        h.push(r(3, Some(10), 5000 * MS, 5010 * MS));
        let v = violation_of(&h);
        assert_eq!(v.ops.len(), 3, "{v:?}");
        assert!(
            v.text
                .starts_with("key 7: a read at 5.000 s returned v10, though v"),
            "{}",
            v.text
        );
        assert!(v.text.ends_with("before the read began"), "{}", v.text);
        // The shortest failing prefix ends with the stale read.
        assert_eq!(v.ops.last(), h.last());
    }

    #[test]
    fn unknown_writes_may_have_taken_effect_once_or_never() {
        let u = op(1, true, Some(1), 0, 10 * MS, Fate::Unknown);
        // Seen (even after its client gave up), or never seen.
        assert_eq!(
            verdict(&[u, r(2, Some(1), 100 * MS, 110 * MS)]),
            Verdict::Linearizable
        );
        assert_eq!(
            verdict(&[u, r(2, None, 100 * MS, 110 * MS)]),
            Verdict::Linearizable
        );
        // It may take effect after a later write.
        let later = [
            u,
            w(3, 2, 20 * MS, 30 * MS),
            r(2, Some(2), 40 * MS, 50 * MS),
            r(2, Some(1), 60 * MS, 70 * MS),
        ];
        assert_eq!(verdict(&later), Verdict::Linearizable);
        // But only once: seen, then gone, it is a violation.
        let twice = [
            u,
            r(2, Some(1), 20 * MS, 30 * MS),
            w(3, 2, 40 * MS, 50 * MS),
            r(2, Some(1), 60 * MS, 70 * MS),
        ];
        violation_of(&twice);
        let back = [
            u,
            r(2, Some(1), 20 * MS, 30 * MS),
            r(2, None, 40 * MS, 50 * MS),
        ];
        violation_of(&back);
    }

    #[test]
    fn a_read_of_a_refused_write_is_caught_and_failed_reads_are_left_out() {
        let refused = op(1, true, Some(1), 0, 10 * MS, Fate::Refused);
        let read = r(2, Some(1), 20 * MS, 30 * MS);
        let v = violation_of(&[refused, read]);
        assert_eq!(
            v.text,
            "key 7: a read at 0.020 s returned v1, which no write had put there (its write was refused)"
        );
        assert_eq!(v.ops, vec![refused, read]);
        let failed = op(2, false, Some(5), 20 * MS, 30 * MS, Fate::Unknown);
        assert_eq!(
            verdict(&[w(1, 1, 0, 10 * MS), failed]),
            Verdict::Linearizable
        );
    }

    #[test]
    fn a_large_concurrent_history_is_decided_within_the_budget() {
        let h = generated(2000, 8, 1, 1);
        let reads_of_writes = h.iter().filter(|o| !o.write && o.value.is_some()).count();
        assert!(
            reads_of_writes > 500,
            "the history should read what it writes"
        );
        let (v, states) = check_key(&h, DEFAULT_BUDGET);
        assert_eq!(v, Verdict::Linearizable);
        assert!(
            states < 100_000,
            "{states} states: memoization should keep this far below the budget"
        );
        // Swap two values read: now almost surely a violation, found and shrunk within budget too.
        let mut bad = h.clone();
        let reads: Vec<usize> = (0..bad.len())
            .filter(|&i| !bad[i].write && bad[i].value.is_some())
            .collect();
        let (i, j) = (reads[100], reads[400]);
        let (vi, vj) = (bad[i].value, bad[j].value);
        bad[i].value = vj;
        bad[j].value = vi;
        let v = violation_of(&bad);
        assert!(v.ops.len() <= 6, "{v:?}");
    }

    #[test]
    fn a_search_cut_short_never_passes() {
        let h = generated(200, 8, 1, 3);
        let (v, states) = check_key(&h, 5);
        assert_eq!(v, Verdict::CutShort);
        assert!(states <= 5);
        let bad = [w(1, 1, 0, 10), w(1, 2, 20, 30), r(1, Some(1), 40, 50)];
        assert_eq!(check_key(&bad, 2).0, Verdict::CutShort);
        let report = check(&h, 5);
        assert_eq!(
            (report.keys, report.linearizable_keys, report.cut_short_keys),
            (1, 0, 1)
        );
    }

    #[test]
    fn the_report_names_the_earliest_violation_in_json() {
        let mut h = generated(300, 4, 3, 5);
        let at = |key: u32, t: Time| Op {
            key,
            ..r(9, Some(123_456), t, t + 1)
        };
        h.push(at(2, 900 * MS));
        h.push(at(1, 800 * MS));
        let report = check(&h, DEFAULT_BUDGET);
        assert_eq!(
            (report.keys, report.linearizable_keys, report.cut_short_keys),
            (3, 1, 0)
        );
        assert_eq!(report.operations, 302);
        let v = report.first_violation.as_ref().expect("violation");
        assert_eq!(v.key, 1);
        let json = report.to_json();
        assert!(json.starts_with("{\"keys\":3,\"linearizable_keys\":1,\"cut_short_keys\":0,\"operations\":302,\"first_violation\":{\"key\":1,\"text\":\"key 1: a read at 0.800 s returned v123456"), "{json}");
        assert!(
            json.contains("\"ops\":[{\"client\":9,\"op\":\"read\""),
            "{json}"
        );
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        let clean = check(&generated(100, 4, 2, 6), DEFAULT_BUDGET);
        assert!(clean.to_json().ends_with("\"first_violation\":null}"));
    }

    #[test]
    fn live_check_passes_a_long_history_in_bounded_work_and_memory() {
        let h = generated(5000, 8, 4, 8);
        let mut sorted = h.clone();
        sorted.sort_by_key(|o| o.complete);
        let marks = watermarks(&sorted);
        let mut live = LiveCheck::new(DEFAULT_BUDGET);
        let mut most_held = 0;
        for i in 0..sorted.len() {
            live.record(sorted[i]);
            let watermark = marks[i];
            let before = live.states();
            live.advance(watermark, 40);
            assert!(live.states() - before <= 40);
            let held: usize = live
                .keys
                .values()
                .map(|k| k.pending.len() + k.carried.len())
                .sum();
            most_held = most_held.max(held);
        }
        for _ in 0..1000 {
            live.advance(Time::MAX, 40);
        }
        let v = live.verdict();
        assert_eq!(v.violation, None);
        assert!(!v.cut_short);
        assert_eq!(v.operations_checked, 5000);
        assert!(most_held < 100, "{most_held} operations held at once");
        assert!(live.recent.len() <= RECENT);
        // What is left is at most the last values a key could hold.
        assert!(
            live.keys
                .values()
                .all(|k| k.pending.is_empty() && k.carried.is_empty() && k.configs.len() <= 8)
        );
        assert!(live.settled.len() + live.keys.len() == 4);
    }

    #[test]
    fn live_check_finds_a_stale_read_across_windows_and_explains_it() {
        let mut h = Vec::new();
        for i in 0..50 {
            h.push(w(1, i + 1, i * 100 * MS, i * 100 * MS + 10 * MS));
            h.push(r(
                2,
                Some(i + 1),
                i * 100 * MS + 20 * MS,
                i * 100 * MS + 30 * MS,
            ));
        }
        h.push(r(3, Some(48), 5000 * MS, 5010 * MS));
        h.push(r(3, Some(1), 6000 * MS, 6010 * MS));
        let whole = violation_of(&h);
        let live = live(&h, DEFAULT_BUDGET, 1000);
        let v = live.verdict().violation.expect("violation");
        assert_eq!(v.ops.len(), 3, "{v:?}");
        assert!(
            v.text
                .starts_with("key 7: a read at 5.000 s returned v48, though v"),
            "{}",
            v.text
        );
        assert_eq!(v.text, whole.text);
        assert!(matches!(verdict(&v.ops), Verdict::Violation(_)));
        // The first violation stays.
        let mut live = live;
        live.record(r(3, Some(77), 7000 * MS, 7010 * MS));
        live.advance(Time::MAX, 1000);
        assert_eq!(live.verdict().violation, Some(v));
    }

    #[test]
    fn live_check_carries_unknown_writes_until_read() {
        let u = op(1, true, Some(1), 0, 10 * MS, Fate::Unknown);
        let mut h = vec![u];
        for i in 0..20 {
            h.push(r(2, None, (20 + i * 10) * MS, (25 + i * 10) * MS));
        }
        h.push(r(2, Some(1), 300 * MS, 310 * MS));
        let ok = live(&h, DEFAULT_BUDGET, 1000).verdict();
        assert_eq!((ok.violation, ok.cut_short, ok.pending), (None, false, 0));
        // Applied once, it cannot be undone.
        h.push(r(2, None, 320 * MS, 330 * MS));
        let bad = live(&h, DEFAULT_BUDGET, 1000).verdict();
        assert!(bad.violation.is_some());
        assert!(matches!(verdict(&h), Verdict::Violation(_)));
    }

    #[test]
    fn live_check_gives_up_honestly_past_32_unknown_writes() {
        let mut h: Vec<Op> = (0..40)
            .map(|i| {
                op(
                    1,
                    true,
                    Some(i + 1),
                    i * 10 * MS,
                    i * 10 * MS + 5 * MS,
                    Fate::Unknown,
                )
            })
            .collect();
        // The oldest, long forgotten by then, may still take effect: no violation may be claimed.
        h.push(r(2, Some(1), 1000 * MS, 1010 * MS));
        let v = live(&h, DEFAULT_BUDGET, 1000).verdict();
        assert_eq!(v.violation, None);
        assert!(v.cut_short);
        assert_eq!(verdict(&h), Verdict::Linearizable);
    }

    #[test]
    fn live_check_cut_short_claims_nothing_false() {
        let h = generated(600, 8, 2, 9);
        let v = live(&h, 3, 1000).verdict();
        assert!(v.cut_short);
        assert_eq!(v.violation, None);
        let mut live = live(&h, 3, 1000);
        live.reset();
        assert_eq!(
            live.verdict(),
            LiveVerdict {
                operations_checked: 0,
                pending: 0,
                violation: None,
                cut_short: false
            }
        );
    }
}
