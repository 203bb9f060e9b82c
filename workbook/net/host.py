"""Hosts: interfaces, a route table built the way a real stack builds it, and sockets (chapter 2).

>>> from workbook import Host
>>> host = Host.from_scenario("seed-host")
>>> len(host.table)
7
>>> host.route_get("172.17.1.1")
<RouteGet unicast 172.17.1.1 via 172.16.112.1 dev eth0 src 172.16.112.123>

The same configuration behaves differently under another personality:

>>> Host.from_scenario("seed-host", personality="linux").route_get("172.16.112.255")
<RouteGet broadcast 172.16.112.255 dev eth0 src 172.16.112.123>

A host also answers for datagrams that *arrive* (``ip route get D from S iif X``):

>>> router = Host.from_dict({"name": "r", "personality": "linux", "sysctl": {"forwarding": 1, "rp_filter": 1},
...     "interfaces": [{"name": "eth0", "addresses": ["10.0.0.1/24"]}, {"name": "eth1", "addresses": ["10.1.0.1/24"]}]})
>>> router.route_get("10.1.0.9", source="10.0.0.9", input_interface="eth0")
<RouteGet unicast 10.1.0.9 dev eth1 src 10.0.0.9 iif eth0>
>>> router.route_get("10.1.0.9", source="10.1.0.7", input_interface="eth0").reason  # spoofed: rp_filter 1
'invalid argument'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import netaddr

from workbook.errors import (
    AddressError,
    GatewayError,
    InterfaceError,
    ScenarioError,
    WorkbookError,
)
from workbook.net.addresses import format_address, is_loopback, parse_address
from workbook.net.interfaces import Interface
from workbook.net.personalities import Personality, get_personality
from workbook.net.personalities.base import OPTIONAL_KEYS
from workbook.net.route_get import RouteGet
from workbook.net.route_table import RouteTable
from workbook.net.routes import Route, RouteOrigin
from workbook.net.scenario import load_file, load_scenario
from workbook.net.schema import HOST, INTERFACE, ROUTE, SAVED_ROUTE, SYSCTL, at

__all__ = ["Host", "Socket"]


class Host:
    """A computer with one or more interfaces and a stack personality.

    ``routes`` are configured routes (dicts as in scenario files, or
    :class:`Route` values); each interface may also name its ``gateway``,
    the "Default Gateway" of its settings. The host builds its table when it
    starts, the way its personality does. ``sysctl`` sets the kernel
    settings a ``linux`` host models (forwarding, rp_filter,
    ignore_routes_with_linkdown, promote_secondaries).
    """

    def __init__(
        self,
        name: str,
        interfaces: Iterable[Interface],
        routes: Iterable[dict[str, Any] | Route] = (),
        personality: str | Personality = "nt4",
        forwarding: bool = False,
        gateways: dict[str, str] | None = None,
        sysctl: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError(f"host name {name!r} must be a non-empty text; e.g. 'nt-host'")
        self.name = name.strip()
        self.personality = get_personality(personality)
        self.sysctl = _check_sysctl(self.personality, sysctl, forwarding, self.name)
        self.loopback = Interface("lo", addresses=[{"address": "127.0.0.1/8", "scope": "host"}], index=1,
                                  loopback=True)
        self.interfaces: list[Interface] = []
        for index, interface in enumerate(interfaces, start=2):
            if any(interface.name == other.name for other in self.interfaces) or interface.name == "lo":
                raise InterfaceError(f"host {self.name!r} has two interfaces called {interface.name!r}")
            interface.index = interface.index or index
            self.interfaces.append(interface)
        for interface in self.interfaces:
            for key in OPTIONAL_KEYS["interface"]:
                self.personality.check_modelled("interface", key, getattr(interface, key),
                                                f"interface {interface.name!r} of host {self.name!r}")
            for address in interface.addresses:
                what = f"address {address} of interface {interface.name!r} of host {self.name!r}"
                self.personality.check_modelled("address", "scope", interface.scope_of(address.ip), what)
                self.personality.check_modelled("address", "noprefixroute",
                                                not interface.has_prefix_route(address.ip), what)
        #: The "Default Gateway" of each interface's settings, by interface name.
        self.gateways = {} if gateways is None else dict(gateways)
        #: The routes of the configuration (dicts as in scenario files, or Routes), installed at every start.
        self.configured_routes = [_check_route_spec(self, r) for r in routes]
        self.persistent_routes: list[Route] = []
        self.table = RouteTable(strategy=self.personality.strategy)
        self.local_table = RouteTable(strategy=self.personality.strategy, layer="local")
        self.start()

    @property
    def table(self) -> RouteTable:
        """The host's route table (Linux: the main table, searched together with :attr:`local_table`)."""
        return self._table

    @table.setter
    def table(self, table: RouteTable) -> None:
        # A table put in place of the built one (a saved snapshot) keeps what belongs to the host, not to
        # the routes: Linux's local table, and the links whose routes lookups pass over.
        old = getattr(self, "_table", None)
        if old is not None and table.local is None and old.local is not None:
            table.local = old.local
            table.pass_over(old.passed_over)
        self._table = table

    @property
    def forwarding(self) -> bool:
        """Does this host forward datagrams for others (a router)? Linux's ``sysctl`` forwarding."""
        return bool(self.sysctl.get("forwarding", 0))

    @forwarding.setter
    def forwarding(self, value: bool) -> None:
        self.sysctl["forwarding"] = int(bool(value))

    # Building ---------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], personality: str | Personality | None = None) -> Host:
        """A host from a scenario dict::

            {"name": "nt-host", "personality": "nt4",
             "interfaces": [{"name": "eth0", "mac": "00-DD-01-0F-7A-B5",
                             "addresses": ["172.16.112.123/24"], "gateway": "172.16.112.1"}],
             "routes": [{"destination": "10.0.0.0/8", "gateway": "172.16.112.9",
                         "interface": "eth0", "metric": 2, "source": None}]}

        ``personality`` overrides the dict's own (default 'nt4').
        """
        HOST.check(data, "host")
        chosen = get_personality(personality or data.get("personality", "nt4"))
        interfaces, gateways = [], {}
        raw_interfaces = data["interfaces"]
        if not isinstance(raw_interfaces, list) or not raw_interfaces:
            raise ScenarioError(f"host {data['name']!r} needs a list of interfaces, e.g. [{{'name': 'eth0', ...}}]")
        for number, raw in enumerate(raw_interfaces):
            with at("interfaces", number):
                interface, gateway = _interface_of(raw, data["name"], chosen)
            interfaces.append(interface)
            if gateway is not None:
                gateways[raw["name"]] = gateway
        routes = data.get("routes") or []
        if not isinstance(routes, list):
            raise ScenarioError(f"routes of host {data['name']!r} must be a list of route dicts")
        for number, spec in enumerate(routes):
            with at("routes", number):
                _check_route_keys(spec, chosen, f"route of host {data['name']!r}")
        host = cls(
            data["name"],
            interfaces,
            routes,
            personality=chosen,
            forwarding=_check_forwarding(data.get("forwarding", False), data["name"]),
            gateways=gateways,
            sysctl=data.get("sysctl"),
        )
        if data.get("persistent_routes"):
            host.persistent_routes = _saved_routes(data["persistent_routes"], "persistent_routes", host.name)
            host.start()
        if data.get("table") is not None and host.personality == get_personality(data.get("personality", "nt4")):
            # A saved table is a snapshot of one stack's state; another personality rebuilds its own.
            saved = _saved_routes(data["table"], "table", host.name)
            host.table = RouteTable(saved, strategy=host.personality.strategy)
        return host

    @classmethod
    def from_file(cls, path: str | Path, personality: str | Personality | None = None) -> Host:
        """A host from a JSON or YAML scenario file."""
        return cls.from_dict(load_file(path), personality)

    @classmethod
    def from_scenario(cls, name: str, personality: str | Personality | None = None) -> Host:
        """A host from a scenario shipped with the workbook, e.g. 'seed-host'."""
        return cls.from_dict(load_scenario(name), personality)

    def to_dict(self, include_table: bool = False) -> dict[str, Any]:
        """The configuration as a scenario dict (what from_dict reads).

        With ``include_table`` it also holds the route table as it is now and the
        persistent routes, so that a learner's edits (routes added, changed or
        deleted) survive saving and loading:

        >>> host = Host.from_scenario("seed-host")
        >>> _ = host.route("delete 224.0.0.0")
        >>> _ = host.route("-p add 10.0.0.0 MASK 255.0.0.0 172.16.112.9")
        >>> again = Host.from_dict(host.to_dict(include_table=True))
        >>> list(again.table) == list(host.table), again.persistent_routes == host.persistent_routes
        (True, True)
        """
        interfaces = []
        for interface in self.interfaces:
            data = interface.as_dict()
            if interface.name in self.gateways:
                data["gateway"] = self.gateways[interface.name]
            interfaces.append(INTERFACE.saving(data))
        data: dict[str, Any] = {"name": self.name, "personality": self.personality.name, "interfaces": interfaces}
        if self.configured_routes:
            data["routes"] = [r.as_dict() if isinstance(r, Route) else dict(r) for r in self.configured_routes]
        if self.forwarding:
            data["forwarding"] = True
        defaults = self.personality.check_sysctl({}, self.name)
        changed = {k: v for k, v in self.sysctl.items() if k != "forwarding" and v != defaults.get(k)}
        if changed:
            data["sysctl"] = changed
        if include_table:
            data["persistent_routes"] = [route.as_dict() for route in self.persistent_routes]
            data["table"] = [route.as_dict() for route in self.table]
        return HOST.saving(data)

    def start(self) -> None:
        """Build the tables from scratch, as the personality's stack does when it starts."""
        self.personality.build_tables(self)

    def restart(self) -> None:
        """Restart the stack: routes added by hand are lost; `-p` ones survive (not on NT 3.5)."""
        if not self.personality.persistent_routes_survive_restart:
            self.persistent_routes = []
        self.start()

    def add_route(self, spec: dict[str, Any] | Route, how: str | None = None) -> Route:
        """Add one route to the running stack, as `route add` or `ip route add|append|prepend` does.

        ``spec`` is a route dict of the scenario shape (``destination``,
        ``gateway``, ``interface``, ``metric``, ``source``, ``type``, ``onlink``)
        or a :class:`Route`; ``how`` (or the dict's ``how``) is 'add', or on
        Linux 'append' or 'prepend'. Refused routes raise a RouteError whose
        message quotes what the real stack says.

        >>> host = Host.from_dict({"name": "h", "personality": "linux",
        ...                        "interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]})
        >>> host.add_route({"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "eth0"})
        Route('0.0.0.0/0', gateway='10.0.0.1', interface='eth0', metric=0)
        >>> host.add_route({"destination": "0.0.0.0/0", "gateway": "10.0.0.2"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        workbook.errors.RouteRefusedError: a route to 0.0.0.0/0 with metric 0 is ... File exists)
        >>> host.add_route({"destination": "0.0.0.0/0", "gateway": "10.0.0.2"}, how="append")
        Route('0.0.0.0/0', gateway='10.0.0.2', interface='eth0', metric=0)
        """
        spec = _check_route_spec(self, spec)
        if isinstance(spec, Route):
            return self.personality.add_route(self, spec, how or "add")
        route = self.personality.configured_route(self, spec)
        return self.personality.add_route(self, route, how or spec.get("how", "add"))

    def delete_address(self, address: str, interface: str | None = None) -> None:
        """Take an address off an interface of the running stack (`ip addr del`; linux only)."""
        value = parse_address(address, what="address", example=str(self.addresses[0]) if self.addresses else "")
        owner = self.interface(interface) if interface is not None else self.owner_of(value)
        if owner is None or owner is self.loopback or not owner.owns(value):
            raise AddressError(f"address {format_address(value)} is not on "
                               f"{'interface ' + repr(interface) if interface else 'any interface'} of host "
                               f"{self.name!r}; its addresses are {self.address_list()}")
        self.personality.delete_address(self, owner, value)

    # Looking things up -------------------------------------------------------
    def interface(self, name_or_address: str) -> Interface:
        """An interface by name (``eth0``, ``lo``) or by one of its addresses."""
        for interface in (self.loopback, *self.interfaces):
            if interface.name == name_or_address:
                return interface
        try:
            address = parse_address(name_or_address)
        except WorkbookError:
            address = None
        if address is not None:
            owner = self.owner_of(address)
            if owner is not None:
                return owner
        names = ", ".join(i.name for i in self.interfaces)
        raise InterfaceError(f"host {self.name!r} has no interface {name_or_address!r}; its interfaces are {names}")

    def interface_for_label(self, label: str) -> Interface:
        """The interface a route's interface column names (a name, or an address on Windows)."""
        return self.interface(label)

    def owner_of(self, address: int | str) -> Interface | None:
        """The interface that has ``address`` as one of its own addresses (lo for 127/8)."""
        value = parse_address(address)
        for interface in self.interfaces:
            if interface.owns(value):
                return interface
        return self.loopback if is_loopback(value) else None

    @property
    def addresses(self) -> list[netaddr.IPAddress]:
        """Every address of every interface (not the loopback), in configuration order."""
        return [a.ip for interface in self.interfaces for a in interface.addresses]

    def route_get(self, destination: object, source: object = None, input_interface: str | None = None) -> RouteGet:
        """How this host would send to ``destination`` (from ``source``, if bound): ``ip route get``.

        With ``input_interface``, the question is about a datagram from
        ``source`` (any sender) that arrived on that interface: delivered
        here, forwarded (a router), or refused, and why (``ip route get D
        from S iif X``).
        """
        target = parse_address(destination, what="destination", example="172.17.1.1")
        if input_interface is not None:
            arrived = self.interface(input_interface)
            sender = None if source is None else parse_address(source, what="source", example="10.0.0.9")
            return self.personality.route_get(self, target, sender or None, arrived)
        if source is None or source in ("0.0.0.0", "ANY", "any", 0):
            return self.personality.route_get(self, target, None)
        bound = parse_address(source, what="source", example=str(self.addresses[0]) if self.addresses else "")
        if self.owner_of(bound) is None:
            raise AddressError(
                f"source {format_address(bound)} is not an address of host {self.name!r}; "
                f"its addresses are {self.address_list()}"
            )
        return self.personality.route_get(self, target, bound)

    def socket(self) -> Socket:
        """A socket-like object: bind to an address or ANY, then connect or send (chapter 2)."""
        return Socket(self)

    # The route command ---------------------------------------------------------
    def route(self, command: str) -> Any:
        """Run a `route` command on this host's table; `-p` routes survive :meth:`restart`."""
        from workbook.net.route_command import run_route_command

        before = set(self.table)
        index = {interface.index: self.personality.interface_label(interface) for interface in self.interfaces}
        result = run_route_command(self.table, command, interface_index=index,
                                   style=self.personality.route_print_style)
        after = set(self.table)
        self.persistent_routes = [r for r in self.persistent_routes if r in after]
        self.persistent_routes += [r for r in self.table if r not in before and r.origin is RouteOrigin.PERSISTENT]
        return result

    def interface_for_gateway(self, gateway: int, destination: object) -> Interface:
        """The interface whose subnet holds ``gateway``; refuse a gateway no interface reaches."""
        for interface in self.interfaces:
            if interface.on_link(gateway):
                return interface
        raise GatewayError(
            f"gateway {format_address(gateway)} of the route to {destination} is not on any interface of "
            f"host {self.name!r} ({self._network_list()}); e.g. "
            f"{self._example_gateway()}"
        )

    # Messages ----------------------------------------------------------------
    def address_list(self) -> str:
        """The host's addresses as a text for messages."""
        return ", ".join(map(str, self.addresses)) or "none"

    def _network_list(self) -> str:
        return ", ".join(f"{n} on {i.name}" for i in self.interfaces for n in i.networks) or "no networks"

    def _example_gateway(self) -> str:
        for interface in self.interfaces:
            for address in interface.addresses:
                if address.prefixlen < 31:
                    return f"{address.network + 1} on {interface.name}"
        return "an address inside one of the host's subnets"

    def __repr__(self) -> str:
        nics = ", ".join(f"{i.name} {' '.join(map(str, i.addresses))}" for i in self.interfaces)
        return f"<Host {self.name} ({self.personality.name}): {nics}>"


