//! ClusterScope: an interactive distributed-systems playground.
//! `sim` is the model (plain Rust, runs anywhere); `ui` is the Yew view that projects it.

pub mod runner;
pub mod sim;
#[cfg(feature = "web")]
pub mod ui;
