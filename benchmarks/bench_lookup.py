#!/usr/bin/env python
"""Longest-prefix lookups on big route tables, side by side with pytricia (a C radix tree).

    python benchmarks/bench_lookup.py [--sizes 1000,100000,1000000] [--quick] [--queries N]

Builds seeded tables with an Internet-like mix of prefix lengths (about 60 % /24,
20 % /22-/23, 18 % /16-/21, the rest /8-/15), then measures in the same run:
table build time and memory per prefix, single lookups from a dotted-quad string
to a LookupDecision (a value that keeps its view of the table), both on the
first pass over fresh addresses right after a build and warm, the batch API
(RouteTable.lookup_many) and pytricia's per-address loop. Speed targets are
printed as MET or MISSED with the figures, as ratios against pytricia measured
in the same run; nothing here asserts a time. Progress goes to stderr, figures
to stdout.
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import os
import random
import socket
import struct
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report import figure, progress, verdict  # noqa: E402  (benchmarks/report.py, beside this script)

from workbook import RouteTable  # noqa: E402

try:
    import pytricia
except ImportError:  # the engine figures are still worth printing
    pytricia = None

_pack = struct.Struct("!I").pack
_ntoa = socket.inet_ntoa

LOOKUP_RATIO_TARGET = 0.5  # engine str -> decision vs pytricia str lookup, on the 100k and 1M tables, first and warm
BATCH_RATIO_TARGET = 2.0  # lookup_many vs pytricia's per-address loop
BUILD_SECONDS_TARGET = 5.0  # a 1M-prefix table
BYTES_PER_PREFIX_TARGET = 500  # a 1M-prefix table
LOOKUP_TARGET_SIZES = (100_000, 1_000_000)
BUILD_TARGET_SIZE = 1_000_000


# Workload -------------------------------------------------------------------------------------
def prefix_length(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.60:
        return 24
    if draw < 0.80:
        return rng.randint(22, 23)
    if draw < 0.98:
        return rng.randint(16, 21)
    return rng.randint(8, 15)


def make_prefixes(count: int, rng: random.Random) -> tuple[list[str], list[tuple[int, int]]]:
    """``count`` distinct unicast prefixes (first octet 1-223), as 'a.b.c.d/len' and (network, length)."""
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[int, int]] = []
    # Long prefixes are plentiful; the few short lengths saturate on a small address space, so cap tries.
    tries = 0
    while len(pairs) < count and tries < 50 * count + 1000:
        tries += 1
        length = prefix_length(rng)
        network = rng.getrandbits(32) & (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
        if not 0 < network >> 24 < 224 or (network, length) in seen:
            continue
        seen.add((network, length))
        pairs.append((network, length))
    texts = [f"{_ntoa(_pack(network))}/{length}" for network, length in pairs]
    return texts, pairs


def make_queries(pairs: list[tuple[int, int]], count: int, rng: random.Random) -> list[str]:
    """Half the addresses inside a random prefix of the table, half uniformly random (many miss)."""
    queries = []
    for i in range(count):
        if i % 2:
            network, length = pairs[rng.randrange(len(pairs))]
            address = network | rng.getrandbits(32 - length) if length < 32 else network
        else:
            address = rng.getrandbits(32)
        queries.append(_ntoa(_pack(address)))
    rng.shuffle(queries)
    return queries


def length_mix(pairs: list[tuple[int, int]]) -> str:
    buckets = {"/24": 0, "/22-/23": 0, "/16-/21": 0, "shorter": 0}
    for _, length in pairs:
        key = "/24" if length == 24 else "/22-/23" if length >= 22 else "/16-/21" if length >= 16 else "shorter"
        buckets[key] += 1
    total = len(pairs) or 1
    return "  ".join(f"{key} {100 * value / total:.1f} %" for key, value in buckets.items())


# Measuring ------------------------------------------------------------------------------------
def rss_bytes() -> int | None:
    """Resident set size now (Linux /proc); None elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def best_time(action: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def paired_best(actions: list[Callable[[], Any]], repeat: int) -> list[float]:
    """The fastest of ``repeat`` runs of each action, run in turns, so that a busy machine slows all alike."""
    best = [float("inf")] * len(actions)
    for _ in range(repeat):
        for index, action in enumerate(actions):
            start = time.perf_counter()
            action()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def build_engine(prefixes: list[str]) -> tuple[RouteTable, float, int | None]:
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    table = RouteTable.from_prefixes(prefixes)
    seconds = time.perf_counter() - start
    after = rss_bytes()
    return table, seconds, None if before is None or after is None else after - before


def traced_bytes_of_engine(prefixes: list[str]) -> int:
    """Bytes the Python allocator holds for a freshly built table (tracemalloc, a second build)."""
    gc.collect()
    tracemalloc.start()
    try:
        table = RouteTable.from_prefixes(prefixes)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del table
    gc.collect()
    return held


def build_pytricia(prefixes: list[str]) -> tuple[Any, float, int | None]:
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    tree = pytricia.PyTricia(32)
    for prefix in prefixes:
        tree[prefix] = prefix
    seconds = time.perf_counter() - start
    after = rss_bytes()
    return tree, seconds, None if before is None or after is None else after - before


def first_pass_rates(prefixes: list[str], queries: list[str], repeat: int) -> tuple[float, float | None]:
    """Lookups per second on the first pass over fresh addresses, each side's structure just built.

    Builds are not timed; the best of ``repeat`` fresh builds counts, as for the warm figures.
    """
    builders: list[Callable[[], Callable[[str], Any]]] = [lambda: RouteTable.from_prefixes(prefixes).lookup]
    if pytricia is not None:  # the same fresh start for the reference, right after
        builders.append(lambda: build_pytricia(prefixes)[0].get)
    best = [float("inf")] * len(builders)
    for _ in range(repeat):
        for index, build in enumerate(builders):
            gc.collect()
            find = build()
            start = time.perf_counter()
            for text in queries:
                find(text)
            best[index] = min(best[index], time.perf_counter() - start)
            del find
    rates = [len(queries) / seconds for seconds in best]
    return rates[0], rates[1] if len(rates) > 1 else None


def naive_scan_rate(prefixes: list[str], queries: list[str]) -> float:
    """Longest prefix by scanning a list of ipaddress networks: the obvious first program."""
    networks = [ipaddress.ip_network(p) for p in prefixes]

    def scan() -> None:
        for text in queries:
            address = ipaddress.ip_address(text)
            best = None
            for network in networks:
                if address in network and (best is None or network.prefixlen > best.prefixlen):
                    best = network

    return len(queries) / best_time(scan, 1)


def per_bytes(total: int | None, count: int) -> str:
    return "n/a" if total is None else f"{total / count:,.0f} B"


def run_size(size: int, queries_wanted: int, repeat: int, seed: int, results: dict[int, dict[str, Any]]) -> None:
    rng = random.Random(seed + size)
    progress(f"{size:,} prefixes: generating (seed {seed})")
    prefixes, pairs = make_prefixes(size, rng)
    queries = make_queries(pairs, queries_wanted, rng)
    count = len(prefixes)
    row: dict[str, Any] = {"prefixes": count}
    results[size] = row
    print(f"\n== {count:,} prefixes, {len(queries):,} lookups per measurement ==", flush=True)
    figure("prefix-length mix", length_mix(pairs))

    progress(f"{count:,} prefixes: measuring engine memory (tracemalloc build)")
    traced = traced_bytes_of_engine(prefixes)
    progress(f"{count:,} prefixes: building RouteTable.from_prefixes")
    table, build_seconds, rss_delta = build_engine(prefixes)
    row.update(build=build_seconds, bytes_per_prefix=traced / count)
    figure("engine build time", f"{build_seconds:.2f} s ({count / build_seconds:,.0f} prefixes/s)")
    figure("engine memory per prefix", f"{traced / count:,.0f} B (tracemalloc), "
                                       f"{per_bytes(rss_delta, count)} (RSS delta)")

    tree = None
    if pytricia is not None:
        progress(f"{count:,} prefixes: building pytricia")
        # pytricia allocates with C malloc, which tracemalloc does not see, and an RSS delta after the
        # engine's builds mostly reuses freed memory: its memory is not reported.
        tree, tree_seconds, _ = build_pytricia(prefixes)
        figure("pytricia build time", f"{tree_seconds:.2f} s")

    progress(f"{count:,} prefixes: first pass over fresh addresses after a fresh build")
    fresh = make_queries(pairs, len(queries), random.Random(seed + size + 1))
    first_rate, first_tree_rate = first_pass_rates(prefixes, fresh, repeat)
    row["first_rate"] = first_rate
    figure("first pass str -> decision", f"{first_rate:,.0f} lookups/s")
    if first_tree_rate is not None:
        row["first_ratio"] = first_rate / first_tree_rate
        figure("pytricia first pass get(str)", f"{first_tree_rate:,.0f} lookups/s")
        applies = "" if size in LOOKUP_TARGET_SIZES else " (target is for 100k and 1M)"
        figure("ratio first pass / pytricia", f"{row['first_ratio']:.2f}x  target >= {LOOKUP_RATIO_TARGET:.2f}x  "
                                              f"{verdict(row['first_ratio'] >= LOOKUP_RATIO_TARGET)}{applies}")

    progress(f"{count:,} prefixes: batch lookups (the first call builds the interval index)")
    start = time.perf_counter()
    batch = table.lookup_many(queries)
    first_call = time.perf_counter() - start

    progress(f"{count:,} prefixes: single and batch lookups, in turns with pytricia's loop")
    lookup = table.lookup

    def engine_loop() -> None:
        for text in queries:
            lookup(text)

    def tree_loop() -> None:
        for text in queries:
            get(text)

    get = None if tree is None else tree.get
    timed = paired_best([engine_loop, lambda: table.lookup_many(queries)] + ([tree_loop] if tree else []), repeat)
    engine_rate = len(queries) / timed[0]
    row["lookup_rate"] = engine_rate
    figure("lookup str -> decision", f"{engine_rate:,.0f} lookups/s")
    batch_rate = len(queries) / timed[1]
    row["batch_rate"] = batch_rate
    figure("batch lookup_many first call", f"{first_call:.2f} s (includes building the index)")
    figure("batch lookup_many(str)", f"{batch_rate:,.0f} lookups/s (index built)")
    import numpy as np

    packed = b"".join(socket.inet_aton(text) for text in queries)
    addresses = np.frombuffer(packed, dtype=">u4").astype(np.int64)
    array_rate = len(queries) / best_time(lambda: table.lookup_many(addresses), repeat)
    row["array_rate"] = array_rate
    figure("batch lookup_many(int64 ndarray)", f"{array_rate:,.0f} lookups/s (addresses already parsed)")

    sample = queries[: min(len(queries), 2000)]
    same = sum(lookup(text).route == route for text, route in zip(sample, batch, strict=False))
    figure("batch agrees with lookup", f"{same}/{len(sample)}")

    if tree is not None:
        tree_rate = len(queries) / timed[2]
        row["pytricia_rate"] = tree_rate
        figure("pytricia get(str)", f"{tree_rate:,.0f} lookups/s")
        lookup_ratio, batch_ratio = engine_rate / tree_rate, batch_rate / tree_rate
        row["lookup_ratio"], row["batch_ratio"] = lookup_ratio, batch_ratio
        applies = "" if size in LOOKUP_TARGET_SIZES else " (target is for 100k and 1M)"
        figure("ratio warm lookup / pytricia", f"{lookup_ratio:.2f}x  target >= {LOOKUP_RATIO_TARGET:.2f}x  "
                                          f"{verdict(lookup_ratio >= LOOKUP_RATIO_TARGET)}{applies}")
        figure("ratio batch / pytricia loop", f"{batch_ratio:.2f}x  target >= {BATCH_RATIO_TARGET:.2f}x  "
                                              f"{verdict(batch_ratio >= BATCH_RATIO_TARGET)}")
        figure("ratio ndarray batch / pytricia loop", f"{array_rate / tree_rate:.2f}x (for scale; not the target)")
        agree = 0
        for text in sample:
            route = lookup(text).route
            key = tree.get_key(text)
            agree += (route is None and key is None) or (route is not None and str(route.network) == key)
        figure("engine agrees with pytricia", f"{agree}/{len(sample)}")
    if count <= 1000:
        progress(f"{count:,} prefixes: naive scan over ipaddress networks")
        naive = naive_scan_rate(prefixes, queries[:200])
        figure("naive scan (ipaddress list)", f"{naive:,.0f} lookups/s (engine is {engine_rate / naive:,.0f}x faster)")
    gc.collect()


def summary(results: dict[int, dict[str, Any]]) -> None:
    print("\n== targets ==", flush=True)
    if pytricia is None:
        print("  pytricia is not installed: no ratios (pip install pytricia); engine figures above", flush=True)
    for size in LOOKUP_TARGET_SIZES:
        row = results.get(size)
        for key, name in (("first_ratio", "first-pass"), ("lookup_ratio", "warm")):
            label = f"{name} lookup >= {LOOKUP_RATIO_TARGET}x pytricia @ {size:,}"
            if row is None or key not in row:
                figure(label, "not measured")
            else:
                figure(label, f"{verdict(row[key] >= LOOKUP_RATIO_TARGET)} ({row[key]:.2f}x)")
    for size, row in sorted(results.items()):
        label = f"batch >= {BATCH_RATIO_TARGET}x pytricia loop @ {size:,}"
        if "batch_ratio" not in row:
            figure(label, "not measured")
        else:
            figure(label, f"{verdict(row['batch_ratio'] >= BATCH_RATIO_TARGET)} ({row['batch_ratio']:.2f}x)")
    row = results.get(BUILD_TARGET_SIZE)
    if row is None:
        figure(f"build < {BUILD_SECONDS_TARGET:.0f} s @ 1,000,000", "not measured")
        figure(f"memory < {BYTES_PER_PREFIX_TARGET} B/prefix @ 1,000,000", "not measured")
    else:
        figure(f"build < {BUILD_SECONDS_TARGET:.0f} s @ 1,000,000",
               f"{verdict(row['build'] < BUILD_SECONDS_TARGET)} ({row['build']:.2f} s)")
        figure(f"memory < {BYTES_PER_PREFIX_TARGET} B/prefix @ 1,000,000",
               f"{verdict(row['bytes_per_prefix'] < BYTES_PER_PREFIX_TARGET)} ({row['bytes_per_prefix']:,.0f} B)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated table sizes (default 1000,100000,1000000; quick: 1000)")
    parser.add_argument("--quick", action="store_true", help="tiny run: 1000 prefixes, 2000 lookups, one repeat")
    parser.add_argument("--queries", type=int, help="lookups per measurement (default 100000; quick: 2000)")
    parser.add_argument("--repeat", type=int, help="repeats per measurement, the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    default_sizes = "1000" if args.quick else "1000,100000,1000000"
    try:
        sizes = [int(s.replace("_", "")) for s in (args.sizes or default_sizes).split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be whole numbers separated by commas, e.g. 1000,100000; not {args.sizes!r}")
    queries = args.queries or (2000 if args.quick else 100_000)
    repeat = args.repeat or (1 if args.quick else 3)
    import platform

    print(f"bench_lookup: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"pytricia {'installed' if pytricia is not None else 'NOT installed'}", flush=True)
    if pytricia is None:
        print("pytricia is not installed: printing the engine figures alone", flush=True)
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        run_size(size, queries, repeat, args.seed, results)
    summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
