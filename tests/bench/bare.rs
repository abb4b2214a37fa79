//! The floor for the simulation core (`./setup.sh bench` compiles it with `rustc -O`): the supermarket
//! workload as a bare discrete-event loop, nothing else. n servers with one worker and a FIFO queue,
//! exponential service, Poisson arrivals at load 0.9, each request to the less busy of two distinct
//! servers drawn at random (the first on a tie), as the runner's power of two does. No balancer state,
//! messages, links, metrics or series: a heap of departures and one pending arrival. Prints one JSON
//! line: the mean time in system after the warm-up (ms), the requests counted and the wall time.
//!
//! usage: bare SERVERS REQUESTS [SEED]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

const SERVICE_US: f64 = 100_000.0;
const LOAD: f64 = 0.9;
const WARMUP_US: u64 = 20_000_000;

/// SplitMix64: small, fast, and good enough for a floor.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) * n as u64 >> 32) as usize
    }

    fn exp_us(&mut self, mean: f64) -> u64 {
        (-self.unit().ln() * mean).round() as u64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let parse = |i: usize| args.get(i).and_then(|s| s.parse::<u64>().ok());
    let (Some(n), Some(requests)) = (parse(1), parse(2)) else {
        eprintln!("usage: bare SERVERS REQUESTS [SEED]");
        std::process::exit(2);
    };
    if n < 2 {
        eprintln!("bare: SERVERS must be at least 2");
        std::process::exit(2);
    }
    let n = n as usize;
    let mut rng = Rng(parse(3).unwrap_or(1));
    let start = Instant::now();
    let mean_gap = SERVICE_US / (LOAD * n as f64);
    // Each server's arrivals (issue times), the first in service.
    let mut queues: Vec<VecDeque<u64>> = vec![VecDeque::new(); n];
    let mut departures: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let (mut issued, mut next_arrival) = (1, rng.exp_us(mean_gap));
    let (mut total, mut counted) = (0u64, 0u64);
    loop {
        let departure = departures.peek().map(|Reverse((t, _))| *t);
        let arrival = (issued <= requests).then_some(next_arrival);
        match (arrival, departure) {
            (Some(a), d) if d.is_none_or(|d| a < d) => {
                let x = rng.below(n);
                let mut y = rng.below(n - 1);
                if y >= x {
                    y += 1;
                }
                let s = if queues[y].len() < queues[x].len() { y } else { x };
                queues[s].push_back(a);
                if queues[s].len() == 1 {
                    departures.push(Reverse((a + rng.exp_us(SERVICE_US), s)));
                }
                issued += 1;
                next_arrival = a + rng.exp_us(mean_gap);
            }
            (_, Some(d)) => {
                let Reverse((_, s)) = departures.pop().expect("peeked");
                let came = queues[s].pop_front().expect("a job in service");
                if came >= WARMUP_US {
                    total += d - came;
                    counted += 1;
                }
                if !queues[s].is_empty() {
                    departures.push(Reverse((d + rng.exp_us(SERVICE_US), s)));
                }
            }
            _ => break,
        }
    }
    let mean_ms = total as f64 / counted.max(1) as f64 / 1_000.0;
    println!(
        "{{\"mean_ms\":{mean_ms:.3},\"counted\":{counted},\"wall_s\":{:.4}}}",
        start.elapsed().as_secs_f64()
    );
}
