"""Linux (chapter 2): the local and main tables searched as one trie; weak host.

What the kernel does, and this module models (checked against the real
kernel by ``tests/net/test_linux_kernel.py``):

* For every address, the *local* table gets ``local <address>``; for every
  primary address shorter than /31 also ``broadcast <subnet broadcast>``.
  The loopback has ``local 127.0.0.0/8``, ``local 127.0.0.1`` and
  ``broadcast 127.255.255.255``. Without policy rules the kernel keeps the
  local and main tables in one trie: the longest prefix wins across both, and
  at equal length the local entry (so a main route to 127.1.0.0/16 beats
  ``local 127.0.0.0/8``, but nothing beats a ``local`` or ``broadcast`` /32).
* Every primary address (not /32) puts a connected route in the *main*
  table: ``<subnet> dev <nic> proto kernel scope link src <address>``. An
  address in a subnet the interface already has (same mask) is *secondary*:
  no route of its own, never picked as a source unless asked for.
* The main table: longest prefix, then lowest metric ("priority"), then the
  route installed first.
* Source: the route's preferred ``src`` if set; else the first primary
  address of the outgoing interface on the gateway's subnet, else its first
  primary address (``inet_select_addr``).
* A connected or broadcast route whose ``src`` is not (by its first
  local-table entry) a local address is refused: an address that equals
  another subnet's broadcast address, added after it, gets no routes.
* 0.0.0.0 as a destination is this host (looped back through lo, source
  127.0.0.1); a loopback source cannot leave through a real interface.
* Multicast and limited broadcast with a given source leave through the
  interface that owns that source, with no route lookup; without a source
  they need a route (a default route will do), else they are unreachable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import netaddr

from workbook.ledger import Source, Trait
from workbook.net.addresses import ALL_ONES, MASKS, format_address, is_loopback, is_multicast
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


def _install_addresses(host: Host) -> tuple[list[Route], list[Route]]:
    """Replay what the kernel installs as addresses are added: (main-table routes, local-table routes).

    Interface by interface (each brought up first), address by address, the
    kernel adds ``local <address>`` (source: the primary of its subnet), and
    for a primary a connected route ``<subnet> src <address>`` (not for a
    /32) and ``broadcast <subnet broadcast>`` (shorter than /31 only). A route
    whose preferred source is not, by its *first* local-table entry, a local
    address is refused ("Invalid prefsrc address"): an address that is
    another subnet's broadcast address, added after that broadcast entry,
    gets neither its connected route nor its broadcast entry. When two
    entries for one /32 meet on one interface, the first one added answers.
    """
    auto, unicast, local, broadcast = RouteOrigin.AUTOMATIC, RouteType.UNICAST, RouteType.LOCAL, RouteType.BROADCAST
    local_routes = [
        Route._trusted(0x7F000000, 8, None, "lo", 0, auto, local, _LOOPBACK),
        Route._trusted(_LOOPBACK, 32, None, "lo", 0, auto, local, _LOOPBACK),
        Route._trusted(0x7FFFFFFF, 32, None, "lo", 0, auto, broadcast, _LOOPBACK),
    ]
    first_entry: dict[int, RouteType] = {_LOOPBACK: local, 0x7FFFFFFF: broadcast}
    seen: set[tuple[int, str]] = set()
    main_routes: list[Route] = []

    def add_local(target: int, route_type: RouteType, source: int, interface: str) -> None:
        if route_type is not local or source != target:
            if first_entry.get(source) is not local:
                return  # Invalid prefsrc address
        first_entry.setdefault(target, route_type)
        if (target, interface) not in seen:
            seen.add((target, interface))
            local_routes.append(Route._trusted(target, 32, None, interface, 0, auto, route_type, source))

    for interface in host.interfaces:
        primaries = primary_addresses(interface)
        for address in interface.addresses:
            own, prefixlen = int(address.ip), address.prefixlen
            add_local(own, local, _primary_for(interface, address), interface.name)
            if not any(address is p for p in primaries):
                continue
            if prefixlen < 32 and first_entry.get(own) is local:
                main_routes.append(Route._trusted(own & MASKS[prefixlen], prefixlen, None, interface.name, 0, auto,
                                                  unicast, own))
            if prefixlen < 31:
                add_local(int(address.broadcast), broadcast, own, interface.name)
    return main_routes, local_routes


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
        return _install_addresses(host)[0]

    def local_routes(self, host: Host) -> list[Route]:
        return _install_addresses(host)[1]

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

        if destination == 0:
            return answer(DestinationKind.LOCAL, "lo", None, _LOOPBACK if source is None else source, None, None, [
                "0.0.0.0 (INADDR_ANY) as a destination means this host: the kernel loops it back through lo",
            ])
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

        # With no policy rules of its own the kernel merges the local and main tables into one
        # trie: the longest prefix wins across both, and at equal length the local entry does.
        local = host.local_table.lookup(destination, self.strategy)
        route = local.route
        lookup = host.table.lookup(destination, self.strategy)
        if route is not None and lookup.route is not None and lookup.route._prefixlen > route._prefixlen:
            route = None
        if route is not None:
            preferred = route._preferred_source
            if route.route_type is RouteType.LOCAL:
                chosen = source if source is not None else (preferred or destination)
                return answer(DestinationKind.LOCAL, "lo", None, chosen, route, local, [
                    f"the local table says {format_address(destination)} is this host's: looped back through lo",
                ])
            if source is not None and is_loopback(source) and route.interface != "lo":
                return self.unreachable(host, destination, (
                    f"a loopback source ({format_address(source)}) may not leave through {route.interface}: "
                    "the kernel refuses it (EINVAL)",
                ), local)
            chosen = source if source is not None else preferred
            return answer(DestinationKind.BROADCAST, route.interface, None, chosen, route, local, [
                f"the local table marks {format_address(destination)} as the broadcast address of {route.interface}",
            ])

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
        if source is not None and is_loopback(source):
            return self.unreachable(host, destination, (
                f"a loopback source ({format_address(source)}) may not leave through {interface.name}: "
                "the kernel refuses it (EINVAL)",
            ), lookup)
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

    # Simulator traits
    default_ttl = Trait(64, Source.kernel(
        "net.ipv4.ip_default_ttl = 64: a ping leaves with TTL 64",
        test="tests/kernel/test_stack_defaults.py::test_datagrams_leave_with_ttl_64"))
    arp_cache_life = Trait(30.0, Source.kernel(
        "neigh.v0.base_reachable_time_ms = 30000: an entry stays REACHABLE 15-45 s; the mean is modelled",
        test="tests/kernel/test_stack_defaults.py::test_neighbour_entries_stay_reachable_30_s_on_average"))
    arp_answers_for = Trait("host", Source.kernel(
        "arp_ignore = 0: a request for any local address is answered on any interface",
        test="tests/kernel/test_stack_defaults.py::test_arp_is_answered_for_an_address_of_another_interface"))
    arp_answers_probes = Trait(True, Source.kernel(
        "a probe (sender 0.0.0.0) for a local address gets a unicast reply to 0.0.0.0",
        test="tests/kernel/test_arp.py::test_a_probe_for_its_address_gets_a_unicast_reply"))
    arp_drops_own_sender = Trait(True, Source.kernel(
        "an ARP packet whose sender address is local is dropped: no reply, no cache change",
        test="tests/kernel/test_arp.py::test_a_claim_of_its_own_address_is_ignored"))
    arp_accept = Trait(0, Source.kernel(
        "arp_accept = 0: unsolicited ARP creates no entry; 1: a gratuitous ARP or a reply creates one",
        test="tests/kernel/test_arp.py::test_unsolicited_arp_creates_an_entry_only_with_arp_accept"))
    arp_reply_creates_entry = Trait(False, Source.kernel(
        "only a request addressed to the host (or an answer it asked for) creates an entry; a reply nobody asked "
        "for does not (arp_accept = 0)",
        test="tests/kernel/test_arp.py::test_unsolicited_arp_creates_an_entry_only_with_arp_accept"))
    arp_unreachability_detection = Trait(True, Source.kernel(
        "a stale entry in use is asked again by unicast after delay_first_probe_time (5 s), ucast_solicit times",
        test="tests/kernel/test_arp.py::test_a_stale_entry_in_use_is_asked_again_by_unicast"))
    arp_keeps_failed_entries = Trait(True, Source.kernel(
        "an address nobody answered stays as FAILED, without a MAC; a later ARP packet from it fills it in",
        test="tests/kernel/test_arp.py::test_a_failed_address_is_filled_in_by_a_later_arp_packet"))
    arp_flushes_on_carrier_loss = Trait(True, Source.kernel(
        "losing carrier flushes the interface's neighbour entries",
        test="tests/kernel/test_arp.py::test_carrier_loss_flushes_the_neighbour_cache"))
    arp_request_sender = Trait("datagram", Source.kernel(
        "arp_announce = 0: a request carries the waiting datagram's source address, whatever interface owns it",
        test="tests/kernel/test_arp.py::test_a_request_carries_the_datagrams_source_address"))
    arp_request_count = Trait(3, Source.kernel(
        "neigh mcast_solicit = 3: three broadcast requests",
        test="tests/kernel/test_stack_defaults.py::test_arp_asks_three_times_a_second_apart"))
    arp_request_interval = Trait(1.0, Source.kernel(
        "neigh retrans_time_ms = 1000",
        test="tests/kernel/test_stack_defaults.py::test_arp_asks_three_times_a_second_apart"))
    duplicate_detection = Trait("none", Source.kernel(
        "adding an IPv4 address sends no ARP probe or announcement (arp_notify = 0)",
        test="tests/kernel/test_stack_defaults.py::test_adding_an_address_sends_no_arp"))
    igmp_version = Trait(3, Source.kernel(
        "force_igmp_version = 0: joins are reported with IGMPv3",
        test="tests/kernel/test_protocols.py::test_igmp_matches_the_kernel"))
    igmp_versions = Trait((1, 2, 3), Source.kernel(
        "force_igmp_version = 1, 2 or 3", test="tests/kernel/test_protocols.py::test_igmp_matches_the_kernel"))
    igmp_headers = Trait({1: (True, 0xC0), 2: (True, 0xC0), 3: (True, 0xC0)}, Source.kernel(
        "every IGMP message, v1 reports included, carries Router Alert and TOS 0xC0",
        test="tests/kernel/test_protocols.py::test_igmp_matches_the_kernel"))
