//! The linearizability checker against a brute-force one on small random histories, and the live
//! (incremental) checker against the whole-history one.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::history::{Fate, Op};
use clusterscope::sim::linearizable::*;
use clusterscope::sim::time::Time;
use proptest::prelude::*;

/// Whether some order of the operations that count (unknown writes may be left out), consistent with
/// real time, has every read return the latest write. Tries them all.
fn brute_force(ops: &[Op]) -> bool {
    let required: Vec<Op> = ops
        .iter()
        .filter(|o| o.outcome == Fate::Ok)
        .copied()
        .collect();
    let optional: Vec<Op> = ops
        .iter()
        .filter(|o| o.write && o.outcome == Fate::Unknown)
        .copied()
        .collect();
    (0..1u32 << optional.len()).any(|mask| {
        let mut chosen: Vec<(Op, bool)> = required.iter().map(|o| (*o, true)).collect();
        chosen.extend(
            optional
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, o)| (*o, false)),
        );
        some_order(&chosen, &mut vec![false; chosen.len()], None)
    })
}

/// Extends an order: `used` are placed already and the register holds `reg`. An operation may go next
/// unless an unplaced one completed before it was called (an unknown write never completes).
fn some_order(ops: &[(Op, bool)], used: &mut Vec<bool>, reg: Option<u64>) -> bool {
    if used.iter().all(|u| *u) {
        return true;
    }
    for i in 0..ops.len() {
        if used[i] {
            continue;
        }
        let (o, _) = ops[i];
        let blocked =
            (0..ops.len()).any(|j| !used[j] && j != i && ops[j].1 && ops[j].0.complete < o.invoke);
        if blocked || (!o.write && o.value != reg) {
            continue;
        }
        used[i] = true;
        let next = if o.write { o.value } else { reg };
        let found = some_order(ops, used, next);
        used[i] = false;
        if found {
            return true;
        }
    }
    false
}

/// A small operation: values from a small set so violations are common, touching times common too.
fn small_op(keys: u32) -> impl Strategy<Value = Op> {
    (
        any::<bool>(),
        0u64..4,
        0u64..20,
        0u64..8,
        0u8..10,
        0u32..3,
        0..keys,
    )
        .prop_map(|(write, v, invoke, length, fate, client, key)| {
            let outcome = match fate {
                0..=6 => Fate::Ok,
                7 | 8 => Fate::Unknown,
                _ => Fate::Refused,
            };
            let value = if write {
                Some(v.max(1))
            } else {
                (v > 0).then_some(v)
            };
            Op {
                client,
                write,
                key,
                value,
                invoke,
                complete: invoke + length,
                ok: outcome == Fate::Ok,
                outcome,
            }
        })
}

