"""CIDR supernetting: covering, aggregating and checking prefixes (chapter 3, RFC 1518/1519, now RFC 4632).

Four questions a learner asks about a group of networks, each answered by a
value that can explain itself:

* :func:`covering_prefix` -- the smallest single prefix that holds them all;
* :func:`aggregate` -- the fewest prefixes that hold exactly them, and what merged with what;
* :func:`check_supernet` -- is a destination/mask a proper aggregate, and what does it really cover;
* :func:`covers` -- which networks a prefix holds, and how much extra space it takes in.

>>> covering_prefix(["172.16.16.0/24", "172.16.32.0/24", "172.16.48.0/24"]).prefix
IPNetwork('172.16.0.0/18')
>>> aggregate(["192.168.0.0/24", "192.168.1.0/24", "192.168.2.0/24", "192.168.3.0/24"]).prefixes
(IPNetwork('192.168.0.0/22'),)
>>> check_supernet("192.168.0.0", "255.255.252.0").valid
True
>>> covers("172.16.16.0/22", ["172.16.16.0/24", "172.16.32.0/24"]).extra_addresses
768

:func:`seed_supernet_example` checks the source text's own supernet example
(its erratum 2) with all four.

The address arithmetic is netaddr's (``spanning_cidr``, ``cidr_merge``,
``IPSet``, ``.bits()``); this module adds the routing words and the reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import netaddr
from netaddr import IPAddress, IPNetwork

from workbook.errors import AddressError, MaskError
from workbook.net.addresses import (
    MASKS,
    address_class,
    check_host_bits,
    classful_prefixlen,
    format_address,
    parse_address,
    parse_mask,
    parse_prefix,
)
from workbook.net.routes import Route

__all__ = [
    "SEED_CLAIMED_DESTINATION",
    "SEED_CLAIMED_NETMASK",
    "SEED_NETWORKS",
    "SEED_PRINTED_THIRD_OCTET",
    "Aggregation",
    "Coverage",
    "CoveringPrefix",
    "MergeStep",
    "SeedSupernetExample",
    "SupernetCheck",
    "aggregate",
    "check_supernet",
    "covering_prefix",
    "covers",
    "is_valid_supernet",
    "seed_supernet_example",
]

_NETWORK_EXAMPLE = "172.16.16.0/24"
_NETWORKS_EXAMPLE = "['172.16.16.0/24', '172.16.17.0/24']"


# --- parsing at the edge ------------------------------------------------------------------------------------------


def _network(value: object, what: str = "network") -> IPNetwork:
    """One network from '172.16.16.0/24', '172.16.16.0/255.255.255.0', (address, mask), an IPNetwork or a Route."""
    if isinstance(value, Route):
        return value.network
    if isinstance(value, tuple) and len(value) == 2:
        address = parse_address(value[0], what=what, example="172.16.16.0")
        prefixlen = parse_mask(value[1])
        check_host_bits(address, prefixlen, what)
        return IPNetwork((address, prefixlen))
    if isinstance(value, str) and "/" not in value:
        parse_address(value.strip(), what=what, example=_NETWORK_EXAMPLE)
        raise AddressError(
            f"{what} {value!r} has no prefix length, so it names an address, not a network: "
            f"write address/length or address/mask; e.g. {_NETWORK_EXAMPLE} or 172.16.16.0/255.255.255.0"
        )
    if isinstance(value, str | IPNetwork):
        network, prefixlen = parse_prefix(value, what=what)
        return IPNetwork((network, prefixlen))
    raise AddressError(f"{what} {value!r} is not an IPv4 network; e.g. {_NETWORK_EXAMPLE}")


def _networks(values: object, what: str = "networks") -> tuple[IPNetwork, ...]:
    """Distinct networks, sorted by first address then length; a lone network counts as a list of one."""
    if isinstance(values, str | IPNetwork | Route):
        values = [values]
    if not isinstance(values, Iterable):
        raise AddressError(f"{what} {values!r} is not a list of networks; e.g. {_NETWORKS_EXAMPLE}")
    networks = {_network(value, what=what.removesuffix("s")) for value in values}
    if not networks:
        raise AddressError(f"{what} {values!r} is empty: give at least one network; e.g. {_NETWORKS_EXAMPLE}")
    return tuple(sorted(networks, key=_order))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'es' if noun.endswith('s') else 's'}" if count != 1 else f"{count} {noun}"


def _order(network: IPNetwork) -> tuple[int, int]:
    return network.first, network.prefixlen


def _dotted_with_cut(network: IPNetwork, cut: int) -> str:
    """The network's bits in dotted octets, host bits as x, and a | after the first ``cut`` bits."""
    raw = network.ip.bits().replace(".", "")[: network.prefixlen].ljust(32, "x")
    out = []
    for i, char in enumerate(raw):
        if i == cut:
            out.append("|")
        if i and i % 8 == 0:
            out.append(".")
        out.append(char)
    return "".join(out) + "|" * (cut == 32)


