"""What every stack personality shares (chapter 2).

A personality is a real stack's way of building automatic routes, choosing
among routes and choosing a source address. The engine has four:
``nt4`` and ``nt35`` (the seed texts), ``windows`` (Vista and later) and
``linux``. Every behaviour that differs between them is a method or a
:class:`~workbook.ledger.Trait` of the personality, with its source in the
ledger; nothing elsewhere asks a personality for its name.

>>> from workbook.ledger import source_of
>>> from workbook.net.personalities import get_personality
>>> nt4 = get_personality("nt4")
>>> nt4.strategy.value, source_of(nt4, "strategy").evidence.value
('longest-prefix', 'microsoft')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import netaddr

from workbook.errors import AddressError, GatewayError, InterfaceError, RouteError, ScenarioError, WorkbookError
from workbook.ledger import Source, Trait, source_of
from workbook.net.addresses import ALL_ONES, MASKS, format_address, is_loopback, is_multicast, parse_address
from workbook.net.decision import LookupDecision, Strategy
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route, RouteOrigin, RouteType, check_metric
from workbook.net.schema import at, optional_keys

if TYPE_CHECKING:
    from workbook.net.host import Host
    from workbook.net.interfaces import Interface

__all__ = ["OPTIONAL_KEYS", "Personality"]

#: Scenario keys that only some stacks model, by where they appear, with the value every stack accepts
#: (the one that changes nothing) and an example of a value only a modelling stack accepts; declared in
#: :mod:`workbook.net.schema` (the fields with ``only_some_stacks``).
OPTIONAL_KEYS: dict[str, dict[str, tuple[Any, Any]]] = optional_keys()

#: The stack that models an optional key, where it is not linux.
_MODELLED_BY = {"interface.weakhostsend": "windows", "interface.weakhostreceive": "windows"}

_RFC1122_WEAK_STRONG = Source.rfc(1122, "3.3.4.2", note="weak and strong end systems", confirmed_for=None)


class Personality:
    """The behaviour of one TCP/IP stack. Subclasses fill in the details.

    ``name`` and ``title`` say which stack this is; every other public class
    attribute is a :class:`~workbook.ledger.Trait` with its source.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    strategy: ClassVar[Strategy]
    #: "weak" or "strong" end system, RFC 1122 3.3.4.2.
    host_model: ClassVar[str]
    route_print_style: ClassVar[str]
    persistent_routes_survive_restart: ClassVar[bool]
    default_metric: ClassVar[int]
    #: True when the interface column of a route holds an address (Windows), False for a name (Linux).
    names_interfaces_by_address: ClassVar[bool]
    #: True when an on-link route shows the interface's own address as its gateway (NT 4.0).
    on_link_gateway_is_interface_address = Trait(False, Source.rfc(1122, "3.3.1.1", note="a route with no gateway: "
                                                                   "the destination is on the attached network"))
    #: The prefix length an interface address written without one gets; None refuses it.
    bare_address_prefixlen = Trait(None, Source.seed("every address in the seed texts has its subnet mask"))
    #: What happens to datagrams for 0.0.0.0/8 ("this network") and 240.0.0.0/4 (class E).
    reserved_destinations = Trait("refused", Source.rfc(1122, "3.2.1.3", note="0.0.0.0/8 is never a destination; "
                                                        "class E is reserved (RFC 1112 §4)", confirmed_for=None))
    #: How a datagram that arrives for another host, or for another interface's address, is treated.
    receive_rule = Trait("RFC 1122's end-system rules; forwarded only by a router (RFC 1812 §5.2)",
                         _RFC1122_WEAK_STRONG)

    #: The RIP versions a router of this stack speaks (chapter 6); () when it cannot run RIP at all.
    rip_versions = Trait((1, 2), Source.rfc(2453, "4", note="RIP-2 routers also speak RIP-1 (§4.7)",
                                            confirmed_for=None))
    #: Where RIP version 1 updates go: "limited" (255.255.255.255) or "subnet" (the interface's subnet broadcast).
    rip_v1_broadcast = Trait("limited", Source.rfc(1058, "3", note="RIP-1 updates are broadcast; which broadcast "
                                                   "address is not said: the limited one is assumed",
                                                   confirmed_for=None))
    #: How RIP version 1 treats subnets: "rfc" (sent inside their network, summarised outside it, masks guessed
    #: from the interface) or "classful-only" (only whole classful networks are sent; every entry gets its class).
    rip_v1_subnets = Trait("rfc", Source.rfc(1058, "3.2", confirmed_for=None))
    #: What runs RIP on this stack, as a learner would install it.
    rip_software = Trait("a RIP router", Source.rfc(2453, confirmed_for=None))
    #: A RIP router with a single interface only listens and advertises nothing ("silent mode").
    rip_silent_with_one_interface = Trait(False, Source.rfc(1058, "3.1", note="hosts may run RIP silently; "
                                                            "a router advertises", confirmed_for=None))

    #: Under NT's duplicate check (``duplicate_detection: nt``), who sets the other hosts' ARP caches right
    #: after a conflict at start-up: the "defender" ARPs for its address again (NT 4.0 SP3 on), or the
    #: "newcomer" broadcasts a request carrying the defender's MAC before it turns IP off (older NT).
    duplicate_cache_repair = Trait("defender", Source.microsoft(
        "KB Q199773", "NT 4.0 SP3 and later: the defender sends a gratuitous ARP after answering"))

    # Routers (chapter 6) -----------------------------------------------------------------------
    #: What turns the stack into a router that forwards between its interfaces (scenario key ``forwarding``).
    forwarding_switch = Trait("a configuration switch, off by default", Source.rfc(
        1122, "3.1", note="a host that can also be a gateway has a switch for it, defaulting to non-gateway mode",
        confirmed_for=None))
    #: What relays BOOTP/DHCP requests to servers on other subnets (None: nothing does).
    bootp_relay_support = Trait(None, Source.model("no relay agent claimed for a stack without a source"))
    #: The IP TTL of the replies a relay agent delivers on the client's segment (None: the stack's default TTL).
    relay_reply_ttl = Trait(None, Source.model("the stack's default TTL; no source gives a relay agent's"))
    #: Does the DHCP client set the BROADCAST flag (asking for broadcast replies)?
    dhcp_broadcast_flag = Trait(False, Source.rfc(
        2131, "4.1", note="a client that can take unicast before it has an address leaves the flag clear",
        confirmed_for=None))

    # ICMP redirects (chapter 6) --------------------------------------------------------------------
    #: Does a router of this stack send redirects (scenario key ``redirects``)?
    sends_redirects = Trait(True, Source.rfc(
        1812, "5.2.7.2", note="when it forwards a datagram back out of the interface it came in on, to a next "
                              "hop on the sender's subnet", confirmed_for=None))
    #: Whom a router redirects: a sender on the next hop's subnet, or ('source on the link') any on-link sender.
    redirect_send_rule = Trait("next hop's subnet", Source.rfc(
        1812, "5.2.7.2", note="only when the source is on the same logical subnet as the next hop",
        confirmed_for=None))
    #: Does a host take redirects (scenario key ``accept_redirects``)? A forwarding node never does.
    accepts_redirects = Trait(True, Source.rfc(
        1122, "3.2.2.2", note="a host updates its route for the destination; a router does not (RFC 1812 "
                              "§5.2.7.2)", confirmed_for=None))
    #: Which new gateways a redirect may name: 'on-link' (the subnet it came through) or 'known neighbour'.
    redirect_gateway_rule = Trait("on-link", Source.rfc(
        1122, "3.3.1.2", note="discard a redirect unless it comes from the current first hop for the "
                              "destination and names a gateway on the subnet it came through", confirmed_for=None))

    #: The scenario keys of OPTIONAL_KEYS this stack models ("route.type", "sysctl.rp_filter", ...).
    _models: ClassVar[frozenset[str]] = frozenset()

    # Scenario keys --------------------------------------------------------------
    def check_modelled(self, where: str, key: str, value: object, what: str) -> None:
        """Refuse a value of an optional scenario key this stack does not model (never ignore it quietly)."""
        neutral, example = OPTIONAL_KEYS[where][key]
        if value == neutral or f"{where}.{key}" in self._models:
            return
        stack = _MODELLED_BY.get(f"{where}.{key}", "linux")
        raise ScenarioError(
            f"{what}: {key} {value!r} is not modelled for the {self.name} personality, only for {stack} "
            f"(e.g. {key}: {example!r} under personality {stack!r}); remove the key"
            + ("" if neutral is None else f" or give {neutral!r}")
        )

    def check_sysctl(self, values: dict[str, Any], host: str) -> dict[str, int]:
        """The host's settings: only ``forwarding`` (a router or not) for a stack without sysctls."""
        return {"forwarding": 0}

    # Building the tables ------------------------------------------------------
    def interface_label(self, interface: Interface, near: int | None = None) -> str:
        """How this stack's route table names ``interface``: by its name or by an address.

        ``near``, when given, picks the interface's address on the same subnet.
        """
        if not self.names_interfaces_by_address:
            return interface.name
        address = interface.address_on_link_with(near) if near is not None else None
        address = address or interface.primary_address
        return interface.name if address is None else str(address)

    def automatic_routes(self, host: Host) -> list[Route]:
        """The routes the stack installs by itself when it starts."""
        raise NotImplementedError

    def configured_metric(self, interface: Interface, metric: int | None) -> int:
        """The metric a configured route gets in the table."""
        return self.default_metric if metric is None else metric

    def default_gateway_metric(self, interface: Interface) -> int:
        """The metric of the default route made from an interface's "Default Gateway" setting."""
        return self.default_metric

    def automatic_route_order(self, routes: list[Route]) -> list[Route]:
        """The order in which the stack installs its automatic and configured routes."""
        return routes

    def build_tables(self, host: Host) -> None:
        """Build the host's tables from scratch, as the stack does when it starts.

        Automatic routes, the interfaces' default gateways, configured routes,
        then the persistent ones.
        """
        from workbook.net.route_table import RouteTable

        routes = self.automatic_routes(host)
        for name, gateway in host.gateways.items():
            interface = host.interface(name)
            routes.append(self.configured_route(host, {
                "destination": "0.0.0.0/0", "gateway": gateway, "interface": name,
                "metric": self.default_gateway_metric(interface), "origin": "automatic"}, raw_metric=True))
        host.table = table = RouteTable(strategy=self.strategy)
        host.local_table = RouteTable(strategy=self.strategy, layer="local")
        for route in self.automatic_route_order(routes):
            table.add(route, check_gateway=False)
        for number, spec in enumerate(host.configured_routes):
            with at("routes", number):
                route = spec if isinstance(spec, Route) else self.configured_route(host, spec)
                if route not in table:
                    self.add_route(host, route, spec.get("how", "add") if isinstance(spec, dict) else "add")
        for route in host.persistent_routes:
            if route not in table:
                table.add(route)

    def configured_route(self, host: Host, spec: dict[str, Any], raw_metric: bool = False) -> Route:
        """A route dict of a scenario as this stack installs it: the interface found from the gateway when
        not given, the metric as the stack computes it, the gateway checked against the interface."""
        destination, netmask, gateway, interface = _spec_basics(host, spec)
        if gateway is None and interface is None:
            raise RouteError(f"route to {destination!r} names neither a gateway nor an interface; e.g. "
                             f"{{'destination': '10.0.0.0/8', 'gateway': '172.16.112.1'}}")
        if interface is None:
            interface = host.interface_for_gateway(gateway, destination)
        if gateway is not None and not interface.on_link(gateway):
            example = interface.addresses[0].network + 1 if interface.addresses else None
            raise GatewayError(
                f"gateway {format_address(gateway)} of the route to {destination} is not on interface "
                f"{interface.name!r} ({', '.join(map(str, interface.networks)) or 'no addresses'}) of host "
                f"{host.name!r}" + (f"; e.g. {example} for {interface.addresses[0]}" if example else "")
            )
        metric = spec.get("metric")
        metric = check_metric(metric) if raw_metric else self.configured_metric(
            interface, None if metric is None else check_metric(metric))
        source = _spec_source(host, spec, destination)
        if self.names_interfaces_by_address and not interface.addresses:
            raise InterfaceError(
                f"the route to {destination} goes through interface {interface.name!r} of host {host.name!r}, "
                f"which has no IPv4 address: {self.title.split(':')[0]} names a route's interface by its address; "
                f"give {interface.name!r} an address first, e.g. 'addresses': ['10.0.1.1/24']"
            )
        label = self.interface_label(interface, gateway)
        route = Route(destination, netmask=netmask, interface=label, metric=metric,
                      origin=spec.get("origin", "static"), preferred_source=source)
        if gateway is None and self.on_link_gateway_is_interface_address:
            gateway = parse_address(label)
        return Route._trusted(route._network, route._prefixlen, gateway, *route[3:])

    def add_route(self, host: Host, route: Route, how: str = "add") -> Route:
        """Install one more route in the host's table (`route add`); refuse the same route twice."""
        if how != "add":
            self.check_modelled("route", "how", how, f"route {route} of host {host.name!r}")
        return host.table.add(route, check_gateway=False)

    def delete_address(self, host: Host, interface: Interface, address: int) -> None:
        """Take an address off a running stack. Only linux models it (`ip addr del`)."""
        raise WorkbookError(
            f"deleting an address from a running {self.name} stack is not modelled (NT and Windows take it from "
            f"the network settings and restart); only the linux personality models `ip addr del`"
        )

    # Answering ----------------------------------------------------------------
    def route_get(self, host: Host, destination: int, source: int | None,
                  input_interface: Interface | None = None) -> RouteGet:
        """How the host sends to ``destination`` (or, with ``input_interface``, handles a datagram that
        arrived there)."""
        if input_interface is not None:
            return self.receive(host, destination, source, input_interface)
        refused = self.refuse_reserved(host, destination)
        if refused is not None:
            return refused
        return self.send(host, destination, source)

    def send(self, host: Host, destination: int, source: int | None) -> RouteGet:
        raise NotImplementedError

    def receive(self, host: Host, destination: int, source: int | None, arrived: Interface) -> RouteGet:
        """A datagram from ``source`` arrived on ``arrived``: deliver it, forward it, or refuse it.

        Modelled after RFC 1122 §3.3.4.2 (weak and strong end systems) and
        RFC 1812 §5.2 (a router forwards); not confirmed for this stack.
        """
        why = _RFC1122_WEAK_STRONG.cite(self.title)
        kind = self.classify(host, destination)
        if kind in (DestinationKind.BROADCAST, DestinationKind.MULTICAST):
            return self.answer(host, destination, kind, "lo", None, source, None, None,
                               [f"a {kind.value} datagram is taken up by this host ({why})"], arrived)
        if kind is DestinationKind.LOCAL:
            owner = host.owner_of(destination)
            if self.host_model == "strong" and owner is not arrived and not host.forwarding \
                    and not arrived.weakhostreceive:
                return self.unreachable(host, destination, (
                    f"{format_address(destination)} belongs to {owner.name}, not to {arrived.name}: "
                    f"a strong end system refuses it ({why})",), None, "invalid argument", arrived)
            return self.answer(host, destination, kind, "lo", None, source, None, None,
                               [f"{format_address(destination)} is this host's: delivered ({why})"], arrived)
        if not host.forwarding:
            return self.unreachable(host, destination, (
                f"{host.name} is not a router: it does not forward datagrams for other hosts ({why})",),
                None, "host unreachable", arrived)
        sent = self.send(host, destination, None)
        if not sent.reachable:
            return self.unreachable(host, destination, sent.notes, sent.lookup, sent.reason, arrived)
        return self.answer(host, destination, sent.kind, sent.interface, sent.gateway, source, sent.route,
                           sent.lookup, [*sent.notes, f"forwarded: {host.name} is a router"], arrived)

    def refuse_reserved(self, host: Host, destination: int) -> RouteGet | None:
        """A destination in 0.0.0.0/8 or class E, refused as :attr:`reserved_destinations` says."""
        if self.reserved_destinations != "refused" or destination == ALL_ONES:
            return None
        if destination >> 24 == 0 or destination >> 28 == 0xF:
            block = "0.0.0.0/8 means 'this network'" if destination >> 24 == 0 else "240.0.0.0/4 is reserved"
            return self.unreachable(host, destination, (
                f"{block}: never a destination ({source_of(self, 'reserved_destinations').cite(self.title)})",),
                None, "invalid argument")
        return None

    @staticmethod
    def classify(host: Host, destination: int) -> DestinationKind:
        """Local, broadcast, multicast or unicast, from the host's own addresses."""
        if is_loopback(destination) or host.owner_of(destination) is not None:
            return DestinationKind.LOCAL
        if destination == ALL_ONES:
            return DestinationKind.BROADCAST
        if is_multicast(destination):
            return DestinationKind.MULTICAST
        for interface in host.interfaces:
            for address in interface.addresses:
                if address.prefixlen < 31 and destination == int(address.broadcast):
                    return DestinationKind.BROADCAST
        return DestinationKind.UNICAST

    def answer(self, host: Host, destination: int, kind: DestinationKind, interface: str | None,
               gateway: int | netaddr.IPAddress | None, source: int | None, route: Route | None,
               lookup: LookupDecision | None, notes: list[str], arrived: Interface | None = None) -> RouteGet:
        """A reachable answer, with the interface that owns the source noted (for KB Q175396)."""
        owner = None if source is None else host.owner_of(source)
        return RouteGet(
            host=host.name,
            personality=self.name,
            destination=netaddr.IPAddress(destination),
            kind=kind,
            interface=interface,
            gateway=None if gateway is None else netaddr.IPAddress(gateway),
            source=None if source is None else netaddr.IPAddress(source),
            route=route,
            lookup=lookup,
            notes=tuple(notes),
            source_interface=None if owner is None else owner.name,
            input_interface=None if arrived is None else arrived.name,
        )

    def unreachable(self, host: Host, destination: int, notes: tuple[str, ...], lookup: LookupDecision | None = None,
                    reason: str | None = "network unreachable", arrived: Interface | None = None) -> RouteGet:
        return RouteGet(
            host=host.name,
            personality=self.name,
            destination=netaddr.IPAddress(destination),
            kind=DestinationKind.UNREACHABLE,
            interface=None,
            gateway=None,
            source=None,
            lookup=lookup,
            notes=notes,
            reason=reason,
            input_interface=None if arrived is None else arrived.name,
        )

    @staticmethod
    def same_subnet_address(interface: Interface, address: int) -> int | None:
        for own in interface.addresses:
            if int(own.ip) & MASKS[own.prefixlen] == address & MASKS[own.prefixlen]:
                return int(own.ip)
        return None

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"<Personality {self.name}: {self.title}>"


