"""Exercise 3: aggregation, covering prefixes and invalid supernets (chapter 3).

>>> ex = variant("alice")
>>> ex.check("q2", ex.variant.aggregated)
✓ q2 right
>>> ex.check("q2", [ex.variant.covering]).status  # one covering prefix where the exact aggregate was asked
'wrong'
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import netaddr

from workbook.exercises.core import Exercise, Question, seed_for
from workbook.net.cidr import aggregate, check_supernet, covering_prefix, covers

__all__ = ["ASSIGNMENT", "Variant", "make_variant", "variant"]

ASSIGNMENT = "03_cidr"


@dataclass(frozen=True)
class Variant:
    """One student's networks, claimed supernets and block."""

    networks: tuple[str, ...]  # q1-q3: /24s inside one /20, not one aligned block
    claims: tuple[tuple[str, str], ...]  # q4: (destination, netmask), exactly one invalid
    block_start: str  # q5: the first of block_count consecutive class C networks
    block_count: int

    @property
    def covering(self) -> str:
        return str(covering_prefix(list(self.networks)).prefix)

    @property
    def aggregated(self) -> tuple[str, ...]:
        return tuple(str(p) for p in aggregate(list(self.networks)).prefixes)

    @property
    def extra_addresses(self) -> int:
        return covers(self.covering, list(self.networks)).extra_addresses

    @property
    def invalid_claim(self) -> str:
        """The letter of the claim that is no proper supernet, as the engine's check_supernet finds it."""
        return "ABCD"[[check_supernet(*claim).valid for claim in self.claims].index(False)]

    @property
    def block(self) -> str:
        return str(netaddr.IPNetwork(f"{self.block_start}/{24 - self.block_count.bit_length() + 1}"))


def _class_c_base(rng: random.Random) -> str:
    return rng.choice(["192.168", f"{rng.randrange(193, 224)}.{rng.randrange(256)}"])


def _networks(rng: random.Random) -> tuple[str, ...]:
    """3-6 /24s of one /20 whose covering prefix takes in extra space and whose aggregate merges something."""
    base = _class_c_base(rng)
    start = rng.randrange(16) * 16
    while True:
        count = rng.randrange(3, 7)
        thirds = sorted(rng.sample(range(start, start + 16), count))
        nets = [f"{base}.{t}.0/24" for t in thirds]
        merged = aggregate(nets)
        if 2 <= len(merged.prefixes) < len(nets) and not covering_prefix(nets).exact:
            rng.shuffle(nets)
            return tuple(nets)


def _valid_claim(rng: random.Random) -> tuple[str, str]:
    length = rng.randrange(20, 24)
    third = rng.randrange(256 >> (24 - length)) << (24 - length)
    return f"{_class_c_base(rng)}.{third}.0", str(netaddr.IPNetwork(f"0.0.0.0/{length}").netmask)


