//! Traffic shapes: how the clients' arrival rate moves over simulated time. Written as text for the
//! runner's `--traffic`, share links and the page (`steady`, `step:6@0,60@30`, `spike:20,200@30+5`,
//! `wave:60,40@120`); a curve the person draws on the page is a step shape of many points.
//! Arrivals follow it exactly by thinning (Lewis & Shedler): candidates come as a Poisson stream at
//! the shape's peak rate, and one at time t is kept with probability rate(t) / peak.

use super::decimal::trim;

named_enum!(
    /// The shapes the page offers in one press, around the rate of the moment it is pressed.
    TrafficKind {
        Steady = "steady",
        Spike = "spike",
        Step = "step",
        Wave = "wave",
    }
);

/// Points a step shape may have (a drawn curve has one per segment).
pub const MAX_POINTS: usize = 64;
/// Highest rate a shape may ask for, per second (as the arrival-rate setting).
const MAX_RATE: f64 = 1e6;
/// Latest time a shape may name, in seconds (a day).
const MAX_AT: f64 = 86_400.0;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum TrafficShape {
    /// The arrival-rate setting, unchanging.
    #[default]
    Steady,
    /// From each `(at_s, rate)` on, that rate (before the first, the first's), ascending times.
    Step(Vec<(f64, f64)>),
    /// `base`, and `peak` from `at_s` for `for_s` seconds.
    Spike {
        base: f64,
        peak: f64,
        at_s: f64,
        for_s: f64,
    },
    /// A day's wave: mean + amplitude · sin(2π t / period), never below zero.
    Wave { mean: f64, amp: f64, period_s: f64 },
}

/// A decimal number as people write it (`6`, `0.5`, `12.25`): digits with at most one point.
/// Hand-parsed, as the share link's numbers are, so the page carries no float parser.
fn decimal(s: &str) -> Option<f64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() + frac.len() > 15 {
        return None;
    }
    // Every digit into one integer (at most 15: exact in an f64), then one division.
    let (mut n, mut scale) = (0u64, 1u64);
    for (k, b) in whole.bytes().chain(frac.bytes()).enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
        if k >= whole.len() {
            scale *= 10;
        }
    }
    Some(n as f64 / scale as f64)
}

/// sin(2π·turns), from a polynomial on a quarter turn: plain arithmetic, so native and wasm agree
/// bit for bit, and the page carries no trigonometry (a traffic wave needs no more than 1e-6).
fn sin_turns(turns: f64) -> f64 {
    let t = turns - libm::floor(turns);
    // Fold onto [−¼, ¼]: sin is symmetric about ¼ and antisymmetric about ½.
    let q = if t < 0.25 {
        t
    } else if t < 0.75 {
        0.5 - t
    } else {
        t - 1.0
    };
    let x = 2.0 * std::f64::consts::PI * q;
    let x2 = x * x;
    // Taylor to x¹⁷: the error at π/2 is below 1e-13.
    let mut term = x;
    let mut sum = x;
    for k in 1..=8 {
        term *= -x2 / ((2 * k) * (2 * k + 1)) as f64;
        sum += term;
    }
    sum
}

fn rate(s: &str) -> Result<f64, String> {
    decimal(s)
        .filter(|r| *r <= MAX_RATE)
        .ok_or_else(|| format!("'{s}' is not a rate in 0..=1000000 req/s"))
}

fn seconds(s: &str) -> Result<f64, String> {
    decimal(s)
        .filter(|t| *t <= MAX_AT)
        .ok_or_else(|| format!("'{s}' is not a time in 0..=86400 s"))
}

/// `a@b` into its two parts.
fn at(s: &str) -> Result<(&str, &str), String> {
    s.split_once('@')
        .ok_or_else(|| format!("'{s}' should be RATE@SECOND"))
}

