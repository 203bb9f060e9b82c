"""Linux (chapter 2): the kernel's local and main tables searched as one trie; weak host.

What the kernel does, and this module models (checked against the real
kernel, field by field of ``ip -j route get``, by ``tests/net/test_linux_kernel.py``
on thousands of random configurations):

* Addresses: for every address the *local* table gets ``local <address>``
  (with the primary address of its subnet as source); for a primary address
  on a link that is up, the *main* table gets the prefix route (not for a /32,
  not with ``noprefixroute``) and the local table ``broadcast <subnet
  broadcast>`` (shorter than /31 only). An address in a subnet the interface
  already has (same mask) is *secondary*. An address written without a
  length is a /32. Address scopes order the interface's list: host, link,
  then global primaries, secondaries last.
* A route is its prefix and metric: ``ip route add`` of an existing prefix
  and metric is refused ("File exists"); ``append`` puts the new route after
  those, ``prepend`` before. Lookups: longest prefix across both tables (the
  local entry at equal length), then lowest metric, then the group's order.
* Gateways: a gateway must lie on a subnet (a route of link scope) of the
  device, or be one of the host's own addresses there, which makes the route
  on-link; ``onlink`` trusts any unicast gateway. Routes through a link that
  is down do not exist; with ``ignore_routes_with_linkdown`` lookups pass
  over routes through a link without carrier.
* Reject routes: ``unreachable``, ``blackhole``, ``prohibit``, ``throw``
  end the lookup with "No route to host", "Invalid argument", "Permission
  denied", "Network is unreachable".
* Source: the route's ``src`` if set, else ``inet_select_addr``: the first
  primary address of the outgoing interface of wide enough scope, on the
  gateway's subnet if one is, else any interface's.
* 0.0.0.0/8 and class E destinations follow the routes like any other
  (0.0.0.0 itself is this host). A datagram that *arrives*
  (``input_interface``): martians are refused, local addresses delivered,
  the rest forwarded only with ``forwarding`` on; ``rp_filter`` 1 (strict)
  wants the reply to leave through the interface the datagram came in on,
  2 (loose) wants some route back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbook.errors import ScenarioError
from workbook.ledger import Source, Trait, source_of
from workbook.net.addresses import ALL_ONES, format_address, is_loopback, is_multicast, parse_address
from workbook.net.decision import LookupDecision, Strategy
from workbook.net.personalities import linux_fib as fib
from workbook.net.personalities.base import Personality, _spec_basics, origin_of, route_type_of
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.route_table import RouteTable
from workbook.net.routes import Route, RouteType, check_metric
from workbook.net.schema import at

if TYPE_CHECKING:
    from workbook.net.host import Host
    from workbook.net.interfaces import Interface

__all__ = ["SYSCTL_DEFAULTS", "Linux"]

_TEST = "tests/net/test_linux_kernel.py"


def _observed(what: str) -> Source:
    return Source.kernel(what, test=_TEST)


#: The sysctls a linux host models, with the kernel's defaults (net.ipv4.conf.all.*).
SYSCTL_DEFAULTS = {"forwarding": 0, "rp_filter": 0, "ignore_routes_with_linkdown": 0, "promote_secondaries": 0,
                   "arp_ignore": 0, "arp_announce": 0}
# arp_ignore 1 (answer only for the receiving interface's addresses) and arp_announce 2 (a request carries the
# sending interface's address) are modelled, as tests/kernel/test_arp.py observes them; not the other levels.
_SYSCTL_VALUES = {"forwarding": (0, 1), "rp_filter": (0, 1, 2), "ignore_routes_with_linkdown": (0, 1),
                  "promote_secondaries": (0, 1), "arp_ignore": (0, 1), "arp_announce": (0, 2)}
_REJECT_REASON = {RouteType.UNREACHABLE: "host unreachable", RouteType.BLACKHOLE: "invalid argument",
                  RouteType.PROHIBIT: "permission denied", RouteType.THROW: "network unreachable"}
_ALL_HOSTS = 0xE0000001
_LOCAL_MULTICAST = 0xE0000000  # 224.0.0.0/24


class Linux(Personality):
    name = "linux"
    title = "Linux: local and main tables as one, longest prefix then metric; weak host"
    strategy = Trait(Strategy.LONGEST_PREFIX, _observed("longest prefix across the local and main tables, "
                                                        "then metric, then the order of ip route add/append/prepend"))
    host_model = Trait("weak", _observed("a bound source leaves through the interface the routes choose"))
    route_print_style = Trait("modern", Source.microsoft("the layout of `route print -4`", note="Linux has no "
                                                         "`route print`: the engine shows its routes this way"))
    persistent_routes_survive_restart = Trait(False, _observed("routes live in the kernel only: deleting the "
                                                               "links they use, as a reboot does, deletes them"))
    default_metric = Trait(0, _observed("ip route add without metric installs metric 0"))
    names_interfaces_by_address = Trait(False, _observed("routes name their device: dev eth0"))
    bare_address_prefixlen = Trait(32, _observed("ip addr add 10.0.0.7 dev v0 gives 10.0.0.7/32"))
    reserved_destinations = Trait("routed", _observed("0.0.0.0/8 and 240.0.0.0/4 destinations follow the "
                                                      "routes like any other; only 0.0.0.0 itself is this host"))
    receive_rule = Trait("martians refused; local delivery; forwarding only with forwarding=1; rp_filter",
                         _observed("ip route get D from S iif X, forwarding 0/1, rp_filter 0/1/2"))
    source_rule = Trait("the route's src, else the first primary address of the outgoing interface on the "
                        "gateway's subnet, else its first primary of wide enough scope (inet_select_addr)",
                        _observed("prefsrc of ip route get"))
    route_identity = Trait("prefix and metric: add refuses a second, append/prepend keep both",
                           _observed("ip route add of an existing prefix and metric: File exists"))
    own_address_gateway = Trait("on-link", _observed("a gateway that is the host's own address: no via in "
                                                     "ip route get"))
    sysctl_defaults = Trait(dict(SYSCTL_DEFAULTS), _observed("net.ipv4.conf.all.* in a fresh network namespace"))
    arp_sysctls = Trait({"arp_ignore": (0, 1), "arp_announce": (0, 2)}, Source.kernel(
        "arp_ignore 1: a request for another interface's address goes unanswered; arp_announce 2: a request "
        "carries the sending interface's address, not the datagram's", test="tests/kernel/test_multihoming_knobs.py"))
    all_hosts_joined_while_up = Trait(True, _observed("ip route get 224.0.0.1 from S iif X is multicast while X "
                                                      "is up"))

    _models = frozenset({"route.type", "route.onlink", "route.how", "address.scope", "address.noprefixroute",
                         "interface.up", "interface.carrier", "sysctl.forwarding", "sysctl.rp_filter",
                         "sysctl.ignore_routes_with_linkdown", "sysctl.promote_secondaries", "sysctl.arp_ignore",
                         "sysctl.arp_announce"})

    # Configuration ------------------------------------------------------------------
    def check_sysctl(self, values: dict[str, Any], host: str) -> dict[str, int]:
        """The host's sysctls: the kernel's defaults, changed by ``values``; refuse unknown names or values."""
        settings = dict(self.sysctl_defaults)
        for key, value in values.items():
            if key not in _SYSCTL_VALUES:
                raise ScenarioError(f"sysctl {key!r} of host {host!r} is not modelled; the modelled ones are "
                                    f"{', '.join(sorted(_SYSCTL_VALUES))}; e.g. {{'rp_filter': 2}}")
            if isinstance(value, bool):
                value = int(value)
            if value not in _SYSCTL_VALUES[key]:
                raise ScenarioError(f"sysctl {key} of host {host!r} is {value!r}, not one of "
                                    f"{', '.join(map(str, _SYSCTL_VALUES[key]))}; e.g. {{'{key}': "
                                    f"{_SYSCTL_VALUES[key][-1]}}}")
            settings[key] = value
        return settings

    def interface_label(self, interface: Interface, near: int | None = None) -> str:
        return interface.name

    def configured_metric(self, interface: Interface, metric: int | None) -> int:
        return self.default_metric if metric is None else metric

    def default_gateway_metric(self, interface: Interface) -> int:
        return self.default_metric

    # Building the tables ----------------------------------------------------------------
    def build_tables(self, host: Host, configured: bool = True) -> None:
        """Replay what the kernel does at start: each link brought up (if up) and its addresses added in
        order, then the default gateways (appended) and the configured routes."""
        host.local_table = local = RouteTable(strategy=self.strategy, layer="local")
        host.table = RouteTable(strategy=self.strategy, local=local)
        self.pass_over_links(host)
        for interface in (host.loopback, *host.interfaces):
            listed = {a.ip: a for a in fib.kernel_addresses(interface)}
            for network in interface.addresses:  # in the order they were added, not the list's order
                fib.add_ifaddr(host, interface, listed[int(network.ip)])
        if not configured:
            return
        for name, gateway in host.gateways.items():
            route = self.configured_route(host, {"destination": "0.0.0.0/0", "gateway": gateway, "interface": name,
                                                 "origin": "automatic"})
            self.add_route(host, route, "append")
        for number, spec in enumerate(host.configured_routes):
            with at("routes", number):
                if isinstance(spec, Route):
                    self.add_route(host, spec, "add")
                else:
                    self.add_route(host, self.configured_route(host, spec), spec.get("how", "add"))

    def pass_over_links(self, host: Host) -> None:
        """With ignore_routes_with_linkdown, lookups pass over routes through a link without carrier."""
        passed: dict[str, str] = {}
        if host.sysctl.get("ignore_routes_with_linkdown"):
            passed = {i.name: f"{i.name} has no carrier and ignore_routes_with_linkdown is 1"
                      for i in host.interfaces if i.up and not i.carrier}
        host.table.pass_over(passed)
        host.local_table.pass_over(passed)

    def configured_route(self, host: Host, spec: dict[str, Any], raw_metric: bool = False) -> Route:
        """A route dict as `ip route` reads it; the kernel's checks come when it is added."""
        what = f"route of host {host.name!r}"
        destination, netmask, gateway, interface = _spec_basics(host, spec)
        route_type = route_type_of(spec, what)
        metric = spec.get("metric")
        metric = self.default_metric if metric is None else check_metric(metric)
        onlink = spec.get("onlink", False)
        source = spec.get("source")  # the kernel checks it when the route is added
        route = Route(destination, netmask=netmask, interface="" if interface is None else interface.name,
                      metric=metric, origin=origin_of(spec), route_type=route_type,
                      preferred_source=None if source is None else format_address(
                          parse_address(source, what="preferred source", example="10.0.0.5")), onlink=onlink)
        return Route._trusted(route._network, route._prefixlen, gateway, *route[3:])

    def add_route(self, host: Host, route: Route, how: str = "add") -> Route:
        """`ip route add|append|prepend`: the kernel's checks (gateway, device, source), then its rule
        for what is the same route."""
        if how not in ("add", "append", "prepend"):
            raise ScenarioError(f"how {how!r} of route {route} is not 'add', 'append' or 'prepend'; e.g. 'append'")
        interface = host.interface(route.interface) if route.interface else None
        checked = fib.check_route(host, route, interface)
        return fib.insert_route(host.table, checked, how)

    def delete_address(self, host: Host, interface: Interface, address: int) -> None:
        """`ip addr del`: the address's routes go; deleting a primary deletes its secondaries too, unless
        ``promote_secondaries`` makes the next one primary (``__inet_del_ifa``)."""
        before = fib.kernel_addresses(interface)
        doomed = next(a for a in before if a.ip == address)
        promote = None
        if not doomed.secondary:
            followers = [a for a in before if a.secondary and a.same_subnet(doomed)]
            if followers and host.sysctl.get("promote_secondaries"):
                promote = followers[0]
                for other in before[before.index(promote):]:
                    if other.same_subnet(doomed):
                        fib.del_ifaddr(host, interface, other, before, ignore_subnet_of=doomed)
            else:
                for follower in followers:  # each goes as if deleted on its own, the primary still there
                    interface.remove_address(format_address(follower.ip))
                    fib.del_ifaddr(host, interface, follower, fib.kernel_addresses(interface))
        order = [a for a in fib.kernel_addresses(interface) if a.ip != doomed.ip]
        if promote is not None:
            order = _promoted_order(before, doomed, promote, order)
        interface.remove_address(format_address(doomed.ip))
        interface.reorder([a.ip for a in order])
        fib.del_ifaddr(host, interface, doomed, [a for a in before if a.ip in {o.ip for o in order}
                                                 and a.ip != doomed.ip])
        if promote is not None:
            for address in fib.kernel_addresses(interface):
                if address.same_subnet(doomed):
                    fib.add_ifaddr(host, interface, address)
        if not interface.addresses:
            fib.flush_interface(host, interface.name, keep_local=False)

    # Answering -------------------------------------------------------------------------
    def send(self, host: Host, destination: int, source: int | None) -> RouteGet:
        """``ip_route_output_key``: the route, device, gateway and source of a datagram this host sends."""
        if source is not None and (is_multicast(destination) or destination == ALL_ONES):
            owner = host.owner_of(source)
            assert owner is not None
            kind = DestinationKind.MULTICAST if is_multicast(destination) else DestinationKind.BROADCAST
            return self.answer(host, destination, kind, owner.name, None, source, None, None, [
                f"{kind.value} with a given source leaves through {owner.name}, which owns "
                f"{format_address(source)}; no route is looked up",
            ])
        if destination == 0:
            return self.answer(host, destination, DestinationKind.LOCAL, "lo", None,
                               fib.LOOPBACK if source is None else source, None, None, [
                "0.0.0.0 (INADDR_ANY) as a destination means this host: the kernel loops it back through lo"])
        lookup = host.table.lookup(destination)
        failed = self._failed(host, destination, lookup)
        if failed is not None:
            return failed
        route = lookup.route
        assert route is not None
        if route.route_type is RouteType.LOCAL:
            chosen = source if source is not None else (route._preferred_source or destination)
            return self.answer(host, destination, DestinationKind.LOCAL, "lo", None, chosen, route, lookup, [
                f"the local table says {format_address(destination)} is this host's: looped back through lo"])
        interface = host.interface(route.interface)
        notes = [f"{'the local table' if lookup.local and route in lookup.local.routes else 'the main table'} "
                 f"chose {route} ({lookup.rule})"]
        if source is not None:
            chosen: int | None = source
            notes.append(f"source {format_address(source)} was given: kept, whatever interface sends (weak host)")
        elif route._preferred_source is not None:
            chosen = route._preferred_source
            notes.append(f"the route's preferred source (src) is {format_address(chosen)}")
        else:
            chosen = fib.select_address(host, interface, route._gateway, fib.route_scope(route))
            notes.append(f"source {'none' if chosen is None else format_address(chosen)}: {self.source_rule}")
        if chosen is not None and is_loopback(chosen) and not interface.loopback:
            return self.unreachable(host, destination, (
                f"a loopback source ({format_address(chosen)}) may not leave through {interface.name}: "
                "the kernel refuses it",), lookup, "invalid argument")
        gateway = lookup.gateway
        if destination == ALL_ONES:
            kind, gateway = DestinationKind.BROADCAST, None
        elif is_multicast(destination):
            kind = DestinationKind.MULTICAST
            if route._prefixlen < 4:
                gateway = None
        elif route.route_type is RouteType.BROADCAST:
            kind = DestinationKind.BROADCAST
        else:
            kind = DestinationKind.UNICAST
        if route._gateway is not None and gateway is None and kind is DestinationKind.UNICAST:
            notes.append(f"the gateway {route.gateway} is this host's own address: on-link "
                         f"({source_of(self, 'own_address_gateway').cite()})")
        return self.answer(host, destination, kind, interface.name, gateway, chosen, route, lookup, notes)

    def _failed(self, host: Host, destination: int, lookup: LookupDecision,
                arrived: Interface | None = None) -> RouteGet | None:
        """The error of a lookup that found nothing, or a reject route."""
        route = lookup.route
        if route is None:
            return self.unreachable(host, destination, ("no route in the local or main table",), lookup,
                                    "network unreachable", arrived)
        if route.route_type.rejects:
            return self.unreachable(host, destination, (f"the lookup ended on the {route.route_type.value} "
                                                        f"route {route}",), lookup,
                                    _REJECT_REASON[route.route_type], arrived)
        return None

    def receive(self, host: Host, destination: int, source: int | None, arrived: Interface) -> RouteGet:
        """``ip_route_input``: what happens to a datagram from ``source`` that arrived on ``arrived``."""
        src = 0 if source is None else source
        refused = self._martian(host, destination, src, arrived)
        if refused is not None:
            return refused
        if is_multicast(destination):
            joined = destination == _ALL_HOSTS and arrived.up and self.all_hosts_joined_while_up
            if not joined:
                return self._invalid(host, destination, arrived,
                                     f"{arrived.name} has not joined {format_address(destination)}")
            if src == 0 and destination & 0xFFFFFF00 != _LOCAL_MULTICAST:
                return self._invalid(host, destination, arrived, "source 0.0.0.0 outside 224.0.0.0/24")
            if src != 0 and self._validate_source(host, src, 0, None, arrived) < 0:
                return self._invalid(host, destination, arrived, f"source {format_address(src)} fails the "
                                     f"reverse-path check (rp_filter {host.sysctl.get('rp_filter', 0)})")
            return self.answer(host, destination, DestinationKind.MULTICAST, "lo", None, source, None, None,
                               [f"{arrived.name} is a member of {format_address(destination)}: taken up"], arrived)
        if destination == ALL_ONES or (src == 0 and destination == 0):
            return self._broadcast_input(host, destination, source, arrived, None)
        lookup = host.table.lookup(destination)
        route = lookup.route
        forwarding = bool(host.sysctl.get("forwarding"))
        if route is None or route.route_type.rejects:
            if not forwarding:
                return self.unreachable(host, destination, (
                    f"{host.name} does not forward (forwarding 0), and nothing here is for "
                    f"{format_address(destination)}",), lookup, "host unreachable", arrived)
            return self._failed(host, destination, lookup, arrived)
        if route.route_type is RouteType.BROADCAST:
            return self._broadcast_input(host, destination, source, arrived, lookup)
        if route.route_type is RouteType.LOCAL:
            if self._validate_source(host, src, destination, None, arrived) < 0:
                return self._invalid(host, destination, arrived, f"source {format_address(src)} fails the "
                                     f"reverse-path check (rp_filter {host.sysctl.get('rp_filter', 0)})", lookup)
            return self.answer(host, destination, DestinationKind.LOCAL, "lo", None, source, route, lookup,
                               [f"{format_address(destination)} is this host's: delivered"], arrived)
        if not forwarding:
            return self.unreachable(host, destination, (
                f"{format_address(destination)} is not this host's and {host.name} does not forward "
                "(forwarding 0)",), lookup, "host unreachable", arrived)
        out = host.interface(route.interface)
        if self._validate_source(host, src, destination, out, arrived) < 0:
            return self._invalid(host, destination, arrived, f"source {format_address(src)} fails the "
                                 f"reverse-path check (rp_filter {host.sysctl.get('rp_filter', 0)})", lookup)
        return self.answer(host, destination, DestinationKind.UNICAST, out.name, lookup.gateway, source, route,
                           lookup, [f"forwarded by {route} ({lookup.rule})"], arrived)

    def _broadcast_input(self, host: Host, destination: int, source: int | None, arrived: Interface,
                         lookup: LookupDecision | None) -> RouteGet:
        if source and self._validate_source(host, source, 0, None, arrived) < 0:
            return self._invalid(host, destination, arrived, f"source {format_address(source)} fails the "
                                 "reverse-path check", lookup)
        return self.answer(host, destination, DestinationKind.BROADCAST, "lo", None, source, None, lookup,
                           [f"a broadcast to {format_address(destination)}: every host on the link takes it"],
                           arrived)

    def _martian(self, host: Host, destination: int, src: int, arrived: Interface) -> RouteGet | None:
        """The checks the kernel makes before any lookup (``ip_route_input_slow``)."""
        if is_multicast(destination):
            if is_multicast(src) or src == ALL_ONES or is_loopback(src):
                return self._invalid(host, destination, arrived, f"martian source {format_address(src)}")
            return None
        if is_multicast(src) or src == ALL_ONES:
            return self._invalid(host, destination, arrived, f"martian source {format_address(src)}")
        if destination == ALL_ONES or (src == 0 and destination == 0):
            return None
        if src == 0:
            return self._invalid(host, destination, arrived, "source 0.0.0.0 may only send to 255.255.255.255")
        if destination == 0:
            return self._invalid(host, destination, arrived, "destination 0.0.0.0 is a martian")
        if is_loopback(destination) or is_loopback(src):
            return self._invalid(host, destination, arrived, "127.0.0.0/8 never arrives on an interface")
        return None

    def _invalid(self, host: Host, destination: int, arrived: Interface, why: str,
                 lookup: LookupDecision | None = None) -> RouteGet:
        return self.unreachable(host, destination, (f"refused: {why}",), lookup, "invalid argument", arrived)

    def _validate_source(self, host: Host, source: int, destination: int, out: Interface | None,
                         arrived: Interface) -> int:
        """``fib_validate_source``: negative when the source is refused (a martian, or rp_filter)."""
        rp_filter = host.sysctl.get("rp_filter", 0)
        if not rp_filter and out is not arrived:  # the fast path: refuse only a source that is ours
            return -1 if any(i.owns(source) for i in (host.loopback, *host.interfaces)) else 0
        back = fib.lookup(host, source)
        if back is None or back.route_type.rejects:
            return -1 if rp_filter else 0
        if back.route_type is not RouteType.UNICAST:
            return -1
        if back.interface == arrived.name:
            return 0
        if not arrived.addresses:
            return -1 if rp_filter else 0
        return -1 if rp_filter == 1 else 0

    # Simulator traits
    rip_versions = Trait((1, 2), Source.kernel(
        "BIRD 2's rip protocol (version 1 and 2), a daemon beside the kernel", test="tests/kernel/test_bird_rip.py"))
    rip_v1_broadcast = Trait("subnet", Source.kernel(
        "BIRD 2 sends RIP version 1 to the interface's subnet broadcast address, e.g. 192.168.1.255",
        test="tests/kernel/test_bird_rip.py"))
    rip_v1_subnets = Trait("classful-only", Source.kernel(
        "BIRD 2 sends only whole classful networks in RIP version 1 and reads every version 1 entry with its "
        "class's mask", test="tests/kernel/test_bird_rip.py"))
    rip_software = Trait("a routing daemon (BIRD 2 or FRR's ripd)", Source.kernel(
        "BIRD 2 runs RIP in user space and installs its routes in the kernel", test="tests/kernel/test_bird_rip.py"))
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


def _promoted_order(before: list[fib.KernelAddress], doomed: fib.KernelAddress, promote: fib.KernelAddress,
                    rest: list[fib.KernelAddress]) -> list[fib.KernelAddress]:
    """The address list after a promotion: the promoted secondary moves after the last primary that
    followed the deleted one with a scope at least as narrow (``__inet_del_ifa``)."""
    after = None
    for address in before[before.index(doomed) + 1:]:
        if not address.secondary and doomed.scope <= address.scope:
            after = address
    order = [a for a in rest if a.ip != promote.ip]
    position = before.index(doomed) if after is None else [a.ip for a in order].index(after.ip) + 1
    order.insert(position, promote)
    return order
