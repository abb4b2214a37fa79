//! The live check: the history checked as it grows, key by key, window by window.

use super::*;

/// Closed operations kept (over all keys) only to explain a violation found later.
pub(super) const RECENT: usize = 4096;

/// Operations held at most (recorded, in a window, carried): past it the check stops. Every window
/// waits for the oldest request still in flight, so one held for minutes (long timeouts, retries)
/// would otherwise make the check hold every operation completed meanwhile.
pub const MAX_HELD: usize = 100_000;

/// Operations one window of one key may hold, and configurations it may start from: a search over
/// more (and opening and closing it) could take longer than a frame, and such a window is let go
/// instead (see `advance`).
pub const MAX_WINDOW_OPS: usize = 200;

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
    /// Every key up to the highest seen, by key (keys are dense: `0..Config::keys`).
    pub(super) keys: Vec<Key>,
    /// The latest operations of closed windows.
    pub(super) recent: VecDeque<Op>,
    /// The key the next `advance` starts from (where the last one ran out of budget).
    cursor: u32,
    checked: u64,
    cut_short: bool,
    violation: Option<Violation>,
    /// The violation being shrunk from the operations still known (`violation` holds a plainer
    /// account meanwhile): its key, those operations, the work.
    pub(super) explain: Option<(u32, Vec<Op>, Shrinker)>,
    spent: u64,
    next_id: u64,
    recorded: u64,
    /// Stopped with `MAX_HELD` operations held.
    stopped: bool,
    /// Restarted during a run: every key held some value already, and writes of before (some of
    /// unknown outcome) may still take effect.
    restarted: bool,
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
    /// Checking stopped with `MAX_HELD` operations waiting (see there).
    pub stopped: bool,
}

/// An operation carried across a cut.
#[derive(Clone, Copy, Debug)]
pub(super) struct Carried {
    id: u64,
    op: Op,
    /// Completed `Ok`: takes effect exactly once. Otherwise (an unknown write) at most once.
    must: bool,
}

/// A key of the live check. One map holds both kinds (one map type less in the page's download).
pub(super) enum Key {
    /// Something recorded, running or carried.
    Live(Box<KeyLive>),
    /// Nothing to remember but its one possible value, and where its last window closed.
    Settled(Reg, Time),
}

pub(super) struct KeyLive {
    /// Recorded, not yet in a window.
    pub(super) pending: Vec<Op>,
    /// Where the last window closed.
    cut: Time,
    pub(super) carried: Vec<Carried>,
    /// Where the last window can have ended: (ids of carried operations already applied, sorted; the
    /// register).
    pub(super) configs: Vec<(Vec<u64>, Reg)>,
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

    /// Lets go of a window too crowded to search within a frame's budget (thousands of requests a
    /// second on a few keys), if the next one is. Everything invoked before the watermark has
    /// completed and is here; the key goes on from any value (with writes forgotten if some of
    /// unknown outcome may still land), and the verdict is no longer a proof.
    fn let_go_if_crowded(&mut self, watermark: Time) -> bool {
        let due = || self.pending.iter().filter(|o| o.invoke < watermark);
        let crowded = self.job.is_none()
            && (due().count() + self.carried.len() > MAX_WINDOW_OPS
                || self.configs.len() > MAX_WINDOW_OPS);
        if !crowded {
            return false;
        }
        let unknown = self.carried.iter().any(|c| !c.must)
            || due().any(|o| o.write && o.outcome == Fate::Unknown);
        self.pending.retain(|o| o.invoke >= watermark);
        self.carried.clear();
        self.configs = vec![(vec![], Reg::Any)];
        self.forgot |= unknown;
        self.cut = watermark;
        true
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
/// turns it on carries none of its code.
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
            keys: Vec::new(),
            recent: VecDeque::new(),
            cursor: 0,
            checked: 0,
            cut_short: false,
            violation: None,
            explain: None,
            spent: 0,
            next_id: 0,
            recorded: 0,
            stopped: false,
            restarted: false,
        }
    }

    /// Takes an operation that just ended (operations arrive in completion order).
    pub fn record(&mut self, op: Op) {
        if self.stopped || self.violation.is_some() || relevant(&op).is_none() {
            return;
        }
        self.recorded += 1;
        // Counting is a pass over the keys: every 1,024 operations is often enough.
        if self.recorded.is_multiple_of(1024) && self.held() >= MAX_HELD {
            self.stopped = true;
            self.cut_short = true;
            self.keys = Vec::new();
            self.recent = VecDeque::new();
            return;
        }
        let slot = op.key as usize;
        if self.keys.len() <= slot {
            self.keys
                .resize_with(slot + 1, || Key::Settled(Reg::Unset, 0));
        }
        let entry = &mut self.keys[slot];
        if let Key::Settled(reg, cut) = *entry {
            let mut k = KeyLive::new(reg, cut);
            if self.restarted {
                // Its value is not known, nor are all the writes that may still land.
                k.configs = vec![(vec![], Reg::Any)];
                k.forgot = true;
            }
            *entry = Key::Live(Box::new(k));
        }
        let Key::Live(k) = entry else {
            unreachable!("made live above")
        };
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
        let n = self.keys.len() as u32;
        let cursor = self.cursor.min(n);
        let order: Vec<u32> = (cursor..n)
            .chain(0..cursor)
            .filter(|&k| matches!(self.keys[k as usize], Key::Live(_)))
            .collect();
        for key in order {
            while let Some(entry) = self.keys.get_mut(key as usize) {
                let Key::Live(k) = entry else {
                    break;
                };
                if k.let_go_if_crowded(watermark) {
                    self.cut_short = true;
                    break;
                }
                if k.job.is_none() && !open_window(k, watermark) {
                    if let Some(reg) = k.settled() {
                        *entry = Key::Settled(reg, k.cut);
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
        LiveVerdict {
            operations_checked: self.checked,
            pending: self.held(),
            violation: self.violation.clone(),
            cut_short: self.cut_short,
            stopped: self.stopped,
        }
    }

    /// Operations recorded and not yet checked to the end.
    fn held(&self) -> usize {
        self.keys
            .iter()
            .filter_map(|k| match k {
                Key::Live(k) => Some(k),
                Key::Settled(..) => None,
            })
            .map(|k| {
                k.pending.len()
                    + k.carried.iter().filter(|c| c.must).count()
                    + k.job.as_ref().map_or(0, |j| j.fresh.len())
            })
            .sum()
    }

    /// Starts afresh in the middle of a run (see `restarted`).
    pub fn reset(&mut self) {
        *self = LiveCheck::new(self.budget_per_window);
        self.restarted = true;
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
        let Key::Live(mut k) =
            std::mem::replace(&mut self.keys[key as usize], Key::Settled(Reg::Unset, 0))
        else {
            unreachable!("a window runs only on a live key")
        };
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
        self.keys[key as usize] = Key::Live(k);
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
