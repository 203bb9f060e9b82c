"""Exercise 1: route lookup by hand, and the classic order against longest prefix (chapter 1).

>>> ex = variant("alice")
>>> engine = ex.question("q1").expected(ex.variant)   # what the engine answers for this variant
>>> ex.check("q1", engine)
✓ q1 right
>>> ex.check("q5", ex.question("q4").expected(ex.variant)).status   # the classic answer where longest prefix was asked
'wrong'
>>> ex.check("q7", "A").status   # the key to why q4 and q5 differ is in the instructor's hidden test only
'recorded'
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import netaddr

from workbook.exercises.core import Exercise, Question, seed_for, shuffled
from workbook.exercises.hints import lookup_hint
from workbook.net.route_table import RouteTable
from workbook.net.routes import Route

__all__ = ["ASSIGNMENT", "Variant", "make_variant", "variant"]

ASSIGNMENT = "01_route_lookup"


@dataclass(frozen=True)
class Variant:
    """One student's table and destinations."""

    address: str  # the host's own address, also its interface label (NT style)
    table: RouteTable
    subnet_destination: str  # q1: inside the /16 subnet route, not the host route
    network_destination: str  # q2: inside the /8 network route only
    host_destination: str  # q3: the host route's address
    supernet_destination: str  # q4 (classic) and q5 (longest prefix)
    onlink_destination: str  # q6
    choices: tuple[str, ...]  # q7, in a seeded order

    def next_hop(self, destination: str, strategy: str = "longest-prefix") -> str:
        return str(self.table.lookup(destination, strategy=strategy).next_hop)


#: q7's four explanations, in alphabetical order; which one is right is written only in the master's hidden test.
WHY = (
    "longest prefix ignores the default route whenever any other route exists",
    "the classic order has no step for a supernet route, so it falls through to the default route",
    "the classic order takes the first matching route in table order",
    "the supernet route has a higher metric than the default route",
)


def make_variant(rng: random.Random) -> Variant:
    s, h = rng.randrange(1, 255), rng.randrange(20, 250)
    address = f"172.16.{s}.{h}"
    gateways = [f"172.16.{s}.{g}" for g in rng.sample([g for g in range(1, 16) if g != h], 5)]
    y = rng.randrange(1, 255)
    z, w = rng.randrange(0, 256), rng.randrange(1, 255)
    a = rng.randrange(0, 64) * 4
    routes = [
        Route("0.0.0.0/0", gateway=gateways[0], interface=address),
        Route("10.0.0.0/8", gateway=gateways[1], interface=address),
        Route(f"192.168.{a}.0/22", gateway=gateways[3], interface=address),
        Route(f"10.{y}.0.0/16", gateway=gateways[2], interface=address),
        Route(f"172.16.{s}.0/24", interface=address),
        Route(f"10.{y}.{z}.{w}/32", gateway=gateways[4], interface=address),
    ]
    table = RouteTable(routes)
    subnet_destination = f"10.{y}.{(z + rng.randrange(1, 255)) % 256}.{rng.randrange(1, 255)}"
    other = rng.choice([x for x in range(256) if x != y])
    network_destination = f"10.{other}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    supernet_destination = f"192.168.{a + rng.randrange(4)}.{rng.randrange(1, 255)}"
    onlink_destination = f"172.16.{s}.{rng.choice([x for x in range(2, 255) if x != h])}"
    return Variant(address, table, subnet_destination, network_destination, f"10.{y}.{z}.{w}",
                   supernet_destination, onlink_destination, shuffled(rng, WHY))


def _lookup_question(name: str, variable: str, attribute: str, strategy: str) -> Question:
    return Question(
        name, variable, "address", 1,
        expected=lambda v: v.next_hop(getattr(v, attribute), strategy),
        hint=lambda v, answer: lookup_hint(v.table.lookup(getattr(v, attribute), strategy=strategy), answer),
    )


def _solve_next_hop(v: Variant, table: RouteTable, destination: str) -> str:
    return str(table.lookup(destination, strategy="longest-prefix").next_hop)


def _probes(v: Variant, rng: random.Random) -> list[tuple]:
    """Destinations in every part of the table, so that a classic or first-match function shows itself."""
    network = netaddr.IPNetwork
    regions = [route.network for route in v.table] + [network("11.0.0.0/8")]
    destinations = []
    for region in [*rng.sample(regions, len(regions)), regions[2], regions[3]]:
        destinations.append(str(netaddr.IPAddress(region.first + rng.randrange(region.size))))
    return [(v.table, d) for d in destinations]


def _code_hint(v: Variant, got: tuple) -> str:
    (table, destination), value = got
    return lookup_hint(table.lookup(destination, strategy="longest-prefix"), value)


QUESTIONS = (
    _lookup_question("q1", "q1_next_hop", "subnet_destination", "longest-prefix"),
    _lookup_question("q2", "q2_next_hop", "network_destination", "longest-prefix"),
    _lookup_question("q3", "q3_next_hop", "host_destination", "longest-prefix"),
    _lookup_question("q4", "q4_classic_next_hop", "supernet_destination", "classic"),
    _lookup_question("q5", "q5_longest_next_hop", "supernet_destination", "longest-prefix"),
    _lookup_question("q6", "q6_next_hop", "onlink_destination", "longest-prefix"),
    Question("q7", "q7_why", "choice", 1, key=True,
             hint=lambda v, a: "look at the kind of route the longest match chose, and the classic order's steps"),
    Question("q8", "next_hop", "code", 2, probes=_probes, result_kind="address", solve=_solve_next_hop,
             hint=_code_hint, forbid=("workbook.net.route_table:RouteTable.lookup",
                                      "workbook.net.route_table:RouteTable.longest_prefix_match",
                                      "workbook.net.route_table:RouteTable.lookup_many")),
)


def variant(student: str) -> Exercise:
    """The exercise for one student (the same student always gets the same tables)."""
    rng = random.Random(seed_for(str(student), ASSIGNMENT))
    return Exercise(ASSIGNMENT, str(student), make_variant(rng), QUESTIONS)
