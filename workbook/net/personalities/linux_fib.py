"""The Linux kernel's IPv4 FIB, replayed on the engine's route tables (chapter 2).

Each function here follows one function of the kernel (named in its
docstring) closely enough that ``tests/net/test_linux_kernel.py`` finds no
difference between the engine and ``ip route get`` on thousands of random
configurations. The host's main table and its local table (``local`` and
``broadcast`` routes) stand for the kernel's two tables, which the kernel
searches as one trie when there are no policy rules.

Scopes are the kernel's numbers, so that "at least link scope" reads as it
does in the kernel: universe 0, link 253, host 254.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbook.errors import RouteRefusedError
from workbook.net.addresses import ALL_ONES, MASKS, format_address, is_multicast
from workbook.net.routes import Route, RouteOrigin, RouteType

if TYPE_CHECKING:
    from workbook.net.host import Host
    from workbook.net.interfaces import Interface
    from workbook.net.route_table import RouteTable

__all__ = [
    "SCOPE_HOST",
    "SCOPE_LINK",
    "SCOPE_UNIVERSE",
    "KernelAddress",
    "add_ifaddr",
    "addr_type",
    "del_ifaddr",
    "insert_route",
    "kernel_addresses",
    "primary_of",
    "route_scope",
    "select_address",
]

SCOPE_UNIVERSE, SCOPE_LINK, SCOPE_HOST = 0, 253, 254
_SCOPE_OF_NAME = {"global": SCOPE_UNIVERSE, "link": SCOPE_LINK, "host": SCOPE_HOST}
LOOPBACK = 0x7F000001


@dataclass(frozen=True)
class KernelAddress:
    """One address as the kernel keeps it on an interface's list (``struct in_ifaddr``)."""

    interface: str
    ip: int
    prefixlen: int
    scope: int
    noprefixroute: bool
    secondary: bool

    @property
    def network(self) -> int:
        return self.ip & MASKS[self.prefixlen]

    @property
    def broadcast(self) -> int:
        return self.network | (~MASKS[self.prefixlen] & ALL_ONES)

    def same_subnet(self, other: KernelAddress) -> bool:
        """``ifa_mask == ifa1->ifa_mask && inet_ifa_match(...)``: one subnet, one mask."""
        return self.prefixlen == other.prefixlen and self.network == other.network

    def holds(self, address: int) -> bool:
        """``inet_ifa_match``: is ``address`` inside this address's subnet?"""
        return address & MASKS[self.prefixlen] == self.network


def kernel_addresses(interface: Interface) -> list[KernelAddress]:
    """The interface's address list in the kernel's order (``__inet_insert_ifa``).

    An address in a subnet (same mask) the interface already has is
    *secondary* and goes to the end; a primary goes after the last primary
    whose scope is at least as narrow (host, then link, then global).
    A secondary whose scope differs from its primary's is refused.
    """
    found: list[KernelAddress] = []
    for network in interface.addresses:
        ip, prefixlen = int(network.ip), network.prefixlen
        scope = _SCOPE_OF_NAME[interface.scope_of(ip)]
        candidate = KernelAddress(interface.name, ip, prefixlen, scope, not interface.has_prefix_route(ip), False)
        last_primary = 0
        secondary = False
        for position, other in enumerate(found):
            if not other.secondary and scope <= other.scope:
                last_primary = position + 1
            if other.same_subnet(candidate):
                if other.scope != scope:
                    raise RouteRefusedError(
                        f"address {format_address(ip)}/{prefixlen} on {interface.name} has scope "
                        f"{interface.scope_of(ip)}, but {format_address(other.ip)} in the same subnet has another",
                        "Error: ipv4: Invalid scope value.",
                    )
                secondary = True
        if secondary:
            found.append(KernelAddress(interface.name, ip, prefixlen, scope, candidate.noprefixroute, True))
        else:
            found.insert(last_primary, candidate)
    return found


