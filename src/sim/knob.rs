//! The numeric settings people may change while a run goes on (their ranges are rows of the
//! settings table in config.rs), clamped the same way and told in the same words by the page, the
//! runner and the World.

use super::config::Config;
pub use super::config::Knob;
use crate::sim::decimal::{trim, within};

/// A value after clamping, and what was changed about it, in words for the person.
#[derive(Clone, Debug, PartialEq)]
pub struct Clamped {
    pub value: f64,
    pub note: Option<String>,
}

impl Knob {
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
        self.store(cfg, v);
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