def _spec_basics(host: Host, spec: dict[str, Any]) -> tuple[str, object, int | None, Interface | None]:
    """Destination (text), netmask, gateway (int) and interface of a route dict, each checked."""
    destination = spec["destination"]
    netmask = spec.get("netmask")
    if isinstance(destination, str) and "/" not in destination and netmask is None:
        netmask = 32
    gateway = spec.get("gateway")
    gateway_int = None if gateway is None else parse_address(gateway, what="gateway", example="172.16.112.1")
    name = spec.get("interface")
    return destination, netmask, gateway_int, None if name is None else host.interface(name)


def _spec_source(host: Host, spec: dict[str, Any], destination: object) -> str | None:
    source = spec.get("source")
    if source is not None and host.owner_of(parse_address(source, what="source")) is None:
        raise AddressError(f"preferred source {source} of the route to {destination} is not an address of "
                           f"host {host.name!r}; its addresses are {host.address_list()}")
    return source


def route_type_of(spec: dict[str, Any], what: str) -> RouteType:
    """The ``type`` of a route dict: unicast (the default) or one of the reject types."""
    value = spec.get("type", "unicast")
    allowed = ("unicast", "unreachable", "blackhole", "prohibit", "throw")
    if value not in allowed:
        raise RouteError(f"{what}: type {value!r} is not one of {', '.join(map(repr, allowed))}; e.g. 'blackhole'")
    return RouteType(value)


def origin_of(spec: dict[str, Any]) -> RouteOrigin:
    value = spec.get("origin", "static")
    try:
        return RouteOrigin(value)
    except ValueError:
        choices = ", ".join(repr(o.value) for o in RouteOrigin)
        raise RouteError(f"origin {value!r} is not one of {choices}; e.g. 'static'") from None
