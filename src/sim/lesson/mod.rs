//! Guided lessons: one idea each, a preset system to start from, steps to try, and a live check
//! that watches the World, notices when the person did the step, and explains what the run showed
//! with the run's own figures. Pure model: the page shows [`Lesson`]s and calls
//! [`Progress::observe`] each frame; the tests walk every lesson natively.

mod architecture;
mod autoscale;
mod balancing;
mod cache;
mod cap;
mod check;
mod concurrency;
mod failover;
mod failure;
mod latency;
mod overload;
mod plan;
mod replication;
mod scaling;
mod security;

pub use check::{BALANCING_WAIT, Progress};
pub use overload::OVERLOAD_RATE;
pub use plan::Lesson;

/// The speed lessons are written for: the page's own slow motion, simulated seconds per second of
/// the person's time. Steps state waits in both ("Wait 30 s, 3 s simulated").
pub const SPEED: f64 = 0.1;

use super::world::World;

/// The lessons in order, and the check of each, from one list.
macro_rules! lessons {
    ($($id:ident),+) => {
        pub const LESSONS: &[Lesson] = &[$($id::LESSON),+];

        /// The check of the lesson in progress, called directly: through a `fn` pointer in each
        /// `Lesson` the page's wasm was 0.4 KB larger (gzip), as the checks no longer inline.
        fn check(p: &mut Progress, w: &World) -> Option<String> {
            let mut k = 0;
            $(
                if p.lesson == k {
                    return $id::check(p, w);
                }
                k += 1;
            )+
            let _ = k;
            None
        }
    };
}

lessons!(
    architecture,
    balancing,
    failure,
    scaling,
    latency,
    replication,
    failover,
    cap,
    concurrency,
    cache,
    security,
    overload,
    autoscale
);

impl Progress {
    /// Every part explained.
    pub fn done(&self) -> bool {
        LESSONS
            .get(self.lesson)
            .is_none_or(|l| self.parts.len() >= l.parts)
    }

    /// Looks at the World one frame on; once a part's step is done, keeps its explanation, with the
    /// consistency counters that moved during the part.
    pub fn observe(&mut self, w: &World) {
        if self.done() {
            return;
        }
        self.begin(w);
        if let Some(text) = check(self, w) {
            self.record(w, text);
        }
    }
}

/// The lesson with this id.
pub fn find(id: &str) -> Option<usize> {
    LESSONS.iter().position(|l| l.id == id)
}
