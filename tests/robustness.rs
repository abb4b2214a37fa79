//! Robustness budgets: the page's reducer under a million random messages (extreme and garbled
//! values included), and a simulated day under chaos with every buffer bounded. Heavy: run in
//! release (`cargo test --release --test robustness`, a step of tests/run-all.sh).
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use clusterscope::sim::Footprint;
use clusterscope::sim::Knob;
use clusterscope::sim::TrafficShape;
use clusterscope::sim::Variant;
use clusterscope::sim::time::SECOND;
use clusterscope::sim::{
    Action, ClockKind, Config, Consistency, NodeId, ReadFrom, Replication, Strategy, SyncAcks,
    World,
};
use clusterscope::ui::state::{Msg, Playground, SPEEDS, Selection};
use yew::Reducible;

/// xorshift64*: the fuzz's own generator (the model's RNG is not under test here).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn extreme(&mut self) -> f64 {
        self.pick(&[
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            0.0,
            1e-9,
            0.3,
            1.0,
            7.0,
            250.0,
            1e4,
            1e6,
            1e300,
        ])
    }
    fn node(&mut self) -> NodeId {
        match self.below(4) {
            0 => NodeId::Client,
            1 => NodeId::Lb,
            2 => NodeId::Server(self.below(70)),
            _ => NodeId::Db(self.below(12)),
        }
    }
    fn action(&mut self) -> Action {
        match self.below(28) {
            0 => Action::Fail(self.node()),
            1 => Action::Recover(self.node()),
            2 => Action::Slow(self.node()),
            3 => Action::SetStrategy(self.pick(&Strategy::ALL)),
            4 => Action::AddServer,
            5 => Action::RemoveServer,
            6 => Action::SetPower {
                server: self.below(70),
                power: self.pick(&[0, 1, 2, 3, 4, 8, 16, u32::MAX]),
            },
            7 => Action::Cut(self.node(), self.node()),
            8 => Action::Heal(self.node(), self.node()),
            9 => Action::Isolate(self.node()),
            10 => Action::Rejoin(self.node()),
            11 => Action::SetReplication(self.pick(Replication::ALL)),
            12 => Action::SetSyncAcks(self.pick(SyncAcks::ALL)),
            13 => Action::SetReadFrom(self.pick(ReadFrom::ALL)),
            14 => Action::SetConsistency(self.pick(Consistency::ALL)),
            15 => Action::SetClockSkew(self.extreme()),
            16 => Action::SetQuorum {
                write: self.pick(&[0, 1, 2, 5, 9, usize::MAX]),
                read: self.pick(&[0, 1, 3, 100, usize::MAX]),
            },
            17 => Action::SetClock(self.pick(ClockKind::ALL)),
            18 => Action::SetRmwRatio(self.extreme()),
            19 => Action::SetCas(self.below(2) == 0),
            20 => Action::SetLink {
                a: self.node(),
                b: self.node(),
                spec: (self.below(3) > 0).then(|| (self.extreme(), self.extreme())),
            },
            21 => Action::Partition((0..self.below(4)).map(|_| self.node()).collect()),
            22 => Action::HealAll,
            23 => Action::TraceNext,
            24 => Action::SetAuth(self.below(2) == 0),
            25 => Action::SetDeadlines(self.below(2) == 0),
            26 => Action::SetTraffic(
                TrafficShape::parse(
                    ["steady", "spike:1,100000@1+2", "wave:0,1000000@1"][self.below(3)],
                )
                .unwrap(),
            ),
            _ => Action::Tune(self.pick(Knob::ALL), self.extreme()),
        }
    }
    /// A message as the page could send it, weighted towards actions; the clock only creeps, so a
    /// million messages stay quick whatever the settings.
    fn msg(&mut self, wall: &mut f64) -> Msg {
        let k = self.below(1_000);
        match k {
            0..=699 => Msg::Do(self.action()),
            700..=704 => {
                *wall += self.pick(&[0.0, 0.5, 2.0]);
                Msg::Tick(if self.below(50) == 0 {
                    self.extreme()
                } else {
                    *wall
                })
            }
            705 => Msg::Step,
            706 => Msg::Reset,
            707 => Msg::SetReplicas(self.pick(&[0, 1, 4, 9, 10, usize::MAX])),
            708 => Msg::SetSeed(
                self.pick(&["", "42", "-1", "1e3", "99999999999999999999", "seed", " 7 "])
                    .to_string(),
            ),
            709 => Msg::NewSeed,
            710..=759 => Msg::SetSpeed(self.extreme()),
            760..=789 => Msg::Faster,
            790..=819 => Msg::Slower,
            820..=869 => Msg::Select(match self.below(3) {
                0 => None,
                1 => Some(Selection::Node(self.node())),
                _ => Some(Selection::Link(self.node(), self.node())),
            }),
            870..=899 => Msg::Hidden(self.below(2) == 0),
            900..=929 => Msg::Notice(None),
            930..=944 => Msg::ToggleHelp,
            945..=949 => {
                Msg::Lesson((self.below(4) > 0).then(|| self.pick(&[0, 1, 5, 10, 11, usize::MAX])))
            }
            950..=954 => Msg::Answer((self.below(5) > 0).then(|| {
                (
                    self.pick(&[0, 3, 9, 10, usize::MAX]),
                    self.pick(&[0, 1, 2, 3, usize::MAX]),
                )
            })),
            955..=956 => Msg::MakeLink,
            957 => Msg::Copied(self.below(2) == 0),
            958..=960 => Msg::Open(
                self.pick(&[
                    "",
                    "#",
                    "v1",
                    "v1;k=00000000",
                    "v2;a=b",
                    "#v1;servers=0;k=1",
                    "\u{1F600}",
                ])
                .to_string(),
                self.below(2) == 0,
            ),
            961..=963 => {
                let all: Vec<Variant> = Variant::all(false)
                    .into_iter()
                    .chain(Variant::all(true))
                    .collect();
                let n = self.below(6);
                Msg::Compare((0..n).map(|_| self.pick(&all)).collect())
            }
            964..=966 => Msg::Leave(match self.below(3) {
                0 => None,
                k => Some(k == 1),
            }),
            967 => Msg::Resize(self.pick(&[0, 1, 319, 360, 919, 920, u32::MAX])),
            _ => Msg::TogglePlay,
        }
    }
}

