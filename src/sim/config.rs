//! Every setting of the model in one table ([`settings!`] below): its field, default, name,
//! range, flag text and, for those people change while a run goes on, its knob. `Config`, its
//! defaults, the share link's fields, `Config::validate`'s ranges, the page's knobs and the runner's
//! flags all come from it, so a new setting is one entry. A value out of range is an error that
//! names the setting, never a panic or a silent NaN.

use std::fmt;

use super::balancer::Strategy;
use super::decimal::trim;
use super::replication::{ClockKind, Consistency, ReadFrom, Replication, SyncAcks};
use super::shape::TrafficShape;

/// The named settings (every `named_enum!`): a shape has parameters, and a slot of its own.
trait NotShape {}
impl NotShape for Strategy {}
impl NotShape for ServiceDist {}
impl NotShape for Replication {}
impl NotShape for SyncAcks {}
impl NotShape for ReadFrom {}
impl NotShape for Consistency {}
impl NotShape for ClockKind {}

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

/// What a knob is called, its unit and the values it takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnobSpec {
    pub label: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only.
    pub integer: bool,
    /// 0 is allowed below `min` and means "off".
    pub zero_is_off: bool,
}

const fn spec(label: &'static str, unit: &'static str, min: f64, max: f64) -> KnobSpec {
    KnobSpec {
        label,
        unit,
        min,
        max,
        integer: false,
        zero_is_off: false,
    }
}

const fn whole(s: KnobSpec) -> KnobSpec {
    KnobSpec { integer: true, ..s }
}

const fn or_off(s: KnobSpec) -> KnobSpec {
    KnobSpec {
        zero_is_off: true,
        ..s
    }
}

