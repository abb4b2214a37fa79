//! Whether a whole [`Config`] makes sense: each setting against its own range (the settings table
//! in config.rs), then the settings that bound one another.

use super::config::{Config, ConfigError, check_f64};

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check_ranges()?;
        check_f64(
            "failover-ms",
            self.failover_ms,
            self.heartbeat_ms.max(10.0) + 1.0,
            600_000.0,
        )?;
        let replicas = self.replicas as f64;
        check_f64("write-quorum", self.write_quorum as f64, 1.0, replicas)?;
        check_f64("read-quorum", self.read_quorum as f64, 1.0, replicas)?;
        Ok(())
    }
}
