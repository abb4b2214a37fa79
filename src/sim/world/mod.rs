//! The World is the engine: it owns the clock, the event queue, the network and the one random
//! generator, hands each node (clients, balancer, servers, database) the messages and timers that
//! reach it, carries out what the node asks (`nodes.rs`), applies people's actions, and measures.
//! Same seed, same config and the same timed actions give the same run, event for event, on every
//! target.

mod actions;
mod chaos;
mod nodes;
mod observe;
mod read;
mod scaling;
mod tune;
pub use scaling::Scaling;
pub use tune::Footprint;
mod waterfall;

use std::collections::VecDeque;

use rand::SeedableRng;

use super::autoscale::Autoscaler;
use super::balancer::Balancer;
use super::client::Client;
use super::config::{Config, ConfigError};
use super::event::{Action, Event, EventQueue, Lane};
use super::event::{MAX_ACTIONS, Recorded};
use super::history::Op;
use super::linearizable::{Incremental, LiveCheck};
use super::message::{Message, PacketKind, Payload};
use super::metrics::Metrics;
use super::network::{LinkSpec, Network};
use super::node::NodeId;
use super::replication::{Database, DbConfig, Outbox};
use super::sample::SimRng;
use super::series::Series;
use super::server::Server;
use super::slab::Slab;
use super::time::{MS, Time, from_ms};
use super::trace::Trace;

/// A request failed, or work was lost, at `node` at time `at` (the view draws a red burst there).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    pub at: Time,
    pub node: NodeId,
}

/// A line of the event log, in plain words.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub at: Time,
    pub node: Option<NodeId>,
    pub text: String,
}

/// States the live linearizability check may spend per window, and per database tick (a quarter
/// heartbeat): a few states an operation is enough for ordinary traffic many times over, and 2,000
/// (a few ms) keep a frame smooth when a failover or thousands of requests a second make the search
/// hard (20,000 took 30 ms a tick at 5,000 req/s).
const LIVE_WINDOW_BUDGET: u64 = 2_000_000;
const LIVE_TICK_BUDGET: u64 = 2_000;

/// How long a burst stays listed, and how many are kept at most.
pub const BURST_LIFETIME: Time = 800 * MS;
const MAX_BURSTS: usize = 64;
const MAX_LOG: usize = 200;

pub struct World {
    cfg: Config,
    /// The settings it started with (a shared link replays from these).
    initial: Config,
    now: Time,
    queue: EventQueue,
    rng: SimRng,
    network: Network,
    client: Client,
    balancer: Balancer,
    servers: Vec<Server>,
    db: Database,
    messages: Slab<Message>,
    /// Non-probe messages in flight (the run is settled when this and the clients' requests are
    /// none).
    busy_messages: usize,
    metrics: Metrics,
    bursts: VecDeque<Burst>,
    log: VecDeque<LogEntry>,
    /// Lines ever written to the log: every change worth a line bumps it, so the view can skip
    /// redrawing panels while it stands still.
    notes: u64,
    /// The last message's id.
    next_id: u64,
    trace: u64,
    events: u64,
    outbox: Outbox,
    /// What a node's handler asked for, carried out at once (kept to reuse its allocation).
    effects: Vec<crate::sim::effect::Effect>,
    /// The next server epoch to hand out (epochs are unique in a run).
    next_epoch: u32,
    /// Client operations, when recording (the runner's `--history`).
    history: Option<Vec<Op>>,
    /// The linearizability check of the run so far, when on (the page's verdict), and whether its
    /// violation has been written to the log.
    live: Option<Box<dyn Incremental>>,
    live_logged: bool,
    /// When the live check last started afresh.
    live_since: Time,
    /// The last minute, second by second, for the charts.
    series: Series,
    /// Bumped when chaos mode is switched on, voiding an earlier chain of chaos events.
    chaos_gen: u32,
    /// Nodes chaos crashed and will bring back.
    chaos_down: Vec<(NodeId, Time)>,
    /// The request being followed for the waterfall, and whether to follow the next one issued.
    waterfall: Option<Trace>,
    trace_next: bool,
    /// The person's actions, when recording them for a shareable link.
    recorded: Option<Vec<Recorded>>,
    actions_dropped: bool,
    autoscaler: Autoscaler,
    /// Server-µs of the servers retired so far (what the fleet cost, with those still in it), and
    /// the service they finished.
    retired_us: u64,
    retired_work_us: u64,
    /// The largest the fleet has been.
    max_fleet: usize,
}