# --- covering prefix ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class CoveringPrefix:
    """The smallest single prefix that holds every given network; see :func:`covering_prefix`."""

    prefix: IPNetwork
    networks: tuple[IPNetwork, ...]

    @property
    def prefixlen(self) -> int:
        """How many leading bits all the networks share (within their own prefixes)."""
        return self.prefix.prefixlen

    @property
    def netmask(self) -> IPAddress:
        return self.prefix.netmask

    @property
    def exact(self) -> bool:
        """True when the prefix holds nothing but the networks: one route says exactly the same."""
        return self.coverage.extra_addresses == 0

    @property
    def coverage(self) -> Coverage:
        """What the prefix holds beyond the networks (the waste of one route for them all)."""
        return covers(self.prefix, self.networks)

    @property
    def limit(self) -> str:
        """Why no longer prefix will do: the first bit that differs, or a network that has no more bits."""
        n = self.prefixlen
        if n == 32:
            return "all 32 bits agree"
        for network in self.networks:
            if network.prefixlen <= n:
                return f"{network} has only {network.prefixlen} network bits; the rest are its hosts"
        zero = next(net for net in self.networks if not net.first >> (31 - n) & 1)
        one = next(net for net in self.networks if net.first >> (31 - n) & 1)
        return f"bit {n + 1} is 0 in {zero} but 1 in {one}"

    def explain(self) -> str:
        """Each network in binary, the shared leading bits left of the bar.

        >>> print(covering_prefix(["192.168.4.0/24", "192.168.6.0/23"]).explain())
        smallest prefix holding all 2 networks: 192.168.4.0/22 (mask 255.255.252.0)
          192.168.4.0/24  11000000.10101000.000001|00.xxxxxxxx
          192.168.6.0/23  11000000.10101000.000001|1x.xxxxxxxx
        they share their first 22 bits (left of |); bit 23 is 0 in 192.168.4.0/24 but 1 in 192.168.6.0/23
        192.168.4.0/22 spans 192.168.4.0 to 192.168.7.255: 1024 addresses, 768 in the networks, 256 extra
        """
        width = max(len(str(net)) for net in self.networks)
        lines = [
            f"smallest prefix holding {'all ' * (len(self.networks) > 1)}{_plural(len(self.networks), 'network')}: "
            f"{self.prefix} (mask {self.netmask})"
        ]
        lines += [f"  {net!s:<{width}}  {_dotted_with_cut(net, self.prefixlen)}" for net in self.networks]
        lines.append(f"they share their first {self.prefixlen} bits (left of |); {self.limit}")
        coverage = self.coverage
        lines.append(
            f"{self.prefix} spans {self.prefix[0]} to {self.prefix[-1]}: {_plural(self.prefix.size, 'address')}, "
            f"{coverage.held_addresses} in the networks, {coverage.extra_addresses} extra"
        )
        return "\n".join(lines)


def covering_prefix(networks: object) -> CoveringPrefix:
    """The smallest single prefix that holds all the networks: their shared leading bits (chapter 3).

    >>> best = covering_prefix(["10.1.0.0/16", "10.0.0.0/8"])
    >>> best.prefix, best.exact
    (IPNetwork('10.0.0.0/8'), True)
    >>> covering_prefix([])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbook.errors.AddressError: networks [] is empty: give at least one network; e.g. [...]
    """
    nets = _networks(networks)
    # netaddr's spanning_cidr, given networks, may miss one nested in another (it returns 10.0.0.0/15 for
    # 10.0.0.0/8 and 10.1.0.0/16); given the lowest and the highest address it is exact.
    lowest = IPAddress(min(net.first for net in nets))
    highest = IPAddress(max(net.last for net in nets))
    return CoveringPrefix(netaddr.spanning_cidr([lowest, highest]), nets)


