//! The autoscaler: a control-plane actor, as a cloud's auto-scaling group is. Every tick it reads
//! the monitoring figures the engine hands it (requests issued so far, servers in the fleet) and
//! decides to launch servers, drain some, or hold. It sizes the fleet by request rate, as request-
//! count target tracking does: desired = ⌈rate of the last 5 s × service time ÷ (target ×
//! workers)⌉, within its minimum and maximum. It adds whenever desired exceeds the fleet plus the
//! servers still starting (a launch is capacity already on its way); it removes only once the
//! cooldown since its last action has passed, and nothing is starting. Launched servers join after
//! the start-up time (then earn traffic by passing health checks); removed ones drain first.

use std::collections::VecDeque;

use super::config::{Config, PAGE_SERVERS};
use super::time::{SECOND, TICK, Time, from_ms};

/// The request rate it sizes by is the last 5 s's: shorter windows chase Poisson noise (at 60 req/s
/// one second's count varies by ±13 %, and launches are never taken back before the cooldown).
const WINDOW_TICKS: usize = 50;

/// What the monitoring system tells the autoscaler each tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    pub now: Time,
    /// Requests the clients have issued since the run began.
    pub issued: u64,
    /// Servers in the fleet and not draining.
    pub serving: usize,
    /// Servers in the fleet, draining ones included.
    pub fleet: usize,
}

/// What it decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Hold,
    /// Launch this many servers (they join after the start-up time).
    Launch(usize),
    /// Drain this many.
    Drain(usize),
}

#[derive(Clone, Debug, Default)]
pub struct Autoscaler {
    /// Issued totals at each of the last ticks (the window and one), oldest first.
    issued: VecDeque<u64>,
    /// When each launch in progress joins the fleet, earliest first.
    pub starting: VecDeque<Time>,
    last_action: Option<Time>,
    /// Its tick timer is set.
    pub armed: bool,
    pub scale_outs: u64,
    pub scale_ins: u64,
    /// The servers it last wanted.
    pub desired: usize,
}

impl Autoscaler {
    /// Requests per second over the window, once a whole window has been watched.
    fn rate(&self) -> Option<f64> {
        (self.issued.len() > WINDOW_TICKS).then(|| {
            let (old, new) = (self.issued[0], self.issued[self.issued.len() - 1]);
            (new - old) as f64 * SECOND as f64 / (WINDOW_TICKS as u64 * TICK) as f64
        })
    }

    /// One tick's look at the fleet.
    pub fn evaluate(&mut self, o: Observation, cfg: &Config) -> Decision {
        self.issued.push_back(o.issued);
        if self.issued.len() > WINDOW_TICKS + 1 {
            self.issued.pop_front();
        }
        let Some(rate) = self.rate().filter(|_| cfg.autoscale_target > 0.0) else {
            return Decision::Hold;
        };
        let per_server = cfg.workers as f64 * 1_000.0 / cfg.service_ms;
        let want = libm::ceil(rate / (cfg.autoscale_target * per_server));
        let most = cfg.autoscale_max.min(PAGE_SERVERS);
        let desired = (want as usize).clamp(cfg.autoscale_min.min(most), most);
        self.desired = desired;
        let coming = o.serving + self.starting.len();
        let room = PAGE_SERVERS.saturating_sub(o.fleet + self.starting.len());
        let cooled = self
            .last_action
            .is_none_or(|t| o.now >= t + from_ms(cfg.autoscale_cooldown_s * 1e3));
        let decision = if desired > coming && room > 0 {
            self.scale_outs += 1;
            Decision::Launch((desired - coming).min(room))
        } else if desired < o.serving && self.starting.is_empty() && cooled {
            self.scale_ins += 1;
            Decision::Drain(o.serving - desired)
        } else {
            return Decision::Hold;
        };
        self.last_action = Some(o.now);
        decision
    }

    /// A launch began now; it joins at `at`.
    pub fn launching(&mut self, at: Time) {
        let k = self.starting.partition_point(|&t| t <= at);
        self.starting.insert(k, at);
    }

    /// The earliest launch joined.
    pub fn joined(&mut self) {
        self.starting.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Watches `ticks` ticks of traffic at `rate` from `clock` on (moving it); the last decision
    /// other than holding.
    fn watch(
        a: &mut Autoscaler,
        clock: &mut Time,
        cfg: &Config,
        rate: f64,
        ticks: u64,
        serving: usize,
    ) -> Decision {
        let mut last = Decision::Hold;
        for _ in 0..ticks {
            *clock += TICK;
            let now = *clock;
            let issued = a.issued.back().copied().unwrap_or(0) + (rate / 10.0) as u64;
            let o = Observation {
                now,
                issued,
                serving,
                fleet: serving,
            };
            let d = a.evaluate(o, cfg);
            if d != Decision::Hold {
                last = d;
            }
        }
        last
    }

    #[test]
    fn it_sizes_by_request_rate_and_counts_launches_in_progress() {
        // 100 ms of service: a server does 10 req/s; at 60 % each, 60 req/s need 10 servers.
        let cfg = Config {
            service_ms: 100.0,
            autoscale_target: 0.6,
            autoscale_min: 2,
            autoscale_max: 32,
            autoscale_cooldown_s: 60.0,
            ..Config::default()
        };
        let (mut a, mut clock) = (Autoscaler::default(), 0);
        assert_eq!(
            watch(&mut a, &mut clock, &cfg, 60.0, 51, 2),
            Decision::Launch(8)
        );
        assert_eq!(a.desired, 10);
        for _ in 0..8 {
            a.launching(20 * SECOND);
        }
        // Already on their way: nothing more.
        assert_eq!(watch(&mut a, &mut clock, &cfg, 60.0, 5, 2), Decision::Hold);
        while !a.starting.is_empty() {
            a.joined();
        }
        // Traffic falls to 6 req/s: the minimum, once the cooldown has passed.
        assert_eq!(watch(&mut a, &mut clock, &cfg, 6.0, 51, 10), Decision::Hold);
        assert_eq!(
            watch(&mut a, &mut clock, &cfg, 6.0, 600, 10),
            Decision::Drain(8)
        );
        assert_eq!((a.scale_outs, a.scale_ins), (1, 1));
    }
}
