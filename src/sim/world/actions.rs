//! What people and scripts do to the system: each action takes effect at the current instant.

use super::World;
use crate::sim::config::{PAGE_SERVERS, POWER_LEVELS};
use crate::sim::decimal::{fixed, within};
use crate::sim::event::Action;
use crate::sim::network::Network;
use crate::sim::node::NodeId;
use crate::sim::node::Status;
use crate::sim::replication::ReadFrom;
use crate::sim::server::Server;
use crate::sim::shape::TrafficShape;

impl World {
    /// Applies an action now. Actions that make no sense (an unknown node, a power level that does
    /// not exist) change nothing.
    pub fn apply(&mut self, action: Action) {
        self.mix(0xac7);
        match action {
            Action::Fail(NodeId::Server(i)) if self.server_up(i) => {
                let epoch = self.fresh_epoch();
                let lost = self.servers[i].crash(self.now, epoch);
                self.burst(NodeId::Server(i));
                let name = NodeId::Server(i).label();
                let what = match lost {
                    0 => "it held no request".to_string(),
                    1 => "the request it held was lost".to_string(),
                    n => format!("the {n} requests it held were lost"),
                };
                self.note(Some(NodeId::Server(i)), format!("{name} crashed; {what}"));
            }
            Action::Recover(NodeId::Server(i)) if i < self.servers.len() => {
                let leader = self.db.leader;
                let s = &mut self.servers[i];
                if s.status != Status::Up {
                    s.account(self.now);
                    let was = s.status;
                    s.status = Status::Up;
                    if was == Status::Down {
                        // A restarted process looks the database leader up afresh.
                        s.db_leader = leader;
                    }
                    let name = NodeId::Server(i).label();
                    let text = if was == Status::Down {
                        format!("{name} restarted, empty")
                    } else {
                        format!("{name} is back to full speed")
                    };
                    self.note(Some(NodeId::Server(i)), text);
                }
            }
            Action::Slow(NodeId::Server(i))
                if self.servers.get(i).is_some_and(|s| s.status == Status::Up) =>
            {
                self.servers[i].status = Status::Slow;
                let text = format!(
                    "{} slowed down to {}% of its speed",
                    NodeId::Server(i).label(),
                    fixed(self.cfg.slow_factor * 100.0, 0)
                );
                self.note(Some(NodeId::Server(i)), text);
            }
            Action::Fail(NodeId::Db(j))
                if self.db.replicas.get(j).is_some_and(|r| r.status.is_up()) =>
            {
                self.db.fail(j);
                self.note(
                    Some(NodeId::Db(j)),
                    format!("{} crashed", NodeId::Db(j).label()),
                );
            }
            Action::Recover(NodeId::Db(j))
                if self.db.replicas.get(j).is_some_and(|r| !r.status.is_up()) =>
            {
                self.db.recover(self.now, j);
                self.note(
                    Some(NodeId::Db(j)),
                    format!("{} restarted and is catching up", NodeId::Db(j).label()),
                );
            }
            Action::SetStrategy(s) if s != self.balancer.strategy => {
                self.balancer.strategy = s;
                self.cfg.strategy = s;
                self.note(
                    Some(NodeId::Lb),
                    format!("Balancer now uses {}", s.label().to_ascii_lowercase()),
                );
            }
            Action::Cut(a, b)
                if a != b && self.exists(a) && self.exists(b) && !self.network.is_cut(a, b) =>
            {
                self.network.set_cut(a, b, true);
                self.note(Some(a), format!("Link {} ↔ {} cut", a.label(), b.label()));
            }
            Action::Heal(a, b) if self.network.is_cut(a, b) => {
                self.network.set_cut(a, b, false);
                self.note(
                    Some(a),
                    format!("Link {} ↔ {} restored", a.label(), b.label()),
                );
            }
            Action::Isolate(a) => {
                for b in self.all_nodes() {
                    if b != a {
                        self.network.set_cut(a, b, true);
                    }
                }
                self.note(
                    Some(a),
                    format!("{} cut off from every other node", a.label()),
                );
            }
            Action::Rejoin(a) => {
                for b in self.all_nodes() {
                    self.network.set_cut(a, b, false);
                }
                self.note(Some(a), format!("{} reconnected", a.label()));
            }
            Action::SetReplication(r) if r != self.cfg.replication => {
                self.cfg.replication = r;
                self.db.set_replication(r, self.now, &mut self.outbox);
                self.flush();
                // Versions of one mode do not compare with the other's: start the stale-read
                // reckoning afresh.
                self.client.forget_floors();
                if let Some(live) = self.live.as_mut() {
                    // Values of one mode's run do not carry into the other's checking.
                    live.restart();
                    self.live_logged = false;
                    self.live_since = self.now;
                    self.note(
                        None,
                        "Linearizability check restarted with the new mode".to_string(),
                    );
                }
                self.note(None, format!("Replication is now {r}"));
            }
            Action::SetSyncAcks(a) if a != self.cfg.sync_acks => {
                self.cfg.sync_acks = a;
                self.db.cfg.sync_acks = a;
                self.note(
                    None,
                    format!("Synchronous writes now wait for {a} followers"),
                );
            }
            Action::SetReadFrom(r) if r != self.cfg.read_from => {
                self.cfg.read_from = r;
                self.db.cfg.read_from = r;
                self.note(
                    None,
                    format!(
                        "Reads now go to {}",
                        if r == ReadFrom::Any {
                            "any replica"
                        } else {
                            "the leader"
                        }
                    ),
                );
            }
            Action::SetConsistency(c) if c != self.cfg.consistency => {
                self.cfg.consistency = c;
                self.db.set_consistency(c, self.now, &mut self.outbox);
                self.flush();
                self.note(
                    None,
                    format!(
                        "Under partition the database is now {}",
                        c.name().to_ascii_uppercase()
                    ),
                );
            }
            Action::SetClockSkew(ms) => {
                let ms = if ms.is_finite() {
                    within(ms, 0.0, 60_000.0)
                } else {
                    0.0
                };
                if ms != self.cfg.clock_skew_ms {
                    self.cfg.clock_skew_ms = ms;
                    self.db.set_skew(ms);
                    self.note(
                        None,
                        format!("Replica clocks now spread over ±{} ms", fixed(ms, 0)),
                    );
                }
            }
            Action::SetQuorum { write, read } => {
                let n = self.db.replicas.len();
                let (w, r) = (write.clamp(1, n), read.clamp(1, n));
                if (w, r) != (self.cfg.write_quorum, self.cfg.read_quorum) {
                    (self.cfg.write_quorum, self.cfg.read_quorum) = (w, r);
                    (self.db.cfg.write_quorum, self.db.cfg.read_quorum) = (w, r);
                    let overlap = if w + r > n {
                        "every read meets every write"
                    } else {
                        "reads can miss writes"
                    };
                    self.note(
                        None,
                        format!("Quorums now W = {w}, R = {r} of N = {n}: {overlap}"),
                    );
                }
            }
            Action::SetClock(c) if c != self.cfg.clock => {
                self.cfg.clock = c;
                self.db.cfg.clock = c;
                self.note(
                    None,
                    format!("Writes are now stamped by {} clocks", c.name()),
                );
            }
            Action::SetRmwRatio(share) => {
                let share = if share.is_finite() {
                    within(share, 0.0, 1.0)
                } else {
                    0.0
                };
                if share != self.cfg.rmw_ratio {
                    self.cfg.rmw_ratio = share;
                    self.note(
                        None,
                        format!(
                            "{}% of requests now increment a counter",
                            fixed(share * 100.0, 0)
                        ),
                    );
                }
            }
            Action::SetCas(on) if on != self.cfg.cas => {
                self.cfg.cas = on;
                self.db.cfg.cas = on;
                let how = if on {
                    "check the version they read (compare-and-set)"
                } else {
                    "overwrite blindly"
                };
                self.note(None, format!("Increments now {how}"));
            }
            Action::SetAuth(on) if on != self.cfg.auth => {
                self.cfg.auth = on;
                let how = if on {
                    "checks every request's credentials and rights"
                } else {
                    "passes every request on unchecked"
                };
                self.note(Some(NodeId::Lb), format!("The balancer now {how}"));
            }
            Action::SetDeadlines(on) if on != self.cfg.deadlines => {
                self.cfg.deadlines = on;
                let how = if on {
                    "drop work whose deadline passed"
                } else {
                    "serve all they are given, however late"
                };
                self.note(None, format!("Servers now {how}"));
            }
            Action::SetTraffic(shape) => self.set_traffic(shape),
            Action::TrafficPreset(kind) => {
                let now_s = self.now as f64 / 1e6;
                let shape = TrafficShape::preset(kind.name(), self.cfg.arrival_rate, now_s);
                self.set_traffic(shape);
            }
            Action::Tune(knob, v) => self.tune(knob, v),
            Action::SetLink { a, b, spec } => self.set_link(a, b, spec),
            Action::Partition(group) => self.partition(group),
            Action::HealAll => self.heal_all(),
            Action::TraceNext => {
                self.trace_next = true;
                self.waterfall = None;
            }
            Action::AddServer => self.add_server(),
            Action::RemoveServer => self.remove_server(),
            Action::SetPower { server, power }
                if server < self.servers.len() && POWER_LEVELS.contains(&power) =>
            {
                self.servers[server].power = power;
                self.balancer.set_weight(server, power);
                self.note(
                    Some(NodeId::Server(server)),
                    format!(
                        "{} now runs at {power}× power",
                        NodeId::Server(server).label()
                    ),
                );
            }
            _ => {}
        }
    }

