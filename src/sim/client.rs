//! The clients, as one actor: they issue requests at the traffic's pace, send each to the balancer,
//! and learn how it ended. They own what clients can know: their requests in flight, and the
//! newest values they have been told (what a later read must not go below).
//!
//! Their traffic has a random stream of its own, apart from the run's: two runs with the same seed
//! see identical requests whatever the system does with them, so a comparison of strategies
//! compares them on the very same requests.

use rand::SeedableRng;

use super::anomaly::ReadAnomalies;
use super::config::Config;
use super::effect::{Counter, Ctx, Effect};
use super::event::Event;
use super::message::{Cause, Draw, Observed, Outcome, Payload, Reply, Request};
use super::node::NodeId;
use super::sample::{self, SimRng, mix64};
use super::shape::TrafficShape;
use super::slab::{Handle, Slab};
use super::time::{SECOND, Time};
use super::traffic::Traffic;
use super::version::Pos;

/// A request the clients are waiting on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ask {
    pub id: u64,
    pub issued: Time,
    pub what: Draw,
    /// Reads: the newest write of the key a client had acknowledged when the read began, and the
    /// newest any completed read of it had returned.
    pub floor: Option<Pos>,
    pub read_floor: Option<Pos>,
}

/// How a request ended, as the clients learnt it (the engine measures it).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Done {
    pub ask: Ask,
    pub outcome: Outcome,
    pub observed: Option<Observed>,
    pub maybe_applied: bool,
}