# --- aggregation --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class MergeStep:
    """One step of aggregation: two sibling prefixes joined into their parent, or one absorbed by another."""

    first: IPNetwork
    second: IPNetwork
    into: IPNetwork

    @property
    def absorbed(self) -> bool:
        """True when ``second`` was already inside ``first`` and simply disappears."""
        return self.into == self.first

    def __str__(self) -> str:
        if self.absorbed:
            return f"{self.second} is inside {self.first}: absorbed"
        return f"{self.first} + {self.second} -> {self.into} (siblings: they differ only in bit {self.first.prefixlen})"


@dataclass(frozen=True, order=True)
class Aggregation:
    """The fewest prefixes that hold exactly the given networks; see :func:`aggregate`."""

    networks: tuple[IPNetwork, ...]
    prefixes: tuple[IPNetwork, ...]
    steps: tuple[MergeStep, ...]

    @property
    def routes_saved(self) -> int:
        """How many fewer routes the aggregate needs than the networks listed one by one."""
        return len(self.networks) - len(self.prefixes)

    def held_by(self, prefix: object) -> tuple[IPNetwork, ...]:
        """The given networks inside one of the resulting prefixes."""
        outer = _network(prefix, what="prefix")
        return tuple(net for net in self.networks if net in outer)

    def explain(self) -> str:
        """What merged with what, and the routes that remain.

        >>> print(aggregate(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.1.128/25"]).explain())
        4 networks -> 2 prefixes
          10.0.1.128/25 is inside 10.0.1.0/24: absorbed
          10.0.0.0/24 + 10.0.1.0/24 -> 10.0.0.0/23 (siblings: they differ only in bit 24)
        routes: 10.0.0.0/23, 10.0.2.0/24
        """
        lines = [f"{len(self.networks)} network{'s' * (len(self.networks) != 1)} -> "
                 f"{len(self.prefixes)} prefix{'es' * (len(self.prefixes) != 1)}"]
        lines += [f"  {step}" for step in self.steps] or ["  nothing merges: no two are siblings or nested"]
        lines.append("routes: " + ", ".join(str(prefix) for prefix in self.prefixes))
        return "\n".join(lines)


def _merge_steps(networks: tuple[IPNetwork, ...]) -> tuple[list[IPNetwork], list[MergeStep]]:
    """Replay aggregation step by step: drop nested networks, then join sibling pairs until none are left."""
    steps: list[MergeStep] = []
    kept: list[IPNetwork] = []
    for net in networks:  # sorted by first address, shorter first: a container comes before what it holds
        if kept and net in kept[-1]:
            steps.append(MergeStep(kept[-1], net, kept[-1]))
        else:
            kept.append(net)
    stack: list[IPNetwork] = []
    for net in kept:
        stack.append(net)
        while len(stack) >= 2 and stack[-2].prefixlen == stack[-1].prefixlen > 0:
            left, right = stack[-2], stack[-1]
            parent = left.supernet(left.prefixlen - 1)[-1]
            if parent.first != left.first or parent.last != right.last:
                break
            stack[-2:] = [parent]
            steps.append(MergeStep(left, right, parent))
    return stack, steps


def aggregate(networks: object) -> Aggregation:
    """The fewest prefixes that hold exactly these networks, no more address space (chapter 3).

    >>> result = aggregate(["172.16.16.0/24", "172.16.17.0/24", "172.16.18.0/24"])
    >>> result.prefixes
    (IPNetwork('172.16.16.0/23'), IPNetwork('172.16.18.0/24'))
    >>> [str(step) for step in result.steps]
    ['172.16.16.0/24 + 172.16.17.0/24 -> 172.16.16.0/23 (siblings: they differ only in bit 24)']
    """
    nets = _networks(networks)
    merged = tuple(netaddr.cidr_merge(list(nets)))
    replayed, steps = _merge_steps(nets)
    if tuple(replayed) != merged:  # pragma: no cover - the replay only explains; netaddr decides
        steps = []
    return Aggregation(nets, merged, tuple(steps))


