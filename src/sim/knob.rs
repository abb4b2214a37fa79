//! The numeric settings people may change while a run goes on, with their ranges in one table, so
//! the page, the runner and the World clamp a value the same way and say so in the same words.

use super::config::Config;
use crate::sim::decimal::{trim, within};

named_enum!(
    /// A numeric setting of [`Config`] that can change at run time.
    Knob {
        ArrivalRate = "arrival-rate",
        WriteRatio = "write-ratio",
        ServiceMs = "service-ms",
        DbServiceMs = "db-service-ms",
        Workers = "workers",
        QueueCap = "queue-cap",
        SlowFactor = "slow-factor",
        LatencyMs = "latency-ms",
        JitterMs = "jitter-ms",
        BandwidthMbps = "bandwidth-mbps",
        TimeoutMs = "timeout-ms",
        Retries = "retries",
        RetryBudget = "retry-budget",
        BackoffMs = "backoff-ms",
        HcIntervalMs = "hc-interval-ms",
        HcRise = "hc-rise",
        HcFall = "hc-fall",
        ChaosMtbfS = "chaos-mtbf-s",
        ChaosMttrS = "chaos-mttr-s",
        CacheKeys = "cache-keys",
        CacheTtlMs = "cache-ttl-ms",
        BadCredentials = "bad-credentials",
        ReadOnlyShare = "read-only-share",
        ClientPool = "client-pool",
    }
);

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

/// A value after clamping, and what was changed about it, in words for the person.
#[derive(Clone, Debug, PartialEq)]
pub struct Clamped {
    pub value: f64,
    pub note: Option<String>,
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

/// The one table of which `Config` field each knob is, read as `get` or written as `set`.
macro_rules! knob_fields {
    ($k:expr, $cfg:expr, $($op:tt)+) => {
        knob_fields!(@go $k, $cfg, ($($op)+);
            ArrivalRate arrival_rate f64, WriteRatio write_ratio f64, ServiceMs service_ms f64,
            DbServiceMs db_service_ms f64, Workers workers usize, QueueCap queue_cap usize, SlowFactor slow_factor f64,
            LatencyMs latency_ms f64, JitterMs jitter_ms f64, BandwidthMbps bandwidth_mbps f64,
            TimeoutMs timeout_ms f64, Retries retries u32, RetryBudget retry_budget f64,
            BackoffMs backoff_ms f64, HcIntervalMs hc_interval_ms f64, HcRise hc_rise u32,
            HcFall hc_fall u32, ChaosMtbfS chaos_mtbf_s f64, ChaosMttrS chaos_mttr_s f64,
            CacheKeys cache_keys usize, CacheTtlMs cache_ttl_ms f64,
            BadCredentials bad_credentials f64, ReadOnlyShare read_only_share f64,
            ClientPool client_pool u64)
    };
    (@go $k:expr, $cfg:expr, (get); $($v:ident $f:ident $t:ty),+) => {
        match $k { $(Knob::$v => $cfg.$f as f64),+ }
    };
    (@go $k:expr, $cfg:expr, (set $x:ident); $($v:ident $f:ident $t:ty),+) => {
        match $k { $(Knob::$v => $cfg.$f = $x as $t),+ }
    };
}

impl Knob {
    /// The one range table: `Config::validate` (validate.rs) checks these fields against it.
    pub fn spec(self) -> KnobSpec {
        match self {
            Knob::ArrivalRate => spec("Arrival rate", "req/s", 0.01, 1e6),
            Knob::WriteRatio => spec("Writes", "share", 0.0, 1.0),
            Knob::ServiceMs => spec("Service time", "ms", 0.001, 60_000.0),
            Knob::DbServiceMs => spec("Database time per query", "ms", 0.0, 60_000.0),
            Knob::Workers => whole(spec("Workers per server", "", 1.0, 256.0)),
            Knob::QueueCap => whole(spec("Queue capacity", "requests", 0.0, 1e6)),
            Knob::SlowFactor => spec("Slow server speed", "share", 0.01, 1.0),
            Knob::LatencyMs => spec("Latency", "ms", 0.0, 10_000.0),
            Knob::JitterMs => spec("Jitter", "ms", 0.0, 10_000.0),
            Knob::BandwidthMbps => spec("Bandwidth", "Mbit/s", 0.0, 100_000.0),
            Knob::TimeoutMs => spec("Timeout", "ms", 1.0, 600_000.0),
            Knob::Retries => whole(spec("Retries", "", 0.0, 5.0)),
            Knob::RetryBudget => spec("Retry budget", "share", 0.0, 1.0),
            Knob::BackoffMs => spec("Backoff", "ms", 0.0, 10_000.0),
            Knob::HcIntervalMs => or_off(spec("Health-check interval", "ms", 10.0, 60_000.0)),
            Knob::HcRise => whole(spec("Rise", "checks", 1.0, 10.0)),
            Knob::HcFall => whole(spec("Fall", "checks", 1.0, 10.0)),
            Knob::ChaosMtbfS => or_off(spec("Mean time between failures", "s", 1.0, 86_400.0)),
            Knob::ChaosMttrS => spec("Mean time to repair", "s", 0.1, 3_600.0),
            Knob::CacheKeys => whole(spec("Cache size per server", "keys", 0.0, 1_000.0)),
            Knob::CacheTtlMs => spec("Cache entry lifetime", "ms", 0.0, 600_000.0),
            Knob::BadCredentials => spec("Requests without valid credentials", "share", 0.0, 1.0),
            Knob::ReadOnlyShare => spec("Read-only clients", "share", 0.0, 1.0),
            Knob::ClientPool => or_off(whole(spec("Client connection pool", "requests", 1.0, 1e7))),
        }
    }

