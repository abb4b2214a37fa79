//! The World owns the clock, the event queue and the one random generator, and moves every request
//! along client → balancer → server → database → back. Same seed, same config and the same timed
//! actions give the same run, event for event, on every target.

use std::collections::VecDeque;

use rand::SeedableRng;

use super::balancer::{Balancer, Strategy};
use super::config::{Config, ConfigError, MAX_SERVERS};
use super::event::{Action, Event, EventQueue, MS, Time, from_ms};
use super::metrics::{Cause, Metrics};
use super::network::{Message, NodeId, Payload};
use super::replication::{Applied, Replica, Role};
use super::sample::{self, SimRng};
use super::server::{Server, Status};
use super::slab::{Handle, Slab};

/// A client request while it is in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: u64,
    pub issued: Time,
    pub write: bool,
    pub key: u32,
    /// The server the balancer gave it to.
    pub server: Option<usize>,
    /// Whether that server still holds it (counted in its `pending`).
    pub held: bool,
}

/// A request failed at `node` at time `at` (the view draws a red burst there).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    pub at: Time,
    pub node: NodeId,
}

/// How long a burst stays listed, and how many are kept at most.
pub const BURST_LIFETIME: Time = 800 * MS;
const MAX_BURSTS: usize = 64;

pub struct World {
    cfg: Config,
    now: Time,
    queue: EventQueue,
    rng: SimRng,
    balancer: Balancer,
    servers: Vec<Server>,
    replicas: Vec<Replica>,
    leader: usize,
    requests: Slab<Request>,
    messages: Slab<Message>,
    metrics: Metrics,
    bursts: VecDeque<Burst>,
    next_id: u64,
    /// Stop issuing once this many requests were issued (the runner's `--requests`).
    issue_limit: Option<u64>,
    trace: u64,
}

