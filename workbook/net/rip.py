"""RIP's messages and rules, without a clock: what an update carries and how a router reads one (chapter 6).

RIP (RFC 1058 version 1, RFC 2453 version 2) is a distance-vector protocol:
every router tells its neighbours, on each interface, the networks it can
reach and how many hops away they are. This module is the pure part:

* :class:`RipEntry` and :class:`RipMessage`, with :meth:`RipMessage.encode`
  and :meth:`RipMessage.decode` to and from the bytes on the wire (port 520);
* :func:`update_entries`: the entries an update carries out of one interface
  under split horizon ``"simple"``, ``"poison-reverse"`` or ``"off"``, with
  version 1's classful summarisation;
* :func:`v1_prefixlen`: the mask a version 1 router guesses for an entry;
* :func:`received_metric`: an advertised metric plus the interface's cost,
  capped at 16, infinity.

The simulator's RIP (:mod:`workbook.sim.rip`) runs these rules on a clock.

>>> routes = [RipRoute.connected("10.0.12.0/24", "to1"), RipRoute.connected("10.0.23.0/24", "to3"),
...           RipRoute.learned("10.0.3.0/24", 2, "10.0.23.3", "to3")]
>>> [e.summary() for e in update_entries(routes, "to3", "10.0.23.2/24", version=2, split_horizon="simple")]
['10.0.12.0/24 metric 1', '10.0.23.0/24 metric 1']
>>> [e.summary() for e in update_entries(routes, "to3", "10.0.23.2/24", version=2, split_horizon="poison-reverse")]
['10.0.3.0/24 metric 16', '10.0.12.0/24 metric 1', '10.0.23.0/24 metric 1']
>>> message = RipMessage(2, 2, tuple(update_entries(routes, "to1", "10.0.12.2/24", version=2)))
>>> RipMessage.decode(message.encode()) == message
True
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import netaddr

from workbook.errors import WorkbookError
from workbook.ledger import Source, constant
from workbook.net.addresses import MASKS, classful_prefixlen

__all__ = [
    "AFI_AUTH",
    "AFI_INET",
    "INFINITY",
    "MAX_ENTRIES",
    "RIPV2_GROUP",
    "RIP_PORT",
    "Command",
    "RipEntry",
    "RipError",
    "RipMessage",
    "RipRoute",
    "SplitHorizon",
    "received_metric",
    "update_entries",
    "v1_prefixlen",
]

RIP_PORT = constant("RIP: UDP port of every router's RIP process", 520, Source.rfc(1058, "3.1"))
INFINITY = constant("RIP: metric that means unreachable (infinity)", 16, Source.rfc(2453, "3.6",
                    note="metrics 1-15 are distances; 16 is infinity"))
MAX_ENTRIES = constant("RIP: most route entries in one message", 25, Source.rfc(2453, "3.6"))
RIPV2_GROUP = constant("RIP: the group RIP-2 updates go to", 0xE0000009, Source.rfc(2453, "4.5",
                       note="224.0.0.9"))
AFI_INET = constant("RIP: address family of an IPv4 entry", 2, Source.rfc(2453, "3.6"))
AFI_AUTH = constant("RIP: address family marking the authentication entry", 0xFFFF, Source.rfc(2453, "4.1"))
_AUTH_SIMPLE_PASSWORD = constant("RIP: authentication type of a plain-text password", 2, Source.rfc(2453, "4.1"))
_HEADER = struct.Struct("!BBH")
_ENTRY = struct.Struct("!HHIIII")


class RipError(WorkbookError):
    """A RIP message's bytes or a RIP rule's input are not valid."""


class Command(enum.IntEnum):
    """A RIP message's command (RFC 2453 §3.6)."""

    REQUEST = 1
    RESPONSE = 2


class SplitHorizon(enum.StrEnum):
    """What an update out of an interface says about routes learned through that interface (RFC 2453 §3.4.3)."""

    SIMPLE = "simple"  # leave them out
    POISON_REVERSE = "poison-reverse"  # send them with metric 16
    OFF = "off"  # send them like every other route (counting to infinity follows)