impl World {
    pub fn new(cfg: Config) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let link = LinkSpec {
            latency_ms: cfg.latency_ms,
            jitter_ms: cfg.jitter_ms,
            bandwidth_mbps: cfg.bandwidth_mbps,
        };
        let mut world = Self {
            now: 0,
            queue: EventQueue::default(),
            rng: SimRng::seed_from_u64(cfg.seed),
            network: Network::new(link),
            client: Client::new(&cfg),
            balancer: Balancer::new(cfg.strategy, cfg.servers, cfg.retry_budget),
            servers: (0..cfg.servers)
                .map(|i| Server::new(0, 1, i as u32))
                .collect(),
            next_epoch: cfg.servers as u32,
            db: Database::new(cfg.replicas, cfg.keys, cfg.clock_skew_ms, db_config(&cfg)),
            messages: Slab::default(),
            busy_messages: 0,
            metrics: Metrics::default(),
            bursts: VecDeque::new(),
            log: VecDeque::new(),
            notes: 0,
            next_id: 0,
            trace: 0xcbf2_9ce4_8422_2325,
            events: 0,
            outbox: Vec::new(),
            effects: Vec::new(),
            history: None,
            live: None,
            live_logged: false,
            live_since: 0,
            series: Series::default(),
            chaos_gen: 0,
            chaos_down: Vec::new(),
            waterfall: None,
            trace_next: false,
            recorded: None,
            actions_dropped: false,
            autoscaler: Autoscaler::default(),
            retired_us: 0,
            retired_work_us: 0,
            max_fleet: cfg.servers,
            initial: cfg.clone(),
            cfg,
        };
        (world.balancer).set_timeout(from_ms(world.cfg.timeout_ms));
        world.at_client(super::client::Input::Start);
        world
            .queue
            .push(from_ms(world.cfg.heartbeat_ms), Event::DbTick);
        world.at_balancer(super::balancer::Input::ArmProbes);
        world.arm_chaos();
        world.arm_autoscaler();
        Ok(world)
    }

    // ---- driving -------------------------------------------------------------------------------

    /// Starts (or stops) recording every client operation.
    pub fn record_history(&mut self, on: bool) {
        self.history = on.then(Vec::new);
    }

    /// Starts (or stops) checking the run's operations for linearizability as they complete.
    pub fn check_live(&mut self, on: bool) {
        self.live =
            on.then(|| Box::new(LiveCheck::new(LIVE_WINDOW_BUDGET)) as Box<dyn Incremental>);
        self.live_logged = false;
        self.live_since = self.now;
    }

    /// Checks what can be checked: every operation still in flight began at or after the oldest
    /// request's issue. A violation found is written to the log once, with its operations.
    fn advance_live(&mut self) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let watermark = self.client.oldest().unwrap_or(self.now);
        live.advance(watermark, LIVE_TICK_BUDGET);
        if self.live_logged {
            return;
        }
        let Some(v) = live.verdict().violation else {
            return;
        };
        self.live_logged = true;
        self.note(None, format!("Not linearizable: {}", v.text));
        for op in v.ops.iter().rev() {
            self.note(None, format!("  · {}", op.describe()));
        }
    }

    /// The operations recorded since the last call (the caller writes them out).
    pub fn take_history(&mut self) -> Vec<Op> {
        self.history
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Stops issuing new requests once `n` have been issued in all.
    pub fn set_issue_limit(&mut self, n: Option<u64>) {
        self.client.set_limit(n);
    }

    /// Leaves requests issued before `t` out of the latency statistics.
    pub fn set_warmup(&mut self, t: Time) {
        self.metrics.warmup = t;
    }

    /// The settings the run started with.
    pub fn initial_config(&self) -> &Config {
        &self.initial
    }

    /// Starts (or stops) recording the actions applied through [`World::act`].
    pub fn record_actions(&mut self, on: bool) {
        self.recorded = on.then(Vec::new);
    }

    /// The actions recorded so far, each with the point it was applied at (at most
    /// [`MAX_ACTIONS`]: a longer run can no longer be shared in full).
    pub fn recorded(&self) -> &[Recorded] {
        self.recorded.as_deref().unwrap_or_default()
    }

    /// Applies an action a person took now, recording it if recording is on (the World's own
    /// follow-ups, like chaos repairs, go through `apply` and are not recorded: replaying the
    /// person's actions brings them about again).
    pub fn act(&mut self, action: Action) {
        if let Some(r) = self.recorded.as_mut() {
            if r.len() < MAX_ACTIONS {
                r.push(Recorded {
                    events: self.events,
                    at: self.now,
                    action: action.clone(),
                });
            } else {
                self.actions_dropped = true;
            }
        }
        self.apply(action);
    }

    /// Whether an action came after the record was full (a link then replays only the start).
    pub fn actions_dropped(&self) -> bool {
        self.actions_dropped
    }

    /// Schedules an action at simulated time `at` (now, if `at` is already past).
    pub fn schedule(&mut self, at: Time, action: Action) {
        self.queue
            .push(at.max(self.now), Event::Act(Box::new(action)));
    }

    /// Handles every event due up to and including `t`, then sets the clock to `t`.
    pub fn step_until(&mut self, t: Time) {
        while let Some((at, event)) = self.queue.pop_until(t) {
            self.run(at, event);
        }
        self.now = self.now.max(t);
    }

    /// Like [`World::step_until`], but handles at most `budget` events (a frame's worth of work);
    /// returns whether it reached `t`. If not, the clock stays at the last event handled, so the
    /// run is the same, only later.
    pub fn step_until_within(&mut self, t: Time, budget: u64) -> bool {
        for _ in 0..budget {
            let Some((at, event)) = self.queue.pop_until(t) else {
                self.now = self.now.max(t);
                return true;
            };
            self.run(at, event);
        }
        if self.queue.next_time().is_some_and(|at| at <= t) {
            return false;
        }
        self.now = self.now.max(t);
        true
    }

    /// Handles the next event, if any; returns whether there was one.
    pub fn step(&mut self) -> bool {
        let Some((at, event)) = self.queue.pop() else {
            return false;
        };
        self.run(at, event);
        true
    }

    /// Handles one event, due at `at`.
    fn run(&mut self, at: Time, event: Event) {
        while at >= self.series.due() {
            self.close_second();
        }
        self.now = at;
        self.events += 1;
        self.mix(at ^ event.tag() << 56);
        self.handle(event);
    }

    /// Time of the next event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.next_time()
    }

    // ---- shared internals ----------------------------------------------------------------------

    fn mix(&mut self, v: u64) {
        // FNV-1a-style over the event stream.
        self.trace = (self.trace ^ v).wrapping_mul(0x100_0000_01b3);
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Chaos(generation) => self.chaos(generation),
            Event::ChaosRepair(node) => self.chaos_repair(node),
            Event::Deliver(h) => {
                if let Some(msg) = self.messages.remove(h) {
                    if msg.kind() != PacketKind::Probe {
                        self.busy_messages -= 1;
                    }
                    if self.waterfall.is_some() {
                        self.trace_hop(&msg);
                    }
                    self.deliver(msg);
                }
            }
            Event::Arrival(_)
            | Event::ServiceDone { .. }
            | Event::AttemptTimeout { .. }
            | Event::Retry(_)
            | Event::ProbeTick
            | Event::ProbeTimeout { .. }
            | Event::HalfOpen { .. } => self.timer(event),
            Event::AutoscaleTick => self.autoscale_tick(),
            Event::Launch => self.launched(),
            Event::DbTimer => {
                self.db.on_timer(self.now, &mut self.outbox);
                self.flush();
            }
            Event::DbTick => {
                self.db.tick(
                    self.now,
                    self.servers.len(),
                    &mut self.rng,
                    &mut self.outbox,
                );
                self.flush();
                let (moved, discarded) = self.db.take_merged();
                let anomalies = &mut self.client.anomalies;
                for (from, to) in moved {
                    anomalies.moved(from, to);
                }
                for p in discarded {
                    anomalies.rolled_back(p);
                }
                let db = &self.db;
                anomalies.resolve(|p| db.fate_of(p));
                self.advance_live();
                let next = self.now + from_ms(self.cfg.heartbeat_ms / 4.0);
                self.queue.push(next, Event::DbTick);
            }
            Event::Act(action) => self.apply(*action),
        }
    }

    /// Puts a message on the wire; returns false if the link is cut (the message is lost). A
    /// replica's answer to a query leaves once the query's own time in the database has passed.
    fn send(&mut self, from: NodeId, to: NodeId, payload: Payload) -> bool {
        let at = match (from, &payload) {
            (NodeId::Db(_), Payload::QueryReply(..)) => self.now + from_ms(self.cfg.db_service_ms),
            _ => self.now,
        };
        let Some((sent, arrives)) =
            self.network
                .transmit(at, from, to, payload.size(), &mut self.rng)
        else {
            return false;
        };
        if payload.kind() != PacketKind::Probe {
            self.busy_messages += 1;
        }
        self.next_id += 1;
        let h = self.messages.insert(
            self.next_id,
            Message {
                from,
                to,
                queued: at,
                sent,
                arrives,
                payload,
            },
        );
        self.queue
            .push_lane(Lane::Deliveries, arrives, Event::Deliver(h));
        true
    }

    /// Sends what a component put in the outbox, and schedules what it asked for.
    fn flush(&mut self) {
        for at in self.db.take_timers() {
            self.queue.push(at, Event::DbTimer);
        }
        for (j, text) in self.db.take_notices() {
            self.note(Some(NodeId::Db(j)), text);
        }
        let mut out = std::mem::take(&mut self.outbox);
        for (from, to, payload) in out.drain(..) {
            self.send(from, to, payload);
        }
        self.outbox = out;
    }

    fn burst(&mut self, node: NodeId) {
        while self
            .bursts
            .front()
            .is_some_and(|b| self.now - b.at >= BURST_LIFETIME)
            || self.bursts.len() >= MAX_BURSTS
        {
            self.bursts.pop_front();
        }
        self.bursts.push_back(Burst { at: self.now, node });
    }

    fn note(&mut self, node: Option<NodeId>, text: String) {
        self.notes += 1;
        if self.log.len() >= MAX_LOG {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry {
            at: self.now,
            node,
            text,
        });
    }
}

fn db_config(cfg: &Config) -> DbConfig {
    DbConfig {
        replication: cfg.replication,
        sync_acks: cfg.sync_acks,
        read_from: cfg.read_from,
        consistency: cfg.consistency,
        heartbeat: from_ms(cfg.heartbeat_ms),
        failover_timeout: from_ms(cfg.failover_ms),
        ship_delay: from_ms(cfg.async_ship_ms),
        cas: cfg.cas,
        write_quorum: cfg.write_quorum,
        read_quorum: cfg.read_quorum,
        clock: cfg.clock,
        quorum_timeout: from_ms(cfg.failover_ms / 2.0),
        anti_entropy: from_ms(cfg.anti_entropy_ms),
    }
}
