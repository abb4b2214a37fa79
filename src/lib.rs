//! ClusterScope: an interactive distributed-systems playground.
//! `sim` is the model (plain Rust, runs anywhere); `ui` is the Yew view that projects it.

pub mod sim;
pub mod ui;
