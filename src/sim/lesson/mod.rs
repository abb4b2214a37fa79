//! Guided lessons: one idea each, a preset system to start from, steps to try, and a live check
//! that watches the World, notices when the person did the step, and explains what the run showed
//! with the run's own figures. Pure model: the page shows [`Lesson`]s and calls
//! [`Progress::observe`] each frame; the tests walk every lesson natively.

mod check;

pub use check::{BALANCING_WAIT, Progress};

/// The speed lessons are written for: the page's own slow motion, simulated seconds per second of
/// the person's time. Steps state waits in both ("Wait 30 s, 3 s simulated").
pub const SPEED: f64 = 0.1;

use super::config::Config;

pub struct Lesson {
    /// Short id (`data-lesson`, storage).
    pub id: &'static str,
    pub title: &'static str,
    /// The idea, in a few sentences.
    pub idea: &'static str,
    /// What to do.
    pub steps: &'static [&'static str],
    /// What to look at while doing it.
    pub watch: &'static str,
    /// Parts checked and explained in turn (the steps say where each begins).
    pub parts: usize,
    preset: fn(&mut Config),
}

impl Lesson {
    /// The system the lesson starts from (the seed is fixed: every reader sees the same run).
    pub fn config(&self) -> Config {
        let mut c = Config {
            seed: 7,
            ..Config::default()
        };
        (self.preset)(&mut c);
        c
    }
}

pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "architecture",
        title: "What a request goes through",
        idea: "A client sends a request to the load balancer, which picks a server; the server does the work, asks the database, and the answer travels back the same way. Every hop costs time on the wire, and every box can queue.",
        steps: &[
            "Press Trace next request (under the charts).",
            "Read its waterfall: each bar is a stretch of its life.",
        ],
        watch: "How much of the total is the network, queueing, service and the database.",
        parts: 1,
        preset: |_| {},
    },
    Lesson {
        id: "balancing",
        title: "Random vs round robin",
        idea: "Round robin deals requests out in turn, random picks blindly; neither looks at how busy a server is. When request costs vary (a heavy tail here), a server stuck on a slow request still gets its turn, and its queue grows. Least connections and power of two choices look before they send. (Here requests skip the database, so only the servers' queues differ.)",
        steps: &[
            "Watch p99 under round robin for a while (the tiles show the last simulated second).",
            "Switch the strategy to least connections (key 4) or power of two (key 5).",
            "Wait 30 s (3 s simulated at 0.1×): the charts mark the moment you switched.",
        ],
        watch: "Queue bars under each server and the latency chart.",
        parts: 1,
        preset: |c| {
            // Eight servers near 90 % busy, requests that skip the database: only the servers'
            // queues differ between strategies, and a second holds over a thousand requests.
            c.servers = 8;
            c.arrival_rate = 1_440.0;
            c.service_ms = 5.0;
            c.use_db = false;
            c.service_dist = super::config::ServiceDist::LogNormal;
        },
    },
    Lesson {
        id: "failure",
        title: "A server fails",
        idea: "Nobody tells the balancer that a machine died: it finds out from health checks that go unanswered, after a detection window (interval × fall). Meanwhile requests sent there time out and are retried on another server.",
        steps: &[
            "Fail Server 2.",
            "Wait until the balancer marks it down, and one timeout more for the attempts already sent there.",
        ],
        watch: "The ⚠ mark, dashed retry dots, and the error count.",
        parts: 1,
        preset: |c| c.arrival_rate = 100.0,
    },
    Lesson {
        id: "scaling",
        title: "Horizontal vs vertical scaling",
        idea: "Two servers cannot keep up with this traffic: queues fill and requests are refused. Add servers (horizontal: more machines, and redundancy) or give one more power (vertical: one bigger machine, priced steeper, with a ceiling at 8×).",
        steps: &[
            "Add servers, or raise a server's power.",
            "Get capacity above the arrival rate, and keep it there until Errors (last 1 s) reads 0.",
        ],
        watch: "Errors, queue bars and the fleet cost.",
        parts: 1,
        preset: |c| {
            c.servers = 2;
            c.arrival_rate = 120.0;
        },
    },
    Lesson {
        id: "latency",
        title: "Latency and bandwidth",
        idea: "A link is a delay (latency) and a pipe (bandwidth). A slow link adds its delay to every request through it; a narrow one makes messages wait their turn to be sent.",
        steps: &[
            "Click the link from the balancer to Server 1.",
            "Press WAN link (20 ms): a link to another region.",
            "Wait 15 s (1.5 s simulated at 0.1×).",
        ],
        watch: "The link's label and the balancer's response times (click the balancer).",
        parts: 1,
        preset: |c| {
            // Light, even traffic: a link's 30 ms more per round trip stands out from queueing.
            c.arrival_rate = 30.0;
            c.service_dist = super::config::ServiceDist::Constant;
        },
    },
    Lesson {
        id: "replication",
        title: "A replica fails and catches up",
        idea: "Each replica keeps a copy of the data. One that is down misses the writes made meanwhile; when it comes back it asks the leader for them and catches up. Redundancy is what lets the database keep serving.",
        steps: &[
            "Fail Replica 3.",
            "Let some writes pass.",
            "Recover Replica 3 and wait for it to catch up.",
        ],
        watch: "Replica 3's version against the leader's.",
        parts: 1,
        preset: |c| c.arrival_rate = 100.0,
    },
    Lesson {
        id: "failover",
        title: "Leader failover",
        idea: "When the leader dies, the others notice its silence and elect a new one. With asynchronous replication, writes it acknowledged but had not yet shipped are lost; synchronous replication waits for followers before acknowledging, and loses none, at the cost of slower writes.",
        steps: &[
            "Part 1: fail Replica 1 (the leader), and wait for the election.",
            "Part 2: set Replication to leader-sync (Database), recover Replica 1, then fail the replica that leads now.",
        ],
        watch: "The log: the elections and the lost writes; Leaders elected, Lost acked, Dirty, Writes OK and the Linearizable line under Consistency.",
        parts: 2,
        preset: |c| {
            // Enough writes in a shipping interval to lose some, with room for leader-sync's
            // slower writes: the system is not overloaded in either mode.
            c.arrival_rate = 80.0;
            c.async_ship_ms = 100.0;
        },
    },
    Lesson {
        id: "cap",
        title: "CAP: partition the database",
        idea: "When the network splits the replicas, a system must choose: refuse requests on the side without a majority (CP: consistent, less available), or accept them on both sides (AP: available, and the sides diverge).",
        steps: &[
            "Part 1 (CP): click the link between Replica 1 and Replica 2 and press Cut link; then the same for Replica 1 – Replica 3. Wait 10 s (1 s simulated at 0.1×).",
            "Part 2 (AP): press Heal all links (Network), set Under a partition to AP (Database), cut the same two links again and wait 10 s (1 s simulated); then heal and watch Conflicts.",
        ],
        watch: "Write availability, refused requests, Divergent and Conflicts; Dirty, Back in time and the Linearizable line under Consistency.",
        parts: 2,
        preset: |c| {
            c.arrival_rate = 100.0;
            // Synchronous, so that CP is consistent in full: the Linearizable line says yes
            // through the split (asynchronous replication would lose acknowledged writes).
            c.replication = super::replication::Replication::LeaderSync;
        },
    },
    Lesson {
        id: "concurrency",
        title: "Races and lost updates",
        idea: "Two servers read a counter, both add one, both write: one increment is lost. Nothing is wrong in either server; the interleaving is. Compare-and-set refuses a write whose read is out of date, and the server tries again. Clock skew does the same to last-write-wins: a write stamped by a clock running behind loses to an older one.",
        steps: &[
            "Watch lost updates grow.",
            "Turn on compare-and-set (Database), and wait 10 s (1 s simulated at 0.1×).",
        ],
        watch: "Lost updates and conflicts.",
        parts: 1,
        preset: |c| {
            c.keys = 3;
            c.rmw_ratio = 0.6;
            c.arrival_rate = 200.0;
            c.service_ms = 5.0;
        },
    },
    Lesson {
        id: "cache",
        title: "Caching and data locality",
        idea: "Data kept next to the code that uses it is fast: a server that caches recent answers in its own memory skips the trip to the database. But each server's copy is its own: after a write through another server, it serves the old value until the entry expires.",
        steps: &[
            "In Traffic, set Cache size per server to 50 keys.",
            "Wait 20 s (2 s simulated at 0.1×).",
        ],
        watch: "Cache hit ratio, p50, database queries, stale reads.",
        parts: 1,
        preset: |c| {
            c.keys = 20;
            c.write_ratio = 0.1;
            c.arrival_rate = 150.0;
            c.service_ms = 2.0;
        },
    },
    Lesson {
        id: "security",
        title: "Security at the edge",
        idea: "The balancer is the front door. Here some requests carry no valid credentials and some clients may only read. Unchecked, both reach the servers and get served. Checking at the edge answers 401 or 403 at once, and no server ever sees them.",
        steps: &[
            "Watch forged requests being served.",
            "Turn on Check credentials (Balancer), and wait 5 s (0.5 s simulated at 0.1×).",
        ],
        watch: "Refused requests (401, 403) and what servers served.",
        parts: 1,
        preset: |c| {
            c.bad_credentials = 0.1;
            c.read_only_share = 0.3;
            c.arrival_rate = 100.0;
        },
    },
];

/// The lesson with this id.
pub fn find(id: &str) -> Option<usize> {
    LESSONS.iter().position(|l| l.id == id)
}
