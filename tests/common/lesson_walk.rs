//! Driving a lesson as the page does: the World stepped a frame (100 ms) at a time, the lesson's
//! check looking at each frame.

use clusterscope::sim::World;
use clusterscope::sim::event::{MS, SECOND};
use clusterscope::sim::lesson::Progress;

/// Runs `secs` more seconds, observing every 100 ms as the page does each frame.
pub fn run(w: &mut World, p: &mut Progress, secs: u64) {
    let end = w.now() + secs * SECOND;
    while w.now() < end {
        let t = w.now() + 100 * MS;
        w.step_until(t);
        p.observe(w);
    }
}
