//! Every knob of the model, with its default and its valid range. A value out of range is an error
//! that names the knob, never a panic or a silent NaN.

use std::fmt;

use super::balancer::Strategy;
use super::replication::{ClockKind, Consistency, ReadFrom, Replication, SyncAcks};

named_enum!(
    /// How long one request keeps a worker busy (the mean is `service_ms` divided by server power).
    ServiceDist {
        Exponential = "exp",
        Constant = "const",
        /// Log-normal with σ = 1 (a heavy tail: most requests quick, a few very slow).
        LogNormal = "lognormal",
    }
);

/// The clients' default pool (see [`Config::client_pool`]).
pub const DEFAULT_CLIENT_POOL: u64 = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Seed of the world's one random generator.
    pub seed: u64,
    /// Application servers behind the balancer (1..=10,000; default 3; the page draws up to 64).
    pub servers: usize,
    /// Database replicas; replica 1 starts as the leader (1..=9; default 3).
    pub replicas: usize,
    /// How the balancer picks a server (default round robin).
    pub strategy: Strategy,

    // Traffic
    /// Poisson arrival rate of client requests, per simulated second (0.01..=1e6; default 60).
    pub arrival_rate: f64,
    /// Share of requests that write (0..=1; default 0.3).
    pub write_ratio: f64,
    /// Size of the key space requests read and write (1..=1000000; default 50).
    pub keys: u32,
    /// Key popularity: 0 is uniform, s > 0 is Zipf with exponent s (0..=3; default 0).
    pub zipf: f64,
    /// Distinct client sessions; consistent hashing routes by session (1..=1000000; default 1000).
    pub sessions: u32,
    /// Every write goes to a key never written before (an insert-only workload, like an event log);
    /// reads still pick keys at random (default false).
    pub sequential_keys: bool,
    /// Share of requests that increment a key's counter by read-modify-write (0..=1; default 0).
    pub rmw_ratio: f64,
    /// Increments use compare-and-set: a write that finds the key changed since its read is
    /// refused, and the server redoes the increment (default false).
    pub cas: bool,

    // Servers
    /// Mean service time of one request on one worker at power 1, in ms (0.001..=60000; default 20).
    pub service_ms: f64,
    pub service_dist: ServiceDist,
    /// Concurrent requests one server works on (1..=256; default 1).
    pub workers: usize,
    /// Requests a server may hold waiting for a worker; more are rejected (0..=1000000, or
    /// `usize::MAX` for unbounded; default 20).
    pub queue_cap: usize,
    /// Speed of a slow (degraded) server relative to its power (0.01..=1; default 0.25).
    pub slow_factor: f64,
    /// Whether requests go on to the database after the server's work (default true).
    pub use_db: bool,
    /// Time a replica spends on each query before it answers, in ms (0..=60000; default 5). Replicas
    /// work on any number of queries at once: this is the query's own duration, not a queue.
    pub db_service_ms: f64,

    // Network
    /// One-way latency of every hop, in ms (0..=10000; default 5).
    pub latency_ms: f64,
    /// Extra one-way delay, uniform in 0..jitter, in ms (0..=10000; default 0).
    pub jitter_ms: f64,
    /// Bandwidth of every link in Mbit/s; 0 is unlimited (0..=100000; default 0).
    pub bandwidth_mbps: f64,

    // Balancer
    /// The balancer gives up on an attempt after this long, in ms (1..=600000; default 300).
    pub timeout_ms: f64,
    /// Further attempts on another server after a timeout or a rejection (0..=5; default 1).
    pub retries: u32,
    /// Retries allowed as a share of requests (token bucket; 0..=1; default 0.2).
    pub retry_budget: f64,
    /// Base of the exponential backoff with full jitter before a retry, in ms (0..=10000; default
    /// 2.5).
    pub backoff_ms: f64,
    /// Health-check period in ms; 0 turns checks off (0, or 10..=60000; default 100).
    pub hc_interval_ms: f64,
    /// A probe unanswered this long counts as failed, in ms (1..=60000; default 50).
    pub hc_timeout_ms: f64,
    /// Consecutive failed checks before the balancer marks a server down (1..=10; default 2).
    pub hc_fall: u32,
    /// Consecutive good checks before it marks a server up again (1..=10; default 2).
    pub hc_rise: u32,

    // Database
    /// How writes reach the followers (default leader-async).
    pub replication: Replication,
    /// A synchronous write waits for all followers or a majority (default majority).
    pub sync_acks: SyncAcks,
    /// Reads go to the leader or to any replica (default leader).
    pub read_from: ReadFrom,
    /// Under a partition: refuse without a majority (cp) or accept on both sides (ap); default cp.
    pub consistency: Consistency,
    /// Leader heartbeats and failover-monitor pings, every this many ms (10..=60000; default 50, as
    /// in the Raft paper).
    pub heartbeat_ms: f64,
    /// Leader silence before the monitor fails over, in ms (more than `heartbeat_ms`, at most
    /// 600000; default 200; the Raft paper's election timeouts are 150–300 ms).
    pub failover_ms: f64,
    /// Replica clocks spread evenly over ±this many ms (0..=60000; default 0).
    pub clock_skew_ms: f64,
    /// Asynchronous replication ships writes in batches this many ms after the first (0..=10000;
    /// default 10): the window a crash can lose.
    pub async_ship_ms: f64,
    /// Quorum mode: acknowledgements a write needs (W, 1..=replicas; default 2).
    pub write_quorum: usize,
    /// Quorum mode: answers a read needs (R, 1..=replicas; default 2).
    pub read_quorum: usize,
    /// Stamps for last-write-wins: wall clocks or Lamport counters (default wall).
    pub clock: ClockKind,
    /// Quorum mode: replicas compare notes with a random peer every this many ms; 0 is never
    /// (0, or 100..=600000; default 500).
    pub anti_entropy_ms: f64,

    // Clients
    /// Requests the clients may have outstanding at once, as an HTTP client's connection pool
    /// holds; one issued while the pool is full fails at once ("client pool exhausted"). 0 is no
    /// limit, for theory runs (bounded then only by a request count). (0, or 1..=10000000; default
    /// 10000: about 2 MB of requests, and it never binds in the lessons, theory checks or bench.)
    pub client_pool: u64,

    // Cache
    /// Keys each server keeps in its local read cache; 0 is no cache (0..=1000; default 0).
    pub cache_keys: usize,
    /// A cached entry is served for this long, in ms; 0 keeps it until evicted (0..=600000;
    /// default 1000).
    pub cache_ttl_ms: f64,

    // Security at the edge
    /// The balancer checks each request's credentials and rights before any server sees it
    /// (default false).
    pub auth: bool,
    /// Share of requests that carry no valid credentials (0..=1; default 0).
    pub bad_credentials: f64,
    /// Share of client sessions allowed only to read (0..=1; default 0).
    pub read_only_share: f64,

    // Chaos
    /// Chaos mode: each server and replica crashes at random, on average once per this many
    /// simulated seconds; 0 is off (0, or 1..=86400; default 0).
    pub chaos_mtbf_s: f64,
    /// Chaos mode: a crashed node comes back after this many seconds on average (0.1..=3600;
    /// default 1).
    pub chaos_mttr_s: f64,
}

