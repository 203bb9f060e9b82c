"""RIP on a simulated router: updates on a clock, routes learned, timed out and poisoned (chapter 6).

A host entry with a ``rip`` key runs RIP (RFC 1058 version 1, RFC 2453
version 2) on its interfaces::

    {"name": "R2", "personality": "linux", "interfaces": [...],
     "rip": {"version": 2, "interfaces": ["to1", "to3"], "split_horizon": "poison-reverse",
             "cost": {"to3": 5}, "update": 30, "timeout": 180, "garbage": 120,
             "triggered_min_interval": 5}}

Every key of ``rip`` is optional; ``"triggered": false`` (a model, not any
stack's setting) leaves out triggered updates, so that counting to infinity
goes at the pace of the regular updates, as RFC 1058 describes it. The router asks its neighbours for their
tables when it starts, sends its own every ``update`` seconds (with the
RFC's random offset, from the network's seeded randomness), and a triggered
update of what changed, at most once per ``triggered_min_interval``. A
route nobody repeats for ``timeout`` seconds goes to metric 16 and, after
``garbage`` more, out of the RIP table. Learned routes enter the host's
route table with origin ``rip``, the hop count as metric and the neighbour
as gateway; :meth:`Rip.explain` says which update taught a route.

>>> from workbook.sim import Network
>>> net = Network.from_dict({"segments": [{"name": "l12"}, {"name": "l23"}], "routers": [
...     {"name": "R1", "interfaces": [{"name": "to2", "segment": "l12", "addresses": ["10.0.12.1/24"]}],
...      "rip": {}},
...     {"name": "R2", "interfaces": [{"name": "to1", "segment": "l12", "addresses": ["10.0.12.2/24"]},
...                                   {"name": "to3", "segment": "l23", "addresses": ["10.0.23.2/24"]}], "rip": {}},
...     {"name": "R3", "interfaces": [{"name": "to2", "segment": "l23", "addresses": ["10.0.23.3/24"]}],
...      "rip": {}}]}, personality="linux")
>>> net.run(10)
>>> [str(r) for r in net.host("R1").table if r.origin == "rip"]
['10.0.23.0/24 via 10.0.12.2 dev to2 metric 2']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import ScenarioError, WorkbookError
from workbook.ledger import Source, constant, source_of
from workbook.net.addresses import ALL_ONES, MASKS, format_address, is_loopback, is_multicast
from workbook.net.rip import (
    AFI_INET,
    INFINITY,
    MAX_ENTRIES,
    RIP_PORT,
    RIPV2_GROUP,
    Command,
    RipEntry,
    RipMessage,
    RipRoute,
    SplitHorizon,
    received_metric,
    update_entries,
    v1_prefixlen,
)
from workbook.net.routes import Route, RouteOrigin
from workbook.sim.frames import IPProtocol, UdpDatagram
from workbook.sim.stack import NodeServices, Protocol, ScenarioKey

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.clock import Event
    from workbook.sim.frames import IPv4Packet
    from workbook.sim.trace import PathTrace

__all__ = ["RIP_KEYS", "Rip", "RipChange", "RipConfig", "RipRow", "run_until_converged", "timeline"]

UPDATE_TIME = constant("RIP: seconds between two regular updates", 30.0, Source.rfc(2453, "3.8"))
UPDATE_JITTER = constant("RIP: the update timer's random offset, as a share of the update time", 5 / 30,
                         Source.rfc(2453, "3.8", note="30 s offset by up to ±5 s each time it is set; a "
                                                      "shortened timer keeps the same share"))
TIMEOUT = constant("RIP: seconds a route lives without being repeated", 180.0, Source.rfc(2453, "3.8"))
GARBAGE = constant("RIP: seconds a dead route is still advertised with metric 16", 120.0,
                   Source.rfc(2453, "3.8"))
TRIGGERED_INTERVAL = constant("RIP: the random wait after a triggered update before the next (seconds)", (1.0, 5.0),
                              Source.rfc(2453, "3.10.1"))
CONNECTED_METRIC = constant("RIP: metric of a directly connected network in updates", 1, Source.rfc(
    2453, "3.4", note="a directly connected network is one hop; BIRD gives routes it exports metric 1 too"))
_SPLIT_HORIZONS = tuple(rule.value for rule in SplitHorizon)
_SPLIT = Source.rfc(2453, "3.4.3")
_RESPONSE_CHECKS = Source.rfc(2453, "3.9.2")
_EXAMPLE = {"split_horizon": "poison-reverse", "update": 30, "timeout": 180, "garbage": 120}
_KEYS = ("version", "interfaces", "split_horizon", "cost", "update", "timeout", "garbage", "triggered_min_interval",
         "triggered", "password")
#: Where ``"triggered": false`` comes from: RFC 1058's own description of counting to infinity, before triggered
#: updates; every RIP router since sends them (RFC 2453 §3.10.1), so turning them off claims nothing of any stack.
TRIGGERED_OFF = Source.model("RIP without triggered updates, to watch counting to infinity at the pace of the "
                             "regular updates (RFC 1058 §2.2.1's example)")


@dataclass(frozen=True)
class RipConfig:
    """A router's RIP settings, checked; :meth:`as_dict` gives them back as a scenario writes them."""

    version: int = 2
    interfaces: tuple[str, ...] | None = None  # None: every interface
    split_horizon: str | dict[str, str] = "poison-reverse"
    cost: dict[str, int] = field(default_factory=dict)
    update: float = UPDATE_TIME
    timeout: float = TIMEOUT
    garbage: float = GARBAGE
    triggered_min_interval: float | tuple[float, float] = TRIGGERED_INTERVAL
    triggered: bool = True
    password: str | None = None
    given: dict[str, Any] = field(default_factory=dict, compare=False)

    def split_horizon_on(self, interface: str) -> SplitHorizon:
        rule = self.split_horizon.get(interface, "poison-reverse") if isinstance(self.split_horizon, dict) \
            else self.split_horizon
        return SplitHorizon(rule)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.given)


