//! What a lesson is: its words, the system it starts from, and its check.

use crate::sim::config::Config;

pub struct Lesson {
    /// Short id (`data-lesson`, storage).
    pub id: &'static str,
    pub title: &'static str,
    /// The idea, in a few sentences.
    pub idea: &'static str,
    /// What to do.
    pub steps: &'static [&'static str],
    /// What to look at while doing it.
    pub watch: &'static str,
    /// Parts checked and explained in turn (the steps say where each begins).
    pub parts: usize,
    pub(super) preset: fn(&mut Config),
}

impl Lesson {
    /// The system the lesson starts from (the seed is fixed: every reader sees the same run).
    pub fn config(&self) -> Config {
        let mut c = Config {
            seed: 7,
            ..Config::default()
        };
        (self.preset)(&mut c);
        c
    }
}
