//! The model: a deterministic discrete-event simulation of clients, a load balancer, servers and a
//! replicated database. Nothing here knows about the browser; the view projects a [`World`] and sends
//! it [`Action`]s, and the headless runner drives the very same code.

pub mod balancer;
pub mod config;
pub mod event;
pub mod history;
pub mod message;
pub mod metrics;
pub mod network;
pub mod replication;
pub mod sample;
pub mod server;
pub mod slab;
pub mod summary;
pub mod traffic;
pub mod world;

pub use balancer::Strategy;
pub use config::{Config, ConfigError, ServiceDist};
pub use event::{Action, Time};
pub use metrics::{Cause, Metrics};
pub use network::{Job, Message, NodeId, Observed, Outcome, PacketKind, Payload};
pub use replication::{
    ClockKind, Consistency, Database, Pos, ReadFrom, Replica, Replication, Role, SyncAcks,
    Versioned,
};
pub use server::{Server, Status};
pub use world::World;
