"""Exercise 6: routers that learn — converged RIP tables, split horizon, poison reverse, counting to infinity.

Chapter 6's exercise. Every answer is graded against the simulator's RIP (RFC 2453), run on the student's own
routers; the generator checks each variant against an independent shortest-path calculation.

>>> ex = variant("alice")
>>> v = ex.variant
>>> ex.check("q1", v.metric(v.router, v.far)).status
'right'
>>> ex.check("q3", sorted(v.lans("poison-reverse"))).status   # poison reverse still lists them all
'wrong'
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from functools import cache
from typing import Any

import netaddr

from workbook.exercises.core import Exercise, Question, canonical, seed_for
from workbook.net.rip import INFINITY, RipRoute, update_entries
from workbook.render.rip import metric_history
from workbook.sim.network import Network
from workbook.sim.topologies import line_of_routers

__all__ = ["ASSIGNMENT", "Variant", "make_variant", "reference_update", "variant"]

ASSIGNMENT = "06_routers_that_learn"

#: Shortened timers (the RFC's are 30, 180 and 120 s): the same rules, seen in seconds.
TIMERS = {"update": 5, "timeout": 30, "garbage": 20}
#: Seconds the routers run before their tables are read: several updates, enough to converge.
CONVERGE = 60.0
#: Triggered updates held back this long: only regular updates carry news (counting to infinity shows).
HELD = 1000


@dataclass(frozen=True)
class Variant:
    """One student's routers: R1..R<count> in a line or a ring, link costs, and what is asked about.

    Router i's LAN is 192.168.<i>.0/24; routers i < j that are neighbours share 10.0.<i><j>.0/24,
    router i being .<i> on interface ``to<j>`` (see :func:`workbook.sim.topologies.line_of_routers`).
    """

    count: int
    ring: bool
    costs: tuple[tuple[int, int, int], ...]  # (i, j, cost) for links whose cost is not 1
    router: int  # q1-q4: the router asked about
    far: int  # q1-q2: the LAN it reaches
    interface: str  # q3-q4: the interface whose update is asked about
    counting_costs: tuple[int, int]  # q5: costs of R1-R2 and R2-R3 in the counting line
    counting_seed: int  # q5: a seed under which R1 speaks first after the failure
    lan: str = "10.0.1.0/24"  # q6-q7: the client's LAN
    relay_host: int = 1  # q6-q7: the relay's host number on that LAN
    core: str = "172.16.2.0/24"  # q6-q7: the server's subnet

    def scenario(self, split_horizon: str = "poison-reverse") -> dict[str, Any]:
        """The routers as a scenario dict (every router a Linux router running RIP-2)."""
        costs = {(a, b): cost for a, b, cost in self.costs}
        return line_of_routers(self.count, ring=self.ring, costs=costs, split_horizon=split_horizon,
                               personality="linux", **TIMERS)

    def network(self, split_horizon: str = "poison-reverse") -> Network:
        """The routers after ``CONVERGE`` seconds of RIP (a new network each call)."""
        return _converged(self, split_horizon)

    def metric(self, router: int, lan: int) -> int:
        """Router ``router``'s converged RIP metric for LAN ``lan`` (from the simulation)."""
        return _metric(self, router, lan)

    def gateway(self, router: int, lan: int) -> str:
        net = _converged(self, "poison-reverse")
        return str(_route(net, router, lan).gateway)

    def update(self, rule: str) -> dict[str, int]:
        """The entries (prefix -> metric) of router ``router``'s regular update on ``interface`` under ``rule``."""
        return _update(self, rule)

    def lans(self, rule: str) -> dict[str, int]:
        """The routers' LANs (192.168.<i>.0/24) in that update: q3 and q4 ask about these only.

        A link network such as 10.0.13.0/24 in a ring is as near through either of its two
        routers, and which one a router heard first depends on timing: the questions leave them out.
        """
        return {prefix: metric for prefix, metric in _update(self, rule).items() if prefix.startswith("192.168.")}

    def counting_scenario(self) -> dict[str, Any]:
        """q5: a line R1-R2-R3 without split horizon and with triggered updates held back."""
        c12, c23 = self.counting_costs
        costs = {(a, b): c for a, b, c in ((1, 2, c12), (2, 3, c23)) if c != 1}
        return line_of_routers(3, split_horizon="off", costs=costs, triggered_min_interval=HELD,
                               personality="linux", **TIMERS)

    def relay_scenario(self) -> dict[str, Any]:
        """q6-q7: a PC asking for an address on ``lan``; a Linux router relays to a DHCP server on ``core``."""
        lan, core = netaddr.IPNetwork(self.lan), netaddr.IPNetwork(self.core)
        relay, server, core_router = lan.network + self.relay_host, core.network + 9, core.network + 1
        return {"personality": "linux", "segments": [{"name": "lan"}, {"name": "core"}],
                "hosts": [{"name": "pc", "interfaces": [{"name": "eth0", "segment": "lan", "dhcp": True}]},
                          {"name": "server", "interfaces": [{"name": "eth0", "segment": "core",
                                                              "addresses": [f"{server}/{core.prefixlen}"],
                                                              "gateway": str(core_router)}],
                           "dhcp_server": {"pools": [{"network": str(lan.cidr),
                                                      "range": [str(lan.network + 100), str(lan.network + 199)],
                                                      "router": str(relay), "lease": 3600}]}}],
                "routers": [{"name": "router", "forwarding": True, "interfaces": [
                    {"name": "lan0", "segment": "lan", "addresses": [f"{relay}/{lan.prefixlen}"]},
                    {"name": "core0", "segment": "core", "addresses": [f"{core_router}/{core.prefixlen}"]}],
                    "dhcp_relay": {"servers": [str(server)]}}]}

    def relay_network(self) -> Network:
        """q6-q7: the relay network once the PC has its lease (``net.frames``: each frame's ``.bootp``)."""
        return _relayed(self)

    def relayed_discover(self) -> Any:
        """The DISCOVER as the relay sent it on to the server (a frame on segment 'core')."""
        return next(f for f in _relayed(self).frames if f.bootp is not None and f.segment == "core"
                    and f.bootp.op == 1)

    def counting_network(self) -> Network:
        """q5's line after 30 s, then R2's link to R3 fails (``R2.unplug('to3')``), then 200 s more."""
        return _counting(self)[0]

    def counting(self) -> list[int | None]:
        """R2's metrics for 192.168.3.0/24 from the failure on (the simulation's answer to q5)."""
        return _counting(self)[1]


