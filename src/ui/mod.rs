//! The view: Yew function components that project the [`World`](crate::sim::World) and dispatch
//! actions. Nothing here decides an outcome.

mod app;
mod controls;
mod database;
mod diagram;
mod figures;
pub mod geometry;
mod panic;
pub mod state;

pub use app::App;
pub use panic::install_panic_hook;
