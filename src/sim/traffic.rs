//! The clients' traffic: Poisson arrivals, a read/write mix, key popularity and sessions.

use super::config::Config;
use super::message::Draw;
use super::sample::{self, SimRng, Zipf};
use super::time::{Time, round_us};

#[derive(Clone, Debug)]
pub struct Traffic {
    zipf: Option<Zipf>,
}

impl Traffic {
    pub fn new(cfg: &Config) -> Self {
        Self {
            zipf: (cfg.zipf > 0.0).then(|| Zipf::new(cfg.keys, cfg.zipf)),
        }
    }

    /// Time to the next arrival: exponential with mean 1/rate.
    pub fn gap(&self, rng: &mut SimRng, rate_per_s: f64) -> Time {
        round_us(sample::exponential(rng, 1e6 / rate_per_s))
    }

    pub fn draw(&self, rng: &mut SimRng, cfg: &Config) -> Draw {
        // Drawn only when increments are on, so runs without them keep their random sequence.
        let incr = cfg.rmw_ratio > 0.0 && sample::chance(rng, cfg.rmw_ratio);
        let write = incr || sample::chance(rng, cfg.write_ratio);
        let key = match &self.zipf {
            Some(z) => z.sample(rng),
            None => sample::below(rng, cfg.keys as usize) as u32,
        };
        let session = sample::below(rng, cfg.sessions as usize) as u32;
        // Drawn only when some credentials are bad, so other runs keep their random sequence.
        let forged = cfg.bad_credentials > 0.0 && sample::chance(rng, cfg.bad_credentials);
        // The first sessions are the read-only clients: a session keeps its rights all run.
        let read_only = (session as f64) < cfg.read_only_share * cfg.sessions as f64;
        Draw {
            write,
            incr,
            key,
            session,
            forged,
            read_only,
        }
    }
}