/// One setting's field, borrowed, so that the share link and the runner read and write any of
/// them through one code path (a pair of functions per field would cost the page kilobytes).
pub(crate) enum Slot<'a> {
    F64(&'a mut f64),
    U64(&'a mut u64),
    Usize(&'a mut usize),
    U32(&'a mut u32),
    Bool(&'a mut bool),
    Name(&'a mut dyn super::Named),
    Shape(&'a mut TrafficShape),
}

/// A field's [`Slot`], chosen by its type.
trait Slotted {
    fn slot(&mut self) -> Slot<'_>;
}

macro_rules! slotted {
    ($($t:ty => $v:ident),*) => {
        $(impl Slotted for $t {
            fn slot(&mut self) -> Slot<'_> {
                Slot::$v(self)
            }
        })*
    };
}
slotted!(f64 => F64, u64 => U64, usize => Usize, u32 => U32, bool => Bool, TrafficShape => Shape);

impl<T: super::Named + NotShape> Slotted for T {
    fn slot(&mut self) -> Slot<'_> {
        Slot::Name(self)
    }
}

/// The settings table. A row is
///
/// ```text
/// /// What it is (the field's documentation).
/// field "name": type = default [, v1 default before real units];
///     flag("VALUE", "the runner's help") | by_hand,   check;
/// ```
///
/// `name` is the setting's name everywhere (`--name`, `name=` in links, errors). `by_hand`: the
/// runner spells the flag itself (`--no-db`, `N|inf`). `check` is `any`, `range(lo, hi)`,
/// `range(lo, hi, or_off)` (0 also allowed), `knob(Variant, spec)` (a [`Knob`]: changeable while a
/// run goes on, in range `spec`) or `by_hand` (validate.rs relates it to other settings).
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident $name:literal : $ty:ty = $def:expr $(, v1 $v1:expr)? ;
            $flag:ident $(($value:literal, $help:literal))? , $check:ident $(( $($ca:tt)* ))? ;
    )*) => {
        #[derive(Clone, Debug, PartialEq)]
        pub struct Config {
            $($(#[doc = $doc])* pub $field: $ty,)*
        }

        /// The defaults are real single-region units: a request spends about 55 ms end to end (six
        /// hops of 5 ms, 20 ms of service, 5 ms in the database), timeouts and failure detection are
        /// hundreds of ms, as in the Raft paper. The page shows them in slow motion (0.1× at first).
        impl Default for Config {
            fn default() -> Self {
                Self { $($field: $def,)* }
            }
        }

        impl Config {
            /// The defaults before real units: every time 10× the defaults' (hops 24×; no database
            /// time), every rate a tenth, as the page once showed at 1×. Share links of format v1
            /// were written against these, and the frame benchmark and the pinned trace keep them so
            /// their figures stay comparable. Frozen: never change a value here.
            pub fn v1() -> Self {
                Self { $($field: settings!(@first $($v1)? ; $def),)* }
            }

            /// Setting `i`: its name and its field (`None` past the last).
            pub(crate) fn slot(&mut self, i: usize) -> Option<(&'static str, Slot<'_>)> {
                let mut k = 0;
                $(
                    if i == k {
                        return Some(($name, self.$field.slot()));
                    }
                    k += 1;
                )*
                let _ = k;
                None
            }

            /// Every setting with a range of its own in it (validate.rs adds the relations).
            pub(super) fn check_ranges(&self) -> Result<(), ConfigError> {
                $(settings!(@check self.$field, $name, $check $(($($ca)*))?);)*
                Ok(())
            }
        }

        /// The runner's value placeholder and help for each setting (`None`: spelled by hand).
        #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
        pub(crate) const FLAG_TEXTS: &[Option<(&str, &str)>] =
            &[$(settings!(@flag $flag $(($value, $help))?),)*];

        settings!(@knobs [] $([$field $name $ty] $check ($($($ca)*)?))*);
    };

    (@first $v:expr ; $d:expr) => { $v };
    (@first ; $d:expr) => { $d };

    (@flag flag ($value:literal, $help:literal)) => { Some(($value, $help)) };
    (@flag by_hand) => { None };

    (@check $v:expr, $n:literal, any) => {};
    (@check $v:expr, $n:literal, by_hand) => {};
    (@check $v:expr, $n:literal, range($lo:expr, $hi:expr)) => {
        check_f64($n, $v as f64, $lo as f64, $hi as f64)?
    };
    (@check $v:expr, $n:literal, range($lo:expr, $hi:expr, or_off)) => {
        if $v != 0.0 {
            check_f64($n, $v as f64, $lo as f64, $hi as f64)?
        }
    };
    (@check $v:expr, $n:literal, knob($k:ident, $spec:expr)) => {
        check_knob(Knob::$k, $v as f64)?
    };

    // The knobs: the rows whose check is `knob(..)`, gathered into one enum.
    (@knobs [$(($k:ident $n:literal $f:ident $t:ty, $spec:expr))*]) => {
        named_enum!(
            /// A numeric setting of [`Config`] that can change at run time.
            Knob { $($k = $n),* }
        );

        impl Knob {
            /// What it is called, its unit and its range.
            pub fn spec(self) -> KnobSpec {
                match self { $(Knob::$k => $spec),* }
            }

            /// The field's value as it is (an unbounded queue is `usize::MAX` here).
            pub fn raw(self, cfg: &Config) -> f64 {
                match self { $(Knob::$k => cfg.$f as f64),* }
            }

            /// Stores `v` as it is; [`Knob::set`] clamps it first.
            pub(crate) fn store(self, cfg: &mut Config, v: f64) {
                match self { $(Knob::$k => cfg.$f = v as $t),* }
            }
        }
    };
    (@knobs [$($acc:tt)*] [$f:ident $n:literal $t:ty] knob ($k:ident, $spec:expr) $($rest:tt)*) => {
        settings!(@knobs [$($acc)* ($k $n $f $t, $spec)] $($rest)*);
    };
    (@knobs [$($acc:tt)*] [$f:ident $n:literal $t:ty] $other:ident ($($x:tt)*) $($rest:tt)*) => {
        settings!(@knobs [$($acc)*] $($rest)*);
    };
}

#[rustfmt::skip]
settings! {
    /// Seed of the world's one random generator.
    seed "seed": u64 = 1;
        flag("N", "random seed"), any;
    /// Application servers behind the balancer (1..=10,000; default 3; the page draws up to 64).
    servers "servers": usize = 3;
        flag("N", "servers, 1..=10000 (the page draws up to 64)"), range(1, MAX_SERVERS);
    /// Database replicas; replica 1 starts as the leader (1..=9; default 3).
    replicas "replicas": usize = 3;
        flag("N", "database replicas, 1..=9"), range(1, MAX_REPLICAS);
    /// How the balancer picks a server (default round robin).
    strategy "strategy": Strategy = Strategy::RoundRobin;
        flag("NAME", "how the balancer picks a server"), any;

    // Traffic
    /// Poisson arrival rate of client requests, per simulated second (0.01..=1e6; default 60).
    arrival_rate "arrival-rate": f64 = 60.0, v1 6.0;
        flag("R", "Poisson arrivals per second"),
        knob(ArrivalRate, spec("Arrival rate", "req/s", 0.01, 1e6));
    /// How the arrival rate moves over time: `steady` (the arrival rate), `step:R@S,R@S…`,
    /// `spike:BASE,PEAK@START+SECONDS`, `wave:MEAN,AMPLITUDE@PERIOD` (rates per second, times in
    /// simulated seconds; default steady).
    traffic "traffic": TrafficShape = TrafficShape::Steady;
        flag("SHAPE", "how the arrival rate moves: steady | step:R@S,R@S… (rate R from second S) | spike:BASE,PEAK@START+SECONDS | wave:MEAN,AMPLITUDE@PERIOD"),
        any;
    /// Share of requests that write (0..=1; default 0.3).
    write_ratio "write-ratio": f64 = 0.3;
        flag("F", "share of writes, 0..=1"), knob(WriteRatio, spec("Writes", "share", 0.0, 1.0));
    /// Size of the key space requests read and write (1..=1000000; default 50).
    keys "keys": u32 = 50;
        flag("N", "key space"), range(1, 1_000_000);
    /// Key popularity: 0 is uniform, s > 0 is Zipf with exponent s (0..=3; default 0).
    zipf "zipf": f64 = 0.0;
        flag("S", "key popularity exponent; 0 = uniform"), range(0, 3);
    /// Distinct client sessions; consistent hashing routes by session (1..=1000000; default 1000).
    sessions "sessions": u32 = 1_000;
        flag("N", "distinct client sessions (consistent hashing routes by session)"),
        range(1, 1_000_000);
    /// Every write goes to a key never written before (an insert-only workload, like an event log);
    /// reads still pick keys at random (default false).
    sequential_keys "sequential-keys": bool = false;
        flag("", "every write goes to a new key (an insert-only workload)"), any;
    /// Share of requests that increment a key's counter by read-modify-write (0..=1; default 0).
    rmw_ratio "rmw-ratio": f64 = 0.0;
        flag("F", "share of requests that increment a counter by read-modify-write"), range(0, 1);
    /// Increments use compare-and-set: a write that finds the key changed since its read is
    /// refused, and the server redoes the increment (default false).
    cas "cas": bool = false;
        flag("", "increments use compare-and-set (a version check) and retry on conflict"), any;

    // Servers
    /// Mean service time of one request on one worker at power 1, in ms (0.001..=60000; default 20).
    service_ms "service-ms": f64 = 20.0, v1 200.0;
        flag("MEAN", "mean service time at power 1, ms"),
        knob(ServiceMs, spec("Service time", "ms", 0.001, 60_000.0));
    /// How service times vary around their mean (default exponential).
    service_dist "service-dist": ServiceDist = ServiceDist::Exponential;
        flag("NAME", "how service times vary"), any;
    /// Concurrent requests one server works on (1..=256; default 1).
    workers "workers": usize = 1;
        flag("K", "concurrent requests per server"),
        knob(Workers, whole(spec("Workers per server", "", 1.0, 256.0)));
    /// Requests a server may hold waiting for a worker; more are rejected (0..=1000000, or
    /// `usize::MAX` for unbounded; default 20).
    queue_cap "queue-cap": usize = 20;
        by_hand, knob(QueueCap, whole(spec("Queue capacity", "requests", 0.0, 1e6)));
    /// Speed of a slow (degraded) server relative to its power (0.01..=1; default 0.25).
    slow_factor "slow-factor": f64 = 0.25;
        flag("F", "speed of a slowed server relative to its power, 0.01..=1"),
        knob(SlowFactor, spec("Slow server speed", "share", 0.01, 1.0));
    /// Whether requests go on to the database after the server's work (default true).
    use_db "use-db": bool = true;
        by_hand, any;
    /// Time a replica spends on each query before it answers, in ms (0..=60000; default 5). Replicas
    /// work on any number of queries at once: this is the query's own duration, not a queue.
    db_service_ms "db-service-ms": f64 = 5.0, v1 0.0;
        flag("MS", "time a replica spends on each query, ms"),
        knob(DbServiceMs, spec("Database time per query", "ms", 0.0, 60_000.0));

    // Network
    /// One-way latency of every hop, in ms (0..=10000; default 5).
    latency_ms "latency-ms": f64 = 5.0, v1 120.0;
        flag("MS", "one-way latency of every hop, ms; 0 allowed"),
        knob(LatencyMs, spec("Latency", "ms", 0.0, 10_000.0));
    /// Extra one-way delay, uniform in 0..jitter, in ms (0..=10000; default 0).
    jitter_ms "jitter-ms": f64 = 0.0;
        flag("MS", "extra uniform one-way delay, ms"),
        knob(JitterMs, spec("Jitter", "ms", 0.0, 10_000.0));
    /// Bandwidth of every link in Mbit/s; 0 is unlimited (0..=100000; default 0).
    bandwidth_mbps "bandwidth-mbps": f64 = 0.0;
        flag("M", "bandwidth of every link, Mbit/s; 0 = unlimited"),
        knob(BandwidthMbps, spec("Bandwidth", "Mbit/s", 0.0, 100_000.0));

    // Balancer
    /// The balancer gives up on an attempt after this long, in ms (1..=600000; default 300).
    timeout_ms "timeout-ms": f64 = 300.0, v1 3_000.0;
        flag("MS", "balancer's per-attempt timeout"),
        knob(TimeoutMs, spec("Timeout", "ms", 1.0, 600_000.0));
    /// Further attempts on another server after a timeout or a rejection (0..=5; default 1).
    retries "retries": u32 = 1;
        flag("N", "retries on another server, 0..=5"),
        knob(Retries, whole(spec("Retries", "", 0.0, 5.0)));
    /// Retries allowed as a share of requests (token bucket; 0..=1; default 0.2).
    retry_budget "retry-budget": f64 = 0.2;
        flag("F", "retries allowed as a share of requests (a token bucket), 0..=1"),
        knob(RetryBudget, spec("Retry budget", "share", 0.0, 1.0));
    /// Base of the exponential backoff with full jitter before a retry, in ms (0..=10000; default
    /// 2.5).
    backoff_ms "backoff-ms": f64 = 2.5, v1 25.0;
        flag("MS", "base of the exponential backoff with full jitter before a retry"),
        knob(BackoffMs, spec("Backoff", "ms", 0.0, 10_000.0));
    /// Health-check period in ms; 0 turns checks off (0, or 10..=60000; default 100).
    hc_interval_ms "hc-interval-ms": f64 = 100.0, v1 1_000.0;
        flag("MS", "health-check period; 0 = off"),
        knob(HcIntervalMs, or_off(spec("Health-check interval", "ms", 10.0, 60_000.0)));
    /// A probe unanswered this long counts as failed, in ms (1..=60000; default 50).
    hc_timeout_ms "hc-timeout-ms": f64 = 50.0, v1 500.0;
        flag("MS", "a probe unanswered this long counts as failed"), range(1, 60_000);
    /// Consecutive failed checks before the balancer marks a server down (1..=10; default 2).
    hc_fall "hc-fall": u32 = 2;
        flag("N", "failed checks in a row before the balancer marks a server down, 1..=10"),
        knob(HcFall, whole(spec("Fall", "checks", 1.0, 10.0)));
    /// Consecutive good checks before it marks a server up again (1..=10; default 2).
    hc_rise "hc-rise": u32 = 2;
        flag("N", "good checks in a row before it marks a server up again, 1..=10"),
        knob(HcRise, whole(spec("Rise", "checks", 1.0, 10.0)));

    // Overload control
    /// Deadline propagation: each attempt carries the time the balancer will wait for it, and a
    /// server drops work whose deadline passed instead of serving it (default false).
    deadlines "deadlines": bool = false;
        flag("", "deadline propagation: servers drop work whose deadline passed instead of serving it"), any;
    /// Load shedding: a server refuses new work at once (a fast 503) while the oldest request in
    /// its queue has waited longer than this, in ms; 0 is off (0, or 1..=600000; default 0).
    shed_ms "shed-ms": f64 = 0.0;
        flag("MS", "load shedding: a server refuses new work at once while its oldest queued request has waited longer than MS; 0 = off"),
        knob(ShedMs, or_off(spec("Load shedding: max queue wait", "ms", 1.0, 600_000.0)));
    /// Circuit breaker: failures in a row (timeouts, refusals) after which the balancer stops
    /// sending a server work for `breaker_open_ms`; 0 is off (0, or 1..=100; default 0).
    breaker "breaker": u32 = 0;
        flag("N", "circuit breaker: failures in a row (timeouts, refusals) that open a server's circuit; 0 = off"),
        knob(Breaker, or_off(whole(spec("Circuit breaker: failures to open", "", 1.0, 100.0))));
    /// How long an open circuit stays open before one trial request may pass (half-open), in ms
    /// (1..=600000; default 1000).
    breaker_open_ms "breaker-open-ms": f64 = 1_000.0;
        flag("MS", "circuit breaker: how long a circuit stays open before one trial request"),
        knob(BreakerOpenMs, spec("Circuit stays open for", "ms", 1.0, 600_000.0));

    // Autoscaling
    /// The autoscaler keeps enough servers that each would be this busy at the request rate of
    /// the last 5 s (sizing by request rate, as request-count target tracking does); 0 is off
    /// (0, or 0.05..=1; default 0).
    autoscale_target "autoscale-target": f64 = 0.0;
        flag("F", "autoscaling: the share of each server's capacity to aim for; 0 = off"),
        knob(AutoscaleTarget, or_off(spec("Autoscale to utilisation", "share", 0.05, 1.0)));
    /// Fewest and most servers the autoscaler keeps (1..=64; defaults 1 and 32; a minimum above
    /// the maximum counts as the maximum).
    autoscale_min "autoscale-min": usize = 1;
        flag("N", "autoscaling: fewest servers"),
        knob(AutoscaleMin, whole(spec("Fewest servers", "", 1.0, PAGE_SERVERS as f64)));
    autoscale_max "autoscale-max": usize = 32;
        flag("N", "autoscaling: most servers"),
        knob(AutoscaleMax, whole(spec("Most servers", "", 1.0, PAGE_SERVERS as f64)));
    /// A launched server joins the fleet this many seconds later (0..=3600; default 20).
    autoscale_startup_s "autoscale-startup-s": f64 = 20.0;
        flag("S", "autoscaling: a launched server's start-up time"),
        knob(AutoscaleStartupS, spec("Start-up time", "s", 0.0, 3_600.0));
    /// After any scaling, the autoscaler waits this long before it removes servers (it adds them
    /// whenever needed, counting those still starting) (0..=3600; default 60).
    autoscale_cooldown_s "autoscale-cooldown-s": f64 = 60.0;
        flag("S", "autoscaling: after a scaling action, wait this long before scaling in"),
        knob(AutoscaleCooldownS, spec("Cooldown", "s", 0.0, 3_600.0));

    // Database
    /// How writes reach the followers (default leader-async).
    replication "replication": Replication = Replication::LeaderAsync;
        flag("NAME", "how writes reach the replicas"), any;
    /// A synchronous write waits for all followers or a majority (default majority).
    sync_acks "sync-acks": SyncAcks = SyncAcks::Majority;
        flag("NAME", "leader-sync commits a write once these followers hold it: a majority, or all = every follower heard from within the failover timeout (one down longer stops counting), never fewer than a majority"),
        any;
    /// Reads go to the leader or to any replica (default leader).
    read_from "read-from": ReadFrom = ReadFrom::Leader;
        flag("NAME", "where reads go: the leader, or any replica"), any;
    /// Under a partition: refuse without a majority (cp) or accept on both sides (ap); default cp.
    consistency "consistency": Consistency = Consistency::Cp;
        flag("NAME", "in a partition, cp refuses without a majority, ap accepts on both sides"), any;
    /// Leader heartbeats and failover-monitor pings, every this many ms (10..=60000; default 50, as
    /// in the Raft paper).
    heartbeat_ms "heartbeat-ms": f64 = 50.0, v1 500.0;
        flag("MS", "leader heartbeats and failover-monitor pings"), range(10, 60_000);
    /// Leader silence before the monitor fails over, in ms (more than `heartbeat_ms`, at most
    /// 600000; default 200; the Raft paper's election timeouts are 150–300 ms).
    failover_ms "failover-ms": f64 = 200.0, v1 2_000.0;
        flag("MS", "leader silence before failover"), by_hand;
    /// Replica clocks spread evenly over ±this many ms (0..=60000; default 0).
    clock_skew_ms "clock-skew-ms": f64 = 0.0;
        flag("MS", "replica clocks spread over ±MS"), range(0, 60_000);
    /// Asynchronous replication ships writes in batches this many ms after the first (0..=10000;
    /// default 10): the window a crash can lose.
    async_ship_ms "async-ship-ms": f64 = 10.0, v1 100.0;
        flag("MS", "leader-async ships writes in batches this long after the first: the window a crash can lose"),
        range(0, 10_000);
    /// Quorum mode: acknowledgements a write needs (W, 1..=replicas; default 2).
    write_quorum "write-quorum": usize = 2;
        flag("W", "quorum mode: acknowledgements per write"), by_hand;
    /// Quorum mode: answers a read needs (R, 1..=replicas; default 2).
    read_quorum "read-quorum": usize = 2;
        flag("R", "quorum mode: answers per read"), by_hand;
    /// Stamps for last-write-wins: wall clocks or Lamport counters (default wall).
    clock "clock": ClockKind = ClockKind::Wall;
        flag("NAME", "what stamps writes for last-write-wins"), any;
    /// Quorum mode: replicas compare notes with a random peer every this many ms; 0 is never
    /// (0, or 100..=600000; default 500).
    anti_entropy_ms "anti-entropy-ms": f64 = 500.0, v1 5_000.0;
        flag("MS", "quorum mode: anti-entropy period; 0 = off"), range(100, 600_000, or_off);

    // Clients
    /// Requests the clients may have outstanding at once, as an HTTP client's connection pool
    /// holds; one issued while the pool is full fails at once ("client pool exhausted"). 0 is no
    /// limit, for theory runs (bounded then only by a request count). (0, or 1..=10000000; default
    /// 10000: about 2 MB of requests, and it never binds in the lessons, theory checks or bench.)
    client_pool "client-pool": u64 = DEFAULT_CLIENT_POOL;
        by_hand,
        knob(ClientPool, or_off(whole(spec("Client connection pool", "requests", 1.0, 1e7))));

    // Cache
    /// Keys each server keeps in its local read cache; 0 is no cache (0..=1000; default 0).
    cache_keys "cache-keys": usize = 0;
        flag("N", "keys each server caches locally; 0 = no cache"),
        knob(CacheKeys, whole(spec("Cache size per server", "keys", 0.0, 1_000.0)));
    /// A cached entry is served for this long, in ms; 0 keeps it until evicted (0..=600000;
    /// default 1000).
    cache_ttl_ms "cache-ttl-ms": f64 = 1_000.0, v1 10_000.0;
        flag("MS", "a cached entry's lifetime; 0 = until evicted"),
        knob(CacheTtlMs, spec("Cache entry lifetime", "ms", 0.0, 600_000.0));

    // Security at the edge
    /// The balancer checks each request's credentials and rights before any server sees it
    /// (default false).
    auth "auth": bool = false;
        flag("", "the balancer checks credentials and rights (401 / 403 at the edge)"), any;
    /// Share of requests that carry no valid credentials (0..=1; default 0).
    bad_credentials "bad-credentials": f64 = 0.0;
        flag("F", "share of requests without valid credentials"),
        knob(BadCredentials, spec("Requests without valid credentials", "share", 0.0, 1.0));
    /// Share of client sessions allowed only to read (0..=1; default 0).
    read_only_share "read-only-share": f64 = 0.0;
        flag("F", "share of client sessions allowed only to read"),
        knob(ReadOnlyShare, spec("Read-only clients", "share", 0.0, 1.0));

    // Chaos
    /// Chaos mode: each server and replica crashes at random, on average once per this many
    /// simulated seconds; 0 is off (0, or 1..=86400; default 0).
    chaos_mtbf_s "chaos-mtbf-s": f64 = 0.0;
        flag("S", "chaos mode: every server and replica crashes on average once per S seconds while up; 0 = off"),
        knob(ChaosMtbfS, or_off(spec("Mean time between failures", "s", 1.0, 86_400.0)));
    /// Chaos mode: a crashed node comes back after this many seconds on average (0.1..=3600;
    /// default 1).
    chaos_mttr_s "chaos-mttr-s": f64 = 1.0, v1 10.0;
        flag("S", "chaos mode: mean time to repair a crashed node"),
        knob(ChaosMttrS, spec("Mean time to repair", "s", 0.1, 3_600.0));
}

pub(super) fn check_f64(field: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            message: format!("{} is outside {}..={}", trim(v), trim(lo), trim(hi)),
        })
    }
}

/// A knob's value against its range; 0 passes where it means off, and so does an unbounded
/// queue (the runner's `--queue-cap inf`).
fn check_knob(k: Knob, v: f64) -> Result<(), ConfigError> {
    let s = k.spec();
    if s.zero_is_off && v == 0.0 || k == Knob::QueueCap && v == usize::MAX as f64 {
        return Ok(());
    }
    check_f64(k.name(), v, s.min, s.max)
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
