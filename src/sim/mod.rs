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
            #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
            fn names(&self) -> Vec<&'static str> {
                $name::ALL.iter().map(|v| v.name()).collect()
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
    /// Every name it takes (for the runner's help and messages).
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    fn names(&self) -> Vec<&'static str>;
}

// The model's public face is this file: the few modules that are tools or formats of their own,
// and the types re-exported below. Every other module is the model's business (`pub(crate)`): the
// page (`src/ui`) and the runner (`src/runner`) may reach into it, a user of the crate may not.

/// Numbers as the page writes them (the lesson texts' figures).
pub mod decimal;
/// One line per client operation: the runner's `--history` and the checker's input.
pub mod history;
/// The lessons: each one's words, preset and live check.
pub mod lesson;
/// The linearizability checker (Wing & Gong with Lowe's memoisation), usable on any history.
pub mod linearizable;
/// A run as text: a share link, replayed event for event.
pub mod share;
/// Simulated time and its units.
pub mod time;

pub(crate) mod anomaly;
pub(crate) mod autoscale;
pub(crate) mod balancer;
pub(crate) mod cache;
pub(crate) mod client;
pub(crate) mod compare;
pub(crate) mod config;
pub(crate) mod effect;
pub(crate) mod event;
pub(crate) mod knob;
pub(crate) mod message;
pub(crate) mod metrics;
pub(crate) mod network;
pub(crate) mod node;
pub(crate) mod quiz;
pub(crate) mod replication;
pub(crate) mod sample;
pub(crate) mod series;
pub(crate) mod server;
pub(crate) mod shape;
pub(crate) mod slab;
pub(crate) mod sort;
pub(crate) mod sorted;
pub(crate) mod summary;
pub(crate) mod trace;
pub(crate) mod traffic;
pub(crate) mod validate;
pub(crate) mod version;
pub(crate) mod world;

pub use balancer::{Backend, Balancer, Strategy};
pub use compare::{Comparison, Variant};
pub use config::{
    Config, ConfigError, DEFAULT_CLIENT_POOL, MAX_SERVERS, PAGE_SERVERS, ServiceDist,
    server_cost_per_hour,
};
pub use event::{Action, Recorded};
pub use knob::Knob;
pub use message::Cause;
pub use metrics::{Metrics, Window};
pub use network::{Job, Message, Observed, Outcome, PacketKind, Payload, WAN_LATENCY_MS};
pub use node::{NodeId, Status};
pub use quiz::QUESTIONS;
pub use replication::{
    ClockKind, Consistency, Database, Pos, ReadFrom, Replica, Replication, Role, SyncAcks,
    Versioned,
};
pub use server::Server;
pub use shape::{TrafficKind, TrafficShape};
pub use summary::Summary;
pub use time::Time;
pub use trace::SpanKind;
pub use world::{Footprint, World};