@dataclass(frozen=True, slots=True)
class RipEntry:
    """One route entry of a RIP message: a destination and its metric.

    Version 1 carries no mask, next hop or tag: ``mask`` and ``next_hop`` are
    None and ``tag`` 0. ``afi`` is 2 (IPv4); a whole-table request's single
    entry has ``afi`` 0 and metric 16 (RFC 2453 §3.9.1).

    >>> RipEntry(netaddr.IPAddress("10.0.3.0"), 2, netaddr.IPAddress("255.255.255.0")).summary()
    '10.0.3.0/24 metric 2'
    """

    address: netaddr.IPAddress
    metric: int
    mask: netaddr.IPAddress | None = None
    next_hop: netaddr.IPAddress | None = None
    tag: int = 0
    afi: int = AFI_INET

    @property
    def prefixlen(self) -> int | None:
        """The mask's length (None under version 1, where the receiver guesses it)."""
        return None if self.mask is None else netaddr.IPAddress(self.mask).netmask_bits()

    @property
    def prefix(self) -> str:
        """'a.b.c.d/len', or just the address when no mask travels."""
        return str(self.address) if self.mask is None else f"{self.address}/{self.prefixlen}"

    def summary(self) -> str:
        text = f"{self.prefix} metric {self.metric}"
        if self.next_hop is not None and int(self.next_hop):
            text += f" next hop {self.next_hop}"
        if self.tag:
            text += f" tag {self.tag}"
        return text

    @property
    def is_whole_table_request(self) -> bool:
        return self.afi == 0 and self.metric == INFINITY


@dataclass(frozen=True, slots=True)
class RipMessage:
    """A RIP message: command (1 request, 2 response), version (1 or 2) and up to 25 entries.

    ``password`` is version 2's optional plain-text authentication (RFC 2453
    §4.1), carried as a field only: nobody checks it.

    >>> m = RipMessage(1, 2, (RipEntry(netaddr.IPAddress(0), 16, afi=0),))
    >>> m.summary()
    'RIPv2 Request (whole table)'
    >>> m.encode().hex()
    '010200000000000000000000000000000000000000000010'
    """

    command: int
    version: int
    entries: tuple[RipEntry, ...] = ()
    password: bytes | None = None
    #: What an engine keeps beside a message: nothing on the wire.
    note: str = field(default="", compare=False)

    @property
    def is_request(self) -> bool:
        return self.command == Command.REQUEST

    @property
    def is_response(self) -> bool:
        return self.command == Command.RESPONSE

    def summary(self) -> str:
        what = "Request" if self.is_request else "Response" if self.is_response else f"command {self.command}"
        if self.is_request and len(self.entries) == 1 and self.entries[0].is_whole_table_request:
            return f"RIPv{self.version} {what} (whole table)"
        inner = ", ".join(entry.summary() for entry in self.entries)
        return f"RIPv{self.version} {what}: {inner}" if inner else f"RIPv{self.version} {what}"

    def encode(self) -> bytes:
        """The UDP payload: a 4-octet header, then 20 octets per entry (RFC 1058 §3.1, RFC 2453 §4)."""
        parts = [_HEADER.pack(self.command, self.version, 0)]
        if self.password is not None:
            parts.append(struct.pack("!HH16s", AFI_AUTH, _AUTH_SIMPLE_PASSWORD, self.password[:16].ljust(16, b"\0")))
        for entry in self.entries:
            if self.version == 1:  # RFC 1058 §3.1: the mask, next hop and tag octets must be zero
                parts.append(_ENTRY.pack(entry.afi, 0, int(entry.address), 0, 0, entry.metric))
            else:
                parts.append(_ENTRY.pack(entry.afi, entry.tag, int(entry.address),
                                         0 if entry.mask is None else int(entry.mask),
                                         0 if entry.next_hop is None else int(entry.next_hop), entry.metric))
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> RipMessage:
        """A message from a UDP payload's bytes; a :class:`RipError` names what is wrong."""
        if len(data) < 4 or (len(data) - 4) % 20:
            raise RipError(f"a RIP message is 4 octets plus 20 per entry, not {len(data)}; e.g. 24 for one entry")
        command, version, _ = _HEADER.unpack_from(data)
        if version not in (1, 2):
            raise RipError(f"RIP version {version} is not 1 or 2 (RFC 1058, RFC 2453); e.g. 2")
        entries = []
        password = None
        for offset in range(4, len(data), 20):
            afi, tag, address, mask, next_hop, metric = _ENTRY.unpack_from(data, offset)
            if afi == AFI_AUTH and version == 2:
                password = data[offset + 4: offset + 20]
                continue
            if version == 1:
                entries.append(RipEntry(netaddr.IPAddress(address), metric, afi=afi))
            else:
                entries.append(RipEntry(netaddr.IPAddress(address), metric, netaddr.IPAddress(mask),
                                        netaddr.IPAddress(next_hop), tag, afi))
        return cls(command, version, tuple(entries), password)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class RipRoute:
    """A row of a router's RIP table: a prefix, its metric, and where it came from.

    ``next_hop`` None and ``interface`` set: a directly connected network.
    """

    network: int
    prefixlen: int
    metric: int
    next_hop: int | None
    interface: str
    tag: int = 0

    @classmethod
    def connected(cls, prefix: str, interface: str, metric: int = 1) -> RipRoute:
        """A directly connected network, e.g. ``RipRoute.connected("10.0.12.0/24", "to1")``."""
        net = netaddr.IPNetwork(prefix)
        return cls(int(net.network), net.prefixlen, metric, None, interface)

    @classmethod
    def learned(cls, prefix: str, metric: int, next_hop: str, interface: str, tag: int = 0) -> RipRoute:
        """A route heard from neighbour ``next_hop`` on ``interface``."""
        net = netaddr.IPNetwork(prefix)
        return cls(int(net.network), net.prefixlen, metric, int(netaddr.IPAddress(next_hop)), interface, tag)

    @property
    def prefix(self) -> str:
        return f"{netaddr.IPAddress(self.network)}/{self.prefixlen}"


