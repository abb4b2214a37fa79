//! Guided lessons: one idea each, a preset system to start from, steps to try, and a live check
//! that watches the World, notices when the person did the step, and explains what the run showed
//! with the run's own figures. Pure model: the page shows [`Lesson`]s and calls
//! [`Progress::observe`] each frame; the tests walk every lesson natively.

mod architecture;
mod balancing;
mod cache;
mod cap;
mod check;
mod concurrency;
mod failover;
mod failure;
mod latency;
mod plan;
mod replication;
mod scaling;
mod security;

pub use check::{BALANCING_WAIT, Progress};
pub use plan::Lesson;

/// The speed lessons are written for: the page's own slow motion, simulated seconds per second of
/// the person's time. Steps state waits in both ("Wait 30 s, 3 s simulated").
pub const SPEED: f64 = 0.1;

use super::world::World;

pub const LESSONS: &[Lesson] = &[
    architecture::LESSON,
    balancing::LESSON,
    failure::LESSON,
    scaling::LESSON,
    latency::LESSON,
    replication::LESSON,
    failover::LESSON,
    cap::LESSON,
    concurrency::LESSON,
    cache::LESSON,
    security::LESSON,
];

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
        if let Some(text) = LESSONS.get(self.lesson).and_then(|l| (l.check)(self, w)) {
            self.record(w, text);
        }
    }
}

/// The lesson with this id.
pub fn find(id: &str) -> Option<usize> {
    LESSONS.iter().position(|l| l.id == id)
}