/// The defaults are real single-region units: a request spends about 55 ms end to end (six hops of
/// 5 ms, 20 ms of service, 5 ms in the database), timeouts and failure detection are hundreds of ms,
/// as in the Raft paper. The page shows them in slow motion (0.1× at first).
impl Default for Config {
    fn default() -> Self {
        Self {
            arrival_rate: 60.0,
            service_ms: 20.0,
            db_service_ms: 5.0,
            latency_ms: 5.0,
            timeout_ms: 300.0,
            backoff_ms: 2.5,
            hc_interval_ms: 100.0,
            hc_timeout_ms: 50.0,
            heartbeat_ms: 50.0,
            failover_ms: 200.0,
            async_ship_ms: 10.0,
            anti_entropy_ms: 500.0,
            cache_ttl_ms: 1_000.0,
            chaos_mttr_s: 1.0,
            ..Config::v1()
        }
    }
}

impl Config {
    /// The defaults before real units: every time 10× the defaults' (hops 24×; no database time),
    /// every rate a tenth, as the page once showed at 1×. Share links of format v1 were written
    /// against these, and the frame benchmark and the pinned trace keep them so their figures stay
    /// comparable. Frozen: never change a value here.
    pub fn v1() -> Self {
        Self {
            seed: 1,
            servers: 3,
            replicas: 3,
            strategy: Strategy::RoundRobin,
            arrival_rate: 6.0,
            write_ratio: 0.3,
            keys: 50,
            zipf: 0.0,
            sessions: 1_000,
            service_ms: 200.0,
            service_dist: ServiceDist::Exponential,
            workers: 1,
            queue_cap: 20,
            slow_factor: 0.25,
            use_db: true,
            db_service_ms: 0.0,
            latency_ms: 120.0,
            jitter_ms: 0.0,
            bandwidth_mbps: 0.0,
            timeout_ms: 3_000.0,
            retries: 1,
            retry_budget: 0.2,
            backoff_ms: 25.0,
            hc_interval_ms: 1_000.0,
            hc_timeout_ms: 500.0,
            hc_fall: 2,
            hc_rise: 2,
            sequential_keys: false,
            rmw_ratio: 0.0,
            cas: false,
            replication: Replication::LeaderAsync,
            sync_acks: SyncAcks::Majority,
            read_from: ReadFrom::Leader,
            consistency: Consistency::Cp,
            heartbeat_ms: 500.0,
            failover_ms: 2_000.0,
            clock_skew_ms: 0.0,
            async_ship_ms: 100.0,
            write_quorum: 2,
            read_quorum: 2,
            clock: ClockKind::Wall,
            anti_entropy_ms: 5_000.0,
            cache_keys: 0,
            cache_ttl_ms: 10_000.0,
            client_pool: DEFAULT_CLIENT_POOL,
            auth: false,
            bad_credentials: 0.0,
            read_only_share: 0.0,
            chaos_mtbf_s: 0.0,
            chaos_mttr_s: 10.0,
        }
    }
}

