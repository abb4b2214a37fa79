//! One fixed scenario that touches every source of randomness and floating-point maths (Poisson
//! gaps, Zipf keys, log-normal service, jitter, bandwidth, backoff, EWMA), run natively by
//! tests/determinism.rs and in headless Chromium by tests/browser.rs. Both compare against the same
//! pinned trace hash: if the targets disagree in a single bit, one of them fails.

use clusterscope::sim::time::SECOND;
use clusterscope::sim::{Action, Config, NodeId, ServiceDist, Strategy, World};

/// The trace hash of `run()`. It changes whenever the model's behaviour changes; the native test
/// prints the new value to pin after an intended change.
pub const PINNED_TRACE: u64 = 0xc53a_e4e4_1cdb_697a;

pub fn run() -> (u64, u64, u64) {
    let cfg = Config {
        seed: 2026,
        servers: 5,
        arrival_rate: 80.0,
        zipf: 1.1,
        service_dist: ServiceDist::LogNormal,
        service_ms: 40.0,
        jitter_ms: 7.5,
        bandwidth_mbps: 20.0,
        retries: 2,
        strategy: Strategy::LeastResponseTime,
        ..Config::v1()
    };
    let mut w = World::new(cfg).expect("valid");
    let plan = [
        (5, Action::Fail(NodeId::Server(1))),
        (8, Action::Slow(NodeId::Server(3))),
        (12, Action::SetStrategy(Strategy::PowerOfTwo)),
        (15, Action::Recover(NodeId::Server(1))),
        (18, Action::Fail(NodeId::Db(2))),
        (
            20,
            Action::SetPower {
                server: 0,
                power: 4,
            },
        ),
        (22, Action::SetStrategy(Strategy::WeightedRoundRobin)),
        (25, Action::AddServer),
        (30, Action::SetStrategy(Strategy::ConsistentHash)),
        (33, Action::Recover(NodeId::Db(2))),
        (36, Action::RemoveServer),
        (40, Action::SetStrategy(Strategy::Random)),
    ];
    for (at, action) in plan {
        w.schedule(at * SECOND, action);
    }
    w.step_until(60 * SECOND);
    (
        w.trace_hash(),
        w.metrics().succeeded,
        w.metrics().failed_total(),
    )
}