# --- coverage -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Coverage:
    """What one prefix holds of some networks, and the extra space it takes in; see :func:`covers`."""

    prefix: IPNetwork
    #: The networks wholly inside the prefix.
    held: tuple[IPNetwork, ...]
    #: The networks outside it, or larger than it.
    not_held: tuple[IPNetwork, ...]
    #: The prefix's address space that none of the networks claims, as the fewest prefixes.
    extra: tuple[IPNetwork, ...]

    @property
    def holds_all(self) -> bool:
        return not self.not_held

    @property
    def held_addresses(self) -> int:
        """Addresses of the prefix that belong to some given network."""
        return self.prefix.size - self.extra_addresses

    @property
    def extra_addresses(self) -> int:
        """Addresses the prefix covers that belong to none of the networks: the waste."""
        return sum(net.size for net in self.extra)

    def explain(self) -> str:
        """Which networks the prefix holds, which it misses, and the extra it takes in.

        >>> print(covers("10.0.0.0/23", ["10.0.0.0/24", "10.0.4.0/24"]).explain())
        10.0.0.0/23 spans 10.0.0.0 to 10.0.1.255 (512 addresses)
          holds 10.0.0.0/24
          misses 10.0.4.0/24: outside the prefix
        extra space, in no network: 10.0.1.0/24 (256 addresses)
        """
        lines = [f"{self.prefix} spans {self.prefix[0]} to {self.prefix[-1]} ({self.prefix.size} addresses)"]
        lines += [f"  holds {net}" for net in self.held]
        for net in self.not_held:
            why = "larger than the prefix, only partly inside" if self.prefix in net else "outside the prefix"
            lines.append(f"  misses {net}: {why}")
        if self.extra:
            lines.append(f"extra space, in no network: {', '.join(map(str, self.extra))} "
                         f"({self.extra_addresses} addresses)")
        else:
            lines.append("no extra space: every address belongs to one of the networks")
        return "\n".join(lines)


def covers(prefix: object, networks: object) -> Coverage:
    """Which networks a prefix holds, and the address space it takes in beyond them (chapter 3).

    >>> coverage = covers("172.16.16.0/22", ["172.16.16.0/24", "172.16.32.0/24"])
    >>> coverage.held, coverage.not_held
    ((IPNetwork('172.16.16.0/24'),), (IPNetwork('172.16.32.0/24'),))
    >>> coverage.extra
    (IPNetwork('172.16.17.0/24'), IPNetwork('172.16.18.0/23'))
    """
    outer = _network(prefix, what="prefix")
    nets = _networks(networks)
    held = tuple(net for net in nets if net in outer)
    # A network that contains the prefix leaves no waste in it either: extra space is what no network claims.
    extra = netaddr.IPSet([outer]) - netaddr.IPSet(nets)
    return Coverage(outer, held, tuple(net for net in nets if net not in outer), tuple(extra.iter_cidrs()))


# --- supernet check -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class SupernetCheck:
    """Whether a destination/mask is a proper CIDR aggregate, and what it really covers; see :func:`check_supernet`."""

    destination: IPAddress
    netmask: IPAddress
    problems: tuple[str, ...]
    #: What a route with this destination and mask matches: destination AND mask, over the mask's length.
    #: None when the mask is not contiguous (it then matches no single range).
    prefix: IPNetwork | None

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def address_class(self) -> str:
        return address_class(int(self.destination))

    @property
    def classful_prefixlen(self) -> int:
        return classful_prefixlen(int(self.destination))

    @property
    def first(self) -> IPAddress | None:
        return None if self.prefix is None else self.prefix[0]

    @property
    def last(self) -> IPAddress | None:
        return None if self.prefix is None else self.prefix[-1]

    @property
    def class_c_count(self) -> int:
        """How many class-C-sized (/24) networks the range holds; 0 for a prefix longer than /24."""
        if self.prefix is None or self.prefix.prefixlen > 24:
            return 0
        return 1 << (24 - self.prefix.prefixlen)

    def class_c_networks(self) -> Iterator[IPNetwork]:
        """The /24 networks inside, lazily (a /8 holds 65536 of them).

        >>> [str(net) for net in check_supernet("192.168.0.0/22").class_c_networks()]
        ['192.168.0.0/24', '192.168.1.0/24', '192.168.2.0/24', '192.168.3.0/24']
        """
        if self.class_c_count:
            yield from self.prefix.subnet(24)

    def explain(self) -> str:
        """The verdict, its reasons, and the range the route really covers.

        >>> print(check_supernet("192.168.1.0", "255.255.252.0").explain())
        192.168.1.0 mask 255.255.252.0 is not a proper supernet
          192.168.1.0 has bits set beyond the /22 mask: 192.168.1.0 AND 255.255.252.0 = 192.168.0.0
        it really covers 192.168.0.0/22: 192.168.0.0 to 192.168.3.255, 1024 addresses, 4 /24 networks
        """
        verdict = "is a proper supernet" if self.valid else "is not a proper supernet"
        lines = [f"{self.destination} mask {self.netmask} {verdict}"]
        if self.valid:
            lines.append(f"  it is class {self.address_class} (/{self.classful_prefixlen}) and /{self.prefix.prefixlen}"
                         f" is shorter, with no bits set beyond the mask")
        lines += [f"  {problem}" for problem in self.problems]
        if self.prefix is not None:
            lines.append(f"it really covers {self.prefix}: {self.first} to {self.last}, {self.prefix.size} addresses, "
                         f"{self.class_c_count} /24 network{'s' * (self.class_c_count != 1)}")
        return "\n".join(lines)


