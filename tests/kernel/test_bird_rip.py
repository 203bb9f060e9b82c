"""RIP against BIRD 2 in network namespaces: converged tables, what each update says, v1/v2 fields, a failure.

Every router of a topology is a namespace running ``bird`` (Debian's bird2) with a ``rip`` protocol on
its veth links; the simulator runs the same topology with ``linux`` routers and the same (shortened)
timers. A capture process in each namespace keeps every RIP datagram the router sends, which the
workbook's own decoder (:meth:`RipMessage.decode`) reads. The comparisons are of *messages and tables*,
never of counts or times: RIP's timers are random on both sides.

* converged tables: prefix, metric, next hop and interface of every RIP route, on every router
  (where two paths tie, either next hop is right, on both sides);
* the entries each router's regular update carries on each interface, under split horizon
  ``simple``, ``poison-reverse`` and ``off`` (prefix, mask, next hop, metric, tag);
* the fields of version 1 and version 2 messages (destination, TTL, ports, version, masks);
* re-convergence after a link goes down, and the entries poisoned in the first update after it.

``docs/rip-against-bird.md`` records what was compared and every difference found.
"""

from __future__ import annotations

import heapq
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.kernel.capture import start_helper, stop_helper
from tests.net.netns import Namespace, NamespaceUnavailable, namespaces
from workbook.net.rip import RipMessage
from workbook.net.routes import RouteOrigin
from workbook.sim import Network

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

UPDATE, TIMEOUT, GARBAGE = 2, 12, 6  # seconds, on both sides
#: BIRD waits min(5, update/2 + 1) s between triggered updates; the engine draws from this range.
TRIGGERED = [1, 2]
CONVERGE_WITHIN = 25.0  # seconds of wall time before a comparison gives up

RIP_CAPTURE = r"""
import json, select, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL: outgoing frames too
print("ready", flush=True)
frames = []
while True:
    readable = select.select([s, sys.stdin], [], [], 0.05)[0]
    if sys.stdin in readable and not sys.stdin.read(1):
        break
    if s not in readable:
        continue
    try:
        data, where = s.recvfrom(65535)
    except OSError:
        continue
    if where[2] != socket.PACKET_OUTGOING or len(data) < 42 or data[12:14] != b"\x08\x00":
        continue
    ihl = (data[14] & 15) * 4
    if data[23] != 17 or int.from_bytes(data[14 + ihl + 2: 14 + ihl + 4], "big") != 520:
        continue
    frames.append((where[0], data.hex(), time.monotonic()))
print(json.dumps(frames), flush=True)
"""


def _bird_or_skip() -> None:
    if shutil.which("bird") is None or shutil.which("birdc") is None:
        pytest.skip("BIRD 2 (Debian bird2) is not installed; ./run.sh test installs it")