@cache
def _converged(v: Variant, split_horizon: str) -> Network:
    net = Network.from_dict(v.scenario(split_horizon), seed=0)
    net.run(CONVERGE)
    return net


def _route(net: Network, router: int, lan: int) -> Any:
    prefix = f"192.168.{lan}.0/24"
    return next(r for r in net.host(f"R{router}").table if str(r.network) == prefix)


def _metric(v: Variant, router: int, lan: int) -> int:
    return int(_route(_converged(v, "poison-reverse"), router, lan).metric)


@cache
def _update(v: Variant, rule: str) -> dict[str, int]:
    net = _converged(v, rule)
    rip = net.host(f"R{v.router}").protocols["rip"]
    out = {}
    for message in rip.update_for(v.interface):
        for entry in message.entries:
            out[f"{entry.address}/{netaddr.IPAddress(entry.mask).netmask_bits()}"] = int(entry.metric)
    return out


@cache
def _relayed(v: Variant) -> Network:
    net = Network.from_dict(v.relay_scenario(), seed=0)
    net.run(30)
    return net


@cache
def _counting(v: Variant) -> tuple[Network, list[int | None]]:
    net = Network.from_dict(v.counting_scenario(), seed=v.counting_seed)
    net.run(30)
    start = net.now
    net.host("R2").unplug("to3")
    net.run(200)
    metrics = [state["R2"] for _, state, changed in metric_history(net, "192.168.3.0/24", since=start)
               if "R2" in changed]
    return net, metrics


def counting_by_hand(c12: int, c23: int) -> list[int]:
    """q5 worked by the rule: R1 held 192.168.3.0/24 at 1 + c23 + c12; R2 takes R1's metric + c12, R1 then
    R2's + c12, and so on: R2's metrics climb by 2 x c12 until they reach 16.

    >>> counting_by_hand(1, 1)
    [4, 6, 8, 10, 12, 14, 16]
    """
    metric, out = 1 + c23 + c12 + c12, []
    while metric < INFINITY:
        out.append(metric)
        metric += 2 * c12
    return [*out, INFINITY]


def _finite_count(v: Variant) -> int:
    return sum(1 for m in v.counting() if m is not None and m < INFINITY)


# --- the generator ---------------------------------------------------------------------------------------------------

def _links(count: int, ring: bool) -> list[tuple[int, int]]:
    links = [(i, i + 1) for i in range(1, count)]
    if ring and count >= 3:
        links.append((1, count))
    return links