impl TrafficShape {
    /// Reads a shape's text; the error says what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (kind, args) = s.split_once(':').unwrap_or((s, ""));
        let shape = match kind {
            "steady" if args.is_empty() => TrafficShape::Steady,
            "step" => {
                let mut points = Vec::new();
                for p in args.split(',') {
                    let (r, t) = at(p)?;
                    points.push((seconds(t)?, rate(r)?));
                }
                if points.len() > MAX_POINTS {
                    return Err(format!("at most {MAX_POINTS} points"));
                }
                if points.windows(2).any(|w| w[1].0 <= w[0].0) {
                    return Err("the points' seconds must rise".into());
                }
                TrafficShape::Step(points)
            }
            "spike" => {
                let (rates, when) = at(args)?;
                let (base, peak) = rates
                    .split_once(',')
                    .ok_or("spike:BASE,PEAK@START+SECONDS")?;
                let (start, length) = when
                    .split_once('+')
                    .ok_or("spike:BASE,PEAK@START+SECONDS")?;
                TrafficShape::Spike {
                    base: rate(base)?,
                    peak: rate(peak)?,
                    at_s: seconds(start)?,
                    for_s: seconds(length)?,
                }
            }
            "wave" => {
                let (rates, period) = at(args)?;
                let (mean, amp) = rates.split_once(',').ok_or("wave:MEAN,AMPLITUDE@PERIOD")?;
                let period_s = seconds(period)?;
                if period_s < 1.0 {
                    return Err("a wave's period is at least 1 s".into());
                }
                TrafficShape::Wave {
                    mean: rate(mean)?,
                    amp: rate(amp)?,
                    period_s,
                }
            }
            _ => {
                return Err(format!(
                    "'{s}' is not a traffic shape (steady, step:R@S,R@S…, spike:BASE,PEAK@START+SECONDS, wave:MEAN,AMPLITUDE@PERIOD)"
                ));
            }
        };
        if shape.peak(1.0) < 0.01 {
            return Err("the shape never reaches 0.01 req/s".into());
        }
        Ok(shape)
    }

    /// The shape as text (what [`TrafficShape::parse`] reads back).
    pub fn spell(&self) -> String {
        match self {
            TrafficShape::Steady => "steady".into(),
            TrafficShape::Step(points) => {
                let p: Vec<String> = (points.iter())
                    .map(|(t, r)| format!("{}@{}", trim(*r), trim(*t)))
                    .collect();
                format!("step:{}", p.join(","))
            }
            TrafficShape::Spike {
                base,
                peak,
                at_s,
                for_s,
            } => format!(
                "spike:{},{}@{}+{}",
                trim(*base),
                trim(*peak),
                trim(*at_s),
                trim(*for_s)
            ),
            TrafficShape::Wave {
                mean,
                amp,
                period_s,
            } => format!("wave:{},{}@{}", trim(*mean), trim(*amp), trim(*period_s)),
        }
    }

    /// A shape of `kind` around the arrival rate `rate`, starting `lead_s` after `now_s` (the
    /// page's buttons): a spike of 4× for 10 s, a step to 3×, a wave of ±50 % a minute.
    pub fn preset(kind: &str, rate: f64, now_s: f64) -> Self {
        // Tenths of a second and of a request: the text stays short.
        let tenth = |v: f64| libm::round(v * 10.0) / 10.0;
        let (r, start) = (tenth(rate.max(0.1)), tenth(now_s + 2.0));
        match kind {
            "spike" => TrafficShape::Spike {
                base: r,
                peak: tenth(4.0 * r),
                at_s: start,
                for_s: 10.0,
            },
            "step" => TrafficShape::Step(vec![(0.0, r), (start, tenth(3.0 * r))]),
            "wave" => TrafficShape::Wave {
                mean: r,
                amp: tenth(r / 2.0),
                period_s: 60.0,
            },
            _ => TrafficShape::Steady,
        }
    }

    /// The kind's name (the page's choice).
    pub fn kind(&self) -> &'static str {
        match self {
            TrafficShape::Steady => "steady",
            TrafficShape::Step(_) => "step",
            TrafficShape::Spike { .. } => "spike",
            TrafficShape::Wave { .. } => "wave",
        }
    }

    /// Arrivals per second at `t_s` seconds; `steady` is the arrival-rate setting `base`.
    pub fn rate_at(&self, t_s: f64, base: f64) -> f64 {
        match self {
            TrafficShape::Steady => base,
            TrafficShape::Step(points) => {
                let k = points.partition_point(|p| p.0 <= t_s);
                points[k.saturating_sub(1)].1
            }
            TrafficShape::Spike {
                base,
                peak,
                at_s,
                for_s,
            } => {
                if (*at_s..at_s + for_s).contains(&t_s) {
                    *peak
                } else {
                    *base
                }
            }
            TrafficShape::Wave {
                mean,
                amp,
                period_s,
            } => (mean + amp * sin_turns(t_s / period_s)).max(0.0),
        }
    }

    /// The highest rate it ever asks for (thinning draws candidates at this rate).
    pub fn peak(&self, base: f64) -> f64 {
        match self {
            TrafficShape::Steady => base,
            TrafficShape::Step(points) => points.iter().map(|p| p.1).fold(0.0, f64::max),
            TrafficShape::Spike { base, peak, .. } => base.max(*peak),
            TrafficShape::Wave { mean, amp, .. } => mean + amp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_read_back_what_they_write_and_bad_text_is_named() {
        for text in [
            "steady",
            "step:6@0,60@30",
            "step:0.5@0,12.25@1.5",
            "spike:20,200@30+5",
            "wave:60,40@120",
        ] {
            let shape = TrafficShape::parse(text).unwrap();
            assert_eq!(shape.spell(), text);
        }
        for bad in [
            "",
            "ramp:1@2",
            "step:6@30,60@10",
            "step:6",
            "step:x@0",
            "step:-1@0",
            "step:1e9@0",
            "spike:20@30+5",
            "wave:60,40@0",
            "step:0@0",
            "steady:5",
        ] {
            assert!(TrafficShape::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_wave_s_sine_matches_the_library_s() {
        for k in -400..=400 {
            let turns = k as f64 / 97.0;
            let want = (2.0 * std::f64::consts::PI * turns).sin();
            assert!((sin_turns(turns) - want).abs() < 1e-9, "{turns}");
        }
    }

    #[test]
    fn rates_follow_the_shape() {
        let step = TrafficShape::parse("step:6@0,60@30").unwrap();
        assert_eq!(
            [0.0, 29.9, 30.0, 99.0].map(|t| step.rate_at(t, 1.0)),
            [6.0, 6.0, 60.0, 60.0]
        );
        let spike = TrafficShape::parse("spike:20,200@30+5").unwrap();
        assert_eq!(
            [29.0, 30.0, 34.9, 35.0].map(|t| spike.rate_at(t, 1.0)),
            [20.0, 200.0, 200.0, 20.0]
        );
        let wave = TrafficShape::parse("wave:60,40@120").unwrap();
        assert!((wave.rate_at(30.0, 1.0) - 100.0).abs() < 1e-9);
        assert!((wave.rate_at(90.0, 1.0) - 20.0).abs() < 1e-9);
        assert_eq!(wave.peak(1.0), 100.0);
        assert_eq!(TrafficShape::Steady.rate_at(5.0, 42.0), 42.0);
    }
}