/// The model's and runner's limit (the page draws at most 64): enough to study dispatching at
/// the scale where power of two choices meets its theory.
pub const MAX_SERVERS: usize = 10_000;
/// The fleet the page draws, and the most that *Add server* grows a fleet to (a larger one is set
/// with the runner's `--servers`).
pub const PAGE_SERVERS: usize = 64;
pub const MAX_REPLICAS: usize = 9;
/// Vertical scaling: the power levels a server can run at. 8× is the biggest machine there is.
pub const POWER_LEVELS: [u32; 4] = [1, 2, 4, 8];

/// Hourly price of one server at `power`: it grows faster than the power it buys (a 2× machine costs
/// about 2.5×, an 8× machine about 15×), as cloud price lists do near the top of a family.
pub fn server_cost_per_hour(power: u32) -> f64 {
    // exp(1.3 ln p) rather than pow: the page already carries exp and log, not pow.
    0.10 * libm::exp(1.3 * libm::log(power as f64))
}

/// A setting out of its range: `field` is its name as the runner's flag has it (without `--`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_extremes_are_named() {
        assert_eq!(Config::default().validate(), Ok(()));
        let bad = Config {
            arrival_rate: f64::NAN,
            ..Config::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "arrival-rate");
        let bad = Config {
            servers: 0,
            ..Config::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "servers");
        let bad = Config {
            latency_ms: -1.0,
            ..Config::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "latency-ms");
        let bad = Config {
            hc_interval_ms: 5.0,
            ..Config::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "hc-interval-ms");
        let ok = Config {
            queue_cap: usize::MAX,
            hc_interval_ms: 0.0,
            ..Config::default()
        };
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn cost_grows_faster_than_power() {
        let per_unit: Vec<f64> = POWER_LEVELS
            .iter()
            .map(|&p| server_cost_per_hour(p) / p as f64)
            .collect();
        assert!(per_unit.windows(2).all(|w| w[1] > w[0]), "{per_unit:?}");
    }
}
