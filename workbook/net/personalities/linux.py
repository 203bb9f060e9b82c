"""Linux (chapter 2): a local table first, then the main table; weak host.

What the kernel does, and this module models (checked against the real
kernel by ``tests/net/test_linux_kernel.py``):

* For every address, the *local* table gets ``local <address>``; for every
  primary address shorter than /31 also ``broadcast <subnet broadcast>``.
  The loopback has ``local 127.0.0.0/8``, ``local 127.0.0.1`` and
  ``broadcast 127.255.255.255``. The local table is searched first.
* Every primary address (not /32) puts a connected route in the *main*
  table: ``<subnet> dev <nic> proto kernel scope link src <address>``. An
  address in a subnet the interface already has (same mask) is *secondary*:
  no route of its own, never picked as a source unless asked for.
* The main table: longest prefix, then lowest metric ("priority"), then the
  route installed first.
* Source: the route's preferred ``src`` if set; else the first primary
  address of the outgoing interface on the gateway's subnet, else its first
  primary address (``inet_select_addr``).
* Multicast and limited broadcast with a given source leave through the
  interface that owns that source, with no route lookup; without a source
  they need a route (a default route will do), else they are unreachable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import netaddr

from workbook.net.addresses import ALL_ONES, MASKS, format_address, is_multicast
from workbook.net.decision import Strategy
from workbook.net.personalities.base import Personality
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route, RouteOrigin, RouteType

if TYPE_CHECKING:
    from workbook.net.host import Host
    from workbook.net.interfaces import Interface

__all__ = ["Linux", "primary_addresses"]

_LOOPBACK = 0x7F000001


def primary_addresses(interface: Interface) -> list[netaddr.IPNetwork]:
    """The addresses that are *primary*: the first of each (subnet, mask) on the interface."""
    seen: set[tuple[int, int]] = set()
    primaries = []
    for address in interface.addresses:
        key = (int(address.ip) & MASKS[address.prefixlen], address.prefixlen)
        if key not in seen:
            seen.add(key)
            primaries.append(address)
    return primaries


def _primary_for(interface: Interface, address: netaddr.IPNetwork) -> int:
    network = int(address.ip) & MASKS[address.prefixlen]
    for candidate in primary_addresses(interface):
        if candidate.prefixlen == address.prefixlen and int(candidate.ip) & MASKS[candidate.prefixlen] == network:
            return int(candidate.ip)
    return int(address.ip)


class Linux(Personality):
    name = "linux"
    title = "Linux: local table, then longest prefix and metric; weak host"
    strategy = Strategy.LONGEST_PREFIX
    host_model = "weak"
    route_print_style = "modern"
    default_metric = 0
    names_interfaces_by_address = False

    def default_gateway_metric(self, interface: Interface) -> int:
        return 0

    def automatic_routes(self, host: Host) -> list[Route]:
        routes = []
        for interface in host.interfaces:
            for address in primary_addresses(interface):
                own, prefixlen = int(address.ip), address.prefixlen
                if prefixlen < 32:
                    routes.append(Route._trusted(
                        own & MASKS[prefixlen], prefixlen, None, interface.name, 0, RouteOrigin.AUTOMATIC,
                        RouteType.UNICAST, own,
                    ))
        return routes

    def local_routes(self, host: Host) -> list[Route]:
        auto, local, broadcast = RouteOrigin.AUTOMATIC, RouteType.LOCAL, RouteType.BROADCAST
        routes = [
            Route._trusted(0x7F000000, 8, None, "lo", 0, auto, local, _LOOPBACK),
            Route._trusted(_LOOPBACK, 32, None, "lo", 0, auto, local, _LOOPBACK),
            Route._trusted(0x7FFFFFFF, 32, None, "lo", 0, auto, broadcast, _LOOPBACK),
        ]
        for interface in host.interfaces:
            for address in interface.addresses:
                primary = _primary_for(interface, address)
                routes.append(Route._trusted(int(address.ip), 32, None, interface.name, 0, auto, local, primary))
            for address in primary_addresses(interface):
                if address.prefixlen < 31:
                    own = int(address.ip)
                    routes.append(Route._trusted(int(address.broadcast), 32, None, interface.name, 0, auto,
                                                 broadcast, own))
        return routes

    def select_source(self, host: Host, interface: Interface, gateway: int | None) -> int | None:
        """inet_select_addr: a primary address on the gateway's subnet, else the first primary."""
        primaries = primary_addresses(interface)
        if gateway is not None:
            for address in primaries:
                if int(address.ip) & MASKS[address.prefixlen] == gateway & MASKS[address.prefixlen]:
                    return int(address.ip)
        if primaries:
            return int(primaries[0].ip)
        # An interface without addresses borrows one from another interface, the
        # loopback first; a route through a gateway cannot use a host-scope address.
        for other in (host.loopback, *host.interfaces):
            for address in primary_addresses(other):
                if gateway is None or not other.loopback:
                    return int(address.ip)
        return None

    def route_get(self, host: Host, destination: int, source: int | None) -> RouteGet:
        def answer(kind: DestinationKind, interface: str, gateway: int | None, chosen: int | None,
                   route: Route | None, lookup: object, notes: list[str]) -> RouteGet:
            owner = None if chosen is None else host.owner_of(chosen)
            return RouteGet(
                host=host.name,
                personality=self.name,
                destination=netaddr.IPAddress(destination),
                kind=kind,
                interface=interface,
                gateway=None if gateway is None else netaddr.IPAddress(gateway),
                source=None if chosen is None else netaddr.IPAddress(chosen),
                route=route,
                lookup=lookup,  # type: ignore[arg-type]
                notes=tuple(notes),
                source_interface=None if owner is None else owner.name,
            )

        if destination >> 24 == 0:
            return self.unreachable(host, destination, ("0.0.0.0/8 means 'this network': it is no destination",))
        group_or_broadcast = is_multicast(destination) or destination == ALL_ONES
        if source is not None and group_or_broadcast:
            owner = host.owner_of(source)
            assert owner is not None
            kind = DestinationKind.MULTICAST if is_multicast(destination) else DestinationKind.BROADCAST
            return answer(kind, owner.name, None, source, None, None, [
                f"{kind.value} with a given source leaves through {owner.name}, which owns "
                f"{format_address(source)}; no route is looked up",
            ])

        local = host.local_table.lookup(destination, self.strategy)
        route = local.route
        if route is not None:
            preferred = route._preferred_source
            if route.route_type is RouteType.LOCAL:
                chosen = source if source is not None else (preferred or destination)
                return answer(DestinationKind.LOCAL, "lo", None, chosen, route, local, [
                    f"the local table says {format_address(destination)} is this host's: looped back through lo",
                ])
            chosen = source if source is not None else preferred
            return answer(DestinationKind.BROADCAST, route.interface, None, chosen, route, local, [
                f"the local table marks {format_address(destination)} as the broadcast address of {route.interface}",
            ])

        lookup = host.table.lookup(destination, self.strategy)
        route = lookup.route
        if route is None:
            return self.unreachable(host, destination, (
                "no route in the local or main table: network unreachable",
            ), lookup)
        interface = host.interface(route.interface)
        notes = [f"the main table chose {route} ({lookup.rule})"]
        gateway = route._gateway
        if destination == ALL_ONES:
            kind, gateway = DestinationKind.BROADCAST, None
        elif is_multicast(destination):
            kind = DestinationKind.MULTICAST
            if route._prefixlen < 4:
                gateway = None
        else:
            kind = DestinationKind.UNICAST
        if source is not None:
            chosen: int | None = source
            notes.append(f"source {format_address(source)} was given: kept, whatever interface sends (weak host)")
        elif route._preferred_source is not None:
            chosen = route._preferred_source
            notes.append(f"the route's preferred source (src) is {format_address(chosen)}")
        else:
            chosen = self.select_source(host, interface, route._gateway)
            notes.append(
                f"source: the first primary address of {interface.name}"
                + (" on the gateway's subnet" if route._gateway is not None else "")
            )
        return answer(kind, interface.name, gateway, chosen, route, lookup, notes)