class Socket:
    """Just enough of a socket to show how the source address is chosen (KB Q175396).

    >>> from workbook import Host
    >>> host = Host.from_scenario("kb-multihomed")
    >>> s = host.socket()
    >>> s.bind("10.1.1.10")
    >>> d = s.connect("172.30.0.9")
    >>> d.interface, str(d.source), d.leaves_with_foreign_source
    ('nic2', '10.1.1.10', True)
    """

    def __init__(self, host: Host) -> None:
        self.host = host
        self.local_address: netaddr.IPAddress | None = None

    def bind(self, address: str = "0.0.0.0") -> None:
        """Bind to one of the host's addresses, or to ANY ('0.0.0.0')."""
        if address in ("0.0.0.0", "ANY", "any"):
            self.local_address = None
            return
        value = parse_address(address, what="bind address")
        if self.host.owner_of(value) is None:
            raise AddressError(
                f"cannot bind to {address}: it is not an address of host {self.host.name!r} "
                f"({self.host.address_list()}); bind to one of those or to '0.0.0.0'"
            )
        self.local_address = netaddr.IPAddress(value)

    def connect(self, destination: str) -> RouteGet:
        """Pick the route and source for ``destination`` (what TCP's connect does first)."""
        return self.host.route_get(destination, None if self.local_address is None else str(self.local_address))

    sendto = connect

    def __repr__(self) -> str:
        return f"<Socket on {self.host.name} bound to {self.local_address or 'ANY'}>"


