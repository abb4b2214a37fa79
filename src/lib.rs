//! ClusterScope: an interactive distributed-systems playground.
//! `sim` is the model (plain Rust, runs anywhere); `ui` is the Yew view that projects it.

// Not in the page's build (wasm32-unknown-unknown): its command line has no place there.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub mod runner;
pub mod sim;
#[cfg(feature = "web")]
pub mod ui;