fn check(p: &Playground) {
    assert_eq!(p.answers.len(), clusterscope::sim::QUESTIONS.len());
    if let Some(l) = &p.lesson {
        assert!(l.lesson < clusterscope::sim::lesson::LESSONS.len());
    }
    if let Some(c) = &p.compare {
        let c = c.borrow();
        assert!((2..=4).contains(&c.runs.len()));
        for (_, w) in &c.runs {
            let m = w.metrics();
            assert_eq!(m.issued, m.succeeded + m.failed_total() + w.in_flight());
        }
    }
    let w = p.world.borrow();
    let m = w.metrics();
    assert_eq!(
        m.issued,
        m.succeeded + m.failed_total() + w.in_flight(),
        "conservation"
    );
    assert_eq!(w.config().validate(), Ok(()), "{:?}", w.config());
    assert!(
        (SPEEDS[0]..=SPEEDS[6]).contains(&p.speed),
        "speed {}",
        p.speed
    );
    assert!((1..=64).contains(&w.servers().len()));
    assert!((1..=9).contains(&w.replicas().len()));
    assert!(w.log().count() <= 200);
    assert!(w.series().samples().len() <= 60);
}

/// 1,000 episodes of 1,000 messages, each from a fresh page: a million messages in all.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
fn a_million_random_messages_never_break_the_reducer() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut sent = 0u64;
    for _ in 0..1_000 {
        let mut p = Rc::new(Playground::new(Config::default()));
        let mut wall = 0.0;
        for _ in 0..1_000 {
            let msg = g.msg(&mut wall);
            p = p.reduce(msg);
            check(&p);
            sent += 1;
            // Now and then, open the run's own link: it replays from the start.
            if sent.is_multiple_of(997)
                && let Some(link) = p.link.clone()
            {
                p = p.reduce(Msg::Open(link, true));
                check(&p);
            }
        }
    }
    assert_eq!(sent, 1_000_000);
}

/// A simulated day at 1,000 requests a second with chaos on: every buffer stays within a bound
/// that does not depend on how long the run is.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
fn a_day_under_chaos_keeps_every_buffer_bounded() {
    let mut w = World::new(Config {
        servers: 8,
        workers: 4,
        service_ms: 5.0,
        arrival_rate: 1_000.0,
        chaos_mtbf_s: 900.0,
        chaos_mttr_s: 30.0,
        ..Config::default()
    })
    .unwrap();
    let mut most = Footprint::default();
    for minute in 1..=24 * 60u64 {
        w.step_until(minute * 60 * SECOND);
        most = most.max(w.footprint());
        let m = w.metrics();
        assert_eq!(
            m.issued,
            m.succeeded + m.failed_total() + w.in_flight(),
            "conservation"
        );
    }
    let m = w.metrics();
    assert!(
        m.issued > 80_000_000,
        "a day at 1,000 req/s: {} issued",
        m.issued
    );
    assert!(
        w.database().figures.failovers > 10,
        "chaos crashed the leader"
    );
    // Fixed rings stay at their size.
    assert!(most.log <= 200 && most.bursts <= 64, "{most:?}");
    assert!(most.series <= 60 && most.history_seconds <= 120, "{most:?}");
    assert!(most.chaos_down <= 8 + 3, "{most:?}");
    // What scales with load stays within what the load explains: a request lives at most
    // (retries + 1) timeouts plus backoff, about 6.1 s here, so at 1,000 req/s no more than about
    // 6,100 are in flight, each with a few messages and events; a leak would grow past these
    // over a day.
    let lifetime_s = 2.0 * 3.0 + 0.1;
    let requests = (1_000.0 * lifetime_s * 1.2) as usize;
    assert!(
        most.requests <= requests,
        "requests {} > {requests}",
        most.requests
    );
    assert!(most.messages <= 4 * requests, "{most:?}");
    assert!(most.events <= 8 * requests, "{most:?}");
    assert!(most.database <= 10_000, "{most:?}");
    println!("largest buffers over the day: {most:?}");
}