def _refuse(node: NodeServices, key: str, value: object, why: str, example: object) -> ScenarioError:
    return ScenarioError(f"rip {key} {value!r} of {node.name!r} {why}; e.g. rip: {{{key!r}: {example!r}}}")


def _seconds(node: NodeServices, key: str, value: object, example: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _refuse(node, key, value, "must be a number of seconds above 0", example)
    return float(value)


def check_config(node: NodeServices, value: object) -> RipConfig | None:
    """The router's :class:`RipConfig` from a scenario's ``rip`` value, or a :class:`ScenarioError`."""
    if value is None:
        return None
    name = node.name
    if not isinstance(value, dict):
        raise ScenarioError(f"rip {value!r} of {name!r} must be a mapping of RIP settings; e.g. rip: {_EXAMPLE!r}")
    unknown = [key for key in value if key not in _KEYS]
    if unknown:
        raise ScenarioError(f"rip of {name!r} has no setting {unknown[0]!r}; the settings are {', '.join(_KEYS)}; "
                            f"e.g. rip: {_EXAMPLE!r}")
    personality = node.personality
    versions = personality.rip_versions
    problem = _cannot_run_rip(value, node)
    if problem:
        raise ScenarioError(f"rip {value!r} of {name!r} {problem}; e.g. rip: {_EXAMPLE!r}")
    version = value.get("version", max(versions))
    if version not in (1, 2) or isinstance(version, bool):
        raise _refuse(node, "version", version, "must be 1 (RFC 1058) or 2 (RFC 2453)", 2)
    if version not in versions:
        raise _refuse(node, "version", version, f"is not spoken by {personality.title}: its RIP "
                      f"({personality.rip_software}) speaks version {' and '.join(map(str, versions))} "
                      f"({source_of(personality, 'rip_versions').cite()})", max(versions))
    names = [nic.name for nic in node.interfaces]
    interfaces = value.get("interfaces")
    if interfaces is not None:
        if not isinstance(interfaces, list | tuple) or not all(isinstance(i, str) for i in interfaces):
            raise _refuse(node, "interfaces", interfaces, "must be a list of interface names", names[:2])
        for interface in interfaces:
            if interface not in names:
                raise _refuse(node, "interfaces", interfaces, f"names {interface!r}, which {name!r} lacks "
                              f"(its interfaces: {', '.join(names) or 'none'})", names[:2])
        interfaces = tuple(interfaces)
    split = value.get("split_horizon", "poison-reverse")
    rules = split.values() if isinstance(split, dict) else [split]
    for rule in rules:
        if rule not in _SPLIT_HORIZONS:
            raise _refuse(node, "split_horizon", split, f"must be one of {', '.join(map(repr, _SPLIT_HORIZONS))}, "
                          "or a mapping of interface to one of them", "poison-reverse")
    if isinstance(split, dict):
        for interface in split:
            if interface not in names:
                raise _refuse(node, "split_horizon", split, f"names interface {interface!r}, which {name!r} "
                              f"lacks", {names[0] if names else 'eth0': "simple"})
    cost = value.get("cost", {})
    if not isinstance(cost, dict):
        raise _refuse(node, "cost", cost, "must map interface names to a cost from 1 to 15",
                      {names[-1] if names else "to3": 5})
    for interface, amount in cost.items():
        if interface not in names:
            raise _refuse(node, "cost", cost, f"names interface {interface!r}, which {name!r} lacks "
                          f"(its interfaces: {', '.join(names) or 'none'})", {names[-1] if names else "to3": 5})
        if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount < INFINITY:
            raise _refuse(node, "cost", cost, f"gives {interface!r} cost {amount!r}, not a whole number from 1 to 15",
                          {interface: 5})
    update = _seconds(node, "update", value.get("update", UPDATE_TIME), 30)
    timeout = _seconds(node, "timeout", value.get("timeout", TIMEOUT), 180)
    garbage = _seconds(node, "garbage", value.get("garbage", GARBAGE), 120)
    if timeout <= update:
        raise _refuse(node, "timeout", value.get("timeout", TIMEOUT), f"must be longer than the update time "
                      f"({update:g} s), or every route would time out between two updates", 6 * update)
    interval = value.get("triggered_min_interval", TRIGGERED_INTERVAL)
    if isinstance(interval, list | tuple):
        if (len(interval) != 2 or any(isinstance(v, bool) or not isinstance(v, int | float) for v in interval)
                or not 0 <= interval[0] <= interval[1]):
            raise _refuse(node, "triggered_min_interval", interval, "must be seconds, or [least, most] seconds "
                          "from which the wait is drawn", [1, 5])
        interval = (float(interval[0]), float(interval[1]))
    else:
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise _refuse(node, "triggered_min_interval", interval, "must be seconds (0 or more), or [least, most]",
                          5)
        interval = float(interval)
    triggered = value.get("triggered", True)
    if not isinstance(triggered, bool):
        raise _refuse(node, "triggered", triggered, "must be true or false (false: no triggered updates, a model "
                      "for watching counting to infinity)", False)
    password = value.get("password")
    if password is not None and (not isinstance(password, str) or not 1 <= len(password.encode()) <= 16
                                 or version != 2):
        raise _refuse(node, "password", password, "must be a text of 1 to 16 characters, and only version 2 "
                      "carries one (RFC 2453 §4.1)", "secret")
    return RipConfig(version, interfaces, dict(split) if isinstance(split, dict) else split, dict(cost), update,
                     timeout, garbage, interval, triggered, password, given=dict(value))


def _cannot_run_rip(value: Any, node: NodeServices) -> str | None:
    """Why this node's stack cannot run RIP at all, or None."""
    personality = node.personality
    if personality.rip_versions:
        return None
    return (f"cannot be: {personality.title} has {personality.rip_software} "
            f"({source_of(personality, 'rip_versions').cite()}); remove the key, or give the router "
            f"personality 'nt4' (MPR's RIP for IP) or 'linux'")


def _load(rip: Rip, value: Any) -> None:
    rip.config = check_config(rip.node, value)


def _save(rip: Rip) -> dict[str, Any] | None:
    return None if rip.config is None else rip.config.as_dict()


#: The one scenario key RIP reads: ``rip``, a mapping of its settings.
RIP_KEYS = (
    ScenarioKey("rip", example=_EXAMPLE, default=None, kind=(dict, type(None)), omit_when_empty=True,
                why_bad=_cannot_run_rip, load=_load, save=_save,
                help="the router's RIP settings (chapter 6); {} for the defaults"),
)


@dataclass
class RipRow:
    """One row of a router's RIP table (its routing database, RFC 2453 §3.5), as it is now.

    ``next_hop`` is None for a directly connected network. ``learned_from``
    is the neighbour whose update taught the route; ``explanation`` says when.
    """

    network: int
    prefixlen: int
    metric: int
    next_hop: int | None
    interface: str
    tag: int = 0
    learned_from: int | None = None
    learned_at: float = 0.0
    changed: bool = False
    explanation: str = ""
    timeout: Event | None = field(default=None, repr=False)
    garbage: Event | None = field(default=None, repr=False)
    route: Route | None = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        return f"{format_address(self.network)}/{self.prefixlen}"

    @property
    def connected(self) -> bool:
        return self.next_hop is None

    def as_rip_route(self) -> RipRoute:
        return RipRoute(self.network, self.prefixlen, self.metric, self.next_hop, self.interface, self.tag)


@dataclass(frozen=True)
class RipChange:
    """One change of a router's RIP table: who, when, which prefix, from what to what, and why.

    A convergence timeline is the list of every router's changes in time order.
    """

    time: float
    router: str
    prefix: str
    old_metric: int | None  # None: the route was new
    new_metric: int | None  # None: garbage-collected
    gateway: str | None
    interface: str
    neighbour: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.time:8.3f} s {self.router}: {self.reason}"