def _split_horizon(value: object) -> SplitHorizon:
    try:
        return SplitHorizon(value)
    except ValueError:
        raise RipError(f"split_horizon {value!r} must be one of 'simple', 'poison-reverse', 'off'; "
                       f"e.g. 'poison-reverse'") from None


def _classful_network(address: int) -> tuple[int, int]:
    length = classful_prefixlen(address)
    return address & MASKS[length], length


def update_entries(routes: Iterable[RipRoute], interface: str, address: str | netaddr.IPNetwork, *,
                   version: int = 2, split_horizon: SplitHorizon | str = SplitHorizon.SIMPLE,
                   classful_only: bool = False) -> list[RipEntry]:
    """The entries a regular update out of ``interface`` (whose address is ``address``) carries.

    * Split horizon (RFC 2453 §3.4.3): a route learned through ``interface``
      is left out (``"simple"``), sent with metric 16 (``"poison-reverse"``),
      or sent as it is (``"off"``). A directly connected network was learned
      from no neighbour: it goes out on every interface, its own included.
    * Version 2 (RFC 2453 §4.3, §4.4) sends every prefix with its mask,
      next hop 0.0.0.0 ("through me") and the route's tag; a route sent back
      out of the interface it was learned on (split horizon off) names its
      gateway on that link as next hop, so the neighbour need not go through
      this router.
    * Version 1 (RFC 1058 §3.2, RFC 2453 §3.7) sends no masks: a subnet of
      the interface's own classful network goes out as it is when its mask
      equals the interface's (or it is a host route), and is left out
      otherwise; subnets of another network are summarised into that
      network's classful address, with the best of their metrics. With
      ``classful_only`` (what BIRD does) version 1 sends only the routes that
      already are whole classful networks, and nothing else.

    Entries come in address order.

    >>> routes = [RipRoute.connected("10.1.0.0/16", "e0"), RipRoute.connected("172.16.1.0/24", "e1"),
    ...           RipRoute.connected("172.16.2.0/24", "e2")]
    >>> [e.summary() for e in update_entries(routes, "e0", "10.1.0.1/16", version=1)]
    ['10.1.0.0 metric 1', '172.16.0.0 metric 1']
    >>> [e.summary() for e in update_entries(routes, "e1", "172.16.1.1/24", version=1)]
    ['10.0.0.0 metric 1', '172.16.1.0 metric 1', '172.16.2.0 metric 1']
    """
    if version not in (1, 2):
        raise RipError(f"RIP version {version!r} must be 1 or 2; e.g. 2")
    rule = _split_horizon(split_horizon)
    own = netaddr.IPNetwork(address)
    best: dict[tuple[int, int], RipEntry] = {}

    def offer(network: int, prefixlen: int, metric: int, tag: int, next_hop: int = 0) -> None:
        key = (network, prefixlen)
        if key in best and best[key].metric <= metric:
            return
        if version == 1:
            best[key] = RipEntry(netaddr.IPAddress(network), metric)
        else:
            best[key] = RipEntry(netaddr.IPAddress(network), metric, netaddr.IPAddress(MASKS[prefixlen]),
                                 netaddr.IPAddress(next_hop), tag)

    own_major = _classful_network(int(own.ip))
    for route in routes:
        metric = min(route.metric, INFINITY)
        next_hop = 0
        if route.next_hop is not None and route.interface == interface:
            if rule is SplitHorizon.SIMPLE:
                continue
            if rule is SplitHorizon.POISON_REVERSE:
                metric = INFINITY
            else:  # RFC 2453 §4.4: the neighbour on this very link is the better first hop (BIRD does so)
                next_hop = route.next_hop
        if version == 2:
            offer(route.network, route.prefixlen, metric, route.tag, next_hop)
            continue
        major = _classful_network(route.network)
        if classful_only:
            if route.prefixlen == major[1]:
                offer(route.network, route.prefixlen, metric, 0)
        elif route.prefixlen == 0:
            offer(0, 0, metric, 0)
        elif major == own_major:
            if route.prefixlen in (own.prefixlen, 32):
                offer(route.network, route.prefixlen, metric, 0)
        elif route.prefixlen >= major[1]:
            offer(major[0], major[1], metric, 0)
    return [best[key] for key in sorted(best)]


