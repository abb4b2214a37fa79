//! Driving a lesson as the page does: the World stepped a frame at a time at the lessons' speed, the
//! lesson's check looking at each frame. Times here are the person's (wall) seconds; at the lessons'
//! 0.1× slow motion, ten of them are one simulated second.

use clusterscope::sim::World;
use clusterscope::sim::lesson::{Progress, SPEED};
use clusterscope::sim::time::{MS, SECOND, Time};

/// Simulated time per observed frame: 100 ms of the person's time.
pub const FRAME: Time = 10 * MS;

/// The simulated time `secs` of the person's seconds take at the lessons' speed.
pub fn wall(secs: u64) -> Time {
    (secs as f64 * SPEED * SECOND as f64).round() as Time
}

/// Runs `secs` more of the person's seconds, observing every frame.
pub fn run(w: &mut World, p: &mut Progress, secs: u64) {
    let end = w.now() + wall(secs);
    while w.now() < end {
        let t = w.now() + FRAME;
        w.step_until(t);
        p.observe(w);
    }
}
