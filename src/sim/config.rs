//! Every knob of the model, with its default and its valid range. A value out of range is an error
//! that names the knob, never a panic or a silent NaN.

use std::fmt;

use super::balancer::Strategy;

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Seed of the world's one random generator.
    pub seed: u64,
    /// Application servers behind the balancer (1..=64; default 3).
    pub servers: usize,
    /// Database replicas; replica 1 starts as the leader (1..=9; default 3).
    pub replicas: usize,
    /// How the balancer picks a server (default round robin).
    pub strategy: Strategy,
    /// Poisson arrival rate of client requests, per simulated second (0.01..=1e6; default 6).
    pub arrival_rate: f64,
    /// Mean service time of one request on one worker, in ms (0.001..=60000; default 200).
    pub service_ms: f64,
    /// Concurrent requests one server works on (1..=256; default 1).
    pub workers: usize,
    /// Requests a server may hold waiting for a worker; more are rejected (0..=100000; default 20).
    pub queue_cap: usize,
    /// One-way latency of every network hop, in ms (0..=10000; default 120).
    pub latency_ms: f64,
    /// Share of requests that write (0..=1; default 0.3).
    pub write_ratio: f64,
    /// Size of the key space requests read and write (1..=1000000; default 50).
    pub keys: u32,
    /// Whether requests go on to the database after the server's work (default true).
    pub use_db: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            seed: 1,
            servers: 3,
            replicas: 3,
            strategy: Strategy::RoundRobin,
            arrival_rate: 6.0,
            service_ms: 200.0,
            workers: 1,
            queue_cap: 20,
            latency_ms: 120.0,
            write_ratio: 0.3,
            keys: 50,
            use_db: true,
        }
    }
}

pub const MAX_SERVERS: usize = 64;
pub const MAX_REPLICAS: usize = 9;

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

fn check_f64(field: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            message: format!("{v} is outside {lo}..={hi}"),
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
        check_int("servers", self.servers as u64, 1, MAX_SERVERS as u64)?;
        check_int("replicas", self.replicas as u64, 1, MAX_REPLICAS as u64)?;
        check_f64("arrival_rate", self.arrival_rate, 0.01, 1e6)?;
        check_f64("service_ms", self.service_ms, 0.001, 60_000.0)?;
        check_int("workers", self.workers as u64, 1, 256)?;
        check_int("queue_cap", self.queue_cap as u64, 0, 100_000)?;
        check_f64("latency_ms", self.latency_ms, 0.0, 10_000.0)?;
        check_f64("write_ratio", self.write_ratio, 0.0, 1.0)?;
        check_int("keys", self.keys as u64, 1, 1_000_000)?;
        Ok(())
    }
}

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
        assert_eq!(bad.validate().unwrap_err().field, "arrival_rate");
        let bad = Config {
            servers: 0,
            ..Config::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "servers");
        let bad = Config {
            latency_ms: -1.0,
            ..Config::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "latency_ms");
    }
}