# Topologies ---------------------------------------------------------------------------------------------
@dataclass
class Topology:
    """Routers 1..n; ``links`` are (i, j, cost at i, cost at j): one veth pair per link, to{j} in Ri."""

    name: str
    routers: int
    links: list[tuple[int, int, int, int]]
    version: int = 2
    split_horizon: str = "poison-reverse"

    #: Version 1 only: give every other link a subnet of 10.0.0.0/8 instead of a class C network.
    v1_subnets: bool = False
    #: Version 2 only: a plain-text password on every router (RFC 2453 §4.1).
    password: str | None = None

    def prefix(self, k: int) -> tuple[str, int]:
        """Link k's network and prefix length: 10.0.k.0/24 (v2), or the class C 192.168.k.0/24 (v1)."""
        if self.version == 1 and not (self.v1_subnets and k % 2):
            return f"192.168.{k + 1}.0", 24
        return f"10.0.{k + 1}.0", 24

    def advertised(self, k: int) -> bool:
        """Does RIP carry link k's network? Version 1 on linux (BIRD) carries whole classful networks only."""
        return self.version == 2 or self.prefix(k)[0].startswith("192.168.")

    def address(self, k: int, router: int) -> str:
        network, length = self.prefix(k)
        return f"{network.rsplit('.', 1)[0]}.{router}/{length}"

    def interfaces(self, router: int) -> list[tuple[str, int, int, int]]:
        """(name, link index, neighbour, cost) of each interface of ``router``."""
        found = []
        for k, (i, j, cost_i, cost_j) in enumerate(self.links):
            if router == i:
                found.append((f"to{j}", k, j, cost_i))
            elif router == j:
                found.append((f"to{i}", k, i, cost_j))
        return found

    def engine(self) -> dict[str, Any]:
        routers = []
        for r in range(1, self.routers + 1):
            nics = [{"name": name, "segment": f"link{k}", "addresses": [self.address(k, r)]}
                    for name, k, _, _ in self.interfaces(r)]
            cost = {name: c for name, _, _, c in self.interfaces(r) if c != 1}
            rip = {"version": self.version, "split_horizon": self.split_horizon, "update": UPDATE,
                   "timeout": TIMEOUT, "garbage": GARBAGE, "triggered_min_interval": TRIGGERED}
            if cost:
                rip["cost"] = cost
            if self.password:
                rip["password"] = self.password
            routers.append({"name": f"R{r}", "personality": "linux", "interfaces": nics, "rip": rip})
        return {"segments": [{"name": f"link{k}"} for k in range(len(self.links))], "routers": routers}

    def bird_conf(self, router: int) -> str:
        split = {"simple": "split horizon yes; poison reverse no;",
                 "poison-reverse": "split horizon yes; poison reverse yes;",
                 "off": "split horizon no; poison reverse no;"}[self.split_horizon]
        # BIRD 2.0.12 refuses its own version 1 entries ("RIPv1 reserved field is nonzero"): check zero off.
        extra = " check zero no;" if self.version == 1 else ""
        if self.password:
            extra += f' authentication plaintext; password "{self.password}";'
        interfaces = "\n".join(
            f'  interface "{name}" {{ version {self.version};{extra} {split} metric {cost}; update time {UPDATE}; '
            f"timeout time {TIMEOUT}; garbage time {GARBAGE}; }};"
            for name, _, _, cost in self.interfaces(router))
        return (f"router id 10.255.255.{router};\n"
                "protocol device { scan time 1; }\n"
                'protocol direct { ipv4; interface "to*"; check link yes; }\n'
                "protocol kernel { ipv4 { import none; export where source = RTS_RIP; }; }\n"
                "protocol rip rip1 {\n  ipv4 { import all; export all; };\n" + interfaces + "\n}\n")

    def expected(self, down: frozenset[int] = frozenset()) -> dict[int, dict[str, tuple[int, set[str]]]]:
        """Dijkstra: each router's RIP routes, {prefix: (metric, the next hops a best path may use)}."""
        links = [link for k, link in enumerate(self.links) if k not in down]
        result: dict[int, dict[str, tuple[int, set[str]]]] = {}
        for r in range(1, self.routers + 1):
            routes: dict[str, tuple[int, set[str]]] = {}
            connected = {k for k, (i, j, _, _) in enumerate(self.links) if k not in down and r in (i, j)}
            for k, (i, j, _, _) in enumerate(self.links):
                if k in down or k in connected or not self.advertised(k):
                    continue
                network, length = self.prefix(k)
                # metric at r of prefix k = 1 + cheapest path from an end of link k to r, paying at each receiver
                best = _distances(self.routers, links, {i: 1, j: 1})
                if best.get(r, 99) >= 16:
                    continue
                hops = set()
                for name, kk, neighbour, cost in self.interfaces(r):
                    if kk in down:
                        continue
                    if best.get(neighbour, 99) + cost == best[r]:
                        hops.add(f"{self.address(kk, neighbour).split('/')[0]} {name}")
                routes[f"{network}/{length}"] = (best[r], hops)
            result[r] = routes
        return result


def _distances(n: int, links: list[tuple[int, int, int, int]], start: dict[int, int]) -> dict[int, int]:
    best = dict(start)
    queue = [(metric, r) for r, metric in start.items()]
    heapq.heapify(queue)
    while queue:
        metric, r = heapq.heappop(queue)
        if metric > best.get(r, 99):
            continue
        for i, j, cost_i, cost_j in links:
            for here, there, cost in ((i, j, cost_j), (j, i, cost_i)):
                if here == r and metric + cost < best.get(there, 99):
                    best[there] = metric + cost
                    heapq.heappush(queue, (metric + cost, there))
    return best


def random_topology(seed: int, split_horizon: str) -> Topology:
    """3-5 routers, a random tree plus random extra links, costs with repeats (1, 1, 2, 3, 5)."""
    rng = random.Random(seed)
    n = rng.randint(3, 5)
    pairs = {(rng.randrange(1, r), r) for r in range(2, n + 1)}
    for _ in range(rng.randint(0, n - 1)):
        i, j = sorted(rng.sample(range(1, n + 1), 2))
        pairs.add((i, j))
    costs = [1, 1, 1, 2, 3, 5]
    links = [(i, j, rng.choice(costs), rng.choice(costs)) for i, j in sorted(pairs)]
    return Topology(f"random-{seed}", n, links, 2, split_horizon)


