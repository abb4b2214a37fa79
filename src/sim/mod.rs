//! The model: a deterministic discrete-event simulation of clients, a load balancer, servers and a
//! replicated database. Nothing here knows about the browser; the view projects a [`World`] and sends
//! it [`Action`]s, and the headless runner drives the very same code.

/// An enum of named values (for flags, selects and links): `ALL`, `name()`, `Display`, `FromStr`.
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn name(self) -> &'static str { match self { $($name::$variant => $text),+ } }
        }
        impl $crate::sim::Named for $name {
            fn text(&self) -> &'static str { self.name() }
            fn set_text(&mut self, s: &str) -> bool {
                match $name::ALL.iter().find(|v| v.name() == s) {
                    Some(v) => { *self = *v; true }
                    None => false,
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.name()) }
        }
        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
                    let names: Vec<_> = $name::ALL.iter().map(|v| v.name()).collect();
                    format!("unknown value '{s}' (expected {})", names.join(" or "))
                })
            }
        }
    };
}

/// A value with a name in text (every `named_enum!`), read and written without knowing its type.
pub trait Named {
    fn text(&self) -> &'static str;
    /// Takes the value named `s`; false (and unchanged) if there is none.
    fn set_text(&mut self, s: &str) -> bool;
}

pub mod anomaly;
pub mod balancer;
pub mod cache;
pub mod compare;
pub mod config;
pub mod decimal;
pub mod event;
pub mod history;
pub mod knob;
pub mod lesson;
pub mod linearizable;
pub mod message;
pub mod metrics;
pub mod network;
pub mod node;
pub mod quiz;
pub mod replication;
pub mod sample;
pub mod series;
pub mod server;
pub mod share;
pub mod slab;
pub mod sort;
pub mod sorted;
pub mod summary;
pub mod time;
pub mod trace;
pub mod traffic;
pub mod version;
pub mod world;

pub use balancer::Strategy;
pub use config::{Config, ConfigError, ServiceDist};
pub use event::Action;
pub use knob::Knob;
pub use message::Cause;
pub use metrics::Metrics;
pub use network::{Job, Message, Observed, Outcome, PacketKind, Payload};
pub use node::NodeId;
pub use node::Status;
pub use replication::{
    ClockKind, Consistency, Database, Pos, ReadFrom, Replica, Replication, Role, SyncAcks,
    Versioned,
};
pub use server::Server;
pub use time::Time;
pub use world::World;
