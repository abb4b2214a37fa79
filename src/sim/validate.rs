//! Whether a whole [`Config`] makes sense. The settings people change at run time are checked
//! against their knob's range (`Knob::spec`): one table for the page's fields, this check and the
//! runner's messages; the rest are checked here. (Apart from config.rs, so that the knobs, which
//! read and write a `Config`, and the config do not import each other.)

use super::config::{Config, ConfigError, MAX_REPLICAS, MAX_SERVERS};
use super::decimal::trim;
use super::knob::Knob;

fn check_f64(field: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            message: format!("{} is outside {}..={}", trim(v), trim(lo), trim(hi)),
        })
    }
}

fn check_int(field: &'static str, v: u64, lo: u64, hi: u64) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            message: format!("{v} is outside {lo}..={hi}"),
        })
    }
}

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        for &k in Knob::ALL {
            let (s, v) = (k.spec(), k.raw(self));
            let unbounded = k == Knob::QueueCap && self.queue_cap == usize::MAX;
            if !(unbounded || s.zero_is_off && v == 0.0) {
                check_f64(k.name(), v, s.min, s.max)?;
            }
        }
        check_int("servers", self.servers as u64, 1, MAX_SERVERS as u64)?;
        check_int("replicas", self.replicas as u64, 1, MAX_REPLICAS as u64)?;
        check_int("keys", self.keys as u64, 1, 1_000_000)?;
        check_f64("zipf", self.zipf, 0.0, 3.0)?;
        check_int("sessions", self.sessions as u64, 1, 1_000_000)?;
        check_f64("hc-timeout-ms", self.hc_timeout_ms, 1.0, 60_000.0)?;
        check_f64("heartbeat-ms", self.heartbeat_ms, 10.0, 60_000.0)?;
        check_f64(
            "failover-ms",
            self.failover_ms,
            self.heartbeat_ms.max(10.0) + 1.0,
            600_000.0,
        )?;
        check_f64("clock-skew-ms", self.clock_skew_ms, 0.0, 60_000.0)?;
        check_f64("async-ship-ms", self.async_ship_ms, 0.0, 10_000.0)?;
        check_f64("rmw-ratio", self.rmw_ratio, 0.0, 1.0)?;
        check_int(
            "write-quorum",
            self.write_quorum as u64,
            1,
            self.replicas as u64,
        )?;
        check_int(
            "read-quorum",
            self.read_quorum as u64,
            1,
            self.replicas as u64,
        )?;
        if self.anti_entropy_ms != 0.0 {
            check_f64("anti-entropy-ms", self.anti_entropy_ms, 100.0, 600_000.0)?;
        }
        Ok(())
    }
}