def _mask_bits(netmask: object) -> tuple[int, int | None]:
    """(mask as an int, prefix length or None when the mask has a gap); a malformed mask raises MaskError."""
    if isinstance(netmask, int) and not isinstance(netmask, bool) and 0 <= netmask <= 32:
        prefixlen = parse_mask(netmask)
        return MASKS[prefixlen], prefixlen
    if isinstance(netmask, str) and (netmask.strip().startswith("/") or netmask.strip().isdigit()):
        prefixlen = parse_mask(netmask)
        return MASKS[prefixlen], prefixlen
    try:
        value = parse_address(netmask, what="netmask", example="255.255.252.0")
    except AddressError as error:
        raise MaskError(str(error)) from None
    return value, (MASKS.index(value) if value in MASKS else None)


def check_supernet(network: object, netmask: object = None) -> SupernetCheck:
    """Is this destination and mask a proper CIDR aggregate? And what does it really cover? (chapter 3)

    A proper supernet has no bits set beyond its mask, a contiguous mask, and a
    prefix shorter than the class of its address. The network may be given as
    ``'192.168.0.0/22'`` alone, or as a destination and a netmask (or prefix length).

    >>> check = check_supernet("192.168.0.0", "255.255.252.0")
    >>> check.valid, str(check.prefix), check.class_c_count, str(check.last)
    (True, '192.168.0.0/22', 4, '192.168.3.255')
    >>> check_supernet("172.16.16.0", "255.255.252.0").problems
    ('172.16.16.0 is class B, whose network prefix is /16; /22 is not shorter, so this is a subnet of 172.16.0.0/16',)
    >>> check_supernet("192.168.0.0", "255.255.253.0").valid
    False
    """
    if netmask is None:
        if not isinstance(network, str) or "/" not in network:
            raise MaskError(f"supernet {network!r} has no mask: give 'address/length' or a netmask too; "
                            f"e.g. check_supernet('192.168.0.0', '255.255.252.0')")
        network, _, netmask = network.partition("/")
    destination = parse_address(network.strip() if isinstance(network, str) else network, what="destination",
                                example="192.168.0.0")
    mask, prefixlen = _mask_bits(netmask.strip() if isinstance(netmask, str) else netmask)
    problems = []
    prefix = None
    if prefixlen is None:
        ones = bin(mask).count("1")
        problems.append(
            f"mask {format_address(mask)} is not contiguous ({IPAddress(mask).bits()}): it matches scattered "
            f"addresses, no single range; a contiguous mask with as many ones is {format_address(MASKS[ones])}"
        )
    else:
        prefix = IPNetwork((destination & mask, prefixlen))
        if destination & ~mask & 0xFFFFFFFF:
            problems.append(
                f"{format_address(destination)} has bits set beyond the /{prefixlen} mask: "
                f"{format_address(destination)} AND {format_address(mask)} = {prefix.ip}"
            )
        cls, classful = address_class(destination), classful_prefixlen(destination)
        last_class = address_class(prefix.last)
        if last_class != cls:
            problems.append(
                f"{prefix} runs from {prefix[0]} (class {cls}) to {prefix[-1]} (class {last_class}): "
                f"an aggregate of class {cls} networks stays inside class {cls}"
            )
        if prefixlen >= classful:
            own = IPNetwork((destination & MASKS[classful], classful))
            relation = "is the class network itself" if prefixlen == classful else f"is a subnet of {own}"
            problems.append(
                f"{format_address(destination)} is class {cls}, whose network prefix is /{classful}; "
                f"/{prefixlen} is not shorter, so this {relation}"
            )
    return SupernetCheck(IPAddress(destination), IPAddress(mask), tuple(problems), prefix)


