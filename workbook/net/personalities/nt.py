"""Windows NT 4.0 (and 3.5x) as the seed texts and Microsoft's documents describe them (chapters 1 and 2).

* Automatic routes exactly as the seed's `route print` shows them, for each
  interface: loopback, the local subnet, a host route to each own address
  through the loopback, the subnet broadcast, multicast (224.0.0.0 with the
  mask 224.0.0.0 that NT really printed) and the limited broadcast.
* Lookups by longest mask, then lowest metric, as Microsoft documented its
  stacks' route determination. The text's host → subnet → network → default
  order is a mnemonic, available on any table as the ``classic`` lens; NT's
  own multicast row (a /3, shorter than any class) only works under longest
  match, and NT sends multicast through it.
* A weak end system: the route table picks the interface from the
  destination alone, and a socket bound to an address keeps it as source
  whatever interface sends (KB Q175396).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.ledger import Source, Trait
from workbook.net.addresses import MASKS, format_address, parse_address
from workbook.net.decision import Strategy
from workbook.net.personalities.base import Personality
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route, RouteOrigin

if TYPE_CHECKING:
    from workbook.net.host import Host

__all__ = ["MICROSOFT_ROUTE_DETERMINATION", "NT4", "NT35"]

_LOOPBACK = parse_address("127.0.0.1")

#: Where Microsoft documented how its stacks pick a route.
MICROSOFT_ROUTE_DETERMINATION = Source.microsoft(
    "Microsoft Windows 2000 Server Resource Kit, TCP/IP Core Networking Guide, ch. 1 'Introduction to TCP/IP', "
    "IP Routing: route determination",
    note="AND the destination with each route's mask; among the matches the longest mask, then the lowest "
         "metric, then any; the chapter covers Windows NT as well. KB Q140859 gives the host → subnet → "
         "network → default order only as a mnemonic",
)
_WEAK_HOST = Source.microsoft("KB Q175396", note="a bound source leaves through whatever interface the route "
                                                 "table chose")
_SEED_ROUTE_PRINT = Source.microsoft("KB Q140859 'TCP/IP Routing Basics for Windows NT' (the route print table)",
                                     note="the seed text prints the same layout")


_MPR = Source.microsoft("KB Q138793 'Multi-Protocol Router Installation and Configuration'",
                        note="MPR is RIP for IP, RIP for IPX and the BOOTP relay agent; it needs NT 3.51 with "
                             "Service Pack 2 or later, and NT 4.0 includes it")
_RIP_FOR_IP_V1 = Source.microsoft(
    "Windows 2000 Server Resource Kit, TCP/IP Core Networking Guide, 'Windows 2000 and IP Routing'",
    note="NT 3.51 SP2 and NT 4.0 provided a RIP for IP service using RIP version 1; RIP version 2 came only "
         "with the separate Routing and Remote Access Service (RRAS) for NT 4.0")


class NT4(Personality):
    name = "nt4"
    title = "Windows NT 4.0, as the seed texts describe it"
    strategy = Trait(Strategy.LONGEST_PREFIX, MICROSOFT_ROUTE_DETERMINATION)
    host_model = Trait("weak", _WEAK_HOST)
    route_print_style = Trait("nt4", _SEED_ROUTE_PRINT)
    persistent_routes_survive_restart = Trait(True, Source.seed(
        "route -p keeps a route in the registry (PersistentRoutes) for NT 4.0"))
    default_metric = Trait(1, _SEED_ROUTE_PRINT)
    names_interfaces_by_address = Trait(True, _SEED_ROUTE_PRINT)
    on_link_gateway_is_interface_address = Trait(True, _SEED_ROUTE_PRINT)
    multicast_route = Trait("224.0.0.0 mask 224.0.0.0", _SEED_ROUTE_PRINT)
    source_rule = Trait("the address of the interface the route table chose", Source.microsoft("KB Q175396"))

    def automatic_routes(self, host: Host) -> list[Route]:
        auto = RouteOrigin.AUTOMATIC
        destination, _, mask = self.multicast_route.split()
        multicast, multicast_length = parse_address(destination), bin(parse_address(mask)).count("1")
        routes = [Route._trusted(0x7F000000, 8, _LOOPBACK, "127.0.0.1", 1, auto)]
        for interface in host.interfaces:
            if not interface.addresses:
                continue
            first = int(interface.addresses[0].ip)
            for address in interface.addresses:
                own, prefixlen = int(address.ip), address.prefixlen
                label = format_address(own)
                network = own & MASKS[prefixlen]
                if prefixlen < 32:
                    routes.append(Route._trusted(network, prefixlen, own, label, 1, auto))
                routes.append(Route._trusted(own, 32, _LOOPBACK, "127.0.0.1", 1, auto))
                if prefixlen < 31:
                    routes.append(Route._trusted(int(address.broadcast), 32, own, label, 1, auto))
            routes.append(Route._trusted(multicast, multicast_length, first, format_address(first), 1, auto))
            routes.append(Route._trusted(0xFFFFFFFF, 32, first, format_address(first), 1, auto))
        return routes

    def send(self, host: Host, destination: int, source: int | None) -> RouteGet:
        lookup = host.table.lookup(destination)
        route = lookup.route
        if route is None:
            return self.unreachable(host, destination, ("no route matches: ICMP destination unreachable",), lookup)
        interface = host.interface_for_label(route.interface)
        kind = self.classify(host, destination)
        notes = [f"the route table chose {route} ({lookup.rule}; {MICROSOFT_ROUTE_DETERMINATION.reference})"]
        if source is not None:
            chosen_source = source
            notes.append(
                f"the socket is bound to {format_address(source)}: that is the source, "
                f"whatever interface sends (weak end system, {_WEAK_HOST.reference})"
            )
        elif kind is DestinationKind.LOCAL:
            chosen_source = destination if host.owner_of(destination) else _LOOPBACK
            notes.append("the destination is this host: the datagram is looped back")
        else:
            chosen_source = parse_address(route.interface)
            notes.append(f"bound to ANY: the source is {self.source_rule}, {route.interface}")
        gateway = lookup.gateway if kind is DestinationKind.UNICAST else None
        if kind in (DestinationKind.BROADCAST, DestinationKind.MULTICAST):
            notes.append(f"{kind.value} frames go to a group hardware address, never to a gateway")
        return self.answer(host, destination, kind, interface.name, gateway, chosen_source, route, lookup, notes)

    def automatic_route_order(self, routes: list[Route]) -> list[Route]:
        """NT lists (and here installs) its routes sorted by destination."""
        return sorted(routes, key=lambda r: (r._network, r._prefixlen))

    # Routers (chapter 6)
    forwarding_switch = Trait("IPEnableRouter (the TCP/IP settings' Enable IP Forwarding)", Source.microsoft(
        "KB Q140859 'TCP/IP Routing Basics for Windows NT'", note="the table of a multihomed NT router, with "
                                                                 "and without the Multi-Protocol Router"))
    bootp_relay_support = Trait("MPR's BOOTP relay agent", Source.seed(
        "the NT router relays DHCP requests to servers on other subnets with MPR's BOOTP relay agent"))

    accepts_redirects = Trait(True, Source.microsoft("KB Q120642", "EnableICMPRedirects: default 1, a host "
                                                                   "changes its route table on an ICMP redirect"))

    # Simulator traits
    default_ttl = Trait(128, Source.microsoft(
        "KB Q120642", "DefaultTTL: 128 on Windows NT 4.0, 32 on 3.51 and earlier"))
    arp_cache_life = Trait(120.0, Source.microsoft(
        "KB Q139415", "ArpCacheLife: an unused entry lives 2 minutes (10 once reused: not modelled)"))
    arp_answers_for = Trait("interface", Source.rfc(
        826, note="answers requests for the receiving interface's own addresses", confirmed_for=None))
    arp_answers_probes = Trait(False, Source.microsoft(
        "KB Q174929", "NT 4.0 before SP4 does not answer an ARP request whose sender address is 0.0.0.0"))
    arp_drops_own_sender = Trait(False, Source.microsoft(
        "KB Q199773", "a gratuitous ARP for its own address is answered, logged and shown; the defender ARPs again"))
    arp_accept = Trait(None, Source.rfc(
        826, note="no such setting: an ARP packet creates an entry only when addressed to this host",
        confirmed_for=None))
    arp_reply_creates_entry = Trait(True, Source.rfc(
        826, note="any packet addressed to this host adds its sender, replies included", confirmed_for=None))
    arp_unreachability_detection = Trait(False, Source.microsoft(
        "KB Q139415", "an entry simply times out (ArpCacheLife); the host then asks again by broadcast"))
    arp_keeps_failed_entries = Trait(False, Source.rfc(
        826, note="an address nobody answered for leaves no entry", confirmed_for=None))
    arp_flushes_on_carrier_loss = Trait(False, Source.microsoft(
        "KB 239924", "media sensing came with Windows 2000: NT 4.0 does not notice a cable pulled out"))
    arp_request_sender = Trait("interface", Source.rfc(
        826, note="a request carries the sending interface's address on the target's subnet", confirmed_for=None))
    arp_request_count = Trait(3, Source.rfc(
        1122, "2.3.2.1", "at most one request a second per address; NT's count is not documented", confirmed_for=None))
    arp_request_interval = Trait(1.0, Source.rfc(
        1122, "2.3.2.1", "at most one request a second per address", confirmed_for=None))
    duplicate_detection = Trait("nt", Source.microsoft(
        "KB Q199773", "gratuitous ARPs at start; an answer disables the interface; the defender ARPs again"))
    igmp_version = Trait(1, Source.microsoft("KB Q193907", "NT 3.51 and 4.0 speak IGMPv1; v2 came with NT 4.0 SP4"))
    igmp_versions = Trait((1, 2), Source.microsoft("KB Q193907", "IGMPv2 with NT 4.0 Service Pack 4"))
    igmp_headers = Trait({1: (False, 0), 2: (True, 0), 3: (True, 0xC0)}, Source.rfc(
        3376, "4", "Router Alert and TOS by version: RFC 1112 none; RFC 2236 §2 Router Alert; RFC 3376 §4 both",
        confirmed_for=None))
    rip_versions = Trait((1,), _RIP_FOR_IP_V1)
    rip_software = Trait("RIP for Internet Protocol, part of the Multi-Protocol Router (MPR)", _MPR)
    rip_silent_with_one_interface = Trait(True, Source.microsoft(
        "KB Q138793", note="with one network card RIP for IP runs in silent mode: it listens and updates its "
                           "table but advertises nothing"))


class NT35(NT4):
    """NT 3.5: like 4.0, but routes added by hand are gone after a restart, `-p` or not."""

    name = "nt35"
    title = "Windows NT 3.5: manually added routes do not survive a restart"
    persistent_routes_survive_restart = Trait(False, Source.seed(
        "its note on NT 3.5: routes added by hand were temporary and gone after a restart"))

    # Routers: NT 3.5 forwards with static routes only
    bootp_relay_support = Trait(None, Source.seed(
        "MPR (and with it the BOOTP relay agent) exists for NT 3.51 and 4.0, not for 3.5"))

    # Simulator traits
    default_ttl = Trait(32, Source.microsoft("KB Q120642", "DefaultTTL: 32 on Windows NT 3.51 and earlier"))
    duplicate_cache_repair = Trait("newcomer", Source.microsoft(
        "KB Q120599", "before NT 4.0 SP3 the computer that finds its address in use re-broadcasts an ARP with the "
        "defender's mapping, restoring the other hosts' caches"))
    igmp_versions = Trait((1,), Source.microsoft("KB Q193907", "NT 3.51 speaks IGMPv1; only NT 4.0 SP4 added v2"))
    rip_versions = Trait((), _MPR)  # NT 3.5 predates MPR: as a router it forwards with static routes only
    rip_software = Trait("nothing: NT 3.5 routes with static routes only (MPR needs NT 3.51 SP2)", _MPR)