NAMED = [
    Topology("line", 4, [(1, 2, 1, 1), (2, 3, 1, 1), (3, 4, 1, 1)], 2, "simple"),
    Topology("ring", 4, [(1, 2, 1, 1), (2, 3, 1, 1), (3, 4, 1, 1), (1, 4, 1, 1)], 2, "poison-reverse"),
    Topology("triangle-costly", 3, [(1, 2, 1, 1), (2, 3, 1, 1), (1, 3, 5, 5)], 2, "off"),
    Topology("triangle-v1", 3, [(1, 2, 1, 1), (2, 3, 1, 1), (1, 3, 2, 2)], 1, "poison-reverse"),
    Topology("line-v1-subnets", 4, [(1, 2, 1, 1), (2, 3, 1, 1), (3, 4, 1, 1)], 1, "simple", v1_subnets=True),
]


# The lab: BIRD in namespaces ----------------------------------------------------------------------------
@dataclass
class Sent:
    router: int
    interface: str
    time: float
    ip: bytes
    message: RipMessage

    @property
    def destination(self) -> str:
        return ".".join(str(b) for b in self.ip[16:20])

    @property
    def ttl(self) -> int:
        return self.ip[8]

    @property
    def ports(self) -> tuple[int, int]:
        ihl = (self.ip[0] & 15) * 4
        return int.from_bytes(self.ip[ihl:ihl + 2], "big"), int.from_bytes(self.ip[ihl + 2:ihl + 4], "big")


@dataclass
class Lab:
    topology: Topology
    namespaces: list[Namespace]
    directory: Path
    birds: dict[int, subprocess.Popen] = field(default_factory=dict)
    captures: dict[int, subprocess.Popen] = field(default_factory=dict)

    def ns(self, router: int) -> Namespace:
        return self.namespaces[router - 1]

    def socket(self, router: int) -> str:
        return str(self.directory / f"bird{router}.ctl")

    def routes(self, router: int) -> dict[str, tuple[int, str]]:
        """BIRD's selected RIP routes: {prefix: (metric, 'gateway interface')}."""
        out = subprocess.run(["birdc", "-s", self.socket(router), "show", "route", "protocol", "rip1", "primary"],
                             capture_output=True, text=True, timeout=10).stdout
        found = {}
        for match in re.finditer(r"^(\S+/\d+)\s+unicast \[rip1 [^\]]*\] \* \(\d+/(\d+)\)\s*\n\s+via (\S+) on (\S+)",
                                 out, re.MULTILINE):
            found[match.group(1)] = (int(match.group(2)), f"{match.group(3)} {match.group(4)}")
        return found

    def all_routes(self) -> dict[int, dict[str, tuple[int, str]]]:
        return {r: self.routes(r) for r in range(1, self.topology.routers + 1)}

    def wait_for(self, expected: dict[int, dict[str, tuple[int, set[str]]]]) -> dict[int, dict[str, tuple[int, str]]]:
        """Poll BIRD until its tables match ``expected`` (or the time is up); returns the last tables."""
        deadline = time.monotonic() + CONVERGE_WITHIN
        while True:
            tables = self.all_routes()
            if _matches(tables, expected) or time.monotonic() > deadline:
                return tables
            time.sleep(0.5)

    def sent(self) -> list[Sent]:
        """Stop the captures; every RIP datagram each router sent, decoded by the workbook's decoder."""
        found = []
        for router, process in self.captures.items():
            out = stop_helper(process).strip().splitlines()
            for interface, data, when in json.loads(out[-1]) if out else []:
                frame = bytes.fromhex(data)
                ip = frame[14:]
                ihl = (ip[0] & 15) * 4
                length = int.from_bytes(ip[2:4], "big")
                found.append(Sent(router, interface, when, ip[:length],
                                  RipMessage.decode(ip[ihl + 8:length])))
        self.captures.clear()
        return sorted(found, key=lambda s: s.time)