/// The hostile corners: the settings that hold work longest (high arrival rate, the longest timeout,
/// health checks off, links cut, unbounded queues, most retries, chaos), each run for three times its
/// longest timeout, checked every simulated minute against caps fixed by the client pool, never by
/// how many requests were issued.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: runs in release (tests/run-all.sh)")]
fn hostile_corners_stay_under_caps_set_by_the_client_pool() {
    let pool = clusterscope::sim::DEFAULT_CLIENT_POOL as usize;
    let servers = |n: usize| (0..n).map(NodeId::Server).collect::<Vec<_>>();
    let corners: Vec<(&str, Config, Vec<Action>)> = vec![
        (
            // The command: every request waits out a 600 s timeout behind cut links.
            "cut off, 600 s timeout, no health checks",
            Config {
                arrival_rate: 20_000.0,
                timeout_ms: 600_000.0,
                hc_interval_ms: 0.0,
                use_db: false,
                ..Config::default()
            },
            servers(3)
                .into_iter()
                .map(|s| Action::Cut(NodeId::Lb, s))
                .collect(),
        ),
        (
            // Servers that cannot reach the database: attempts pile up awaiting it, retried.
            "database unreachable, unbounded queues, 5 retries",
            Config {
                arrival_rate: 5_000.0,
                timeout_ms: 600_000.0,
                queue_cap: usize::MAX,
                retries: 5,
                ..Config::default()
            },
            servers(3)
                .into_iter()
                .flat_map(|s| (0..3).map(move |j| Action::Cut(s, NodeId::Db(j))))
                .collect(),
        ),
        (
            // Slow service, everything queued without bound, chaos crashing nodes.
            "chaos, unbounded queues, slow service",
            Config {
                arrival_rate: 5_000.0,
                service_ms: 2_000.0,
                timeout_ms: 120_000.0,
                queue_cap: usize::MAX,
                retries: 5,
                chaos_mtbf_s: 60.0,
                chaos_mttr_s: 30.0,
                ..Config::default()
            },
            vec![],
        ),
    ];
    for (name, cfg, actions) in corners {
        let longest = (cfg.timeout_ms / 1e3) as u64;
        let rate = cfg.arrival_rate;
        let retries = cfg.retries as usize;
        let mut w = World::new(cfg).unwrap();
        for a in actions {
            w.apply(a);
        }
        let mut most = Footprint::default();
        let minutes = (3 * longest).div_ceil(60).max(5);
        for minute in 1..=minutes {
            w.step_until(minute * 60 * SECOND);
            let f = w.footprint();
            most = most.max(f);
            let m = w.metrics();
            assert_eq!(
                m.issued,
                m.succeeded + m.failed_total() + w.in_flight(),
                "{name}: conservation"
            );
            assert!(f.requests <= pool, "{name} at {minute} min: {f:?}");
            assert!(f.flights <= f.requests, "{name} at {minute} min: {f:?}");
            // Each request has at most (retries + 1) attempts, each a job on a server, a message
            // or two on the wire and an event or two in the queue.
            assert!(
                f.jobs <= (retries + 1) * pool,
                "{name} at {minute} min: {f:?}"
            );
            assert!(
                f.messages <= 4 * (retries + 1) * pool,
                "{name} at {minute} min: {f:?}"
            );
            assert!(
                f.events <= 8 * (retries + 1) * pool + 1_000,
                "{name} at {minute} min: {f:?}"
            );
            assert!(f.database <= 10_000, "{name} at {minute} min: {f:?}");
            assert!(f.log <= 200 && f.bursts <= 64, "{name}: {f:?}");
        }
        let m = w.metrics();
        assert!(
            m.issued as f64 >= 0.9 * rate * (minutes * 60) as f64,
            "{name}: {} issued",
            m.issued
        );
        println!(
            "{name}: {} issued over {minutes} min, {} refused by the client pool; largest buffers {most:?}",
            m.issued,
            m.failed_by(clusterscope::sim::Cause::ClientPool)
        );
    }
}