def primary_of(addresses: list[KernelAddress], address: KernelAddress) -> KernelAddress | None:
    """``inet_ifa_byprefix``: the primary address of ``address``'s subnet (itself if primary)."""
    if not address.secondary:
        return address
    for other in addresses:
        if not other.secondary and other.same_subnet(address):
            return other
    return None


def route_scope(route: Route) -> int:
    """A route's scope as `ip route` gives it: host for ``local``, link for a route with no gateway
    (and ``broadcast``), universe for a route through a gateway and for reject routes."""
    if route.route_type is RouteType.LOCAL:
        return SCOPE_HOST
    if route.route_type.rejects or route._gateway is not None:
        return SCOPE_UNIVERSE
    return SCOPE_LINK


# Looking things up ------------------------------------------------------------------
def addr_type(host: Host, address: int, interface: str | None = None, link_state: bool = True) -> RouteType:
    """``inet_addr_type_dev_table``: what the tables say ``address`` is (local, broadcast, unicast, ...).

    No route, a reject route, or (with ``interface``) an answer through
    another interface: plain unicast.
    """
    if address == 0 or address == ALL_ONES:
        return RouteType.BROADCAST
    if is_multicast(address):
        return RouteType.MULTICAST
    route = lookup(host, address, link_state=link_state)
    if route is None or route.route_type.rejects or (interface is not None and route.interface != interface):
        return RouteType.UNICAST
    return route.route_type


def lookup(host: Host, address: int, where: Callable[[Route], bool] | None = None,
           link_state: bool = True) -> Route | None:
    """``fib_lookup`` over the local and main tables as one; ``link_state=False`` is
    ``FIB_LOOKUP_IGNORE_LINKSTATE`` (routes through a link without carrier count)."""
    strategy = host.table.strategy
    route, _ = host.table._search(address, strategy, where, link_state)
    local, _ = host.local_table._search(address, strategy, where, link_state)
    if local is not None and (route is None or local._prefixlen >= route._prefixlen):
        return local
    return route


def select_address(host: Host, interface: Interface, near: int | None, scope: int) -> int | None:
    """``inet_select_addr``: the source address for a route of ``scope`` through ``interface``.

    The first primary address of the interface whose scope is wide enough,
    preferring one whose subnet holds ``near`` (the gateway); else the first
    primary of wide enough scope, not link scope, of any interface, the
    loopback first.
    """
    chosen = None
    for address in kernel_addresses(interface):
        if address.secondary or address.scope > scope:
            continue
        if near is None or address.holds(near):
            return address.ip
        if chosen is None:
            chosen = address.ip
    if chosen is not None:
        return chosen
    for other in (host.loopback, *host.interfaces):
        for address in kernel_addresses(other):
            if not address.secondary and address.scope != SCOPE_LINK and address.scope <= scope:
                return address.ip
    return None


# The kernel installing and removing its own routes -------------------------------------
def _magic_add(host: Host, route_type: RouteType, destination: int, prefixlen: int, primary: KernelAddress,
               up: bool = True) -> None:
    """``fib_magic(RTM_NEWROUTE, ...)``: a route the kernel installs for an address (append, no error)."""
    if route_type is RouteType.LOCAL or route_type is RouteType.BROADCAST:
        table = host.local_table
    else:
        table = host.table
    if not (route_type is RouteType.LOCAL and primary.ip == destination) and \
            addr_type(host, primary.ip) is not RouteType.LOCAL:
        return  # fib_valid_prefsrc: "Invalid prefsrc address"
    route = Route._trusted(destination, prefixlen, None, primary.interface, 0, RouteOrigin.AUTOMATIC, route_type,
                           primary.ip)
    if route in table.group(destination, prefixlen):
        return  # the same route again: EEXIST, which fib_magic ignores
    table.add(route, check_gateway=False, check_duplicate=False)


