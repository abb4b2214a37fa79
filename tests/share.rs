//! Shareable runs: any config and action list survives encode → decode unchanged; damaged links are
//! refused with a message naming the problem; and a decoded link replays the very same run.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Knob;
use clusterscope::sim::Recorded;
use clusterscope::sim::share::{MAX_LEN, Scenario};
use clusterscope::sim::time::{MS, SECOND};
use clusterscope::sim::{
    Action, ClockKind, Config, Consistency, NodeId, ReadFrom, Replication, ServiceDist,
    Strategy as Balancing, SyncAcks, World,
};
use clusterscope::sim::{TrafficKind, TrafficShape};
use proptest::prelude::*;

fn node() -> impl Strategy<Value = NodeId> {
    prop_oneof![
        Just(NodeId::Client),
        Just(NodeId::Lb),
        (0usize..64).prop_map(NodeId::Server),
        (0usize..9).prop_map(NodeId::Db),
    ]
}

/// Any finite number, including fractions that have no short decimal form.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1e6f64..1e6),
        (0u32..100_000).prop_map(f64::from),
        Just(0.1 + 0.2)
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        node().prop_map(Action::Fail),
        node().prop_map(Action::Recover),
        node().prop_map(Action::Slow),
        (0usize..7).prop_map(|k| Action::SetStrategy(Balancing::ALL[k])),
        Just(Action::AddServer),
        Just(Action::RemoveServer),
        (0usize..70, 0u32..20).prop_map(|(server, power)| Action::SetPower { server, power }),
        (node(), node()).prop_map(|(a, b)| Action::Cut(a, b)),
        (node(), node()).prop_map(|(a, b)| Action::Heal(a, b)),
        node().prop_map(Action::Isolate),
        node().prop_map(Action::Rejoin),
        (0usize..3).prop_map(|k| Action::SetReplication(Replication::ALL[k])),
        (0usize..2).prop_map(|k| Action::SetSyncAcks(SyncAcks::ALL[k])),
        (0usize..2).prop_map(|k| Action::SetReadFrom(ReadFrom::ALL[k])),
        (0usize..2).prop_map(|k| Action::SetConsistency(Consistency::ALL[k])),
        number().prop_map(Action::SetClockSkew),
        (0usize..12, 0usize..12).prop_map(|(write, read)| Action::SetQuorum { write, read }),
        (0usize..2).prop_map(|k| Action::SetClock(ClockKind::ALL[k])),
        number().prop_map(Action::SetRmwRatio),
        any::<bool>().prop_map(Action::SetCas),
        any::<bool>().prop_map(Action::SetAuth),
        any::<bool>().prop_map(Action::SetDeadlines),
        (0usize..4).prop_map(|k| Action::TrafficPreset(TrafficKind::ALL[k])),
        (0usize..4).prop_map(|k| Action::SetTraffic(
            TrafficShape::parse(
                [
                    "steady",
                    "spike:10.5,150@3+4.25",
                    "step:5@0,120@6",
                    "wave:1,2@3"
                ][k]
            )
            .unwrap()
        )),
        (0usize..Knob::ALL.len(), number()).prop_map(|(k, v)| Action::Tune(Knob::ALL[k], v)),
        (node(), node(), prop::option::of((number(), number())))
            .prop_map(|(a, b, spec)| Action::SetLink { a, b, spec }),
        prop::collection::vec(node(), 0..5).prop_map(Action::Partition),
        Just(Action::HealAll),
        Just(Action::TraceNext),
    ]
}