def _invalid_claim(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["bits", "gap", "subnet"])
    length = rng.randrange(21, 24)
    mask = str(netaddr.IPNetwork(f"0.0.0.0/{length}").netmask)
    if kind == "bits":  # a destination with bits set beyond its mask
        step = 1 << (24 - length)
        third = rng.randrange(256 // step) * step + rng.randrange(1, step)
        return f"{_class_c_base(rng)}.{third}.0", mask
    if kind == "gap":  # a mask with a hole in it
        third = rng.randrange(64) * 4
        return f"{_class_c_base(rng)}.{third}.0", rng.choice(["255.255.253.0", "255.255.250.0", "255.254.255.0"])
    third = rng.randrange(64) * 4  # a class B address: a /22 there is a subnet, not a supernet
    return f"172.{rng.randrange(16, 32)}.{third}.0", "255.255.252.0"


def make_variant(rng: random.Random) -> Variant:
    networks = _networks(rng)
    claims = [_valid_claim(rng) for _ in range(3)]
    bad = _invalid_claim(rng)
    position = rng.randrange(4)
    claims.insert(position, bad)
    count = rng.choice([2, 4, 8, 16])
    third = rng.randrange(256 // count) * count
    return Variant(networks, tuple(claims), f"{_class_c_base(rng)}.{third}.0", count)


# --- hints ----------------------------------------------------------------------------------------------------------


def _q1_hint(v: Variant, answer: str) -> str:
    coverage = covers(answer, list(v.networks))
    if not coverage.holds_all:
        return f"{answer} misses {', '.join(map(str, coverage.not_held))}"
    best = covering_prefix(list(v.networks))
    if netaddr.IPNetwork(answer).prefixlen < best.prefixlen:
        return f"{answer} holds them all, but a longer prefix does too: they share more leading bits"
    return f"write the networks in binary: {best.limit}"


def _q2_hint(v: Variant, answer: tuple[str, ...]) -> str:
    given = netaddr.IPSet(answer)
    wanted = netaddr.IPSet(v.networks)
    missing, extra = wanted - given, given - wanted
    if missing:
        return f"your prefixes miss {', '.join(map(str, missing.iter_cidrs()))}"
    if extra:
        return (f"your prefixes take in {extra.size} addresses that are in none of the networks "
                f"({', '.join(map(str, extra.iter_cidrs()))}); aggregation may not add address space")
    steps = aggregate(list(answer)).steps
    if steps:
        return f"they hold exactly the networks, but fewer prefixes will do: {steps[0]}"
    return "they hold exactly the networks; are there fewer?"


def _q3_hint(v: Variant, answer: int) -> str:
    prefix = netaddr.IPNetwork(v.covering)
    if answer == prefix.size:
        return f"{prefix.size} is every address of the prefix; subtract the ones inside the networks"
    if answer == v.extra_addresses // 256:
        return "that counts /24 networks; the question asks for addresses"
    return "the extra space is the prefix's addresses that belong to none of the networks"


def _q5_hint(v: Variant, answer: str) -> str:
    check = check_supernet(str(netaddr.IPNetwork(answer).ip), netaddr.IPNetwork(answer).prefixlen)
    coverage = covers(answer, [f"{netaddr.IPNetwork(v.block)[0] + 256 * i}/24" for i in range(v.block_count)])
    if coverage.not_held:
        return f"{answer} misses {', '.join(map(str, coverage.not_held[:3]))}"
    return f"{answer} holds them, but it {check.explain().splitlines()[-1].removeprefix('it ')}: too much"


def _solve_covering(v: Variant, networks: list[str]) -> str:
    return str(covering_prefix(networks).prefix)


def _covering_probes(v: Variant, rng: random.Random) -> list[tuple]:
    probes: list[tuple] = [(list(v.networks),), ([v.networks[0]],)]
    while len(probes) < 8:
        size = rng.choice([16, 20, 24, 24])
        base = rng.randrange(1, 224) << 24
        nets = {str(netaddr.IPNetwork((base + rng.randrange(1 << 24), size)).cidr) for _ in range(rng.randrange(2, 5))}
        probes.append((sorted(nets),))
    return probes


def _covering_hint(v: Variant, got: tuple) -> str:
    (networks,), value = got
    return _q1_hint(Variant(tuple(networks), v.claims, v.block_start, v.block_count), value)


QUESTIONS = (
    Question("q1", "q1_covering", "network", 1, expected=lambda v: v.covering, hint=_q1_hint),
    Question("q2", "q2_prefixes", "networks", 2, expected=lambda v: v.aggregated, hint=_q2_hint),
    Question("q3", "q3_extra", "int", 1, expected=lambda v: v.extra_addresses, hint=_q3_hint),
    Question("q4", "q4_invalid", "choice", 1, expected=lambda v: v.invalid_claim,
             hint=lambda v, a: (f"{' mask '.join(v.claims['ABCD'.index(a)])} is a proper supernet: no bits beyond "
                                "the mask, a contiguous mask, shorter than its class"
                                if a in "ABCD" else "answer A, B, C or D")),
    Question("q5", "q5_route", "network", 1, expected=lambda v: v.block, hint=_q5_hint),
    Question("q6", "covering", "code", 2, probes=_covering_probes, result_kind="network", solve=_solve_covering,
             hint=_covering_hint, forbid=("workbook.net.cidr:covering_prefix", "netaddr:spanning_cidr")),
)


def variant(student: str) -> Exercise:
    """The exercise for one student (the same student always gets the same networks)."""
    rng = random.Random(seed_for(str(student), ASSIGNMENT))
    return Exercise(ASSIGNMENT, str(student), make_variant(rng), QUESTIONS)