def shortest(count: int, ring: bool, costs: dict[tuple[int, int], int], start: int) -> dict[int, tuple[int, int]]:
    """An independent reference: Dijkstra from router ``start``: LAN j -> (RIP metric, number of best first hops)."""
    graph: dict[int, list[tuple[int, int]]] = {i: [] for i in range(1, count + 1)}
    for a, b in _links(count, ring):
        cost = costs.get((a, b), 1)
        graph[a].append((b, cost))
        graph[b].append((a, cost))
    best = _distances(graph, start)
    out = {}
    for lan in graph:
        if lan == start:
            out[lan] = (1, 1)
            continue
        # a first hop is best when going through it costs the least
        hops = sum(1 for other, cost in graph[start] if cost + _distances(graph, other)[lan] == best[lan])
        out[lan] = (best[lan] + 1, hops)
    return out


def _distances(graph: dict[int, list[tuple[int, int]]], start: int) -> dict[int, int]:
    """Dijkstra: the least cost from ``start`` to every router."""
    best = {start: 0}
    queue = [(0, start)]
    while queue:
        distance, node = heapq.heappop(queue)
        if distance > best[node]:
            continue
        for other, cost in graph[node]:
            if distance + cost < best.get(other, 1 << 30):
                best[other] = distance + cost
                heapq.heappush(queue, (distance + cost, other))
    return best


def make_variant(rng: random.Random) -> Variant:
    """A well-posed variant: no tied best paths, an interface with routes learned through it, counting that shows."""
    while True:
        ring = rng.random() < 0.5
        count = rng.choice([3, 4, 5])
        costs = tuple((a, b, rng.choice([1, 1, 2, 3])) for a, b in _links(count, ring))
        cost_map = {(a, b): c for a, b, c in costs}
        tables = {r: shortest(count, ring, cost_map, r) for r in range(1, count + 1)}
        if any(hops != 1 for table in tables.values() for hops in (h for _, h in table.values())):
            continue  # a tie: two neighbours offer the same metric, and which is kept depends on timing
        if any(metric >= INFINITY for table in tables.values() for metric, _ in table.values()):
            continue
        router = rng.randrange(1, count + 1)
        far = rng.choice([lan for lan in range(1, count + 1) if lan != router])
        neighbours = [b if a == router else a for a, b in _links(count, ring) if router in (a, b)]
        interface = f"to{rng.choice(neighbours)}"
        counting_costs = (rng.choice([1, 1, 2]), rng.choice([1, 2, 3]))
        kept = tuple(c for c in costs if c[2] != 1)
        lan = f"10.{rng.randrange(1, 255)}.{rng.randrange(256)}.0/24"
        core = f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.0/24"
        relay_host = rng.choice([1, 254, rng.randrange(2, 100)])
        for seed in range(50):
            candidate = Variant(count, ring, kept, router, far, interface, counting_costs, seed, lan, relay_host,
                                core)
            if candidate.counting()[1:-1] == counting_by_hand(*counting_costs) and candidate.counting()[-1] is None:
                break
        else:
            continue
        v = candidate
        assert all(v.metric(r, lan) == tables[r][lan][0] for r in (v.router,) for lan in range(1, count + 1)
                   if lan != r)
        if v.lans("simple") == v.lans("poison-reverse"):
            continue  # nothing learned through that interface: the two rules would agree
        return v


# --- a function to write ---------------------------------------------------------------------------------------------

def reference_update(table: list[tuple[str, int, str | None, str]], interface: str, rule: str) -> dict[str, int]:
    """The RIP-2 update (prefix -> metric) out of ``interface``: the engine's own rules (RFC 2453 section 3.4.3).

    ``table`` rows are (prefix, metric, gateway or None for a connected network, interface).
    """
    routes = []
    for prefix, metric, gateway, nic in table:
        if gateway is None:
            routes.append(RipRoute.connected(prefix, nic, metric))
        else:
            routes.append(RipRoute.learned(prefix, metric, gateway, nic))
    entries = update_entries(routes, interface, "10.255.255.1/32", version=2, split_horizon=rule)
    return {f"{e.address}/{netaddr.IPAddress(e.mask).netmask_bits()}": int(e.metric) for e in entries}


def _solve_update(v: Variant, table: list, interface: str, rule: str) -> tuple[tuple[str, int], ...]:
    return canonical("metrics", reference_update(table, interface, rule))


def _update_probes(v: Variant, rng: random.Random) -> list[tuple]:
    probes = []
    nics = ["to1", "to2", "to3", "lan"]
    for number in range(10):
        rows = []
        used = set()
        for _ in range(rng.randrange(2, 7)):
            prefix = f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24"
            if prefix in used:
                continue
            used.add(prefix)
            nic = rng.choice(nics)
            if rng.random() < 0.3:
                rows.append((prefix, 1, None, nic))
            else:
                rows.append((prefix, rng.randrange(2, 17), f"10.0.0.{rng.randrange(1, 255)}", nic))
        probes.append((rows, rng.choice(nics), ("off", "simple", "poison-reverse")[number % 3]))
    return probes


