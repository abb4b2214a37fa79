//! Native tests of the cache tier and of security at the edge: what a cache buys (hits, fewer
//! database queries, lower latency) and what it costs (stale reads); what the balancer's checks
//! refuse, and that refused requests never reach a server.
#![cfg(not(target_arch = "wasm32"))]

use clusterscope::sim::Knob;
use clusterscope::sim::time::SECOND;
use clusterscope::sim::{Action, Cause, Config, NodeId, World};

fn run(cfg: Config, secs: u64) -> World {
    let mut w = World::new(cfg).expect("valid config");
    w.step_until(secs * SECOND);
    w
}

fn p50_ms(w: &World) -> f64 {
    w.metrics()
        .latency
        .quantile(0.5)
        .expect("requests succeeded")
        / 1e3
}

/// Mostly reads (a few writes, so keys hold values to cache).
fn reads(cache_keys: usize) -> Config {
    Config {
        cache_keys,
        write_ratio: 0.05,
        keys: 20,
        arrival_rate: 20.0,
        service_ms: 5.0,
        ..Config::v1()
    }
}

#[test]
fn a_cache_serves_reads_locally_cutting_latency_and_database_load() {
    let without = run(reads(0), 120);
    let with = run(reads(50), 120);
    let m = with.metrics();
    let ratio = m.cache_hits as f64 / (m.cache_hits + m.cache_misses) as f64;
    // 20 keys, 3 servers each caching all of them: once a key is written and read, reads of it
    // hit (misses are the first read of a key, or of a key not yet written, on each server).
    assert!(ratio > 0.5, "hit ratio {ratio}");
    // Only misses and writes reach the database (a retried write may query twice).
    let writes = m.writes_ok + m.writes_failed + with.in_flight();
    assert!(m.db_queries >= m.cache_misses + m.writes_ok);
    assert!(m.db_queries <= m.cache_misses + 2 * writes);
    assert_eq!(without.metrics().cache_hits, 0);
    assert!(
        (m.db_queries as f64) < 0.6 * without.metrics().db_queries as f64,
        "database queries {} vs {}",
        m.db_queries,
        without.metrics().db_queries
    );
    // A hit skips two hops of 120 ms: the median drops by about 240 ms.
    let (a, b) = (p50_ms(&without), p50_ms(&with));
    assert!(a - b > 200.0, "p50 {a} ms without, {b} ms with the cache");
}

#[test]
fn a_small_cache_evicts_and_hits_less() {
    let small = run(
        Config {
            keys: 200,
            write_ratio: 0.5,
            ..reads(20)
        },
        60,
    );
    let big = run(
        Config {
            keys: 200,
            write_ratio: 0.5,
            ..reads(200)
        },
        60,
    );
    let ratio = |w: &World| {
        let m = w.metrics();
        m.cache_hits as f64 / (m.cache_hits + m.cache_misses).max(1) as f64
    };
    assert!(
        ratio(&small) < ratio(&big),
        "{} vs {}",
        ratio(&small),
        ratio(&big)
    );
    assert!(small.servers().iter().all(|s| s.cache.len() <= 20));
}

#[test]
fn other_servers_caches_go_stale_after_writes_and_a_short_lifetime_bounds_it() {
    let cfg = |ttl: f64| Config {
        cache_keys: 50,
        cache_ttl_ms: ttl,
        keys: 10,
        write_ratio: 0.3,
        service_ms: 5.0,
        arrival_rate: 20.0,
        ..Config::v1()
    };
    let forever = run(cfg(0.0), 120);
    let short = run(cfg(200.0), 120);
    let none = run(
        Config {
            cache_keys: 0,
            ..cfg(0.0)
        },
        120,
    );
    assert_eq!(
        none.metrics().stale_reads,
        0,
        "leader reads are never stale"
    );
    assert!(
        forever.metrics().stale_reads > 50,
        "{}",
        forever.metrics().stale_reads
    );
    assert!(
        short.metrics().stale_reads * 3 < forever.metrics().stale_reads,
        "{} with a 200 ms lifetime vs {} kept forever",
        short.metrics().stale_reads,
        forever.metrics().stale_reads
    );
}

#[test]
fn a_crash_empties_the_cache_and_lowering_the_size_trims_it() {
    let mut w = run(reads(50), 30);
    assert!(w.servers()[0].cache.len() > 5);
    w.apply(Action::Fail(NodeId::Server(0)));
    assert!(w.servers()[0].cache.is_empty());
    w.apply(Action::Tune(Knob::CacheKeys, 5.0));
    assert!(w.servers().iter().all(|s| s.cache.len() <= 5));
}

fn edge(auth: bool) -> Config {
    Config {
        auth,
        bad_credentials: 0.2,
        read_only_share: 0.5,
        write_ratio: 0.4,
        service_ms: 5.0,
        arrival_rate: 20.0,
        ..Config::v1()
    }
}

#[test]
fn the_balancer_refuses_bad_credentials_and_read_only_writes_before_any_server() {
    let w = run(edge(true), 120);
    let m = w.metrics();
    let (unauth, forbidden) = (
        m.failed_by(Cause::Unauthorized),
        m.failed_by(Cause::Forbidden),
    );
    let issued = m.issued as f64;
    // About 20 % forged; of the rest, half the sessions are read-only and 40 % of those write.
    assert!(
        (unauth as f64 / issued - 0.2).abs() < 0.03,
        "{unauth} of {issued}"
    );
    let expect = 0.8 * 0.5 * 0.4;
    assert!(
        (forbidden as f64 / issued - expect).abs() < 0.03,
        "{forbidden} of {issued}"
    );
    assert_eq!(m.forged_served + m.forbidden_writes, 0);
    // Refused at the edge: servers answered only the admitted requests (nothing else failed).
    let served: u64 = w.servers().iter().map(|s| s.served).sum();
    assert!((m.succeeded..=m.succeeded + w.in_flight()).contains(&served));
    assert_eq!(m.succeeded + unauth + forbidden + w.in_flight(), m.issued);
}

#[test]
fn without_checks_forged_requests_and_read_only_writes_get_through() {
    let w = run(edge(false), 120);
    let m = w.metrics();
    assert_eq!(
        m.failed_by(Cause::Unauthorized) + m.failed_by(Cause::Forbidden),
        0
    );
    assert!(m.forged_served as f64 > 0.15 * m.issued as f64);
    assert!(m.forbidden_writes > 0);
}