def _magic_delete(host: Host, route_type: RouteType, destination: int, prefixlen: int,
                  primary: KernelAddress) -> None:
    """``fib_magic(RTM_DELROUTE, ...)``: remove the first kernel route of that type, source and device."""
    table = host.table if route_type is RouteType.UNICAST else host.local_table
    for route in table.group(destination, prefixlen):
        if (route.route_type is route_type and route.origin is RouteOrigin.AUTOMATIC
                and route._preferred_source == primary.ip and route.interface == primary.interface):
            table.remove(route)
            return


def add_ifaddr(host: Host, interface: Interface, address: KernelAddress) -> None:
    """``fib_add_ifaddr``: the routes that come with an address.

    ``local <address>`` always (with the primary of its subnet as source);
    if the link is up and the address is primary: the prefix route (unless
    ``noprefixroute``, and not for a /32) and the subnet's broadcast (shorter
    than /31 only).
    """
    addresses = kernel_addresses(interface)
    primary = primary_of(addresses, address)
    if primary is None:
        return
    _magic_add(host, RouteType.LOCAL, address.ip, 32, primary)
    if not interface.up:
        return
    network = address.network
    if network != 0 and not address.secondary and (network != address.ip or address.prefixlen < 32):
        if not address.noprefixroute:
            kind = RouteType.LOCAL if interface.loopback else RouteType.UNICAST
            _magic_add(host, kind, network, address.prefixlen, primary)
        if address.prefixlen < 31:
            _magic_add(host, RouteType.BROADCAST, address.broadcast, 32, primary)


def del_ifaddr(host: Host, interface: Interface, address: KernelAddress, addresses: list[KernelAddress],
               ignore_subnet_of: KernelAddress | None = None) -> None:
    """``fib_del_ifaddr``: take away the routes of an address, but none another address still needs.

    ``addresses`` is the interface's list as the kernel scans it (the address
    itself may still be on it during a promotion); ``ignore_subnet_of`` makes
    the addresses of that subnet count as gone (they are being re-added with
    a new primary).
    """
    subnet = False
    if address.secondary:
        primary = primary_of(addresses, address)
        if primary is None:
            return
    else:
        primary = address
        if address.network != 0 and (address.network != address.ip or address.prefixlen < 32):
            if not address.noprefixroute:
                kind = RouteType.LOCAL if interface.loopback else RouteType.UNICAST
                _magic_delete(host, kind, address.network, address.prefixlen, primary)
            subnet = True
    local_ok = broadcast_ok = False
    gone = True
    same_prefsrc = False
    primary1: KernelAddress | None = None
    for other in addresses:
        if other == address:
            gone = False  # a promotion keeps the address
            continue
        if ignore_subnet_of is not None and other.same_subnet(ignore_subnet_of):
            continue
        if other.secondary:
            if other.same_subnet(primary):
                primary1 = primary
            else:
                if not same_prefsrc:
                    continue
                if primary1 is None or not other.same_subnet(primary1):
                    primary1 = primary_of(addresses, other)
                if primary1 is None or primary1.ip != primary.ip:
                    continue
        else:
            if primary.ip != other.ip:
                continue
            primary1 = other
            if primary1 != primary:
                same_prefsrc = True
        if address.ip == other.ip:
            local_ok = True
        if primary1 == other and other.prefixlen < 31 and other.network != 0 and \
                address.broadcast in (other.broadcast, other.network):
            broadcast_ok = True
    if subnet and address.prefixlen < 31 and not broadcast_ok:
        _magic_delete(host, RouteType.BROADCAST, address.broadcast, 32, primary)
    if not local_ok:
        _magic_delete(host, RouteType.LOCAL, address.ip, 32, primary)
        if gone and addr_type(host, address.ip, interface.name) is not RouteType.LOCAL:
            _flush_source(host, address.ip)


def _flush_source(host: Host, source: int) -> None:
    """``fib_sync_down_addr``: main-table routes whose preferred source was the address go."""
    for route in [r for r in host.table if r._preferred_source == source]:
        host.table.remove(route)


