#!/usr/bin/env python
"""How long RIP takes to converge in the simulator (issue 14): a ring of 50 routers, against a static delivery.

    python benchmarks/bench_rip.py [--quick] [--routers 50] [--sends 50]

(a) reference, measured in the same run: one datagram across 5 routers with static
    routes (``net.send`` on a fresh network, ARP included), median wall time;
(b) a ring of ``--routers`` linux routers running RIP version 2 (default timers,
    poison reverse): the network is built and the clock run one simulated second at a
    time until every router's table holds every prefix within RIP's reach (metric up
    to 15) at its hop count. Printed: simulated seconds to converge, wall time, frames
    sent, and the wall time as a multiple of the static delivery (a).

Figures go to stdout, progress to stderr; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report import figure, progress  # noqa: E402  (benchmarks/report.py, beside this script)

from tests.sim.topologies import chain  # noqa: E402
from workbook.net.routes import RouteOrigin  # noqa: E402
from workbook.sim import Network  # noqa: E402

#: Simulated seconds after which a ring that has not converged is reported as such.
GIVE_UP_SECONDS = 600


def ring(routers: int) -> dict[str, Any]:
    """R0 … R(n-1) in a ring; link i joins Ri and R(i+1) on 10.i/256.i%256.0/24."""
    def prefix(i: int) -> str:
        return f"10.{i // 256}.{i % 256}"

    nodes = []
    for r in range(routers):
        left, right = (r - 1) % routers, r
        nodes.append({"name": f"R{r}", "personality": "linux", "rip": {},
                      "interfaces": [{"name": "left", "segment": f"link{left}", "addresses": [f"{prefix(left)}.2/24"]},
                                     {"name": "right", "segment": f"link{right}",
                                      "addresses": [f"{prefix(right)}.1/24"]}]})
    return {"segments": [{"name": f"link{i}"} for i in range(routers)], "routers": nodes}


def expected_metrics(routers: int) -> dict[str, dict[str, int]]:
    """Each router's RIP routes in the ring: link i is one hop from both its ends, one more per router."""
    result = {}
    for r in range(routers):
        routes = {}
        for link in range(routers):
            # distance from r to the nearer end of the link (ends: routers link and link+1)
            ends = (link, (link + 1) % routers)
            hops = min(min((r - e) % routers, (e - r) % routers) for e in ends)
            if 1 <= hops and hops + 1 < 16:
                routes[f"10.{link // 256}.{link % 256}.0/24"] = hops + 1
        result[f"R{r}"] = routes
    return result


def converged(net: Network, expected: dict[str, dict[str, int]]) -> bool:
    for name, routes in expected.items():
        found = {f"{route.destination}/{route.prefixlen}": route.metric for route in net.host(name).table
                 if route.origin is RouteOrigin.RIP}
        if found != routes:
            return False
    return True


def bench_static(sends: int) -> float:
    print("\n== (a) reference: one datagram across 5 routers with static routes ==", flush=True)
    scenario = chain(5)
    destination = str(Network.from_dict(scenario).host("b").addresses[0])
    times = []
    for _ in range(sends):
        net = Network.from_dict(scenario)
        start = time.perf_counter()
        trace = net.send("a", destination)
        times.append(time.perf_counter() - start)
    assert trace.delivered
    median = statistics.median(times)
    figure("static delivery (net.send)", f"{median * 1e3:.3f} ms median of {sends}")
    return median


def bench_ring(routers: int, reference: float) -> None:
    print(f"\n== (b) RIP v2 convergence on a ring of {routers} routers ==", flush=True)
    expected = expected_metrics(routers)
    start = time.perf_counter()
    net = Network.from_dict(ring(routers))
    built = time.perf_counter() - start
    seconds = 0
    while not converged(net, expected) and seconds < GIVE_UP_SECONDS:
        net.run(1)
        seconds += 1
        if seconds % 10 == 0:
            progress(f"(b) {seconds} simulated seconds")
    wall = time.perf_counter() - start
    done = converged(net, expected)
    figure("build time (Network.from_dict)", f"{built * 1e3:.1f} ms")
    figure("converged", "yes" if done else f"no, after {GIVE_UP_SECONDS} simulated s")
    figure("simulated seconds to converge", f"{seconds} s")
    figure("RIP frames sent", f"{sum(1 for f in net.frames if f.rip is not None)}")
    figure("routes learned (all routers)", f"{sum(len(r) for r in expected.values())}")
    figure("convergence wall time", f"{wall * 1e3:.1f} ms")
    figure("ratio convergence / static delivery", f"{wall / reference:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--routers", type=int, default=50)
    parser.add_argument("--sends", type=int, default=50)
    args = parser.parse_args()
    routers, sends = (10, 5) if args.quick else (args.routers, args.sends)
    progress("measuring the static reference")
    reference = bench_static(sends)
    progress(f"building a ring of {routers} RIP routers")
    bench_ring(routers, reference)


if __name__ == "__main__":
    main()