@contextmanager
def bird_lab(topology: Topology) -> Iterator[Lab]:
    _bird_or_skip()
    try:
        with ExitStack() as stack:
            made = stack.enter_context(namespaces(topology.routers))
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wbk-bird-")))
            lab = Lab(topology, made, directory)
            for k, (i, j, _, _) in enumerate(topology.links):
                lab.ns(i).ip("link", "add", f"to{j}", "type", "veth", "peer", "name", f"to{i}", "netns",
                             lab.ns(j).name)
                for here, there in ((i, j), (j, i)):
                    lab.ns(here).ip("addr", "add", topology.address(k, here), "dev", f"to{there}")
            for r in range(1, topology.routers + 1):
                for name, _, _, _ in topology.interfaces(r):
                    lab.ns(r).ip("link", "set", name, "up")
            for r in range(1, topology.routers + 1):
                lab.captures[r] = start_helper(lab.ns(r), RIP_CAPTURE)
            for r in range(1, topology.routers + 1):
                conf = directory / f"bird{r}.conf"
                conf.write_text(topology.bird_conf(r))
                lab.birds[r] = lab.ns(r).popen("bird", "-f", "-c", str(conf), "-s", lab.socket(r),
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                yield lab
            finally:
                for process in lab.birds.values():
                    process.terminate()
                for process in lab.birds.values():
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                for process in lab.captures.values():
                    stop_helper(process)
    except NamespaceUnavailable as error:
        pytest.skip(f"kernel tests need network namespaces: {error}")


# Comparing ----------------------------------------------------------------------------------------------
def _matches(tables: dict[int, dict[str, tuple[int, str]]],
             expected: dict[int, dict[str, tuple[int, set[str]]]]) -> bool:
    return all(set(tables[r]) == set(routes) and all(
        tables[r][p][0] == metric and tables[r][p][1] in hops for p, (metric, hops) in routes.items())
        for r, routes in expected.items())


def engine_tables(net: Network, topology: Topology) -> dict[int, dict[str, tuple[int, str]]]:
    tables = {}
    for r in range(1, topology.routers + 1):
        tables[r] = {f"{route.destination}/{route.prefixlen}": (route.metric, f"{route.gateway} {route.interface}")
                     for route in net.host(f"R{r}").table if route.origin is RouteOrigin.RIP}
    return tables


def entries(message: RipMessage) -> set[tuple[str, int, str, int]]:
    return {(e.prefix, e.metric, str(e.next_hop) if e.next_hop is not None else "-", e.tag)
            for e in message.entries}


def differences(bird: dict[int, dict[str, tuple[int, str]]], engine: dict[int, dict[str, tuple[int, str]]],
                expected: dict[int, dict[str, tuple[int, set[str]]]]) -> list[str]:
    """Every route where BIRD and the engine disagree (a tie between equal paths is not a disagreement)."""
    found = []
    for r, routes in expected.items():
        for prefix in sorted(set(bird[r]) | set(engine[r]) | set(routes)):
            b, e = bird[r].get(prefix), engine[r].get(prefix)
            metric, hops = routes.get(prefix, (None, set()))
            same = b is not None and e is not None and b[0] == e[0] and (b[1] == e[1] or {b[1], e[1]} <= hops)
            if not same:
                found.append(f"R{r} {prefix}: BIRD {b}, engine {e}, expected metric {metric} via {sorted(hops)}")
    return found


def last_updates(sent: list[Sent], since: float) -> dict[tuple[int, str], set[tuple[str, int, str, int]]]:
    """The entries of the last regular update each router sent on each interface after ``since``."""
    found: dict[tuple[int, str], set[tuple[str, int, str, int]]] = {}
    for s in sent:
        if s.time >= since and s.message.is_response and s.destination != "unicast" and _group(s):
            found[(s.router, s.interface)] = entries(s.message)
    return found


def _group(s: Sent) -> bool:
    return s.destination == "224.0.0.9" or s.destination.endswith(".255")


def run_engine(topology: Topology, seconds: float = 60.0, seed: int = 1) -> Network:
    net = Network.from_dict(topology.engine(), seed=seed)
    net.run(seconds)
    return net


# The tests ----------------------------------------------------------------------------------------------
TOPOLOGIES = NAMED + [random_topology(seed, rule) for seed, rule in
                      ((11, "poison-reverse"), (12, "simple"), (13, "off"), (14, "poison-reverse"),
                       (19, "off"), (20, "poison-reverse"), (26, "simple"))]


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=lambda t: f"{t.name}-{t.split_horizon}-v{t.version}")
def test_converged_tables_and_updates_per_interface_match_bird(topology: Topology) -> None:
    expected = topology.expected()
    net = run_engine(topology)
    engine = engine_tables(net, topology)
    with bird_lab(topology) as lab:
        bird = lab.wait_for(expected)
        time.sleep(GARBAGE + 2)  # let routes that were dead during convergence be garbage-collected
        steady = time.monotonic()
        time.sleep(UPDATE * 2 + 1)  # at least one regular update on every interface
        bird_again = lab.all_routes()
        sent = lab.sent()
    assert not differences(bird, engine, expected), differences(bird, engine, expected)
    assert bird_again == bird, "BIRD's tables moved after convergence"
    updates = last_updates(sent, steady)
    assert set(updates) == {(r, name) for r in range(1, topology.routers + 1)
                            for name, _, _, _ in topology.interfaces(r)}
    mismatched = []
    for (r, interface), seen in sorted(updates.items()):
        ours = set().union(*(entries(m) for m in net.host(f"R{r}").protocols["rip"].update_for(interface)))
        if seen != ours and not _tie_only(seen, ours, r, interface, topology, expected):
            mismatched.append(f"R{r} {interface}: BIRD {sorted(seen - ours)}, engine {sorted(ours - seen)}")
    assert not mismatched, mismatched