    /// The field's value as it is (an unbounded queue is `usize::MAX` here).
    pub fn raw(self, cfg: &Config) -> f64 {
        knob_fields!(self, cfg, get)
    }

    pub fn get(self, cfg: &Config) -> f64 {
        let v = self.raw(cfg);
        // An unbounded queue (the runner's `inf`) shows as the most the knob can set.
        if self == Knob::QueueCap {
            v.min(1e6)
        } else {
            v
        }
    }

    /// Sets the knob in `cfg` to `v`, clamped first: `cfg` stays valid whatever `v` is.
    pub fn set(self, cfg: &mut Config, v: f64) {
        let v = self.clamp(v, self.get(cfg)).value;
        knob_fields!(self, cfg, set v);
    }

    /// `v` brought into range (rounded for whole-number knobs); a value that is not a number keeps
    /// `current`. The note says what happened, for the person who typed it.
    pub fn clamp(self, v: f64, current: f64) -> Clamped {
        let s = self.spec();
        if !v.is_finite() {
            return Clamped {
                value: current,
                note: Some(format!(
                    "{}: not a number; kept {}",
                    s.label,
                    self.show(current)
                )),
            };
        }
        let r = if s.integer { v.round() } else { v };
        let value = if s.zero_is_off && r <= 0.0 {
            0.0
        } else {
            within(r, s.min, s.max)
        };
        let note = if value == v {
            None
        } else if value == r {
            Some(format!(
                "{}: whole numbers only; using {}",
                s.label,
                self.show(value)
            ))
        } else {
            let bound = if r < s.min { "least" } else { "most" };
            Some(format!(
                "{}: {} is outside the range; using the {bound}, {}",
                s.label,
                self.show(v),
                self.show(value)
            ))
        };
        Clamped { value, note }
    }

    /// The value with its unit, as the log and the page print it.
    pub fn show(self, v: f64) -> String {
        let s = self.spec();
        match (s.zero_is_off && v == 0.0, s.unit) {
            (true, _) => "off".into(),
            (_, "share") => format!("{} %", trim(v * 100.0)),
            (_, "") => trim(v),
            (_, unit) => format!("{} {unit}", trim(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clamped_value_is_a_valid_config() {
        let extremes = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            0.0,
            0.004,
            0.5,
            1.0,
            7.3,
            1e12,
        ];
        for &k in Knob::ALL {
            for &v in &extremes {
                let mut cfg = Config::default();
                k.set(&mut cfg, v);
                assert_eq!(cfg.validate(), Ok(()), "{k} = {v}");
                let c = k.clamp(v, k.get(&Config::default()));
                assert_eq!(c.note.is_some(), c.value != v, "{k} = {v}: {c:?}");
            }
        }
    }

    #[test]
    fn notes_say_what_was_done() {
        let c = Knob::ArrivalRate.clamp(2e6, 6.0);
        assert_eq!(c.value, 1e6);
        assert_eq!(
            c.note.as_deref(),
            Some("Arrival rate: 2000000 req/s is outside the range; using the most, 1000000 req/s")
        );
        let c = Knob::Retries.clamp(f64::NAN, 1.0);
        assert_eq!(
            (c.value, c.note.as_deref()),
            (1.0, Some("Retries: not a number; kept 1"))
        );
        assert_eq!(Knob::HcIntervalMs.clamp(-5.0, 1000.0).value, 0.0);
        assert_eq!(Knob::HcIntervalMs.clamp(3.0, 1000.0).value, 10.0);
        assert_eq!(Knob::HcIntervalMs.show(0.0), "off");
        assert_eq!(Knob::WriteRatio.show(0.25), "25 %");
        assert_eq!(Knob::Workers.clamp(2.6, 1.0).value, 3.0);
    }
}
