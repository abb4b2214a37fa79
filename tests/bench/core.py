"""The simulation core against its floors, in one sitting (`./setup.sh bench`):

- the runner (target/release/clusterscope-sim) on the supermarket workload: 64 servers, power of two
  choices, one worker each, exponential service of 100 ms, load 0.9, no latency, no database, timeouts,
  health checks and retries off, a 20 s warm-up;
- a bare event loop of the same model (tests/bench/bare.rs, target/bench/bare): the floor;
- SimPy on the same model (tests/bench/supermarket.py): the peer.

Wall times are each program's own timing of its run, taken alternately (A B C A B C ...) and compared
as ratios of medians. Instructions per request come from `perf stat -e instructions`, or from
valgrind's cachegrind where the machine has no hardware counter; they are the difference between a
run of 2R and one of R requests, divided by R, so start-up costs cancel. Nothing here is asserted:
the figures are reported.

usage: python3 core.py [REQUESTS] [ROUNDS]
"""

import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "target/release/clusterscope-sim")
BARE = os.path.join(ROOT, "target/bench/bare")
PYTHON = os.path.join(ROOT, ".tools/py/bin/python")
SIMPY = os.path.join(ROOT, "tests/bench/supermarket.py")
SERVERS = 64
# Mitzenmacher's supermarket model, n -> infinity: sum over i >= 1 of load^(2^i - 2) service times.
THEORY_MS = 100.0 * sum(0.9 ** (2**i - 2) for i in range(1, 40))


def runner_cmd(requests):
    rate = 0.9 * SERVERS / 0.1
    return [RUNNER, "--servers", str(SERVERS), "--strategy", "power-of-two", "--workers", "1",
            "--service-ms", "100", "--arrival-rate", str(rate), "--latency-ms", "0", "--no-db",
            "--timeout-ms", "600000", "--hc-interval-ms", "0", "--queue-cap", "inf",
            "--client-pool", "inf", "--retries", "0", "--warmup-s", "20",
            "--requests", str(requests), "--json"]


def bare_cmd(requests):
    return [BARE, str(SERVERS), str(requests)]


def simpy_cmd(requests):
    return [PYTHON, SIMPY, str(SERVERS), str(requests)]


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    d = json.loads(out.strip().splitlines()[-1])
    if "latency_ms" in d:  # the runner's summary
        return d["latency_ms"]["mean"], d["wall_s"]
    return d["mean_ms"], d["wall_s"]


def instructions(cmd):
    """User-space instructions of one run, and the tool that counted them."""
    try:
        perf = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u", "--"] + cmd,
                              capture_output=True, text=True)
        for line in perf.stderr.splitlines():
            field = line.split(",")[0]
            if field.isdigit():
                return int(field), "perf stat"
    except FileNotFoundError:
        pass  # no perf: count with valgrind
    grind = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                            "--cachegrind-out-file=/dev/null"] + cmd,
                           capture_output=True, text=True)
    m = re.search(r"I\s+refs:\s+([\d,]+)", grind.stderr)
    if not m:
        sys.exit("core.py: neither perf's counter nor valgrind is available to count instructions")
    return int(m.group(1).replace(",", "")), "valgrind cachegrind"


def per_request(cmd_of, r):
    (small, tool), (large, _) = instructions(cmd_of(r)), instructions(cmd_of(2 * r))
    return (large - small) / r, tool


def main():
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for path in (RUNNER, BARE, PYTHON):
        if not os.path.exists(path):
            sys.exit(f"core.py: {path} is missing; run ./setup.sh bench")
    # SimPy is some hundred times slower: it runs a tenth of the requests (wall time per request
    # is what is compared).
    peer = max(requests // 10, 50_000)
    walls = {"runner": [], "bare": [], "simpy": []}
    means = {"runner": [], "bare": [], "simpy": []}
    for _ in range(rounds):
        for name, cmd, n in (("runner", runner_cmd(requests), requests),
                             ("bare", bare_cmd(requests), requests),
                             ("simpy", simpy_cmd(peer), peer)):
            mean, wall = run(cmd)
            walls[name].append(wall / n)
            means[name].append(mean)
    per = {k: statistics.median(v) for k, v in walls.items()}
    print(f"Supermarket workload: {SERVERS} servers, power of two, exp service 100 ms, load 0.9, "
          f"{requests:,} requests ({peer:,} for SimPy), {rounds} alternating rounds")
    print(f"  theory (n -> infinity): mean time in system {THEORY_MS:.1f} ms")
    for k in ("runner", "bare", "simpy"):
        print(f"  {k:<7} mean {statistics.median(means[k]):7.1f} ms   "
              f"{1 / per[k] / 1e3:9.1f} k requests/s (wall, median)")
    print(f"  runner / bare loop, wall per request: {per['runner'] / per['bare']:.1f}x")
    print(f"  SimPy / runner, wall per request: {per['simpy'] / per['runner']:.0f}x (goal: >= 50x)")
    r = max(requests // 4, 50_000)
    runner_i, tool = per_request(runner_cmd, r)
    bare_i, _ = per_request(bare_cmd, r)
    print(f"  instructions per request ({tool}, {2 * r:,} minus {r:,} requests): "
          f"runner {runner_i:,.0f}, bare loop {bare_i:,.0f} ({runner_i / bare_i:.1f}x; goal: runner <= 3,000)")


if __name__ == "__main__":
    main()
