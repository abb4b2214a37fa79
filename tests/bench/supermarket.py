"""The supermarket workload in SimPy, the peer the runner is measured against (`./setup.sh bench`).

n servers, one worker each, exponential service; Poisson arrivals at load rho; each request goes to the
less busy of two distinct servers drawn at random (queued + in service; the first drawn on a tie), as
the runner's power of two does. Prints one JSON line: the mean time in system after the warm-up, in
ms, the requests counted and the wall time of the run.

usage: python3 supermarket.py SERVERS REQUESTS [SEED]
"""

import json
import random
import sys
import time

import simpy

SERVICE_S = 0.1
LOAD = 0.9
WARMUP_S = 20.0


def run(n, requests, seed):
    env = simpy.Environment()
    rng = random.Random(seed)
    servers = [simpy.Resource(env, capacity=1) for _ in range(n)]
    rate = LOAD * n / SERVICE_S
    total = [0.0, 0]

    def busy(s):
        return len(s.queue) + s.count

    def request(issued):
        a = rng.randrange(n)
        c = rng.randrange(n - 1)
        if c >= a:
            c += 1
        x, y = servers[a], servers[c]
        s = y if busy(y) < busy(x) else x
        with s.request() as held:
            yield held
            yield env.timeout(rng.expovariate(1.0 / SERVICE_S))
        if issued >= WARMUP_S:
            total[0] += env.now - issued
            total[1] += 1

    def source():
        for _ in range(requests):
            yield env.timeout(rng.expovariate(rate))
            env.process(request(env.now))

    env.process(source())
    env.run()
    return total


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n, requests = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if n < 2 or requests < 1:
        sys.exit("supermarket.py: SERVERS must be at least 2 and REQUESTS at least 1")
    start = time.perf_counter()
    total, counted = run(n, requests, seed)
    wall = time.perf_counter() - start
    mean_ms = 1000.0 * total / counted if counted else float("nan")
    print(json.dumps({"mean_ms": round(mean_ms, 3), "counted": counted, "wall_s": round(wall, 4)}))


if __name__ == "__main__":
    main()
