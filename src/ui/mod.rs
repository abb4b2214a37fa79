//! The view: Yew function components that project the [`World`](crate::sim::World) and dispatch
//! actions. Nothing here decides an outcome.

mod app;
mod balancer;
pub mod bench;
mod charts;
mod compare;
mod controls;
mod database;
mod diagram;
mod field;
mod figures;
mod files;
pub mod geometry;
mod guide;
mod inspector;
mod learn;
mod log;
mod markup;
pub mod network;
mod nodes;
mod packets;
mod panels;
mod panic;
mod pure;
pub mod route;
mod scaling;
pub mod state;
mod top_bar;
mod view;
mod waterfall;
mod widgets;

pub use app::App;
pub use packets::{MAX_PACKETS, PacketLayer};
pub use panic::install_panic_hook;
