"""Exercise 2: the source address on a multihomed host, weak and strong end systems (chapter 2).

>>> ex = variant("alice")
>>> ex.check("q2", ex.question("q2").expected(ex.variant))
✓ q2 right
>>> ex.check("q2", ex.variant.host("nt4").route_get(ex.variant.weak_destination).source).status  # bound to ANY
'wrong'
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import netaddr

from workbook.exercises.core import Exercise, Question, seed_for, shuffled
from workbook.net.host import Host
from workbook.sim.network import Network
from workbook.sim.trace import DropReason

__all__ = ["ASSIGNMENT", "Variant", "make_variant", "variant"]

ASSIGNMENT = "02_source_address"


@dataclass(frozen=True)
class Variant:
    """One student's multihomed host (2 or 3 cards, one default gateway) and the questions' parameters."""

    config: dict[str, Any]  # Host.from_dict data, personality left to the caller
    gateway_nic: str  # the card with the default gateway
    server: str  # a server beyond the default gateway (and the firewall)
    routed_network: str  # a network with a static route through another card
    routed_destination: str
    weak_personality: str  # q1, q2: nt4 or linux
    weak_bound: str
    weak_destination: str
    strong_bound: str  # q3: windows
    strong_destination: str
    firewall_bound: str | None  # q4: None is ANY
    choices: tuple[str, ...]  # q5, in a seeded order
    disjoint_network: str  # q6: no route yet; behind disjoint_router
    disjoint_router: str

    def host(self, personality: str = "nt4") -> Host:
        """A fresh copy of the host under ``personality`` ('nt4', 'windows' or 'linux')."""
        return Host.from_dict(self.config, personality=personality)

    def network(self) -> Network:
        """The host (nt4) in a network: the default gateway is a firewall with an anti-spoofing filter
        on its inside interface; the server is behind it."""
        segments = [{"name": nic["name"]} for nic in self.config["interfaces"]] + [{"name": "outside"}]
        multi = dict(self.config)
        multi["interfaces"] = [dict(nic, segment=nic["name"]) for nic in self.config["interfaces"]]
        gateway = next(nic for nic in self.config["interfaces"] if nic["name"] == self.gateway_nic)
        inside = netaddr.IPNetwork(gateway["addresses"][0])
        outside = netaddr.IPNetwork(f"{self.server}/24")
        return Network.from_dict({
            "segments": segments,
            "hosts": [multi, {"name": "server", "interfaces": [
                {"name": "eth0", "segment": "outside", "addresses": [f"{self.server}/24"],
                 "gateway": str(outside.network + 1)}]}],
            "routers": [{"name": "firewall", "anti_spoofing": ["in0"], "interfaces": [
                {"name": "in0", "segment": self.gateway_nic, "addresses": [f"{gateway['gateway']}/{inside.prefixlen}"]},
                {"name": "out0", "segment": "outside", "addresses": [f"{outside.network + 1}/24"]}]}],
        }, personality="nt4")

    def firewall_drops(self) -> bool:
        trace = self.network().send(self.config["name"], self.server, source=self.firewall_bound)
        return trace.drop_reason == DropReason.SPOOFED_SOURCE

    def addresses(self) -> dict[str, str]:
        """Card name -> its address."""
        return {nic["name"]: nic["addresses"][0].split("/")[0] for nic in self.config["interfaces"]}


#: q5's four explanations, in alphabetical order; which one is right is written only in the master's hidden test.
WHY = (
    "a bound socket sends with a TTL of 1, which expires at the firewall",
    "a socket bound to an address sends through that address's card, which has no route to the server",
    "the firewall drops every datagram whose source is not the address of the default gateway's network",
    "the route table picks the card from the destination alone and a weak host keeps the bound source, "
    "so the datagram reaches the firewall's inside with a source that cannot come from that side",
)


def _subnets(rng: random.Random, count: int) -> list[netaddr.IPNetwork]:
    pool: set[str] = set()
    while len(pool) < count:
        if rng.random() < 0.5:
            pool.add(f"192.168.{rng.randrange(256)}.0/24")
        else:
            pool.add(f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.0/24")
    subnets = [netaddr.IPNetwork(n) for n in sorted(pool)]
    rng.shuffle(subnets)
    return subnets


def make_variant(rng: random.Random) -> Variant:
    count = rng.choice([2, 3])
    names = [f"nic{i}" for i in range(1, count + 1)]
    subnets = _subnets(rng, count)
    hosts = [rng.randrange(2, 250) for _ in names]
    addresses = {name: str(subnet.network + h) for name, subnet, h in zip(names, subnets, hosts, strict=True)}
    gateway_nic = rng.choice(names)
    others = [n for n in names if n != gateway_nic]
    routed_nic, disjoint_nic = rng.choice(others), rng.choice(others)
    subnet_of = dict(zip(names, subnets, strict=True))
    routed_second, disjoint_second = rng.sample(range(1, 255), 2)
    routed_network = f"10.{routed_second}.0.0/16"
    disjoint_network = f"10.{disjoint_second}.0.0/16"
    routed_router = str(subnet_of[routed_nic].network + 254)
    disjoint_router = str(subnet_of[disjoint_nic].network + 253)
    interfaces = []
    for name in names:
        nic: dict[str, Any] = {"name": name, "mac": f"00-A0-C9-{rng.randrange(256):02X}-{rng.randrange(256):02X}-"
                               f"{names.index(name) + 1:02X}", "addresses": [f"{addresses[name]}/24"]}
        if name == gateway_nic:
            nic["gateway"] = str(subnet_of[name].network + 1)
        interfaces.append(nic)
    config = {"name": "multi", "interfaces": interfaces,
              "routes": [{"destination": routed_network, "gateway": routed_router}]}
    server = f"{rng.choice(['198.51.100', '203.0.113'])}.{rng.randrange(2, 255)}"
    routed_destination = str(netaddr.IPNetwork(routed_network).network + rng.randrange(256, 65280))
    weak = Host.from_dict(config, personality="nt4")
    # Pairs (bound address, destination) where the datagram leaves another card than the bound address's.
    foreign = [(a, d) for a in addresses.values() for d in (server, routed_destination)
               if weak.route_get(d, source=a).leaves_with_foreign_source]
    weak_bound, weak_destination = rng.choice(foreign)
    strong_pairs = [p for p in foreign if p != (weak_bound, weak_destination)] or foreign
    strong_bound, strong_destination = rng.choice(strong_pairs)
    if rng.random() < 0.5:
        firewall_bound = rng.choice([None, addresses[gateway_nic]])
    else:
        firewall_bound = addresses[rng.choice(others)]
    choices = shuffled(rng, WHY)
    return Variant(config, gateway_nic, server, routed_network, routed_destination, rng.choice(["nt4", "linux"]),
                   weak_bound, weak_destination, strong_bound, strong_destination, firewall_bound, choices,
                   disjoint_network, disjoint_router)


# --- answers and hints ----------------------------------------------------------------------------------------------


def _weak(v: Variant):
    return v.host(v.weak_personality).route_get(v.weak_destination, source=v.weak_bound)


def _strong(v: Variant):
    return v.host("windows").route_get(v.strong_destination, source=v.strong_bound)


def _owner(v: Variant, address: str) -> str:
    return next(name for name, a in v.addresses().items() if a == address)


def _q1_hint(v: Variant, answer: str) -> str:
    if answer == _owner(v, v.weak_bound):
        return (f"{v.weak_bound} belongs to {answer}, but a weak host picks the card from the destination alone: "
                f"look up {v.weak_destination} in the route table, whatever the socket is bound to")
    if answer not in v.addresses():
        return f"the host's cards are {', '.join(v.addresses())}"
    return f"which route matches {v.weak_destination} (longest prefix), and through which card does it go?"


def _q2_hint(v: Variant, answer: str) -> str:
    decision = _weak(v)
    if answer == v.addresses().get(decision.interface):
        return ("that is the address of the card that sends; but the socket is bound, and a weak end system keeps "
                "the bound address whatever card sends")
    return "the program bound its socket to one address: which source does a weak end system put in the datagram?"


def _q3_hint(v: Variant, answer: str | None) -> str:
    weak = v.host("nt4").route_get(v.strong_destination, source=v.strong_bound)
    owner = _owner(v, v.strong_bound)
    if answer == weak.interface:
        return ("that is the weak host's answer; a strong host considers only routes through the card that owns "
                f"the source ({owner})")
    if answer == owner:
        return (f"a strong host sends from {v.strong_bound} only through {owner}, but only if a route through "
                f"{owner} matches {v.strong_destination}: does one?")
    if answer is None:
        return f"is there really no route through {owner} that matches {v.strong_destination}?"
    return f"the host's cards are {', '.join(v.addresses())}; or None when the strong host cannot send"


def _q4_hint(v: Variant, answer: bool) -> str:
    decision = v.host("nt4").route_get(v.server, source=v.firewall_bound)
    return (f"the datagram leaves {decision.interface} towards the firewall with source {decision.source}: does that "
            f"source belong to the network on the firewall's inside?")


def _route_words(answer: tuple[str, ...]) -> list[str]:
    words = list(answer)
    if words and words[0] == "route":
        words = words[1:]
    return words


def _route_probes(v: Variant) -> tuple[list[str], list[str]]:
    """Destinations that must go through the router (inside the network) and ones that must not change."""
    network = netaddr.IPNetwork(v.disjoint_network)
    inside = [str(network.network + 1), str(network.network + network.size // 2 + 7), str(network.broadcast - 1)]
    outside = [str(network.network - 1), str(network.broadcast + 1), v.server, v.routed_destination]
    return inside, outside


def _try_route(v: Variant, answer: tuple[str, ...]) -> str:
    """'' when the command makes the host send the disjoint network to its router and nothing else changes."""
    host = v.host("nt4")
    before = {d: host.route_get(d) for d in _route_probes(v)[1]}
    try:
        host.route(" ".join(_route_words(answer)))
    except Exception as error:  # the route command explains what it could not read
        return f"the route command refused it: {error}"
    inside, outside = _route_probes(v)
    for destination in inside:
        decision = host.route_get(destination)
        if str(decision.gateway) != v.disjoint_router:
            return (f"after your command the host sends {destination} {_described(decision)}, "
                    f"not via {v.disjoint_router}")
    for destination in outside:
        decision = host.route_get(destination)
        if (decision.interface, decision.gateway) != (before[destination].interface, before[destination].gateway):
            return (f"your route takes in too much: {destination}, outside {v.disjoint_network}, now goes "
                    f"{_described(decision)}")
    return ""


def _described(decision) -> str:
    if not decision.reachable:
        return "nowhere (unreachable)"
    return f"out of {decision.interface} via {decision.gateway or 'no gateway'}"


def _solve_spoofed(v: Variant, host: Host, destination: str, source: str) -> bool:
    return host.route_get(destination, source=source).leaves_with_foreign_source


def _spoofed_probes(v: Variant, rng: random.Random) -> list[tuple]:
    pairs = [(d, a) for a in v.addresses().values() for d in (v.server, v.routed_destination)]
    rng.shuffle(pairs)
    return [(v.host("nt4"), d, a) for d, a in pairs[:8]]


def _spoofed_hint(v: Variant, got: tuple) -> str:
    (host, destination, source), _ = got
    decision = host.route_get(destination, source=source)
    owner = host.owner_of(source)
    return (f"the datagram leaves {decision.interface or 'no card (unreachable)'}; "
            f"{source} belongs to {owner.name if owner else 'no card'}")


QUESTIONS = (
    Question("q1", "q1_nic", "name", 1, expected=lambda v: _weak(v).interface, hint=_q1_hint),
    Question("q2", "q2_source", "address", 1, expected=lambda v: str(_weak(v).source), hint=_q2_hint),
    Question("q3", "q3_strong_nic", "name?", 1, expected=lambda v: _strong(v).interface, hint=_q3_hint),
    Question("q4", "q4_dropped", "bool", 1, expected=lambda v: v.firewall_drops(), hint=_q4_hint),
    Question("q5", "q5_why", "choice", 1, key=True,
             hint=lambda v, a: "which card does the route table pick, and which source does the datagram carry?"),
    Question("q6", "q6_route", "words", 2,
             expected=lambda v: ("add", *str(v.disjoint_network).split("/")[:1], "mask",
                                 str(netaddr.IPNetwork(v.disjoint_network).netmask), v.disjoint_router),
             accept=lambda v, answer: not _try_route(v, answer), hint=_try_route),
    Question("q7", "spoofed", "code", 2, probes=_spoofed_probes, result_kind="bool", solve=_solve_spoofed,
             hint=_spoofed_hint, forbid=("workbook.net.route_get:RouteGet.leaves_with_foreign_source",)),
)


def variant(student: str) -> Exercise:
    """The exercise for one student (the same student always gets the same host)."""
    rng = random.Random(seed_for(str(student), ASSIGNMENT))
    return Exercise(ASSIGNMENT, str(student), make_variant(rng), QUESTIONS)