    /// Is `node` cut off from every other node?
    pub fn is_isolated(&self, node: NodeId) -> bool {
        self.all_nodes()
            .into_iter()
            .filter(|&b| Network::joins(node, b))
            .all(|b| self.network.is_cut(node, b))
    }

    /// How many of `node`'s links are cut.
    pub fn cut_links_of(&self, node: NodeId) -> usize {
        self.all_nodes()
            .into_iter()
            .filter(|&b| b != node && self.network.is_cut(node, b))
            .count()
    }

    fn fresh_epoch(&mut self) -> u32 {
        self.next_epoch += 1;
        self.next_epoch
    }

    /// Every node that exists now.
    pub(super) fn all_nodes(&self) -> Vec<NodeId> {
        [NodeId::Client, NodeId::Lb]
            .into_iter()
            .chain((0..self.servers.len()).map(NodeId::Server))
            .chain((0..self.db.replicas.len()).map(NodeId::Db))
            .collect()
    }

    fn set_traffic(&mut self, shape: TrafficShape) {
        if shape != self.cfg.traffic {
            let text = format!("Traffic now {}", shape.spell());
            self.cfg.traffic = shape;
            self.at_client(crate::sim::client::Input::RateChanged);
            self.note(None, text);
        }
    }

    pub(super) fn add_server(&mut self) {
        if let Some(i) = self.servers.iter().position(|s| s.draining) {
            self.servers[i].draining = false;
            self.balancer.set_draining(i, false);
            self.note(
                Some(NodeId::Server(i)),
                format!("{} stays: draining cancelled", NodeId::Server(i).label()),
            );
        } else if self.servers.len() < PAGE_SERVERS {
            let i = self.servers.len();
            let epoch = self.fresh_epoch();
            let mut server = Server::new(self.now, 1, epoch);
            // A new process looks the database leader up when it starts.
            server.db_leader = self.db.leader;
            self.servers.push(server);
            self.max_fleet = self.max_fleet.max(self.servers.len());
            // With health checks on, a new server earns traffic by passing them, as behind a real
            // balancer; without them it is trusted at once.
            let checked = self.cfg.hc_interval_ms > 0.0;
            self.balancer.add_backend(!checked, 1);
            let when = if checked {
                "once it passes its health checks"
            } else {
                "now"
            };
            self.note(
                Some(NodeId::Server(i)),
                format!(
                    "{} added; it gets traffic {when}",
                    NodeId::Server(i).label()
                ),
            );
        }
    }

    pub(super) fn remove_server(&mut self) {
        if self.servers.iter().filter(|s| !s.draining).count() <= 1 {
            return;
        }
        if let Some(i) = self.servers.iter().rposition(|s| !s.draining) {
            self.servers[i].draining = true;
            self.balancer.set_draining(i, true);
            self.note(
                Some(NodeId::Server(i)),
                format!("{} draining: no new requests", NodeId::Server(i).label()),
            );
        }
        self.retire_drained();
    }
}
