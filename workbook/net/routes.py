"""One row of a route table (chapter 1).

A route says: datagrams whose destination, ANDed with ``netmask``, equals
``destination`` leave through ``interface``, to ``gateway`` (or straight to
the destination when the gateway is None: "on-link"). ``metric`` breaks ties
and ``origin`` records who put the route there.

>>> r = Route("0.0.0.0/0", gateway="172.16.112.1", interface="172.16.112.123")
>>> r.kind, r.prefixlen, str(r.netmask)
(<RouteKind.DEFAULT: 'default'>, 0, '0.0.0.0')
>>> Route("172.16.112.0", netmask="255.255.255.0", interface="172.16.112.123").kind
<RouteKind.SUBNET: 'subnet'>
>>> r.matches("172.17.1.1")
True

Routes are immutable values: equal when every field is equal, hashable, and
their repr evaluates back to an equal route.
"""

from __future__ import annotations

import enum
from operator import itemgetter
from typing import Any

import netaddr

from workbook.errors import InterfaceError, MetricError, RouteError
from workbook.net.addresses import (
    ALL_ONES,
    MASKS,
    check_host_bits,
    classful_prefixlen,
    format_address,
    parse_address,
    parse_mask,
)

__all__ = ["METRIC_MAX", "Route", "RouteKind", "RouteOrigin", "RouteType"]

#: Windows accepts metrics 1..9999; Linux priorities go far higher, but a
#: learner who types 99999 has usually made a slip, so the engine says so.
METRIC_MAX = 9999


class RouteKind(enum.StrEnum):
    """Where a route's mask sits relative to the classful boundary of its destination.

    The NT text searches host, subnet, network and default routes in that
    order; a supernet (shorter than its class, longer than /0) has no step
    there, which is exactly why CIDR broke that order (chapter 3).
    """

    HOST = "host"
    SUBNET = "subnet"
    NETWORK = "network"
    SUPERNET = "supernet"
    DEFAULT = "default"


class RouteOrigin(enum.StrEnum):
    """Who installed a route."""

    AUTOMATIC = "automatic"  # built by the stack from an interface's address
    STATIC = "static"  # `route add` without -p: lost at restart
    PERSISTENT = "persistent"  # `route -p add`: kept in the registry
    REDIRECT = "redirect"  # learned from an ICMP redirect
    PROTOCOL = "protocol"  # learned from a routing protocol (RIP, OSPF)
    RIP = "rip"  # learned from RIP (chapter 6): metric is the hop count, gateway the neighbour that told it


class RouteType(enum.StrEnum):
    """What the stack does with a matching datagram (Linux names them in `ip route`).

    The last four are Linux's *reject* routes: a lookup that ends on one fails
    with the error ``ip route get`` prints, and ``throw`` ends the search of
    the table as if nothing had matched.
    """

    UNICAST = "unicast"
    LOCAL = "local"  # addressed to this host: deliver up the stack
    BROADCAST = "broadcast"
    MULTICAST = "multicast"
    UNREACHABLE = "unreachable"  # "No route to host" (ICMP host unreachable)
    BLACKHOLE = "blackhole"  # dropped silently; `ip route get` says "Invalid argument"
    PROHIBIT = "prohibit"  # "Permission denied" (ICMP administratively prohibited)
    THROW = "throw"  # stop searching this table: "Network is unreachable"

    @property
    def rejects(self) -> bool:
        """True for the route types that refuse every datagram they match."""
        return self in _REJECT_TYPES


_REJECT_TYPES = frozenset({RouteType.UNREACHABLE, RouteType.BLACKHOLE, RouteType.PROHIBIT, RouteType.THROW})