/// What reaches the clients: the balancer's answer, a failed connection, or one of their timers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Input {
    /// The run starts: draw the first arrival.
    Start,
    RateChanged,
    Arrival(u32),
    Reply(Reply),
    /// Request `ask` could not leave, or (`answered`) its answer could not come back.
    Unsent {
        ask: Handle,
        answered: bool,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Client {
    rng: SimRng,
    traffic: Traffic,
    asks: Slab<Ask>,
    next_id: u64,
    issued: u64,
    writes: u64,
    /// Stop issuing once this many were issued (the runner's `--requests`).
    limit: Option<u64>,
    /// Bumped when the arrival rate changes, voiding the arrival drawn at the old rate.
    generation: u32,
    /// Per key, the newest write a client has had acknowledged (to count stale reads).
    latest_acked: Vec<Option<Pos>>,
    /// Reads that went back in time, and dirty reads (the engine tells which writes were lost).
    pub(crate) anomalies: ReadAnomalies,
}

impl Client {
    pub(crate) fn new(cfg: &Config) -> Self {
        Self {
            rng: SimRng::seed_from_u64(mix64(cfg.seed ^ 0x7_2aff_1c00)),
            traffic: Traffic::new(cfg),
            asks: Slab::default(),
            next_id: 0,
            issued: 0,
            writes: 0,
            limit: None,
            generation: 0,
            latest_acked: vec![None; cfg.keys as usize],
            anomalies: ReadAnomalies::new(cfg.keys),
        }
    }

    /// Handles what reached them; tells when a request ended.
    pub(crate) fn handle(&mut self, input: Input, cx: &mut Ctx) -> Option<Done> {
        match input {
            Input::Start => self.schedule(cx),
            Input::RateChanged => self.rate_changed(cx),
            Input::Arrival(generation) => return self.on_arrival(generation, cx),
            Input::Reply(r) => return self.on_reply(r, cx),
            Input::Unsent { ask, answered } => return self.on_unsent(ask, answered, cx),
        }
        None
    }

    fn done_issuing(&self) -> bool {
        self.limit.is_some_and(|n| self.issued >= n)
    }

    /// Draws when the next request comes (arrivals are memoryless: drawing afresh is exact).
    pub(crate) fn schedule(&mut self, cx: &mut Ctx) {
        if self.done_issuing() {
            return;
        }
        // Candidates at the shape's peak rate; `on_arrival` keeps each with probability
        // rate / peak (thinning), so arrivals follow the shape exactly.
        let gap = (self.traffic).gap(&mut self.rng, cx.cfg.traffic.peak(cx.cfg.arrival_rate));
        cx.timer(cx.now + gap, Event::Arrival(self.generation));
    }

    /// The arrival rate changed: the arrival drawn at the old rate is void.
    pub(crate) fn rate_changed(&mut self, cx: &mut Ctx) {
        self.generation = self.generation.wrapping_add(1);
        self.schedule(cx);
    }

    pub(crate) fn set_limit(&mut self, n: Option<u64>) {
        self.limit = n;
    }

    /// A request is due: it goes to the balancer, unless the clients' own pool is full (then it
    /// fails at once, and memory stays bounded by the pool).
    pub(crate) fn on_arrival(&mut self, generation: u32, cx: &mut Ctx) -> Option<Done> {
        if generation != self.generation || self.done_issuing() {
            return None;
        }
        let cfg = cx.cfg;
        // Drawn only under a shape, so steady runs keep their random sequence.
        if cfg.traffic != TrafficShape::Steady {
            let (t, base) = (cx.now as f64 / SECOND as f64, cfg.arrival_rate);
            let keep = cfg.traffic.rate_at(t, base) / cfg.traffic.peak(base);
            if !sample::chance(&mut self.rng, keep) {
                self.schedule(cx);
                return None;
            }
        }
        let mut d = self.traffic.draw(&mut self.rng, cfg);
        if d.write && cfg.sequential_keys {
            d.key = (self.writes % cfg.keys as u64) as u32;
        }
        self.writes += d.write as u64;
        self.next_id += 1;
        self.issued += 1;
        let ask = Ask {
            id: self.next_id,
            issued: cx.now,
            what: d,
            floor: if d.write {
                None
            } else {
                self.latest_acked.get(d.key as usize).copied().flatten()
            },
            read_floor: self.anomalies.floor(d.key),
        };
        cx.out.push(Effect::Issued(ask.id, d));
        let done = if cfg.client_pool != 0 && self.asks.len() as u64 >= cfg.client_pool {
            Some(self.end(ask, Outcome::Err(Cause::ClientPool), None, false, cx))
        } else {
            let ask = self.asks.insert(ask.id, ask);
            cx.send(NodeId::Lb, Payload::ClientRequest(Request { ask, what: d }));
            None
        };
        self.schedule(cx);
        done
    }

    /// The balancer's answer arrives.
    pub(crate) fn on_reply(&mut self, r: Reply, cx: &mut Ctx) -> Option<Done> {
        let ask = self.asks.remove(r.ask)?;
        Some(self.end(ask, r.outcome, r.observed, r.maybe_applied, cx))
    }

    /// A request could not reach the balancer, or its answer could not come back (the link is
    /// cut; the connection fails at once). In the second case the clients cannot know whether it
    /// took effect.
    pub(crate) fn on_unsent(&mut self, ask: Handle, answered: bool, cx: &mut Ctx) -> Option<Done> {
        let ask = self.asks.remove(ask)?;
        Some(self.end(ask, Outcome::Err(Cause::Network), None, answered, cx))
    }

    fn end(
        &mut self,
        ask: Ask,
        outcome: Outcome,
        observed: Option<Observed>,
        maybe_applied: bool,
        cx: &mut Ctx,
    ) -> Done {
        if outcome == Outcome::Ok {
            let seen = observed.map(|o| o.pos);
            if ask.what.write {
                if let Some(latest) = self.latest_acked.get_mut(ask.what.key as usize) {
                    *latest = (*latest).max(seen);
                }
            } else if ask.floor.is_some() && seen < ask.floor {
                cx.count(Counter::StaleRead);
            }
        }
        Done {
            ask,
            outcome,
            observed,
            maybe_applied,
        }
    }

    /// Versions of one replication mode do not compare with another's: the reckoning of stale
    /// reads and of reads back in time starts afresh.
    pub(crate) fn forget_floors(&mut self) {
        self.latest_acked.iter_mut().for_each(|v| *v = None);
        self.anomalies.restart();
    }

    /// Requests issued and not yet answered.
    pub(crate) fn in_flight(&self) -> usize {
        self.asks.len()
    }

    /// When the oldest request still in flight was issued.
    pub(crate) fn oldest(&self) -> Option<Time> {
        self.asks.iter().map(|(_, a)| a.issued).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle<R>(
        c: &mut Client,
        cfg: &Config,
        now: Time,
        f: impl FnOnce(&mut Client, &mut Ctx) -> R,
    ) -> (R, Vec<Effect>) {
        let mut rng = SimRng::seed_from_u64(0);
        let mut out = Vec::new();
        let mut cx = Ctx {
            now,
            cfg,
            rng: &mut rng,
            replicas: 3,
            tracing: false,
            out: &mut out,
        };
        let r = f(c, &mut cx);
        (r, out)
    }

    /// Issues one request now and returns the handle it went out with.
    fn issue(c: &mut Client, cfg: &Config, now: Time) -> (Option<Done>, Option<Request>) {
        let generation = c.generation;
        let (done, out) = handle(c, cfg, now, |c, cx| c.on_arrival(generation, cx));
        let sent = out.iter().find_map(|e| match e {
            Effect::Send(NodeId::Lb, Payload::ClientRequest(r)) => Some(*r),
            _ => None,
        });
        (done, sent)
    }

    #[test]
    fn a_full_pool_fails_the_request_at_once_and_sends_nothing() {
        let cfg = Config {
            client_pool: 2,
            ..Config::default()
        };
        let mut c = Client::new(&cfg);
        assert!(issue(&mut c, &cfg, 10).1.is_some());
        assert!(issue(&mut c, &cfg, 20).1.is_some());
        let (done, sent) = issue(&mut c, &cfg, 30);
        assert_eq!(sent, None);
        let done = done.expect("it ended at once");
        assert_eq!(done.outcome, Outcome::Err(Cause::ClientPool));
        assert!(!done.maybe_applied, "it never left the client");
        assert_eq!(c.in_flight(), 2);
        assert_eq!(c.oldest(), Some(10));
    }

    #[test]
    fn a_lost_answer_leaves_the_outcome_unknown_a_lost_request_does_not() {
        let cfg = Config::default();
        let mut c = Client::new(&cfg);
        let a = issue(&mut c, &cfg, 0).1.expect("sent");
        let b = issue(&mut c, &cfg, 0).1.expect("sent");
        let (done, _) = handle(&mut c, &cfg, 5, |c, cx| c.on_unsent(a.ask, false, cx));
        assert!(!done.expect("ended").maybe_applied);
        let (done, _) = handle(&mut c, &cfg, 5, |c, cx| c.on_unsent(b.ask, true, cx));
        let done = done.expect("ended");
        assert_eq!(done.outcome, Outcome::Err(Cause::Network));
        assert!(done.maybe_applied);
        // A second word about the same request finds nothing.
        let (again, _) = handle(&mut c, &cfg, 6, |c, cx| c.on_unsent(b.ask, true, cx));
        assert_eq!(again, None);
        assert_eq!(c.in_flight(), 0);
    }

    #[test]
    fn a_read_below_an_acknowledged_write_is_counted_stale() {
        let cfg = Config {
            write_ratio: 0.5,
            keys: 1,
            ..Config::default()
        };
        let mut c = Client::new(&cfg);
        let pos = |index| Pos { term: 1, index };
        // Issue until one write and then one read are out.
        let (mut write, mut read) = (None, None);
        while read.is_none() {
            let r = issue(&mut c, &cfg, 0).1.expect("sent");
            match (r.what.write, write) {
                (true, None) => write = Some(r),
                (false, Some(_)) => read = Some(r),
                _ => {}
            }
        }
        let (write, read) = (write.unwrap(), read.unwrap());
        let answer = |ask, at| Reply {
            ask,
            outcome: Outcome::Ok,
            observed: Some(Observed {
                value: 1,
                pos: pos(at),
                count: 0,
            }),
            maybe_applied: true,
        };
        // The read began before the write was acknowledged: seeing older data is no anomaly.
        let (_, out) = handle(&mut c, &cfg, 1, |c, cx| {
            c.on_reply(answer(write.ask, 5), cx)
        });
        assert!(out.is_empty());
        let (_, out) = handle(&mut c, &cfg, 2, |c, cx| c.on_reply(answer(read.ask, 3), cx));
        assert!(out.is_empty(), "{out:?}");
        // A read that begins after it must not go below it.
        let read = loop {
            let r = issue(&mut c, &cfg, 3).1.expect("sent");
            if !r.what.write {
                break r;
            }
        };
        let (_, out) = handle(&mut c, &cfg, 4, |c, cx| c.on_reply(answer(read.ask, 4), cx));
        assert_eq!(out, [Effect::Count(Counter::StaleRead)]);
    }
}