def is_valid_supernet(network: object, netmask: object = None) -> bool:
    """True when the destination/mask is a proper CIDR aggregate; :func:`check_supernet` says why not.

    >>> is_valid_supernet("192.168.0.0", "255.255.252.0"), is_valid_supernet("172.16.16.0", "255.255.252.0")
    (True, False)
    """
    return check_supernet(network, netmask).valid


# --- the source text's example ------------------------------------------------------------------------------------

#: The source text's supernet example: three /24 networks and the mask it says combines them.
SEED_NETWORKS = ("172.16.16.0/24", "172.16.32.0/24", "172.16.48.0/24")
SEED_CLAIMED_DESTINATION = "172.16.16.0"
SEED_CLAIMED_NETMASK = "255.255.252.0"
#: The third octet the text prints, in binary, for 172.16.16.0 (it is the binary of 32, not 16).
SEED_PRINTED_THIRD_OCTET = "00100000"


@dataclass(frozen=True, order=True)
class SeedSupernetExample:
    """The source's CIDR example, checked: what its /22 really covers and what would hold the three networks.

    Built by :func:`seed_supernet_example`; the errata appendix and chapter 3 show ``.explain()``.
    """

    networks: tuple[IPNetwork, ...]
    claimed: SupernetCheck
    claimed_coverage: Coverage
    #: Each network ANDed with the claimed mask: three different results, so no single route matches all three.
    masked: tuple[tuple[IPNetwork, IPAddress], ...]
    covering: CoveringPrefix
    aggregation: Aggregation

    def explain(self) -> str:
        """Everything the example gets wrong, computed."""
        claimed = self.claimed.prefix
        third = self.networks[0].ip.words[2]
        lines = [
            f"claim: {', '.join(map(str, self.networks))} combine under mask {self.claimed.netmask}",
            f"what 172.16.16.0 mask {self.claimed.netmask} covers: {claimed} = {self.claimed.first} to "
            f"{self.claimed.last} ({self.claimed.class_c_count} /24s); it holds "
            f"{', '.join(map(str, self.claimed_coverage.held)) or 'none of them'} and misses "
            f"{', '.join(map(str, self.claimed_coverage.not_held))}",
            "each network AND the mask: " + ", ".join(f"{net.ip} -> {ip}" for net, ip in self.masked)
            + " (different results: no one route matches all three)",
            f"the text's binary shows the third octet of 172.16.16.0 as {SEED_PRINTED_THIRD_OCTET} (that is 32); "
            f"{third} is {third:08b}",
            "",
            self.covering.explain(),
            "",
            "fewest routes that hold exactly the three networks:",
            self.aggregation.explain(),
        ]
        return "\n".join(lines)


def seed_supernet_example() -> SeedSupernetExample:
    """The source text's supernet example, checked with this module (erratum 2; chapter 3 and the errata appendix).

    >>> example = seed_supernet_example()
    >>> str(example.claimed.prefix), [str(net) for net in example.claimed_coverage.held]
    ('172.16.16.0/22', ['172.16.16.0/24'])
    >>> str(example.covering.prefix), example.covering.coverage.extra_addresses
    ('172.16.0.0/18', 15616)
    >>> len(example.aggregation.prefixes)
    3
    """
    networks = _networks(SEED_NETWORKS)
    claimed = check_supernet(SEED_CLAIMED_DESTINATION, SEED_CLAIMED_NETMASK)
    mask = int(claimed.netmask)
    return SeedSupernetExample(
        networks=networks,
        claimed=claimed,
        claimed_coverage=covers(claimed.prefix, networks),
        masked=tuple((net, IPAddress(net.first & mask)) for net in networks),
        covering=covering_prefix(networks),
        aggregation=aggregate(networks),
    )