class Rip(Protocol):
    """A router's RIP process (runs only on nodes whose scenario entry has a ``rip`` key)."""

    name = "rip"
    udp_ports = (RIP_PORT,)
    keys = RIP_KEYS

    def __init__(self, node: NodeServices) -> None:
        self.config: RipConfig | None = None
        super().__init__(node)
        self.rows: dict[tuple[int, int], RipRow] = {}
        self.history: list[RipChange] = []
        self.update_timer: Event | None = None
        self.trigger_timer: Event | None = None
        self.trigger_pending = False
        self.active = False

    # What a chapter reads ------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.config is not None

    def interfaces(self) -> list[Interface]:
        """The interfaces RIP talks on (all, unless the scenario names some)."""
        if self.config is None:
            return []
        names = self.config.interfaces
        return [nic for nic in self.node.interfaces if names is None or nic.name in names]

    def table(self) -> list[RipRow]:
        """The RIP table in prefix order: connected networks, learned routes, and dead ones still advertised."""
        return [self.rows[key] for key in sorted(self.rows)]

    def explain(self, prefix: str) -> str:
        """Which update taught the route to ``prefix`` (e.g. '10.0.3.0/24'), and when."""
        network = netaddr.IPNetwork(prefix)
        row = self.rows.get((int(network.network), network.prefixlen))
        if row is None:
            return f"{self.node.name} has no RIP route to {prefix}"
        return row.explanation

    def update_for(self, interface: str, *, triggered: bool = False) -> list[RipMessage]:
        """The messages a regular (or triggered) update out of ``interface`` would carry now."""
        nic = self.node.interface(interface)
        return self._messages(nic, [row for row in self.table() if row.changed or not triggered])

    def cost(self, interface: str) -> int:
        return 1 if self.config is None else self.config.cost.get(interface, 1)

    # Life cycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.config is None:
            return
        self.active = True
        self.rows.clear()
        self.trigger_pending = False
        for nic in self.node.interfaces:
            if nic.name not in self.node.unplugged:
                self._connect(nic)
        for nic in self._talking():
            self._join(nic)
            self._send_request(nic)
            self._send_update(nic, self.table())
        self._schedule_update()
        # A saved network restores its tables after its nodes start: RIP routes in them are not RIP's to keep.
        self.node.clock.schedule(0, self._forget_restored)

    def _forget_restored(self) -> None:
        mine = {row.route for row in self.rows.values() if row.route is not None}
        for route in list(self.node.table):
            if route.origin is RouteOrigin.RIP and route not in mine:
                self.node.withdraw_route(route)

    def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        clock = self.node.clock
        clock.cancel(self.update_timer)
        clock.cancel(self.trigger_timer)
        self.trigger_timer = self.update_timer = None
        for row in self.rows.values():
            clock.cancel(row.timeout)
            clock.cancel(row.garbage)
            if row.route is not None:
                self.node.withdraw_route(row.route)
        self.rows.clear()

    def carrier_changed(self, nic: Interface, up: bool) -> None:
        """A cable out: routes through it go, poisoned in a triggered update; back in: ask and tell again."""
        if not self.active:
            return
        if not up:
            for row in list(self.rows.values()):
                if row.interface == nic.name and row.metric < INFINITY:
                    self._retire(row, f"{nic.name} lost its carrier: {row.prefix} through it is "
                                      f"unreachable (metric 16)")
            self._trigger()
            return
        self._connect(nic, announce=True)
        if nic in self._talking():
            self._join(nic)
            self._send_request(nic)
            self._send_update(nic, self.table())
        self._trigger()

    # Sending ------------------------------------------------------------------------------------------
    def _talking(self) -> list[Interface]:
        node = self.node
        silent = node.personality.rip_silent_with_one_interface and len(node.interfaces) == 1
        return [nic for nic in self.interfaces() if not silent and nic.name not in node.unplugged
                and node.ip_enabled(nic.name) and nic.primary_address is not None]

    def _destination(self, nic: Interface) -> int:
        # RFC 1058 §3 broadcasts version 1 (to which broadcast address is the stack's trait); RFC 2453 §4.5
        # sends version 2 to 224.0.0.9.
        if self.config.version == 2:
            return RIPV2_GROUP
        if self.node.personality.rip_v1_broadcast == "subnet":
            return int(nic.addresses[0].broadcast)
        return ALL_ONES

    def _join(self, nic: Interface) -> None:
        if self.config.version == 2:
            igmp = self.node.protocols["igmp"]
            if igmp.level < 2:
                self.node.log_event(f"RIP cannot join 224.0.0.9 on {nic.name}: IGMP level {igmp.level} takes no "
                                    f"group; it will not hear version 2 updates", "error")
            elif RIPV2_GROUP not in igmp.groups.get(nic.name, ()):
                igmp.join(format_address(RIPV2_GROUP), nic.name)

    def _messages(self, nic: Interface, rows: Iterable[RipRow]) -> list[RipMessage]:
        config = self.config
        address = nic.primary_address
        own = netaddr.IPNetwork(f"{address}/{nic.addresses[0].prefixlen}")
        entries = update_entries((row.as_rip_route() for row in rows), nic.name, own, version=config.version,
                                 split_horizon=config.split_horizon_on(nic.name), classful_only=self._classful_only)
        # RFC 2453 §4.1: the authentication entry takes the place of the first route entry.
        password = self._password()
        room = MAX_ENTRIES - (password is not None)
        return [RipMessage(Command.RESPONSE, config.version, tuple(entries[i:i + room]), password)
                for i in range(0, len(entries), room)]

    def _send_update(self, nic: Interface, rows: list[RipRow]) -> None:
        for message in self._messages(nic, rows):
            self.node.send_on_link(nic, self._destination(nic), UdpDatagram(RIP_PORT, RIP_PORT, message),
                                   IPProtocol.UDP)

    def _send_request(self, nic: Interface) -> None:
        # RFC 2453 §3.9.1: one entry, address family 0, metric 16, asks for the whole table.
        password = self._password()
        message = RipMessage(Command.REQUEST, self.config.version, (RipEntry(netaddr.IPAddress(0), INFINITY, afi=0),),
                             password)
        self.node.send_on_link(nic, self._destination(nic), UdpDatagram(RIP_PORT, RIP_PORT, message), IPProtocol.UDP)

    def _schedule_update(self) -> None:
        update = self.config.update
        jitter = update * UPDATE_JITTER
        self.update_timer = self.node.clock.schedule(update + self.node.random.uniform(-jitter, jitter),
                                                     self._regular_update)

    def _regular_update(self) -> None:
        rows = self.table()
        for nic in self._talking():
            self._send_update(nic, rows)
        for row in rows:
            row.changed = False
        self._schedule_update()

    def _trigger(self) -> None:
        """Something changed: send a triggered update now, unless one went out too recently (RFC 2453 §3.10.1)."""
        if not self.config.triggered:
            return  # the change waits for the next regular update
        if self.trigger_timer is not None:
            self.trigger_pending = True
            return
        self._send_triggered()

    def _send_triggered(self) -> None:
        changed = [row for row in self.table() if row.changed]
        self.trigger_pending = False
        if not changed:
            self.trigger_timer = None
            return
        for nic in self._talking():
            self._send_update(nic, changed)
        for row in changed:
            row.changed = False
        interval = self.config.triggered_min_interval
        wait = self.node.random.uniform(*interval) if isinstance(interval, tuple) else interval
        self.trigger_timer = self.node.clock.schedule(wait, self._trigger_wait_over)

    def _trigger_wait_over(self) -> None:
        self.trigger_timer = None
        if self.trigger_pending:
            self._send_triggered()

    # Receiving ------------------------------------------------------------------------------------------
    def udp_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        message = packet.rip
        if not self.active or message is None:
            return
        nic = self.node.interface(interface)
        if nic not in self.interfaces():
            return
        if message.is_request:
            self._answer(packet, nic, message)
        elif message.is_response:
            self._learn(packet, nic, message)

    def _answer(self, packet: IPv4Packet, nic: Interface, message: RipMessage) -> None:
        if nic not in self._talking() or not self._authentic(message):
            return
        if len(message.entries) == 1 and message.entries[0].is_whole_table_request:
            messages = self._messages(nic, self.table())
        else:  # RFC 2453 §3.9.1: a request for some entries gets our metric for each, no split horizon
            found = []
            for entry in message.entries:
                row = self._row_for(entry, nic)
                found.append(RipEntry(entry.address, INFINITY if row is None else row.metric, entry.mask,
                                      entry.next_hop, entry.tag, entry.afi))
            messages = [RipMessage(Command.RESPONSE, self.config.version, tuple(found), self._password())]
        udp = packet.udp
        for reply in messages:
            self.node.send_datagram(int(packet.src), UdpDatagram(RIP_PORT, udp.src_port, reply), IPProtocol.UDP,
                                    source=int(nic.primary_address), ttl=1)

    def _row_for(self, entry: RipEntry, nic: Interface) -> RipRow | None:
        return self.rows.get((int(entry.address), self._prefixlen(entry, nic)))

    @property
    def _classful_only(self) -> bool:
        return self.node.personality.rip_v1_subnets == "classful-only"

    def _prefixlen(self, entry: RipEntry, nic: Interface) -> int:
        if entry.mask is not None and int(entry.mask):
            return entry.prefixlen
        return v1_prefixlen(int(entry.address), [f"{a.ip}/{a.prefixlen}" for n in self.node.interfaces
                                                 for a in n.addresses], self._classful_only)

    def _learn(self, packet: IPv4Packet, nic: Interface, message: RipMessage) -> None:
        node = self.node
        source = int(packet.src)
        # RFC 2453 §3.9.2: from port 520, from a neighbour on this link, not from ourselves.
        if packet.udp.src_port != RIP_PORT or not nic.on_link(source) or source in node.own_addresses(nic):
            return
        if not self._authentic(message):
            return
        now = node.clock.now
        cost = self.cost(nic.name)
        changed = False
        for entry in message.entries:
            address = int(entry.address)
            if entry.afi != AFI_INET or not 1 <= entry.metric <= INFINITY:
                continue
            if is_multicast(address) or is_loopback(address) or address >> 28 == 0xF:
                continue
            prefixlen = self._prefixlen(entry, nic)
            if address & ~MASKS[prefixlen] & ALL_ONES:
                if not self._classful_only:
                    continue  # RFC 2453 §3.9.2: host bits under the mask make the entry invalid
                address &= MASKS[prefixlen]  # BIRD clears them
            gateway = source
            if entry.next_hop is not None and int(entry.next_hop) and nic.on_link(int(entry.next_hop)) \
                    and int(entry.next_hop) not in node.own_addresses(nic):
                gateway = int(entry.next_hop)  # RFC 2453 §4.4: a better first hop on the same link
            metric = received_metric(entry.metric, cost)
            changed |= self._consider(address, prefixlen, metric, gateway, nic, source, entry, now)
        if changed:
            self._trigger()

    def _password(self) -> bytes | None:
        """The password field as it travels: 16 octets, padded with zeros (RFC 2453 §4.1)."""
        return None if self.config.password is None else self.config.password.encode().ljust(16, b"\0")

    def _authentic(self, message: RipMessage) -> bool:
        """RFC 2453 §4.1: a router with a password takes only messages with that password."""
        return self.config.password is None or message.password == self._password()

    def _consider(self, network: int, prefixlen: int, metric: int, gateway: int, nic: Interface, source: int,
                  entry: RipEntry, now: float) -> bool:
        """RFC 2453 §3.9.2's rules for one entry; True when the table changed."""
        row = self.rows.get((network, prefixlen))
        neighbour = format_address(source)
        heard = (f"the update from {neighbour} on {nic.name} advertised "
                 f"{format_address(network)}/{prefixlen} at metric {entry.metric}; "
                 f"plus {nic.name}'s cost {self.cost(nic.name)} = {metric}")
        if row is not None and row.connected:
            return False  # a directly connected network is never replaced by a learned route
        if row is None:
            if metric >= INFINITY:
                return False
            row = self.rows[(network, prefixlen)] = RipRow(network, prefixlen, metric, gateway, nic.name, entry.tag)
            self._adopt(row, metric, gateway, nic, source, now, heard + ": a new route", None)
            return True
        same_router = row.learned_from == source
        if same_router and row.metric < INFINITY:
            self._restart_timeout(row)
        if (same_router and metric != row.metric) or metric < row.metric:
            if metric >= INFINITY:
                self._retire(row, heard + ": the route it taught is now unreachable")
            else:
                old = row.metric
                why = "its metric changed" if same_router else f"better than metric {old} via " \
                                                               f"{format_address(row.next_hop)}"
                self._adopt(row, metric, gateway, nic, source, now, f"{heard}: {why}", old)
            return True
        return False

    def _adopt(self, row: RipRow, metric: int, gateway: int, nic: Interface, source: int, now: float, why: str,
               old: int | None) -> None:
        node = self.node
        clock = node.clock
        clock.cancel(row.garbage)
        row.garbage = None
        row.metric, row.next_hop, row.interface, row.learned_from, row.learned_at = metric, gateway, nic.name, \
            source, now
        row.changed = True
        row.explanation = f"{self.node.clock.now:.3f} s: {why}"
        self._restart_timeout(row)
        label = node.personality.interface_label(nic, near=gateway)
        route = Route(row.prefix, gateway=format_address(gateway), interface=label, metric=metric,
                      origin=RouteOrigin.RIP)
        if row.route is not None and row.route != route:
            node.withdraw_route(row.route)
        try:
            node.install_route(route)
            row.route = route
        except WorkbookError as error:  # e.g. a static route to the same place through the same gateway
            row.route = None
            node.log_event(f"RIP could not install {route}: {error}", "error")
        self._record(row, old, metric, why)

    def _restart_timeout(self, row: RipRow) -> None:
        clock = self.node.clock
        clock.cancel(row.timeout)
        row.timeout = clock.schedule(self.config.timeout, self._timed_out, row)

    def _timed_out(self, row: RipRow) -> None:
        row.timeout = None
        self._retire(row, f"no update repeated {row.prefix} for "
                          f"{self.config.timeout:g} s: timed out (metric 16)")
        self._trigger()

    def _retire(self, row: RipRow, why: str) -> None:
        """RFC 2453 §3.8's deletion process: metric 16, out of the route table, garbage timer started."""
        clock = self.node.clock
        old = row.metric
        clock.cancel(row.timeout)
        row.timeout = None
        row.metric = INFINITY
        row.changed = True
        row.explanation = f"{self.node.clock.now:.3f} s: {why}"
        if row.route is not None:
            self.node.withdraw_route(row.route)
            row.route = None
        clock.cancel(row.garbage)
        row.garbage = clock.schedule(self.config.garbage, self._collect, row)
        self._record(row, old, INFINITY, why)

    def _collect(self, row: RipRow) -> None:
        key = (row.network, row.prefixlen)
        if self.rows.get(key) is row:
            del self.rows[key]
            self._record(row, INFINITY, None, f"{row.prefix} garbage-collected after "
                                              f"{self.config.garbage:g} s at metric 16")

    def _connect(self, nic: Interface, announce: bool = False) -> None:
        now = self.node.clock.now
        for address in nic.addresses:
            network = int(address.network)
            key = (network, address.prefixlen)
            row = self.rows.get(key)
            if row is not None and row.connected and row.metric < INFINITY:
                continue
            if row is not None:
                self.node.clock.cancel(row.timeout)
                self.node.clock.cancel(row.garbage)
                if row.route is not None:
                    self.node.withdraw_route(row.route)
            why = f"{format_address(network)}/{address.prefixlen} is directly connected on {nic.name}"
            row = self.rows[key] = RipRow(network, address.prefixlen, CONNECTED_METRIC, None, nic.name,
                                          learned_at=now, changed=announce, explanation=f"{now:.3f} s: {why}")
            self._record(row, None, CONNECTED_METRIC, why)

    def _record(self, row: RipRow, old: int | None, new: int | None, why: str) -> None:
        self.history.append(RipChange(
            self.node.clock.now, self.node.name, row.prefix, old, new,
            None if row.next_hop is None else format_address(row.next_hop), row.interface,
            None if row.learned_from is None else format_address(row.learned_from), why))

    def __repr__(self) -> str:
        state = "off" if self.config is None else f"v{self.config.version}, {len(self.rows)} routes"
        return f"<Rip on {self.node.name}: {state}>"