def flush_interface(host: Host, interface: str, keep_local: bool) -> None:
    """``fib_disable_ip``: every route through ``interface`` goes (``local`` ones too unless ``keep_local``)."""
    for table in (host.table, host.local_table):
        for route in [r for r in table if r.interface == interface]:
            if not (keep_local and route.route_type is RouteType.LOCAL):
                table.remove(route)


# A route a user adds ----------------------------------------------------------------
def check_route(host: Host, route: Route, interface: Interface | None) -> Route:
    """``fib_create_info``: refuse what the kernel refuses, and complete the device from the gateway.

    Returns the route with its interface filled in.
    """
    if route.route_type.rejects:
        if route._gateway is not None or route.interface:
            raise RouteRefusedError(f"a {route.route_type.value} route has no gateway or device",
                                    "Error: Gateway, device and multipath can not be specified for this route type.")
        return route
    if route._gateway is None:
        if route.onlink:
            raise RouteRefusedError("onlink needs a gateway",
                                    "Error: Invalid flags for nexthop - can not contain DEAD or ONLINK.")
        if interface is None:
            raise RouteRefusedError("a route without a gateway needs a device", "Error: No such device")
        if not interface.up:
            raise RouteRefusedError(f"{interface.name} is down", "Error: Device for nexthop is not up.")
        dev = interface.name
    elif route.onlink:
        if interface is None:
            raise RouteRefusedError("onlink needs a device", "Error: Nexthop device required for onlink.")
        if not interface.up:
            raise RouteRefusedError(f"{interface.name} is down", "Error: Nexthop device is not up.")
        if addr_type(host, route._gateway, interface.name) is not RouteType.UNICAST:
            raise RouteRefusedError(f"gateway {format_address(route._gateway)} is not a unicast address on "
                                    f"{interface.name}", "Error: Nexthop has invalid gateway.")
        dev = interface.name
    else:
        dev, own = _check_gateway(host, route, interface)
        if own:
            route = Route._trusted(*route[:9], True)
    source = route._preferred_source
    if source is not None and addr_type(host, source) is not RouteType.LOCAL:
        raise RouteRefusedError(f"preferred source {format_address(source)} is not an address of this host",
                                "Error: Invalid prefsrc address.")
    return Route._trusted(*route[:3], dev, *route[4:])


def _check_gateway(host: Host, route: Route, interface: Interface | None) -> tuple[str, bool]:
    """``fib_check_nh_v4_gw``: the gateway must be reached by a route of at least link scope (a subnet of
    the device, or one of the host's own addresses), looked up whatever the carrier.

    Returns the device, and whether the gateway is the host's own (a ``local`` route: host scope)."""
    gateway = route._gateway
    assert gateway is not None
    name = None if interface is None else interface.name

    def usable(candidate: Route) -> bool:
        return route_scope(candidate) >= SCOPE_LINK and (name is None or candidate.interface == name)

    found = lookup(host, gateway, where=usable, link_state=False)
    if found is None or found.route_type not in (RouteType.UNICAST, RouteType.LOCAL):
        raise RouteRefusedError(f"gateway {format_address(gateway)} is on no subnet of "
                                f"{name or 'any interface'}", "Error: Nexthop has invalid gateway.")
    if not host.interface(found.interface).up:
        raise RouteRefusedError(
            f"gateway {format_address(gateway)} is reached through {found.interface}, which is down",
            "RTNETLINK answers: Network is down")
    return found.interface, found.route_type is RouteType.LOCAL


def insert_route(table: RouteTable, route: Route, how: str) -> Route:
    """``fib_table_insert``: ``add`` refuses a second route with the same prefix and metric; ``append``
    and ``prepend`` put it after or before those, refusing only the very same route."""
    group = [r for r in table.group(route._network, route._prefixlen) if r.metric == route.metric]
    if group and (how == "add" or route in group):
        raise RouteRefusedError(
            f"a route to {format_address(route._network)}/{route._prefixlen} with metric {route.metric} is already "
            f"in the table ({group[0]})", "RTNETLINK answers: File exists")
    return table.add(route, check_gateway=False, check_duplicate=False, prepend=how == "prepend")