/// Feeds `ops` in completion order with `advance` calls between (watermarks as late as allowed, or
/// earlier; budgets per call from `budgets`), then finishes.
fn live(ops: &[Op], lag: &[u64], budgets: &[u64]) -> LiveVerdict {
    let mut ops = ops.to_vec();
    ops.sort_by_key(|o| o.complete);
    let mut live = LiveCheck::new(DEFAULT_BUDGET);
    for i in 0..ops.len() {
        live.record(ops[i]);
        let allowed = ops[i + 1..]
            .iter()
            .map(|o| o.invoke)
            .min()
            .unwrap_or(Time::MAX);
        live.advance(
            allowed.saturating_sub(lag[i % lag.len()]),
            budgets[i % budgets.len()],
        );
    }
    // Enough calls to finish whatever budgets per call were drawn.
    for _ in 0..10_000 {
        live.advance(Time::MAX, 1_000);
    }
    let v = live.verdict();
    assert_eq!(v.pending, 0);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn the_checker_agrees_with_brute_force(ops in prop::collection::vec(small_op(1), 0..=7)) {
        let (verdict, _) = check_key(&ops, DEFAULT_BUDGET);
        match verdict {
            Verdict::Linearizable => prop_assert!(brute_force(&ops)),
            Verdict::Violation(v) => {
                prop_assert!(!brute_force(&ops));
                // What is shown admits no order by itself, and comes from the history.
                prop_assert!(!v.ops.is_empty());
                prop_assert!(!brute_force(&v.ops), "{:?}", v);
                prop_assert!(v.ops.iter().all(|o| ops.contains(o)));
                prop_assert!(v.ops.windows(2).all(|p| p[0].invoke <= p[1].invoke));
            }
            Verdict::CutShort => prop_assert!(false, "cut short on {} operations", ops.len()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_live_check_agrees_with_the_whole_check(
        raw in prop::collection::vec(small_op(3), 0..=16),
        picks in prop::collection::vec(0usize..64, 16),
        lag in prop::collection::vec(prop_oneof![Just(0u64), 0u64..10], 1..4),
        budgets in prop::collection::vec(prop_oneof![Just(1_000_000u64), 1u64..20], 1..4),
    ) {
        // Values unique per write, as in a run; a read returns nothing, a value nobody wrote, or one
        // of the values written (of its key or not).
        let written: Vec<u64> = (0..raw.len() as u64).filter(|&i| raw[i as usize].write).map(|i| 100 + i).collect();
        let ops: Vec<Op> = raw
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let value = if o.write {
                    Some(100 + i as u64)
                } else {
                    match picks[i] % (written.len() + 2) {
                        0 => None,
                        1 => Some(99),
                        p => Some(written[p - 2]),
                    }
                };
                Op { value, ..*o }
            })
            .collect();
        let whole = check(&ops, DEFAULT_BUDGET);
        let live = live(&ops, &lag, &budgets);
        if whole.cut_short_keys == 0 && !live.cut_short {
            prop_assert_eq!(live.violation.is_some(), whole.first_violation.is_some(), "{:?}", live);
            if let Some(v) = &live.violation {
                prop_assert!(v.ops.iter().all(|o| ops.contains(o)));
            }
        }
    }
}

/// A history of a real register per key: three clients, each one operation at a time; each operation
/// takes effect at one instant of its interval (an unknown write maybe later, maybe never; a refused
/// one never). `swap` exchanges the values two reads returned, which usually breaks it.
fn register_history(
    steps: &[(u64, u64, u64, bool, u32, u8)],
    swap: Option<(usize, usize)>,
) -> Vec<Op> {
    let mut free = [0; 3];
    let mut ops = Vec::new();
    let mut effects = Vec::new();
    for (i, &(gap, length, at, write, key, fate)) in steps.iter().enumerate() {
        let client = i % 3;
        let invoke = free[client] + gap;
        let complete = invoke + length;
        free[client] = complete + 1;
        let outcome = match fate {
            0..=5 => Fate::Ok,
            6 | 7 if write => Fate::Unknown,
            _ if write => Fate::Refused,
            _ => Fate::Ok,
        };
        let point = match outcome {
            Fate::Ok => Some(invoke + at * length / 100),
            Fate::Unknown => (at % 2 == 0).then_some(invoke + at * 3 * length / 100),
            Fate::Refused => None,
        };
        let op = Op {
            client: client as u32,
            write,
            key,
            value: write.then_some(i as u64 + 1),
            invoke,
            complete,
            ok: outcome == Fate::Ok,
            outcome,
        };
        if let Some(p) = point {
            effects.push((p, ops.len()));
        }
        ops.push(op);
    }
    effects.sort_unstable();
    let mut register = std::collections::HashMap::new();
    for (_, i) in effects {
        let o: &mut Op = &mut ops[i];
        if o.write {
            register.insert(o.key, o.value);
        } else {
            o.value = register.get(&o.key).copied().flatten();
        }
    }
    let reads: Vec<usize> = (0..ops.len()).filter(|&i| !ops[i].write).collect();
    if let Some((a, b)) = swap
        && reads.len() > 1
    {
        let (a, b) = (reads[a % reads.len()], reads[b % reads.len()]);
        let va = ops[a].value;
        ops[a].value = ops[b].value;
        ops[b].value = va;
    }
    ops
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_live_check_agrees_on_longer_real_histories(
        steps in prop::collection::vec((0u64..30, 1u64..60, 0u64..100, any::<bool>(), 0u32..2, 0u8..10), 1..60),
        swap in prop::option::of((0usize..64, 0usize..64)),
        lag in prop::collection::vec(prop_oneof![Just(0u64), 0u64..40], 1..4),
        budgets in prop::collection::vec(prop_oneof![Just(1_000_000u64), 1u64..30], 1..4),
    ) {
        let ops = register_history(&steps, swap);
        let whole = check(&ops, DEFAULT_BUDGET);
        if swap.is_none() {
            prop_assert_eq!(whole.first_violation.clone(), None);
        }
        let live = live(&ops, &lag, &budgets);
        if whole.cut_short_keys == 0 && !live.cut_short {
            prop_assert_eq!(live.violation.is_some(), whole.first_violation.is_some(), "{:?}", live);
        }
    }
}

/// The checker's cost, in operations checked per second (wall time: kept out of `src/sim`, and never
/// asserted). Run once in release: `cargo test --release --test linearizable -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn benchmark_100k_operations_over_20_keys() {
    let mut x: u64 = 11;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    let steps: Vec<(u64, u64, u64, bool, u32, u8)> = (0..100_000)
        .map(|_| {
            let (gap, dur, point) = (next(3), 1 + next(60), next(100));
            (gap, dur, point, next(2) == 0, next(20) as u32, 0)
        })
        .collect();
    let ops = register_history(&steps, None);
    let start = std::time::Instant::now();
    let report = check(&ops, DEFAULT_BUDGET);
    let whole = start.elapsed().as_secs_f64();
    assert_eq!(report.linearizable_keys, report.keys);
    println!(
        "check: {} operations over {} keys in {:.3} s, {:.0} operations/s, {} states",
        ops.len(),
        report.keys,
        whole,
        ops.len() as f64 / whole,
        report.states
    );
    let start = std::time::Instant::now();
    let v = live(&ops, &[0], &[10_000]);
    let streamed = start.elapsed().as_secs_f64();
    assert_eq!((v.violation.is_none(), v.cut_short), (true, false));
    println!(
        "live: {} operations in {:.3} s, {:.0} operations/s",
        ops.len(),
        streamed,
        ops.len() as f64 / streamed
    );
}