def _check_sysctl(personality: Personality, values: object, forwarding: bool, host: str) -> dict[str, int]:
    """The host's sysctl settings: a dict of the names the personality models, with ``forwarding``."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ScenarioError(f"sysctl of host {host!r} must be a mapping such as {{'rp_filter': 2}}, not {values!r}")
    for key, value in values.items():
        if key not in SYSCTL.names():
            raise ScenarioError(f"sysctl {key!r} of host {host!r} is not modelled; the modelled ones are "
                                f"{', '.join(sorted(SYSCTL.names()))}; e.g. {SYSCTL.example!r}")
        personality.check_modelled("sysctl", key, value, f"host {host!r}")
    settings = personality.check_sysctl(values, host)
    if forwarding and "forwarding" in values and not settings["forwarding"]:
        raise ScenarioError(f"host {host!r} says forwarding: true and sysctl forwarding: 0; give one of them")
    if forwarding:
        settings["forwarding"] = 1
    return settings


def _check_forwarding(value: object, host: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"forwarding {value!r} of host {host!r} must be true or false; e.g. true")
    return value


def _interface_of(raw: object, host: str, personality: Personality) -> tuple[Interface, Any]:
    """An interface entry of a host scenario: the :class:`Interface`, and its Default Gateway (or None)."""
    INTERFACE.check(raw, f"interface of host {host!r}")
    assert isinstance(raw, dict)
    addresses = raw.get("addresses") or []
    if isinstance(addresses, str):
        addresses = [addresses]
    if not isinstance(addresses, list):
        raise ScenarioError(f"addresses of interface {raw['name']!r} must be a list such as "
                            f"['172.16.112.123/24'], not {addresses!r}")
    interface = Interface(raw["name"], raw.get("mac"), addresses, metric=raw.get("metric"),
                          segment=raw.get("segment"), up=raw.get("up", True), carrier=raw.get("carrier", True),
                          weakhostsend=raw.get("weakhostsend", False),
                          weakhostreceive=raw.get("weakhostreceive", False),
                          bare_prefixlen=personality.bare_address_prefixlen)
    return interface, raw.get("gateway")


def _check_route_keys(spec: object, personality: Personality, what: str) -> None:
    """A route dict with known keys only, and only the options ``personality`` models."""
    ROUTE.check(spec, what)
    assert isinstance(spec, dict)
    for key in ("type", "onlink", "how"):
        if key in spec:
            personality.check_modelled("route", key, spec[key], f"{what} to {spec['destination']!r}")


def _check_route_spec(host: Host, spec: dict[str, Any] | Route) -> dict[str, Any] | Route:
    """A route dict with known keys only, and only the options the host's personality models."""
    if not isinstance(spec, Route):
        _check_route_keys(spec, host.personality, f"route of host {host.name!r}")
    return spec


def _saved_routes(items: object, key: str, host: str) -> list[Route]:
    """Routes saved by :meth:`Host.to_dict` (``Route.as_dict`` shapes), with errors naming the entry."""
    if not isinstance(items, list):
        raise ScenarioError(f"{key} of host {host!r} must be a list of route dicts, not {items!r}")
    routes = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError(f"{key}[{number}] of host {host!r} must be a route dict such as "
                                f"{{'destination': '10.0.0.0/8', 'gateway': '172.16.112.9'}}, not {item!r}")
        SAVED_ROUTE.check(item, f"{key}[{number}] of host {host!r}")
        try:
            routes.append(Route(**item))
        except TypeError as error:
            raise ScenarioError(
                f"{key}[{number}] of host {host!r}: {error}; the keys are those of Route.as_dict()"
            ) from None
        except WorkbookError as error:
            raise type(error)(f"{key}[{number}] of host {host!r}: {error}") from None
    return routes