def _update_hint(v: Variant, got: tuple) -> str:
    (table, interface, rule), value = got
    right = reference_update(table, interface, rule)
    value = dict(value)
    missing = sorted(set(right) - set(value))
    extra = sorted(set(value) - set(right))
    if rule == "simple" and extra:
        return (f"with simple split horizon a route learned through {interface!r} is left out of the update on "
                f"{interface!r} (but a connected network goes out everywhere), e.g. {extra[0]}")
    if rule == "poison-reverse" and missing:
        return f"poison reverse keeps routes learned through {interface!r} in the update, at metric 16: {missing[0]}"
    if missing:
        return f"{missing[0]} is missing: with split horizon {rule!r} it goes out on {interface!r}"
    if extra:
        return f"{extra[0]} is not in the table, or must not go out on {interface!r} under {rule!r}"
    wrong = next((p for p in right if right[p] != value.get(p)), None)
    if wrong is None:
        return "compare prefixes as written in the table, one entry each"
    return f"{wrong} goes out with metric {right[wrong]} under {rule!r} (16 means unreachable; nothing exceeds it)"


# --- questions and hints ---------------------------------------------------------------------------------------------

def _lan(lan: int) -> str:
    return f"192.168.{lan}.0/24"


def _metric_hint(v: Variant, answer: int) -> str:
    if answer == v.metric(v.router, v.far) - 1:
        return "a directly connected network counts 1, and every link crossed adds its cost: one more"
    return (f"add up the costs of the links from R{v.router} to R{v.far} on the cheapest way (look at the costs; a "
            "longer way round can be cheaper), plus 1 for R{v.far}'s own LAN")


def _gateway_hint(v: Variant, answer: str) -> str:
    return (f"the gateway is the neighbour's address on the link R{v.router} shares with it (10.0.<i><j>.<neighbour>): "
            "which neighbour lies on the cheapest way?")


def _split_hint(v: Variant, answer: tuple[str, ...]) -> str:
    right = set(v.lans("simple"))
    if set(answer) > right:
        return f"simple split horizon leaves out every route R{v.router} learned through {v.interface}"
    return f"connected networks go out on every interface; learned routes only if not learned through {v.interface}"


def _poisoned(v: Variant) -> tuple[str, ...]:
    return tuple(p for p, m in v.lans("poison-reverse").items() if m >= INFINITY)


def _poison_hint(v: Variant, answer: tuple[str, ...]) -> str:
    return (f"poison reverse sends back with metric 16 exactly the routes R{v.router} learned through {v.interface}: "
            "which routes have a gateway on that link?")


def _counting_hint(v: Variant, answer: int) -> str:
    c12, c23 = v.counting_costs
    return (f"before the failure R1 reaches 192.168.3.0/24 at metric {1 + c23 + c12}; R2 then believes R1 "
            f"(+{c12}), R1 believes R2 (+{c12}), ...: list R2's metrics until 16 and count those below 16")


QUESTIONS = (
    Question("q1", "q1_metric", "int", 1, expected=lambda v: v.metric(v.router, v.far), hint=_metric_hint),
    Question("q2", "q2_gateway", "address", 1, expected=lambda v: v.gateway(v.router, v.far), hint=_gateway_hint),
    Question("q3", "q3_split_horizon", "networks", 1, expected=lambda v: tuple(v.lans("simple")),
             hint=_split_hint),
    Question("q4", "q4_poisoned", "networks", 1, expected=_poisoned, hint=_poison_hint),
    Question("q5", "q5_counting", "int", 1, expected=_finite_count, hint=_counting_hint),
    Question("q6", "q6_giaddr", "address", 1, expected=lambda v: str(v.relayed_discover().bootp.giaddr),
             hint=lambda v, a: "RFC 2131 section 4.1 / RFC 1542: the relay writes its own address on the interface "
                               "the request came in on (the client's LAN), so the server can pick that LAN's pool "
                               "and send the reply back to it"),
    Question("q7", "q7_hops", "int", 1, expected=lambda v: int(v.relayed_discover().bootp.hops),
             hint=lambda v, a: "the client sends hops 0; every relay agent that passes it on adds one (RFC 1542 "
                               "section 4.1.1)"),
    Question("q8", "rip_update", "code", 2, probes=_update_probes, result_kind="metrics", solve=_solve_update,
             hint=_update_hint, forbid=("workbook.net.rip:update_entries",)),
)


def variant(student: str) -> Exercise:
    """The exercise for one student (the same student always gets the same routers)."""
    rng = random.Random(seed_for(str(student), ASSIGNMENT))
    return Exercise(ASSIGNMENT, str(student), make_variant(rng), QUESTIONS)
