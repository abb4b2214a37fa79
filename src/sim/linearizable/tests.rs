//! The checker on hand-made and generated histories (brute-force agreement: tests/linearizable.rs).

use super::*;
use live::{Key, RECENT};

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
    let mut h = written_then_read(50);
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
            .iter()
            .map(|k| match k {
                Key::Live(k) => k.pending.len() + k.carried.len(),
                Key::Settled(..) => 0,
            })
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
    assert!(live.keys.iter().all(|k| match k {
        Key::Live(k) => k.pending.is_empty() && k.carried.is_empty() && k.configs.len() <= 8,
        Key::Settled(..) => true,
    }));
    assert!(live.keys.len() == 4);
}

#[test]
fn live_check_finds_a_stale_read_across_windows_and_explains_it() {
    let mut h = written_then_read(50);
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
            cut_short: false,
            stopped: false,
        }
    );
}

/// Writes of 1..=n by client 1, each read back by client 2 right after it: 100 ms apart.
fn written_then_read(n: u64) -> Vec<Op> {
    let mut h = Vec::new();
    for i in 0..n {
        h.push(w(1, i + 1, i * 100 * MS, i * 100 * MS + 10 * MS));
        h.push(r(
            2,
            Some(i + 1),
            i * 100 * MS + 20 * MS,
            i * 100 * MS + 30 * MS,
        ));
    }
    h
}

#[test]
fn live_check_stops_rather_than_hold_every_operation_behind_one_in_flight() {
    // One request in flight since t = 0 holds the watermark there: nothing can be checked, and
    // every operation completed meanwhile waits.
    let mut live = LiveCheck::new(DEFAULT_BUDGET);
    let held = |l: &LiveCheck| -> usize {
        l.keys
            .iter()
            .map(|k| match k {
                Key::Live(k) => k.pending.len(),
                Key::Settled(..) => 0,
            })
            .sum()
    };
    let mut most = 0;
    for i in 0..(live::MAX_HELD as u64 + 10_000) {
        live.record(w(0, i + 1, MS * (i + 1), MS * (i + 1) + 500));
        live.advance(0, 1_000);
        most = most.max(held(&live));
    }
    let v = live.verdict();
    assert!(v.stopped && v.cut_short, "{:?}", (v.stopped, v.cut_short));
    assert_eq!(v.violation, None);
    assert!(most <= live::MAX_HELD + 1024, "{most} held");
    assert_eq!(held(&live), 0, "what it held is freed");
}

#[test]
fn a_crowded_window_is_let_go_and_checking_goes_on_after_it() {
    // 300 writes and reads of one key all overlapping: more than a window may hold.
    let mut ops: Vec<Op> = (0..300u64)
        .map(|i| {
            if i % 2 == 0 {
                w(i as u32, i + 1, MS * i, 400 * MS + MS * i)
            } else {
                r(i as u32, Some(i), MS * i, 400 * MS + MS * i)
            }
        })
        .collect();
    ops.sort_by_key(|o| o.complete);
    let mut live = LiveCheck::new(DEFAULT_BUDGET);
    for op in &ops {
        live.record(*op);
    }
    // Everything before 1 s has completed: that window holds all 300.
    live.advance(1_000 * MS, 1_000);
    assert_eq!(live.verdict().pending, 0, "let go at once, not searched");
    // Afterwards, on their own: a write, then a read that misses it.
    live.record(w(1, 5_000, 2_000 * MS, 2_100 * MS));
    live.record(r(2, Some(1), 2_200 * MS, 2_300 * MS));
    for _ in 0..1_000 {
        live.advance(Time::MAX, 1_000);
    }
    let v = live.verdict();
    assert!(v.cut_short, "the crowded window is no proof");
    let x = v
        .violation
        .expect("the stale read after it is still caught");
    assert!(x.text.contains("key 7"), "{}", x.text);
}