def _tie_only(seen: set, ours: set, router: int, interface: str, topology: Topology,
              expected: dict[int, dict[str, tuple[int, set[str]]]]) -> bool:
    """Entries differ only for prefixes with two equally good next hops (split horizon then depends on which)."""
    tied = {prefix for prefix, (_, hops) in expected[router].items() if len(hops) > 1}
    return {e[0] for e in seen ^ ours} <= tied


@pytest.mark.parametrize(("version", "password"), [(1, None), (2, None), (2, "secret")])
def test_message_fields_match_bird(version: int, password: str | None) -> None:
    topology = Topology(f"pair-v{version}", 2, [(1, 2, 1, 1)], version, "poison-reverse", password=password)
    net = run_engine(topology, 10)
    with bird_lab(topology) as lab:
        lab.wait_for(topology.expected())
        time.sleep(UPDATE * 2 + 1)
        sent = lab.sent()
    ours = [f for f in net.frames if f.rip is not None and f.sender == "R1"]

    def shape(destination: str, ttl: int, ports: tuple[int, int], message: RipMessage) -> tuple:
        masks = {e.mask is None or int(e.mask) == 0 for e in message.entries} if message.is_response else set()
        return destination, ttl, ports, message.command, message.version, tuple(sorted(masks)), message.password

    # A reply to a request goes to the asker alone; BIRD skips it while an update of its own is under way,
    # which depends on who started first: only the updates to everyone and the requests are compared.
    bird_shapes = {shape(s.destination, s.ttl, s.ports, s.message) for s in sent if s.router == 1 and _group(s)}
    engine_shapes = {shape(str(f.ip.dst), f.ip.ttl, (f.udp.src_port, f.udp.dst_port), f.rip) for f in ours
                     if f.is_multicast}
    assert bird_shapes == engine_shapes
    bird_requests = {s.message.encode() for s in sent if s.message.is_request}
    assert bird_requests == {f.rip.encode() for f in ours if f.rip.is_request}


@pytest.mark.parametrize("topology", [NAMED[1], random_topology(21, "poison-reverse"),
                                      Topology("square-costly", 4, [(1, 2, 1, 1), (2, 3, 1, 1), (3, 4, 1, 1),
                                                                    (1, 4, 3, 3)], 2, "simple")],
                         ids=lambda t: t.name)
def test_reconvergence_after_a_link_goes_down_matches_bird(topology: Topology) -> None:
    failed = 0  # the first link, between routers i and j
    i, j, _, _ = topology.links[failed]
    before, after = topology.expected(), topology.expected(frozenset({failed}))
    net = run_engine(topology)
    net.host(f"R{i}").unplug(f"to{j}")
    net.host(f"R{j}").unplug(f"to{i}")
    cut = len(net.frames)
    net.run(60)
    engine = engine_tables(net, topology)
    with bird_lab(topology) as lab:
        lab.wait_for(before)
        time.sleep(GARBAGE + 2)
        down = time.monotonic()
        lab.ns(i).ip("link", "set", f"to{j}", "down")
        bird = lab.wait_for(after)
        sent = lab.sent()
    assert not differences(bird, engine, after), differences(bird, engine, after)
    # The updates each end sent on its remaining interfaces after the cut poison the same prefixes: the link's
    # own network, and what was reachable only through it and has not come back another way.
    compared = 0
    for here, there in ((i, j), (j, i)):
        if len(topology.interfaces(here)) < 2:
            continue  # nothing left to tell anyone on
        lost = {p for p, (_, hops) in before[here].items() if all(h.endswith(f" to{there}") for h in hops)}
        lost = (lost | {"{}/{}".format(*topology.prefix(failed))}) - set(after[here])
        bird_poisoned = {e.prefix for s in sent if s.router == here and s.time > down and s.message.is_response
                         for e in s.message.entries if e.metric == 16}
        engine_poisoned = {e.prefix for f in net.frames[cut:] if f.sender == f"R{here}" and f.rip is not None
                           and f.rip.is_response for e in f.rip.entries if e.metric == 16}
        assert lost <= bird_poisoned and lost <= engine_poisoned, (here, lost, bird_poisoned, engine_poisoned)
        compared += 1
    assert compared

if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