prop_compose! {
    fn config()(
        seed in any::<u64>(),
        servers in 1usize..=64,
        replicas in 1usize..=9,
        strategy in 0usize..7,
        rate in 0.01f64..1e6,
        ratios in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.01f64..1.0, 0.0f64..3.0),
        times in (0.001f64..60_000.0, 0.0f64..10_000.0, 0.0f64..10_000.0, 1.0f64..600_000.0),
        ints in (1usize..256, 0usize..1_000_000, 0u32..=5, 1u32..=10, 1u32..=10, 1u32..1_000_000),
        names in (0usize..3, 0usize..3, 0usize..2, 0usize..2, 0usize..2, 0usize..2),
        flags in (any::<bool>(), any::<bool>(), any::<bool>()),
        chaos in prop_oneof![Just(0.0), 1.0f64..86_400.0],
        quorum in (1usize..=9, 1usize..=9),
        edge in (0usize..=1_000, 0.0f64..600_000.0, any::<bool>(), 0.0f64..1.0, 0.0f64..1.0),
    ) -> Config {
        let (write_ratio, rmw_ratio, retry_budget, slow_factor, zipf) = ratios;
        let (service_ms, latency_ms, jitter_ms, timeout_ms) = times;
        let (workers, queue_cap, retries, hc_fall, hc_rise, keys) = ints;
        let (dist, repl, acks, read_from, consistency, clock) = names;
        Config {
            seed, servers, replicas, strategy: Balancing::ALL[strategy], arrival_rate: rate,
            write_ratio, rmw_ratio, retry_budget, slow_factor, zipf,
            service_ms, latency_ms, jitter_ms, timeout_ms,
            workers, queue_cap, retries, hc_fall, hc_rise, keys,
            service_dist: ServiceDist::ALL[dist], replication: Replication::ALL[repl],
            sync_acks: SyncAcks::ALL[acks], read_from: ReadFrom::ALL[read_from],
            consistency: Consistency::ALL[consistency], clock: ClockKind::ALL[clock],
            cas: flags.0, use_db: flags.1, sequential_keys: flags.2,
            chaos_mtbf_s: chaos,
            cache_keys: edge.0, cache_ttl_ms: edge.1, auth: edge.2, bad_credentials: edge.3,
            read_only_share: edge.4,
            write_quorum: quorum.0.min(replicas), read_quorum: quorum.1.min(replicas),
            ..Config::default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_scenario_survives_encode_then_decode(
        config in config(),
        actions in prop::collection::vec((0u64..1_000, 0u64..1_000_000, action()), 0..40),
    ) {
        prop_assume!(config.validate().is_ok());
        // Recorded actions come in the order they were applied.
        let (mut events, mut at) = (0, 0);
        let actions: Vec<Recorded> = actions.into_iter().map(|(de, dt, action)| {
            events += de;
            at += dt;
            Recorded { events, at, action }
        }).collect();
        let s = Scenario { config, actions };
        let text = s.encode();
        prop_assert!(text.len() < MAX_LEN);
        prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.,;=+_".contains(&b)),
            "not fragment-safe: {text}");
        let back = Scenario::decode(&format!("#{text}"));
        prop_assert_eq!(back.as_ref(), Ok(&s), "{}", text);
    }

    /// Cut short anywhere, or with any one character changed, a link is refused, never misread.
    #[test]
    fn damaged_links_are_refused(config in config(), cut in 0.0f64..1.0, flip in 0.0f64..1.0) {
        prop_assume!(config.validate().is_ok());
        let s = Scenario {
            config,
            actions: vec![Recorded { events: 5, at: 1_000, action: Action::Fail(NodeId::Server(0)) }],
        };
        let text = s.encode();
        let short = &text[..(cut * text.len() as f64) as usize];
        prop_assert!(Scenario::decode(short).is_err(), "{short}");
        let k = ((flip * text.len() as f64) as usize).min(text.len() - 1);
        let mut bytes = text.clone().into_bytes();
        bytes[k] = if bytes[k] == b'7' { b'8' } else { b'7' };
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(Scenario::decode(&changed).is_err(), "{changed}");
    }
}

