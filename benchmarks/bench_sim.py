#!/usr/bin/env python
"""How fast the simulator is (issue 4): one delivery across routers, its path diagram, a big multicast.

    python benchmarks/bench_sim.py [--quick] [--sends N] [--hosts 10000] [--segments 100] [--profile]

(a) one datagram from host a to host b across 5 routers, ARP included: a fresh
    network for every send (cold ARP caches); the figure is the wall time of
    ``net.send`` alone, median over the sends, against the 1 ms target.
(b) the path diagram of that trace as SVG (``workbook.render``), median against
    the 100 ms target; skipped when ``workbook.render`` is not there.
(c) 10 000 hosts on 100 segments joined by one multicast router; half the hosts
    join one group, then one host sends to it: build, join and delivery times,
    and how many hosts received it. ``--profile`` prints where the time went.

Figures go to stdout, progress to stderr; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report import figure, progress, verdict  # noqa: E402  (benchmarks/report.py, beside this script)

from tests.sim.topologies import chain  # noqa: E402
from workbook.sim import Network  # noqa: E402

DELIVERY_TARGET_MS = 1.0
RENDER_TARGET_MS = 100.0
GROUP = "239.1.2.3"
#: Simulated seconds to let the joins' IGMP reports (and their one repeat, 10 s later) reach the router.
JOIN_SETTLE_SECONDS = 11.0


# (a) one delivery across 5 routers ------------------------------------------------------------
def bench_delivery(sends: int, routers: int = 5) -> Any:
    print(f"\n== (a) one datagram across {routers} routers, ARP included (fresh network per send) ==", flush=True)
    scenario = chain(routers)
    destination = str(Network.from_dict(scenario).host("b").addresses[0])
    times, builds, trace = [], [], None
    for i in range(sends):
        if i % 10 == 0:
            progress(f"(a) send {i + 1}/{sends}")
        start = time.perf_counter()
        net = Network.from_dict(scenario)
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        trace = net.send("a", destination)
        times.append(time.perf_counter() - start)
    median_ms = statistics.median(times) * 1000
    arps = sum(1 for hop in trace.hops if hop.arp is not None and not hop.arp.cache_hit)
    if trace.delivered:
        figure("delivered", f"yes, {len(trace.hops)} hops, {len(trace.frames)} frames, {arps} ARP resolutions")
    else:  # still print the figures: a simulator change broke the path, and that is worth seeing
        hop = trace.drop
        where = f" at {hop.node}: {hop.detail}" if hop is not None else ""
        figure("delivered", f"NO: {trace.drop_reason}{where} ({len(trace.hops)} hops)")
    figure("network build (not counted)", f"{statistics.median(builds) * 1000:.2f} ms median")
    figure("delivery time (net.send)", f"{median_ms:.3f} ms median, {min(times) * 1000:.3f} ms best "
                                       f"over {sends} sends")
    judged = verdict(median_ms < DELIVERY_TARGET_MS) if trace.delivered else "NOT JUDGED (not delivered)"
    figure("delivery target < 1 ms", f"{judged} ({median_ms:.3f} ms)")
    return trace


# (b) its path diagram -------------------------------------------------------------------------
def bench_render(trace: Any, repeats: int) -> None:
    print("\n== (b) path diagram of that trace as SVG ==", flush=True)
    try:
        import workbook.render as render
    except ImportError:
        figure("render time", "skipped: workbook.render not available")
        return
    draw: Callable[[Any], Any] | None = getattr(render, "path_svg", None)
    how = "workbook.render.path_svg(trace)"
    if draw is None:
        draw, how = (lambda t: t._repr_mimebundle_()["image/svg+xml"]), "trace._repr_mimebundle_()"
    times, svg = [], None
    for i in range(repeats):
        if i % 10 == 0:
            progress(f"(b) render {i + 1}/{repeats}")
        start = time.perf_counter()
        try:
            svg = draw(trace)
        except Exception as error:  # graphviz missing, or a renderer still being written
            figure("render time", f"skipped: {how} raised {type(error).__name__}: {error}")
            return
        times.append(time.perf_counter() - start)
    if not svg:
        figure("render time", f"skipped: {how} returned nothing (is graphviz `dot` installed?)")
        return
    median_ms = statistics.median(times) * 1000
    figure("render time", f"{median_ms:.1f} ms median over {repeats} ({how}, {len(svg):,} characters)")
    figure("render target < 100 ms", f"{verdict(median_ms < RENDER_TARGET_MS)} ({median_ms:.1f} ms)")


# (c) a big multicast -------------------------------------------------------------------------
def multicast_scenario(hosts: int, segments: int) -> dict[str, Any]:
    """``segments`` LANs of hosts, all joined by one router that routes multicast (and is the IGMP querier).

    Segment i is 10.i/16 so any number of hosts fits; hosts run the 'linux' personality, which
    runs no duplicate-address check at start (NT 4.0's three gratuitous ARPs per host would
    add 3 x hosts broadcasts to the build; see --personality) and speaks IGMPv3: no member
    suppresses another's report, so each member sends its join, the join's repeat, and its
    answer to the querier's first query (about three frames per member, where IGMPv2 sent one).
    """
    per_segment = -(-hosts // segments)
    router_interfaces = [{"name": f"s{i}", "segment": f"s{i}", "addresses": [f"10.{i}.255.254/16"]}
                         for i in range(segments)]
    nodes = []
    for n in range(hosts):
        seg, index = divmod(n, per_segment)
        nodes.append({"name": f"h{n}", "interfaces": [{
            "name": "eth0", "segment": f"s{seg}",
            "addresses": [f"10.{seg}.{(index + 1) // 256}.{(index + 1) % 256}/16"],
            "gateway": f"10.{seg}.255.254"}]})
    return {"segments": [{"name": f"s{i}"} for i in range(segments)], "hosts": nodes,
            "routers": [{"name": "core", "interfaces": router_interfaces, "multicast_routing": True}]}


def bench_multicast(hosts: int, segments: int, personality: str) -> None:
    print(f"\n== (c) {hosts:,} hosts on {segments} segments, one multicast group, one send ==", flush=True)
    progress(f"(c) building the scenario dict for {hosts:,} hosts")
    scenario = multicast_scenario(hosts, segments)
    progress(f"(c) building the network ({personality} hosts)")
    start = time.perf_counter()
    net = Network.from_dict(scenario, personality=personality)
    build = time.perf_counter() - start
    figure("build time (Network.from_dict)", f"{build:.2f} s ({len(net.nodes):,} nodes, {len(net.frames):,} frames)")

    net.clock.max_events = max(net.clock.max_events, 200 * hosts + 1_000_000)  # the joins flood each segment
    members = [node for node in net.hosts if int(node.name[1:]) % 2 == 1]
    progress(f"(c) {len(members):,} hosts join {GROUP}")
    # A full collection of the build's objects would otherwise land in whichever timed phase allocates next;
    # it is reported apart, so that the phases measure the simulator and their figures compare across versions.
    figure("objects the garbage collector tracks", f"{len(gc.get_objects()):,} "
                                                   f"({len(gc.get_objects()) / len(net.nodes):.0f} per node)")
    start = time.perf_counter()
    gc.collect()
    figure("one full garbage collection", f"{time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    for i, node in enumerate(members):
        if i and i % 1000 == 0:
            progress(f"(c) joined {i:,}/{len(members):,}")
        node.join(GROUP)
    joined = time.perf_counter() - start
    progress(f"(c) running the clock {JOIN_SETTLE_SECONDS:.0f} s so the IGMP reports arrive")
    start = time.perf_counter()
    net.run(JOIN_SETTLE_SECONDS)
    settled = time.perf_counter() - start
    known = sum(1 for groups in net.host("core").querier.members.values() for g in groups)
    figure("join time (host.join x members)", f"{joined:.2f} s for {len(members):,} joins")
    figure("join reports delivered (clock.run)", f"{settled:.2f} s ({len(net.frames):,} frames so far; "
                                                 f"router knows members on {known} segments)")

    sender = net.hosts[0].name
    progress(f"(c) {sender} sends one datagram to {GROUP}")
    gc.collect()
    start = time.perf_counter()
    trace = net.send(sender, GROUP, ttl=8)
    delivery = time.perf_counter() - start
    receivers = set(trace.receivers)
    figure("multicast delivery time (net.send)", f"{delivery:.2f} s ({len(trace.frames):,} frames)")
    figure("hosts that received it", f"{len(receivers):,} of {len(members):,} members "
                                     f"({hosts:,} hosts)")


def profiled(action: Callable[[], Any], top: int = 10) -> None:
    profile = cProfile.Profile()
    profile.enable()
    try:
        action()
    finally:
        profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    print(f"\n== where the time went (cProfile, top {top} by cumulative time) ==")
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run: 3 sends, 200 hosts on 4 segments")
    parser.add_argument("--sends", type=int, help="sends for (a) and renders for (b) (default 50; quick: 3)")
    parser.add_argument("--hosts", type=int, help="hosts for (c) (default 10000; quick: 200)")
    parser.add_argument("--segments", type=int, help="segments for (c) (default 100; quick: 4)")
    parser.add_argument("--personality", default="linux", help="personality of (c)'s hosts (default linux)")
    parser.add_argument("--profile", action="store_true", help="run (c) under cProfile and print the top 10")
    args = parser.parse_args(argv)
    sends = args.sends or (3 if args.quick else 50)
    hosts = args.hosts or (200 if args.quick else 10_000)
    segments = args.segments or (4 if args.quick else 100)
    import platform

    print(f"bench_sim: Python {platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    trace = bench_delivery(sends)
    bench_render(trace, sends)
    started = time.perf_counter()
    if args.profile:
        profiled(lambda: bench_multicast(hosts, segments, args.personality))
    else:
        bench_multicast(hosts, segments, args.personality)
    figure("(c) total wall time", f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