def v1_prefixlen(address: int, interfaces: Iterable[str | netaddr.IPNetwork], classful_only: bool = False) -> int:
    """The prefix length a version 1 router gives an entry for ``address`` (RFC 1058 §3.2, RFC 2453 §3.7).

    0.0.0.0 is the default route. An address of the same classful network as
    one of the router's interfaces gets that interface's mask; any other its
    class's mask. When host bits remain under that mask, it is a host route.
    With ``classful_only`` (what BIRD does) every entry gets its class's mask.

    >>> v1_prefixlen(int(netaddr.IPAddress("172.16.3.0")), ["172.16.1.1/24"])
    24
    >>> v1_prefixlen(int(netaddr.IPAddress("10.0.0.0")), ["172.16.1.1/24"])
    8
    >>> v1_prefixlen(int(netaddr.IPAddress("10.0.0.7")), ["172.16.1.1/24"])
    32
    """
    major = _classful_network(address)
    if classful_only:
        return major[1]
    if address == 0:
        return 0
    length = major[1]
    for interface in interfaces:
        own = netaddr.IPNetwork(interface)
        if _classful_network(int(own.ip)) == major:
            length = own.prefixlen
            break
    return length if address & ~MASKS[length] & 0xFFFFFFFF == 0 else 32


def received_metric(advertised: int, cost: int = 1) -> int:
    """What a route heard with ``advertised`` costs through an interface of ``cost``: at most 16 (RFC 2453 §3.9.2).

    >>> received_metric(2), received_metric(15), received_metric(3, cost=5)
    (3, 16, 8)
    """
    return min(advertised + cost, INFINITY)