#[test]
fn bad_links_say_what_is_wrong() {
    let ok = Scenario {
        config: Config::default(),
        actions: vec![],
    }
    .encode();
    for (text, says) in [
        ("", "no scenario"),
        ("#", "no scenario"),
        ("hello", "format version"),
        ("v3;servers=4", "format v3, and this page reads v1 and v2"),
        ("v2;servers=4", "damaged or cut short"),
        (&"v1;".repeat(30_000), "too long"),
        ("v1;servers=4", "damaged or cut short"),
        (&ok[..ok.len() - 3], "damaged or cut short"),
    ] {
        let err = Scenario::decode(text).unwrap_err();
        assert!(err.contains(says), "{text:.40}: {err}");
    }
    // Well-formed but meaningless content is named too (signed as `encode` signs).
    for (body, says) in [
        ("v1;frobnicate=3", "unknown setting 'frobnicate'"),
        ("v1;servers=lots", "servers: 'lots' is not a valid value"),
        ("v1;servers=10001", "servers: 10001 is outside"),
        (
            "v1;a=1.2.explode",
            "action 1 ('1.2.explode') cannot be read",
        ),
        ("v1;a=5.100.add,4.50.add", "out of order"),
    ] {
        let err = Scenario::decode(&sign(body)).unwrap_err();
        assert!(err.contains(says), "{body}: {err}");
    }
}

/// A link written before real units (format v1) still opens the run it was made from: its settings
/// were written as differences from the defaults of the time, and are read against those.
#[test]
fn links_of_the_first_format_replay_against_its_defaults() {
    let read = |body| Scenario::decode(&sign(body)).unwrap().config;
    let (old, new) = (read("v1;servers=4"), read("v2;servers=4"));
    let four = |base| Config { servers: 4, ..base };
    assert_eq!(old, four(Config::v1()));
    assert_eq!(new, four(Config::default()));
    assert_ne!(old, new);
}

/// Signs a body as `Scenario::encode` does: FNV-1a folded to 32 bits.
fn sign(body: &str) -> String {
    let h = body.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    format!("{body};k={:08x}", (h ^ (h >> 32)) as u32)
}

/// A run driven like the page (frames with an event budget, actions between them) replays from
/// its link to the identical trace.
#[test]
fn a_decoded_link_replays_the_same_run() {
    let cfg = Config {
        arrival_rate: 400.0,
        service_ms: 20.0,
        seed: 7,
        ..Config::default()
    };
    let mut w = World::new(cfg.clone()).unwrap();
    w.record_actions(true);
    let plan = [
        (300, Action::Fail(NodeId::Server(1))),
        (900, Action::Tune(Knob::LatencyMs, 40.0)),
        (1_400, Action::Partition(vec![NodeId::Db(0)])),
        (2_100, Action::SetStrategy(Balancing::LeastConnections)),
        (2_600, Action::HealAll),
        (3_300, Action::Recover(NodeId::Server(1))),
        (3_700, Action::Tune(Knob::ChaosMtbfS, 20.0)),
    ];
    let mut next = 0;
    let mut t = 0;
    while t < 6 * SECOND {
        t += 16 * MS;
        // A small budget, so some frames stop short of their time, as a busy page's do.
        let _ = w.step_until_within(t, 300);
        while next < plan.len() && w.now() >= plan[next].0 * MS {
            w.act(plan[next].1.clone());
            next += 1;
        }
    }
    let end = w.now();
    let link = Scenario::of(&w).encode();
    assert_eq!(Scenario::of(&w).config, cfg);
    assert_eq!(w.recorded().len(), plan.len());
    let s = Scenario::decode(&link).unwrap();
    let mut replay = s.world();
    let mut cursor = 0;
    s.replay_until(&mut replay, &mut cursor, end);
    assert_eq!(cursor, plan.len());
    assert_eq!(replay.now(), end);
    assert_eq!(replay.events_handled(), w.events_handled());
    assert_eq!(replay.trace_hash(), w.trace_hash(), "the replay diverged");
    // The page replays in frames with an event budget, recording as it goes: same run again,
    // and the replayed run's own link is the same link.
    let mut framed = s.world();
    framed.record_actions(true);
    let (mut cursor, mut t) = (0, 0);
    while framed.now() < end {
        t = (t + 16 * MS).min(end);
        let _ = s.replay_within(&mut framed, &mut cursor, t, 250);
    }
    assert_eq!(
        framed.trace_hash(),
        w.trace_hash(),
        "the framed replay diverged"
    );
    assert_eq!(Scenario::of(&framed).encode(), link);
}