def _enum_value(enum_type: type[enum.Enum], value: object, what: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(repr(member.value) for member in enum_type)
        raise RouteError(f"{what} {value!r} is not one of {choices}") from None


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise RouteError(f"{name} {value!r} must be true or false; e.g. true")
    return value


def check_metric(metric: object) -> int:
    """A metric must be a whole number from 0 to METRIC_MAX."""
    if isinstance(metric, str) and metric.strip().isdigit():
        metric = int(metric)
    if isinstance(metric, bool) or not isinstance(metric, int) or not 0 <= metric <= METRIC_MAX:
        raise MetricError(f"metric {metric!r} is not a whole number from 0 to {METRIC_MAX}; e.g. 1")
    return metric


class Route(tuple):
    """A route: destination/netmask -> gateway (or on-link) through an interface.

    ``destination`` is 'a.b.c.d/len', or 'a.b.c.d' with ``netmask`` given as a
    dotted mask or a prefix length. ``interface`` names the interface: NT and
    Windows name it by its IP address, Linux by its name (``eth0``).
    ``preferred_source`` is Linux's ``src``; ``route_type`` is Linux's route type.
    """

    # A tuple underneath: immutable, hashable, cheap to build a million of.
    __slots__ = ()

    def __new__(
        cls,
        destination: str | netaddr.IPNetwork,
        netmask: str | int | None = None,
        gateway: str | None = None,
        interface: str = "",
        metric: int = 1,
        origin: RouteOrigin | str = RouteOrigin.STATIC,
        route_type: RouteType | str = RouteType.UNICAST,
        preferred_source: str | None = None,
        onlink: bool = False,
        gateway_is_own: bool = False,
    ) -> Route:
        if isinstance(destination, netaddr.IPNetwork):
            destination = str(destination)
        if not isinstance(destination, str):
            raise RouteError(f"destination {destination!r} is not text; e.g. '10.0.0.0/8'")
        text = destination.strip()
        if "/" in text:
            if netmask is not None:
                raise RouteError(
                    f"destination {destination!r} has a prefix length and netmask {netmask!r} "
                    f"is given too; give one, e.g. '10.0.0.0/8' or '10.0.0.0' with netmask '255.0.0.0'"
                )
            text, _, netmask = text.partition("/")
        elif netmask is None:
            raise RouteError(
                f"destination {destination!r} has no netmask; e.g. '10.0.0.0/8', "
                f"or '10.0.0.0' with netmask '255.0.0.0' (use /32 for a host route)"
            )
        network = parse_address(text, what="destination", example="172.16.112.0")
        prefixlen = parse_mask(netmask)
        check_host_bits(network, prefixlen)
        if not isinstance(interface, str):
            raise InterfaceError(
                f"interface {interface!r} is not a name or address; e.g. 'eth0' or '172.16.112.123'"
            )
        return tuple.__new__(
            cls,
            (
                network,
                prefixlen,
                None if gateway is None else parse_address(gateway, what="gateway", example="172.16.112.1"),
                interface.strip(),
                check_metric(metric),
                _enum_value(RouteOrigin, origin, "origin"),
                _enum_value(RouteType, route_type, "route type"),
                None
                if preferred_source is None
                else parse_address(preferred_source, what="preferred source", example="172.16.112.123"),
                _check_flag(onlink, "onlink"),
                _check_flag(gateway_is_own, "gateway_is_own"),
            ),
        )

    @classmethod
    def _trusted(
        cls,
        network: int,
        prefixlen: int,
        gateway: int | None,
        interface: str,
        metric: int = 1,
        origin: RouteOrigin = RouteOrigin.STATIC,
        route_type: RouteType = RouteType.UNICAST,
        preferred_source: int | None = None,
        onlink: bool = False,
        gateway_is_own: bool = False,
    ) -> Route:
        """Build a route from already-checked integers (bulk loads, parsers)."""
        return tuple.__new__(
            cls,
            (network, prefixlen, gateway, interface, metric, origin, route_type, preferred_source, onlink,
             gateway_is_own),
        )

    def replace(self, **changes: Any) -> Route:
        """A copy with some fields changed, checked like a new route."""
        fields = self.as_dict()
        fields.update(changes)
        return Route(**fields)

    def __reduce__(self) -> tuple:  # pickle and copy rebuild from the checked fields
        return (Route._trusted, tuple(self))

    _network: int = property(itemgetter(0))  # type: ignore[assignment]
    _prefixlen: int = property(itemgetter(1))  # type: ignore[assignment]
    _gateway: int | None = property(itemgetter(2))  # type: ignore[assignment]
    interface: str = property(itemgetter(3), doc="The interface: a name (eth0) or, on Windows, its address.")  # type: ignore[assignment]
    metric: int = property(itemgetter(4), doc="The cost: lower wins among equally long prefixes.")  # type: ignore[assignment]
    origin: RouteOrigin = property(itemgetter(5), doc="Who installed the route.")  # type: ignore[assignment]
    route_type: RouteType = property(itemgetter(6), doc="unicast, local, broadcast or multicast.")  # type: ignore[assignment]
    _preferred_source: int | None = property(itemgetter(7))  # type: ignore[assignment]
    onlink: bool = property(itemgetter(8), doc="Linux's onlink flag: the gateway is trusted to be on the link.")  # type: ignore[assignment]
    gateway_is_own: bool = property(itemgetter(9), doc="The gateway was this host's own address (Linux: on-link).")  # type: ignore[assignment]

    @property
    def destination(self) -> netaddr.IPAddress:
        """The network address of the destination, e.g. 172.16.112.0."""
        return netaddr.IPAddress(self._network)

    @property
    def netmask(self) -> netaddr.IPAddress:
        """The netmask, e.g. 255.255.255.0."""
        return netaddr.IPAddress(MASKS[self._prefixlen])

    @property
    def prefixlen(self) -> int:
        """Number of ones in the netmask."""
        return self._prefixlen

    @property
    def network(self) -> netaddr.IPNetwork:
        """Destination and mask as one netaddr.IPNetwork."""
        return netaddr.IPNetwork((self._network, self._prefixlen))

    @property
    def gateway(self) -> netaddr.IPAddress | None:
        """The next router, or None when the destination is on-link."""
        return None if self._gateway is None else netaddr.IPAddress(self._gateway)

    @property
    def on_link(self) -> bool:
        """True when datagrams go straight to their destination, with no gateway.

        Modern Windows prints such a gateway as ``On-link``; NT 4.0 printed the
        interface's own address in the gateway column, which means the same;
        Linux sends on-link through a gateway that is the host's own address.
        """
        return self._gateway is None or self.gateway_is_own or format_address(self._gateway) == self.interface

    @property
    def preferred_source(self) -> netaddr.IPAddress | None:
        """Linux's `src`: the source address this route prefers, if set."""
        return None if self._preferred_source is None else netaddr.IPAddress(self._preferred_source)

    @property
    def kind(self) -> RouteKind:
        """host, subnet, network, supernet or default, relative to the destination's class."""
        if self._prefixlen == 32:
            return RouteKind.HOST
        if self._prefixlen == 0:
            return RouteKind.DEFAULT
        boundary = classful_prefixlen(self._network)
        if self._prefixlen > boundary:
            return RouteKind.SUBNET
        if self._prefixlen == boundary:
            return RouteKind.NETWORK
        return RouteKind.SUPERNET

    @property
    def persistent(self) -> bool:
        """True for routes added with `route -p`: they survive a restart."""
        return self.origin is RouteOrigin.PERSISTENT

    def matches(self, address: object) -> bool:
        """Does ``address AND netmask == destination``?"""
        return parse_address(address) & MASKS[self._prefixlen] == self._network

    @property
    def first_address(self) -> int:
        return self._network

    @property
    def last_address(self) -> int:
        return self._network | (~MASKS[self._prefixlen] & ALL_ONES)

    # Value semantics --------------------------------------------------------
    def _key(self) -> tuple:
        return (
            self._network,
            self._prefixlen,
            -1 if self._gateway is None else self._gateway,
            self.interface,
            self.metric,
            self.origin.value,
            self.route_type.value,
            -1 if self._preferred_source is None else self._preferred_source,
            self.onlink,
            self.gateway_is_own,
        )

    def __lt__(self, other: Route) -> bool:
        return self._key() < other._key() if isinstance(other, Route) else NotImplemented

    def as_dict(self) -> dict[str, Any]:
        """The route as plain values (the shape scenario files use)."""
        return {
            "destination": f"{format_address(self._network)}/{self._prefixlen}",
            "gateway": None if self._gateway is None else format_address(self._gateway),
            "interface": self.interface,
            "metric": self.metric,
            "origin": self.origin.value,
            "route_type": self.route_type.value,
            "preferred_source": None
            if self._preferred_source is None
            else format_address(self._preferred_source),
            "onlink": self.onlink,
            "gateway_is_own": self.gateway_is_own,
        }

    def __repr__(self) -> str:
        fields = self.as_dict()
        parts = [repr(fields.pop("destination"))]
        defaults = {"gateway": None, "interface": "", "metric": 1, "origin": "static",
                    "route_type": "unicast", "preferred_source": None, "onlink": False,
                    "gateway_is_own": False}
        parts += [f"{name}={value!r}" for name, value in fields.items() if defaults[name] != value]
        return f"Route({', '.join(parts)})"

    def __str__(self) -> str:
        prefix = f"{format_address(self._network)}/{self._prefixlen}"
        route_type = self.route_type
        if route_type.rejects:
            return f"{route_type.value} {prefix} metric {self.metric}"
        via = "on-link" if self._gateway is None else f"via {format_address(self._gateway)}"
        kind = "" if route_type is RouteType.UNICAST else f"{route_type.value} "
        flag = " onlink" if self.onlink else ""
        return f"{kind}{prefix} {via} dev {self.interface or '?'}{flag} metric {self.metric}"