impl World {
    pub fn new(cfg: Config) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let mut world = Self {
            now: 0,
            queue: EventQueue::default(),
            rng: SimRng::seed_from_u64(cfg.seed),
            balancer: Balancer::new(cfg.strategy),
            servers: (0..cfg.servers).map(|_| Server::new(0)).collect(),
            replicas: (0..cfg.replicas)
                .map(|i| Replica::new(if i == 0 { Role::Leader } else { Role::Follower }, cfg.keys))
                .collect(),
            leader: 0,
            requests: Slab::default(),
            messages: Slab::default(),
            metrics: Metrics::default(),
            bursts: VecDeque::new(),
            next_id: 0,
            issue_limit: None,
            trace: 0xcbf2_9ce4_8422_2325,
            cfg,
        };
        world.schedule_arrival();
        Ok(world)
    }

    // ---- reading -------------------------------------------------------------------------------

    pub fn config(&self) -> &Config {
        &self.cfg
    }
    pub fn now(&self) -> Time {
        self.now
    }
    pub fn strategy(&self) -> Strategy {
        self.balancer.strategy
    }
    pub fn balancer(&self) -> &Balancer {
        &self.balancer
    }
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }
    pub fn replicas(&self) -> &[Replica] {
        &self.replicas
    }
    pub fn leader(&self) -> usize {
        self.leader
    }
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
    /// Requests issued and not yet answered or failed.
    pub fn in_flight(&self) -> u64 {
        self.requests.len() as u64
    }
    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter().map(|(_, r)| r)
    }
    /// Messages on the wire now, in a stable order.
    pub fn messages(&self) -> impl Iterator<Item = (Handle, &Message)> {
        self.messages.iter()
    }
    /// Recent failures, oldest first.
    pub fn bursts(&self) -> impl Iterator<Item = &Burst> {
        self.bursts
            .iter()
            .filter(|b| self.now.saturating_sub(b.at) < BURST_LIFETIME)
    }
    /// A fingerprint of every event handled so far, in order: equal runs have equal hashes.
    pub fn trace_hash(&self) -> u64 {
        self.trace
    }
    /// Nothing left to happen but new arrivals: no request or message in flight.
    pub fn is_settled(&self) -> bool {
        self.requests.is_empty() && self.messages.is_empty()
    }
    pub fn node_status(&self, node: NodeId) -> Option<Status> {
        match node {
            NodeId::Client | NodeId::Lb => Some(Status::Up),
            NodeId::Server(i) => self.servers.get(i).map(|s| s.status),
            NodeId::Db(j) => self.replicas.get(j).map(|r| r.status),
        }
    }

    // ---- driving -------------------------------------------------------------------------------

    /// Stops issuing new requests once `n` have been issued in all.
    pub fn set_issue_limit(&mut self, n: Option<u64>) {
        self.issue_limit = n;
    }

    /// Schedules an action at simulated time `at` (now, if `at` is already past).
    pub fn schedule(&mut self, at: Time, action: Action) {
        self.queue.push(at.max(self.now), Event::Act(action));
    }

    /// Handles every event due up to and including `t`, then sets the clock to `t`.
    pub fn step_until(&mut self, t: Time) {
        while let Some(at) = self.queue.next_time() {
            if at > t {
                break;
            }
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Handles the next event, if any; returns whether there was one.
    pub fn step(&mut self) -> bool {
        let Some((at, event)) = self.queue.pop() else {
            return false;
        };
        self.now = at;
        self.mix(at);
        self.handle(event);
        true
    }

    /// Time of the next event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.next_time()
    }

    /// Applies an action now.
    pub fn apply(&mut self, action: Action) {
        self.mix(0xac7);
        match action {
            Action::Fail(NodeId::Server(i)) if i < self.servers.len() => self.crash_server(i),
            Action::Recover(NodeId::Server(i)) if i < self.servers.len() => {
                let s = &mut self.servers[i];
                if s.status == Status::Down {
                    s.account(self.now);
                    s.status = Status::Up;
                }
            }
            Action::Fail(NodeId::Db(j)) if j < self.replicas.len() => {
                self.replicas[j].status = Status::Down;
            }
            Action::Recover(NodeId::Db(j)) if j < self.replicas.len() => self.recover_replica(j),
            Action::SetStrategy(s) => self.balancer.strategy = s,
            Action::AddServer => self.add_server(),
            Action::RemoveServer => self.remove_server(),
            // The client and the balancer do not fail in this model; unknown nodes do nothing.
            Action::Fail(_) | Action::Recover(_) => {}
        }
    }

    // ---- internals -----------------------------------------------------------------------------

    fn mix(&mut self, v: u64) {
        // FNV-1a over the event stream.
        self.trace = (self.trace ^ v).wrapping_mul(0x100_0000_01b3);
    }

    fn schedule_arrival(&mut self) {
        if self.issue_limit.is_some_and(|n| self.next_id >= n) {
            return;
        }
        let gap = sample::exponential(&mut self.rng, SECOND_F / self.cfg.arrival_rate);
        self.queue
            .push(self.now + gap.round() as Time, Event::Arrival);
    }

    fn send(&mut self, from: NodeId, to: NodeId, payload: Payload) {
        let arrives = self.now + from_ms(self.cfg.latency_ms);
        let msg = Message {
            from,
            to,
            sent: self.now,
            arrives,
            payload,
        };
        self.next_id += 1;
        let h = self.messages.insert(self.next_id, msg);
        self.queue.push(arrives, Event::Deliver(h));
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival => self.arrive(),
            Event::Deliver(h) => {
                if let Some(msg) = self.messages.remove(h) {
                    self.mix(h.id);
                    self.deliver(msg);
                }
            }
            Event::ServiceDone { server, epoch, req } => self.service_done(server, epoch, req),
            Event::Act(action) => self.apply(action),
        }
    }

    fn arrive(&mut self) {
        if self.issue_limit.is_some_and(|n| self.metrics.issued >= n) {
            return;
        }
        self.next_id += 1;
        let write = sample::chance(&mut self.rng, self.cfg.write_ratio);
        let key = sample::below(&mut self.rng, self.cfg.keys as usize) as u32;
        let req = Request {
            id: self.next_id,
            issued: self.now,
            write,
            key,
            server: None,
            held: false,
        };
        let h = self.requests.insert(self.next_id, req);
        self.metrics.issued += 1;
        self.send(NodeId::Client, NodeId::Lb, Payload::Request(h));
        self.schedule_arrival();
    }

    fn deliver(&mut self, msg: Message) {
        match (msg.to, msg.payload) {
            (NodeId::Lb, Payload::Request(r)) => self.balance(r),
            (NodeId::Server(i), Payload::Request(r)) => self.server_receive(i, r),
            (NodeId::Db(j), Payload::Request(r)) => self.db_receive(j, r),
            (NodeId::Server(i), Payload::Response(r)) => {
                if self.servers.get(i).is_some_and(|s| s.status == Status::Up) {
                    self.respond(i, r);
                } else {
                    self.fail(r, Cause::ServerDown, NodeId::Server(i));
                }
            }
            (NodeId::Lb, Payload::Response(r)) => {
                self.send(NodeId::Lb, NodeId::Client, Payload::Response(r))
            }
            (NodeId::Client, Payload::Response(r)) => {
                if let Some(req) = self.requests.remove(r) {
                    self.metrics.succeed(self.now, self.now - req.issued);
                }
            }
            (NodeId::Db(j), payload) => self.replica_receive(j, msg.from, payload),
            // Nothing else is ever sent.
            _ => {}
        }
    }

    fn balance(&mut self, r: Handle) {
        if self.requests.get(r).is_none() {
            return;
        }
        let servers = &self.servers;
        let pick = self
            .balancer
            .pick(servers.len(), |i| servers[i].accepts_work(), &mut self.rng);
        match pick {
            None => self.fail(r, Cause::NoServer, NodeId::Lb),
            Some(i) => {
                self.mix(i as u64);
                if let Some(req) = self.requests.get_mut(r) {
                    req.server = Some(i);
                    req.held = true;
                }
                self.servers[i].pending += 1;
                self.send(NodeId::Lb, NodeId::Server(i), Payload::Request(r));
            }
        }
    }

    fn server_receive(&mut self, i: usize, r: Handle) {
        let (workers, cap) = (self.cfg.workers, self.cfg.queue_cap);
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        if s.status == Status::Down {
            self.fail(r, Cause::ServerDown, NodeId::Server(i));
        } else if s.busy.len() < workers {
            self.start_service(i, r);
        } else if s.queue.len() < cap {
            s.queue.push_back(r);
        } else {
            self.fail(r, Cause::QueueFull, NodeId::Server(i));
        }
    }

    fn start_service(&mut self, i: usize, r: Handle) {
        let now = self.now;
        let s = &mut self.servers[i];
        s.account(now);
        s.busy.push(r);
        let epoch = s.epoch;
        let d = sample::exponential(&mut self.rng, self.cfg.service_ms * MS_F);
        self.queue.push(
            now + d.round() as Time,
            Event::ServiceDone {
                server: i,
                epoch,
                req: r,
            },
        );
    }

    fn service_done(&mut self, i: usize, epoch: u32, r: Handle) {
        let now = self.now;
        let Some(s) = self.servers.get_mut(i) else {
            return;
        };
        if s.epoch != epoch {
            return; // the server crashed since; the request already failed
        }
        s.account(now);
        s.busy.retain(|&b| b != r);
        if let Some(next) = s.queue.pop_front() {
            self.start_service(i, next);
        }
        if self.requests.get(r).is_none() {
            return;
        }
        if self.cfg.use_db {
            self.send(
                NodeId::Server(i),
                NodeId::Db(self.leader),
                Payload::Request(r),
            );
        } else {
            self.respond(i, r);
        }
    }

    /// Server `i` sends its answer to request `r` back towards the client.
    fn respond(&mut self, i: usize, r: Handle) {
        let Some(req) = self.requests.get_mut(r) else {
            return;
        };
        req.held = false;
        let s = &mut self.servers[i];
        s.served += 1;
        s.pending -= 1;
        self.send(NodeId::Server(i), NodeId::Lb, Payload::Response(r));
        self.retire_drained();
    }

    fn db_receive(&mut self, j: usize, r: Handle) {
        let Some(req) = self.requests.get(r) else {
            return;
        };
        let (write, key, id, server) = (req.write, req.key, req.id, req.server);
        let usable = j == self.leader && self.replicas[j].status == Status::Up;
        let Some(server) = server.filter(|_| usable) else {
            return self.fail(r, Cause::DbDown, NodeId::Db(j));
        };
        if write {
            let entry = self.replicas[j].lead_write(key, id);
            for f in 0..self.replicas.len() {
                if f != j {
                    // Sent to down replicas too: they are lost on arrival, which is what missing a
                    // write means.
                    self.send(
                        NodeId::Db(j),
                        NodeId::Db(f),
                        Payload::Replicate { key, entry },
                    );
                }
            }
        }
        self.send(NodeId::Db(j), NodeId::Server(server), Payload::Response(r));
    }

    fn replica_receive(&mut self, j: usize, from: NodeId, payload: Payload) {
        let leader = self.leader;
        let Some(rep) = self.replicas.get_mut(j) else {
            return;
        };
        if rep.status == Status::Down {
            return; // lost
        }
        match payload {
            Payload::Replicate { key, entry } => {
                if rep.follow_write(key, entry) == Applied::Gap && !rep.syncing {
                    rep.syncing = true;
                    let have = rep.applied;
                    self.send(
                        NodeId::Db(j),
                        NodeId::Db(leader),
                        Payload::SyncRequest { have },
                    );
                }
            }
            Payload::SyncRequest { have } => {
                let entries = rep.newer_than(have);
                let upto = rep.applied;
                self.send(NodeId::Db(j), from, Payload::Sync { entries, upto });
            }
            Payload::Sync { entries, upto } => rep.apply_sync(&entries, upto),
            Payload::Request(_) | Payload::Response(_) => {}
        }
    }

    fn recover_replica(&mut self, j: usize) {
        let leader = self.leader;
        let rep = &mut self.replicas[j];
        if rep.status == Status::Up {
            return;
        }
        rep.status = Status::Up;
        rep.syncing = false;
        if j != leader {
            // Ask for what was missed while down.
            rep.syncing = true;
            let have = rep.applied;
            self.send(
                NodeId::Db(j),
                NodeId::Db(leader),
                Payload::SyncRequest { have },
            );
        }
    }

    fn fail(&mut self, r: Handle, cause: Cause, at: NodeId) {
        let Some(req) = self.requests.remove(r) else {
            return;
        };
        if let Some(s) = req
            .server
            .filter(|_| req.held)
            .and_then(|i| self.servers.get_mut(i))
        {
            s.pending -= 1;
        }
        self.metrics.fail(self.now, cause);
        self.mix(cause as u64);
        while self
            .bursts
            .front()
            .is_some_and(|b| self.now - b.at >= BURST_LIFETIME)
            || self.bursts.len() >= MAX_BURSTS
        {
            self.bursts.pop_front();
        }
        self.bursts.push_back(Burst {
            at: self.now,
            node: at,
        });
        self.retire_drained();
    }

    fn crash_server(&mut self, i: usize) {
        let now = self.now;
        let s = &mut self.servers[i];
        if s.status == Status::Down {
            return;
        }
        s.account(now);
        s.status = Status::Down;
        s.epoch += 1;
        let lost: Vec<Handle> = s.busy.drain(..).chain(s.queue.drain(..)).collect();
        for r in lost {
            self.fail(r, Cause::ServerDown, NodeId::Server(i));
        }
    }

    fn add_server(&mut self) {
        if let Some(s) = self.servers.iter_mut().find(|s| s.draining) {
            s.draining = false;
        } else if self.servers.len() < MAX_SERVERS {
            self.servers.push(Server::new(self.now));
        }
    }

    fn remove_server(&mut self) {
        if self.servers.iter().filter(|s| !s.draining).count() <= 1 {
            return;
        }
        if let Some(s) = self.servers.iter_mut().rev().find(|s| !s.draining) {
            s.draining = true;
        }
        self.retire_drained();
    }

    /// Drops draining servers from the end of the fleet once they hold no request.
    fn retire_drained(&mut self) {
        while self
            .servers
            .last()
            .is_some_and(|s| s.draining && s.pending == 0)
        {
            self.servers.pop();
        }
    }
}

const SECOND_F: f64 = 1_000_000.0;
const MS_F: f64 = 1_000.0;
