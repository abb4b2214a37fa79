//! Determinism: the same seed gives the same run, and the pinned trace that the browser test
//! checks too (same hash natively and in wasm).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/scenario.rs"]
mod scenario;

#[test]
fn the_fixed_scenario_is_reproducible_and_matches_the_pinned_trace() {
    let first = scenario::run();
    assert_eq!(first, scenario::run(), "two runs of one scenario differ");
    assert!(first.1 > 1_000, "the scenario does real work: {first:?}");
    assert_eq!(
        first.0,
        scenario::PINNED_TRACE,
        "the trace changed; if the model changed on purpose, pin {:#x} in tests/common/scenario.rs",
        first.0
    );
}
