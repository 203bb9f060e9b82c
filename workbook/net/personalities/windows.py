"""Windows since Vista (chapter 2): longest prefix, and a strong end system.

* Automatic routes as `route print -4` shows them on Windows 7 to 11: every
  on-link route says ``On-link``; multicast is 224.0.0.0/4 (mask 240.0.0.0);
  the loopback interface has its own 127/8, multicast and broadcast routes.
* Metric = route metric + interface metric (25 by default for a NIC, 75 for
  the loopback); on-link routes carry 256 + the interface metric.
* Strong host model, the default for IPv4 and IPv6 since Vista: a datagram
  whose source is bound may leave only through the interface that owns that
  source (RFC 1122 3.3.4.2, behaviour B), and an interface takes only datagrams
  for its own addresses (behaviour A). ``netsh interface ipv4 set interface
  NAME weakhostsend=enabled`` lets NAME send datagrams whose source belongs to
  another interface; ``weakhostreceive=enabled`` lets NAME take datagrams for
  another interface's address (the interface keys ``weakhostsend`` and
  ``weakhostreceive``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.ledger import Source, Trait, constant, source_of
from workbook.net.addresses import MASKS, format_address, parse_address
from workbook.net.decision import Strategy
from workbook.net.personalities.base import Personality
from workbook.net.personalities.nt import MICROSOFT_ROUTE_DETERMINATION
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route, RouteOrigin

if TYPE_CHECKING:
    from workbook.net.host import Host
    from workbook.net.interfaces import Interface

__all__ = ["Windows"]

_ROUTE_PRINT = Source.microsoft("`route print -4` on Windows 7 to 11", note="On-link gateways, 224.0.0.0/4, "
                                 "metrics of 256 plus the interface metric")
_AUTOMATIC_METRIC = Source.microsoft("KB 299540 'An explanation of the Automatic Metric feature for IPv4 routes'")
_STRONG_HOST = Source.microsoft("'Strong and Weak Host Models', The Cable Guy, TechNet Magazine, Nov. 2007",
                                note="strong host by default for IPv4 and IPv6 since Vista; netsh interface ipv4 "
                                     "set interface ... weakhostsend=enabled / weakhostreceive=enabled per interface")

NIC_METRIC = constant("windows: automatic interface metric of a 20-80 Mb/s NIC", 25, _AUTOMATIC_METRIC)
LOOPBACK_METRIC = constant("windows: interface metric of the loopback", 75, _ROUTE_PRINT)
ON_LINK_METRIC = constant("windows: route metric of an on-link route", 256, _ROUTE_PRINT)


_RRAS = Source.microsoft("Windows 2000 Server Resource Kit, Internetworking Guide, 'RIP for IP'",
                         note="the Routing and Remote Access service's RIP for IP speaks versions 1 and 2")


class Windows(Personality):
    name = "windows"
    title = "Windows Vista and later: longest prefix, strong host"
    strategy = Trait(Strategy.LONGEST_PREFIX, MICROSOFT_ROUTE_DETERMINATION)
    host_model = Trait("strong", _STRONG_HOST)
    route_print_style = Trait("modern", _ROUTE_PRINT)
    persistent_routes_survive_restart = Trait(True, Source.microsoft("`route /?`: -p makes a route persistent "
                                                                     "across boots"))
    default_metric = Trait(1, Source.microsoft("`route /?`", note="a route added without METRIC gets 1 plus "
                                               "the interface metric"))
    names_interfaces_by_address = Trait(True, _ROUTE_PRINT)
    weak_host_switches = Trait(("weakhostsend", "weakhostreceive"), _STRONG_HOST)
    _models = frozenset({"interface.weakhostsend", "interface.weakhostreceive"})
    source_rule = Trait("the address of the outgoing interface on the next hop's subnet, else its first",
                        Source.rfc(6724, "", note="source address selection (on-link prefix preferred)",
                                   confirmed_for=None))

    def interface_metric(self, interface: Interface) -> int:
        if interface.metric is not None:
            return interface.metric
        return LOOPBACK_METRIC if interface.loopback else NIC_METRIC

    def configured_metric(self, interface: Interface, metric: int | None) -> int:
        return (1 if metric is None else metric) + self.interface_metric(interface)

    def default_gateway_metric(self, interface: Interface) -> int:
        return self.interface_metric(interface)

    def automatic_routes(self, host: Host) -> list[Route]:
        auto = RouteOrigin.AUTOMATIC
        loop = ON_LINK_METRIC + self.interface_metric(host.loopback)
        routes = [
            Route._trusted(0x7F000000, 8, None, "127.0.0.1", loop, auto),
            Route._trusted(0x7F000001, 32, None, "127.0.0.1", loop, auto),
            Route._trusted(0x7FFFFFFF, 32, None, "127.0.0.1", loop, auto),
            Route._trusted(0xE0000000, 4, None, "127.0.0.1", loop, auto),
            Route._trusted(0xFFFFFFFF, 32, None, "127.0.0.1", loop, auto),
        ]
        for interface in host.interfaces:
            if not interface.addresses:
                continue
            metric = ON_LINK_METRIC + self.interface_metric(interface)
            for address in interface.addresses:
                own, prefixlen = int(address.ip), address.prefixlen
                label = format_address(own)
                if prefixlen < 32:
                    routes.append(Route._trusted(own & MASKS[prefixlen], prefixlen, None, label, metric, auto))
                routes.append(Route._trusted(own, 32, None, label, metric, auto))
                if prefixlen < 31:
                    routes.append(Route._trusted(int(address.broadcast), 32, None, label, metric, auto))
            first = format_address(int(interface.addresses[0].ip))
            routes.append(Route._trusted(0xE0000000, 4, None, first, metric, auto))
            routes.append(Route._trusted(0xFFFFFFFF, 32, None, first, metric, auto))
        return routes

    def automatic_route_order(self, routes: list[Route]) -> list[Route]:
        return sorted(routes, key=lambda r: (r._network, r._prefixlen, parse_address(r.interface)))

    def send(self, host: Host, destination: int, source: int | None) -> RouteGet:
        notes: list[str] = []
        if source is not None:
            owner = host.owner_of(source)
            assert owner is not None
            weak = [nic.name for nic in host.interfaces if nic.weakhostsend and nic is not owner]

            def allowed(route: Route) -> bool:
                nic = host.interface_for_label(route.interface)
                return nic is owner or (nic is not None and nic.weakhostsend)

            lookup = host.table.lookup(
                destination,
                self.strategy,
                where=allowed,
                why_not=f"strong host: a datagram from {format_address(source)} may leave only through "
                f"{owner.name}, the interface that owns that address"
                + (f", or an interface with weakhostsend enabled ({', '.join(weak)})" if weak else "")
                + f" ({source_of(self, 'host_model').cite()})",
            )
            notes.append(f"source {format_address(source)} is bound: only routes through {owner.name}"
                         + (f" or {', '.join(weak)} (weakhostsend enabled)" if weak else "") + " count")
        else:
            lookup = host.table.lookup(destination, self.strategy)
        route = lookup.route
        if route is None:
            notes.append("no route matches: ICMP destination unreachable")
            return self.unreachable(host, destination, tuple(notes), lookup)
        interface = host.interface_for_label(route.interface)
        kind = self.classify(host, destination)
        notes.insert(0, f"the route table chose {route} ({lookup.rule})")
        if source is not None:
            chosen = source
        elif kind is DestinationKind.LOCAL:
            chosen = destination if host.owner_of(destination) else parse_address("127.0.0.1")
        elif not interface.addresses:
            # An interface with no IPv4 address has no source to offer: IPv4 cannot send through it.
            notes.append(f"{interface.name} has no IPv4 address, so a datagram cannot leave through it "
                         "(a datagram needs a source address, RFC 1122 §3.3.4.3)")
            return self.unreachable(host, destination, tuple(notes), lookup)
        else:
            next_hop = route._gateway if route._gateway is not None else destination
            chosen = self.same_subnet_address(interface, next_hop) or int(interface.addresses[0].ip)
            notes.append(f"the source is {self.source_rule} ({interface.name}; "
                         f"{source_of(self, 'source_rule').cite(self.title)})")
        gateway = lookup.gateway if kind is DestinationKind.UNICAST else None
        return self.answer(host, destination, kind, interface.name, gateway, chosen, route, lookup, notes)

    # Simulator traits
    default_ttl = Trait(128, Source.microsoft(
        "TCP/IP registry values for Windows Vista and Windows Server 2008", "DefaultTTL, default 128"))
    arp_cache_life = Trait(30.0, Source.microsoft(
        "KB 949589", "an entry stays Reachable 30 s × 0.5-1.5 (BaseReachableTime); the mean is modelled"))
    arp_answers_for = Trait("interface", Source.rfc(
        826, note="answers requests for the receiving interface's own addresses", confirmed_for=None))
    arp_answers_probes = Trait(True, Source.rfc(
        5227, "2.1.1", "a probe is a request for the owner's address: the owner answers it", confirmed_for=None))
    arp_drops_own_sender = Trait(False, Source.rfc(
        5227, "2.4", "a packet that claims the host's address is a conflict to defend", confirmed_for=None))
    arp_accept = Trait(None, Source.rfc(
        826, note="no such setting: an ARP packet creates an entry only when addressed to this host",
        confirmed_for=None))
    arp_reply_creates_entry = Trait(True, Source.rfc(
        826, note="any packet addressed to this host adds its sender, replies included", confirmed_for=None))
    arp_unreachability_detection = Trait(True, Source.microsoft(
        "KB 949589", "neighbour unreachability detection of RFC 4861 for IPv4: reachable, then stale, then probed"))
    arp_keeps_failed_entries = Trait(False, Source.rfc(
        4861, "7.3.3", "an entry whose probes got no answer is deleted", confirmed_for=None))
    arp_flushes_on_carrier_loss = Trait(False, Source.model(
        "what Windows does with its neighbour cache when the cable is out is not documented: entries are kept"))
    arp_request_sender = Trait("interface", Source.rfc(
        826, note="a request carries the sending interface's address on the target's subnet", confirmed_for=None))
    arp_request_count = Trait(3, Source.microsoft(
        "KB 949589", "neighbour discovery for IPv4 as RFC 4861: MAX_MULTICAST_SOLICIT 3"))
    arp_request_interval = Trait(1.0, Source.microsoft(
        "KB 949589", "neighbour discovery for IPv4 as RFC 4861: RetransTimer 1 s"))
    duplicate_detection = Trait("rfc5227", Source.rfc(
        5227, "2.1", "Microsoft documents only probes with sender 0.0.0.0 (MSDN blog 'ARP changes in Server "
        "2008/Vista', 2009)", confirmed_for=None))
    igmp_version = Trait(3, Source.microsoft(
        "Windows Server 2003 TCP/IP registry reference", "IGMPVersion: default 4, IGMPv3"))
    igmp_versions = Trait((1, 2, 3), Source.microsoft(
        "Windows Server 2003 TCP/IP registry reference", "IGMPVersion 2, 3, 4 select IGMPv1, v2, v3"))
    igmp_headers = Trait({1: (False, 0), 2: (True, 0), 3: (True, 0xC0)}, Source.rfc(
        3376, "4", "Router Alert and TOS by version: RFC 1112 none; RFC 2236 §2 Router Alert; RFC 3376 §4 both",
        confirmed_for=None))
    rip_versions = Trait((1, 2), _RRAS)
    rip_software = Trait("Routing and Remote Access (RIP for IP), on Windows Server", _RRAS)