def timeline(net: Any, routers: Iterable[str] | None = None) -> list[RipChange]:
    """Every change of every RIP table (or of ``routers``' tables) in time order: who learned what, when, from whom.

    >>> from workbook.sim import Network
    >>> net = Network.from_dict({"segments": [{"name": "l12"}], "routers": [
    ...     {"name": "R1", "interfaces": [{"name": "to2", "segment": "l12", "addresses": ["10.0.12.1/24"]}],
    ...      "rip": {}},
    ...     {"name": "R2", "interfaces": [{"name": "to1", "segment": "l12", "addresses": ["10.0.12.2/24"]}],
    ...      "rip": {}}]}, personality="linux")
    >>> [str(change) for change in timeline(net)][:1]
    ['   0.000 s R1: 10.0.12.0/24 is directly connected on to2']
    """
    names = set(routers) if routers is not None else None
    changes = [change for node in net.nodes.values() if names is None or node.name in names
               for change in node.protocols["rip"].history]
    return sorted(changes, key=lambda change: change.time)


def run_until_converged(net: Any, quiet: float | None = None, limit: float = 3600.0) -> float:
    """Run the clock until no RIP table has changed for ``quiet`` seconds; returns when the last change was.

    ``quiet`` defaults to twice the longest update time of any RIP router (after that
    long without a change, every router has told every neighbour everything it knows,
    even when a regular update came late by its random offset).
    A network that keeps changing (counting to infinity, a flapping link) stops at
    ``limit`` simulated seconds.
    """
    rips = [node.protocols["rip"] for node in net.nodes.values() if node.protocols["rip"].enabled]
    if quiet is None:
        quiet = 2 * max((rip.config.update for rip in rips), default=UPDATE_TIME)
    start = net.now
    while net.now - start < limit:
        last = max((rip.history[-1].time for rip in rips if rip.history), default=start)
        if net.now - last >= quiet:
            return last
        net.run(min(quiet, max(last + quiet - net.now, 0.001)))
    return max((rip.history[-1].time for rip in rips if rip.history), default=start)

