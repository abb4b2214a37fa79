//! Simulated time: an integer count of microseconds, and the units the model counts in. A leaf:
//! it imports nothing from the model.

/// Simulated time in microseconds since the run began.
pub type Time = u64;

pub const MS: Time = 1_000;
pub const SECOND: Time = 1_000_000;
/// The resolution of the live figures: samples, windows and charts count in tenths of a simulated
/// second. The model runs in real units, which the page shows in slow motion (0.1× at first), so a
/// tick is about a second of the person's time.
pub const TICK: Time = 100 * MS;
/// Ticks in a simulated second.
pub const TICKS_PER_SECOND: u64 = SECOND / TICK;

/// Converts milliseconds (validated, finite, non-negative) to simulated time, rounding to the µs.
pub fn from_ms(ms: f64) -> Time {
    round_us(ms * 1_000.0)
}

/// Rounds a non-negative duration in µs to the nearest µs (half up). Plain arithmetic rather than
/// `f64::round`, which is a library call on the hot path.
pub fn round_us(us: f64) -> Time {
    (us + 0.5) as Time
}
