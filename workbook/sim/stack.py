"""The seam between a simulated node and its protocols: node services, a protocol base, and the protocol table.

A real stack keeps each protocol in a module of its own and finds it through
a table: the Linux kernel registers a ``packet_type`` per ethertype (ARP,
IPv4) and an ``inet_protocol`` per IP protocol number (ICMP, IGMP, UDP);
scapy binds layers the same way (``bind_layers(UDP, RIP, dport=520)``).
The simulator does the same:

* a :class:`Protocol` owns its state and declares what it handles
  (``ethertypes``, ``ip_protocols``, ``udp_ports``), what it does when its
  node starts and stops, how long its start-up takes (:meth:`Protocol.settle_time`),
  and its scenario keys (:class:`ScenarioKey`) with their validation,
  defaults and a valid example;
* a node (:class:`~workbook.sim.node.SimHost`) offers the services of
  :class:`NodeServices` (transmit a frame, send a datagram or an ICMP
  message, the clock, the log, link-layer groups, routes) and dispatches
  every frame and datagram through the tables built from :data:`PROTOCOLS`;
  it keeps no protocol's state.

Adding a protocol is one module and one line, ``PROTOCOLS.register(MyProtocol)``
(see ``docs/adding-a-protocol.md``). Every node of every network built
afterwards runs it:

>>> from workbook.sim.protocols import PROTOCOLS
>>> [protocol.name for protocol in PROTOCOLS]
['arp', 'icmp', 'udp', 'igmp', 'rip']
>>> PROTOCOLS.for_ethertype(0x0806).name, PROTOCOLS.for_ip_protocol(2).name
('arp', 'igmp')
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from workbook.errors import ScenarioError
from workbook.net.schema import HOST, INTERFACE, at

if TYPE_CHECKING:
    import random

    import netaddr

    from workbook.net.interfaces import Interface
    from workbook.net.personalities import Personality
    from workbook.net.route_get import RouteGet
    from workbook.net.routes import Route
    from workbook.sim.clock import Clock
    from workbook.sim.frames import Frame, IcmpType, IPv4Packet
    from workbook.sim.trace import Hop, PathTrace

__all__ = ["PROTOCOLS", "NodeServices", "Protocol", "ProtocolTable", "ScenarioKey", "apply_keys",
           "saved_interface_keys", "saved_keys"]


class NodeServices(typing.Protocol):
    """What a protocol may ask of the node it runs on (a :class:`~workbook.sim.node.SimHost` provides it)."""

    name: str
    personality: Personality
    interfaces: list[Interface]
    running: bool
    #: The stack's settings by name (Linux's net.ipv4.conf.all.*: rp_filter, arp_ignore, ...; else forwarding only).
    sysctl: dict[str, int]
    #: Interface names whose cable is out, whose IP is off (a conflict), whose address is still tentative.
    unplugged: set[str]
    disabled: set[str]
    tentative: set[str]

    @property
    def addresses(self) -> list[netaddr.IPAddress]: ...

    def interface(self, name_or_address: str) -> Interface: ...

    def route_get(self, destination: object, source: object = None) -> RouteGet: ...

    # The wire and the IP layer
    def transmit(self, nic: Interface, eth_dst: netaddr.EUI, ethertype: int, *, arp: Any = None,
                 ip: IPv4Packet | None = None, trace: PathTrace | None = None) -> Frame | None:
        """Put one frame on ``nic``'s segment (None when the cable is out or the stack stopped)."""

    def send_datagram(self, destination: int, payload: Any, protocol: int, *, source: int | None = None,
                      ttl: int | None = None, trace: PathTrace | None = None) -> PathTrace:
        """Route and send a datagram, as a socket would; returns its trace."""

    def send_on_link(self, nic: Interface, destination: int, payload: Any, protocol: int, *, ttl: int = 1,
                     tos: int = 0, router_alert: bool = False, trace: PathTrace | None = None) -> Frame | None:
        """Send a datagram to a group or broadcast address straight out of ``nic``: no route is looked up."""

    def send_icmp(self, about: IPv4Packet, icmp_type: IcmpType, code: int, trace: PathTrace | None,
                  gateway: int | None = None) -> None:
        """Tell the sender of ``about`` what went wrong (an ICMP error or redirect)."""

    def can_send(self, nic: Interface, hop: Hop) -> bool:
        """May a frame leave ``nic`` now? If not, ``hop`` records why."""

    def deliver_up(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        """Hand a datagram that reached this node to the protocol of its number."""

    def ip_enabled(self, interface: str) -> bool: ...

    def disable_ip(self, interface: Interface, why: str) -> None: ...

    def set_tentative(self, interface: Interface, tentative: bool) -> None: ...

    def own_addresses(self, nic: Interface) -> list[int]: ...

    # Time, randomness, what people see
    #: The network's clock: ``clock.now``, ``clock.schedule(delay, action, *args)``, ``clock.cancel(event)``.
    clock: Clock

    @property
    def random(self) -> random.Random: ...

    def log_event(self, text: str, kind: str = "info") -> None: ...

    def notify(self, text: str) -> None: ...

    # Link-layer groups and routes
    def join_link_group(self, nic: Interface, mac: netaddr.EUI) -> None: ...

    def link_groups(self, nic: Interface) -> list[netaddr.EUI]: ...

    def leave_link_group(self, nic: Interface, mac: netaddr.EUI) -> None: ...

    def accept_all_multicast(self, nic: Interface, accept: bool) -> None: ...

    def install_route(self, route: Route) -> None: ...

    def withdraw_route(self, route: Route) -> None: ...


@dataclass(frozen=True)
class ScenarioKey:
    """One key a protocol reads from a host's entry in a scenario, and writes back when the network is saved.

    ``default`` is a value or a function of the node (e.g. a personality
    trait); ``choices`` (when given) are the only values allowed, ``kind``
    the type every value must have, and ``why_bad(value, node)`` (when
    given) says what else is wrong with a value for that node, or None. ``load`` turns a checked value
    into the protocol's own and may refuse it; ``save`` reads the value back
    (default: the attribute ``attribute``, else the key's name). A key with
    ``omit_when_empty`` is left out of a saved file while its value is empty
    or false. A key that is ``applied_after_start`` (group memberships) is
    applied by :meth:`~workbook.sim.network.Network.from_dict` once its node runs.
    """

    name: str
    example: Any
    default: Any = None
    choices: tuple[Any, ...] = ()
    kind: type | tuple[type, ...] = object
    help: str = ""
    attribute: str = ""
    why_bad: Callable[[Any, Any], str | None] | None = None
    load: Callable[[Any, Any], Any] | None = None
    save: Callable[[Any], Any] | None = None
    omit_when_empty: bool = False
    applied_after_start: bool = False
    level: str = "host"

    def __post_init__(self) -> None:
        if self.level not in ("host", "interface"):
            raise ValueError(f"ScenarioKey {self.name!r}: level {self.level!r} is not 'host' or 'interface'")

    @property
    def field(self) -> str:
        """The protocol attribute that holds the value."""
        return self.attribute or self.name

    def default_for(self, node: Any) -> Any:
        return self.default(node) if callable(self.default) else self.default

    def apply(self, owner: Any, value: Any) -> None:
        """Give ``owner`` (a protocol, or the node) this key's ``value``, already checked."""
        if self.load is not None:
            self.load(owner, value)
        else:
            setattr(owner, self.field, value)

    def check(self, value: Any, node: Any) -> Any:
        """``value`` as the protocol keeps it; a :class:`ScenarioError` names key, value and example."""
        if isinstance(value, bool) and self.kind is not bool and bool not in _as_tuple(self.kind):
            self.refuse(value, node)
        if not isinstance(value, self.kind) or (self.choices and value not in self.choices):
            self.refuse(value, node)
        problem = None if self.why_bad is None else self.why_bad(value, node)
        if problem:
            self.refuse(value, node, problem)
        return value

    def refuse(self, value: Any, node: Any, why: str = "") -> None:
        """Raise the :class:`ScenarioError` for a bad ``value``: the key, the value, why, and a valid example."""
        name = getattr(node, "name", node)
        allowed = why or (f"must be one of {', '.join(map(repr, self.choices))}" if self.choices else
                          f"must be {_kind_words(self.kind)}")
        help_text = f" ({self.help})" if self.help else ""
        raise ScenarioError(f"{self.name} {value!r} of {name!r} {allowed}{help_text}; e.g. "
                            f"{self.name}: {_yaml(self.example)}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a text", list: "a list",
               dict: "a mapping", type(None): "empty"}


def _kind_words(kind: type | tuple[type, ...]) -> str:
    return " or ".join(_KIND_WORDS.get(k, k.__name__) for k in _as_tuple(kind))


def _yaml(value: Any) -> str:
    """A value as a scenario file writes it: true, 2, 'rfc5227', [eth0]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def apply_keys(owner: Any, keys: tuple[ScenarioKey, ...], data: dict[str, Any], node: Any,
               after_start: bool = False) -> None:
    """Check and apply the ``keys`` present in ``data`` to ``owner`` (a protocol, or the node itself).

    A key of level 'interface' is looked for in each entry of ``data['interfaces']``.
    """
    for key in keys:
        if key.applied_after_start is not after_start:
            continue
        if key.level == "interface":
            entries = data.get("interfaces")
            checked = {}
            for number, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict) and key.name in entry:
                    with at("interfaces", number):
                        checked[entry["name"]] = key.check(entry[key.name], node)
            if checked:
                key.apply(owner, checked)
        elif key.name in data:
            key.apply(owner, key.check(data[key.name], node))


def _saved_value(owner: Any, key: ScenarioKey) -> Any:
    return key.save(owner) if key.save is not None else getattr(owner, key.field)


def saved_keys(owner: Any, keys: tuple[ScenarioKey, ...]) -> dict[str, Any]:
    """The host-level ``keys`` of ``owner`` as a scenario file keeps them."""
    found = {}
    for key in keys:
        if key.level != "host":
            continue
        value = _saved_value(owner, key)
        if value or not key.omit_when_empty:
            found[key.name] = value
    return found


def saved_interface_keys(owner: Any, keys: tuple[ScenarioKey, ...]) -> dict[str, dict[str, Any]]:
    """The interface-level ``keys`` of ``owner`` as a scenario file keeps them: by interface name."""
    found: dict[str, dict[str, Any]] = {}
    for key in keys:
        if key.level != "interface":
            continue
        for nic, value in (_saved_value(owner, key) or {}).items():
            if value or not key.omit_when_empty:
                found.setdefault(nic, {})[key.name] = value
    return found


class Protocol:
    """A protocol running on one node. Subclasses declare what they handle and override the hooks they need.

    ``node`` is the :class:`NodeServices` the protocol uses for everything
    outside itself; the protocol's own state lives on the protocol object.
    """

    #: The protocol's name: the key of ``node.protocols`` and of the table.
    name: ClassVar[str]
    #: Ethertypes whose frames :meth:`frame_received` gets (ARP: 0x0806).
    ethertypes: ClassVar[tuple[int, ...]] = ()
    #: IP protocol numbers whose datagrams :meth:`datagram_received` gets (ICMP 1, IGMP 2, UDP 17).
    ip_protocols: ClassVar[tuple[int, ...]] = ()
    #: UDP ports on which :meth:`udp_received` gets datagrams (RIP: 520).
    udp_ports: ClassVar[tuple[int, ...]] = ()
    #: The scenario keys this protocol reads and saves.
    keys: ClassVar[tuple[ScenarioKey, ...]] = ()

    def __init__(self, node: NodeServices) -> None:
        self.node = node
        for key in self.keys:
            if not key.applied_after_start:
                key.apply(self, key.default_for(node))

    # Life cycle --------------------------------------------------------------------------------
    def start(self) -> None:
        """The node's stack started (its route tables are built; it runs)."""

    def stop(self) -> None:
        """The node's stack stopped: forget what a real stack forgets, cancel timers."""

    def carrier_changed(self, nic: Interface, up: bool) -> None:
        """``nic``'s cable was pulled out (``up`` False) or plugged back in."""

    def settle_time(self) -> float:
        """Seconds after the node starts until this protocol's start-up exchange is over."""
        return 0.0

    def settled(self) -> bool:
        """Is this protocol's start-up over (nothing tentative, nothing still to announce)?"""
        return True

    # Input ---------------------------------------------------------------------------------------
    def frame_received(self, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
        """A frame of one of :attr:`ethertypes` arrived on ``nic``."""

    def datagram_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        """A datagram of one of :attr:`ip_protocols` reached this node's IP layer on ``interface``."""

    def udp_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        """A UDP datagram for one of :attr:`udp_ports` arrived on ``interface``."""

    # Scenario keys --------------------------------------------------------------------------------
    def configure(self, data: dict[str, Any], after_start: bool = False) -> None:
        """Apply this protocol's keys found in a host's scenario entry (each checked first)."""
        apply_keys(self, self.keys, data, self.node, after_start)

    def saved(self) -> dict[str, Any]:
        """This protocol's host-level keys as a scenario file keeps them."""
        return saved_keys(self, self.keys)

    def saved_by_interface(self) -> dict[str, dict[str, Any]]:
        """This protocol's interface-level keys as a scenario file keeps them, by interface name."""
        return saved_interface_keys(self, self.keys)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} on {self.node.name}>"


class ProtocolTable:
    """Which protocols every node runs, in start order, and who handles which ethertype, IP protocol and port.

    Like the kernel's ``ptype_base`` and ``inet_protos`` arrays, one
    handler per number: registering a second handler for a taken number is
    refused.
    """

    def __init__(self) -> None:
        self._protocols: list[type[Protocol]] = []
        self._keys: tuple[ScenarioKey, ...] = ()
        self._key_names: frozenset[str] = frozenset()

    def register(self, protocol: type[Protocol]) -> type[Protocol]:
        """Add ``protocol`` to every node built from now on; returns it (usable as a decorator)."""
        taken = {key.name: p for p in self._protocols for key in p.keys}
        for number, owner, what in self._claims(protocol):
            raise ValueError(f"{protocol.__name__} cannot handle {what} {number:#x}: {owner.__name__} does")
        for key in protocol.keys:
            configuration = (INTERFACE if key.level == "interface" else HOST).names()
            if key.name in configuration:
                raise ValueError(f"{protocol.__name__} declares scenario key {key.name!r}, which a "
                                 f"{key.level} entry already has in workbook.net.schema")
            if key.name in taken:
                raise ValueError(f"{protocol.__name__} declares scenario key {key.name!r}, "
                                 f"which {taken[key.name].__name__} already reads")
        if any(p.name == protocol.name for p in self._protocols):
            raise ValueError(f"a protocol called {protocol.name!r} is already registered")
        self._protocols.append(protocol)
        self._index_keys()
        return protocol

    def _claims(self, protocol: type[Protocol]) -> Iterator[tuple[int, type[Protocol], str]]:
        for other in self._protocols:
            for number in set(protocol.ethertypes) & set(other.ethertypes):
                yield number, other, "ethertype"
            for number in set(protocol.ip_protocols) & set(other.ip_protocols):
                yield number, other, "IP protocol"
            for number in set(protocol.udp_ports) & set(other.udp_ports):
                yield number, other, "UDP port"

    def unregister(self, protocol: type[Protocol]) -> None:
        """Remove ``protocol`` (for tests that add a toy protocol for a while)."""
        self._protocols.remove(protocol)
        self._index_keys()

    def _index_keys(self) -> None:
        self._keys = tuple(key for p in self._protocols for key in p.keys)
        self._key_names = frozenset(key.name for key in self._keys)

    def __iter__(self) -> Iterator[type[Protocol]]:
        return iter(list(self._protocols))

    def __len__(self) -> int:
        return len(self._protocols)

    def keys(self) -> tuple[ScenarioKey, ...]:
        """Every protocol's scenario keys, in table order."""
        return self._keys

    def key_names(self) -> frozenset[str]:
        return self._key_names

    def for_ethertype(self, ethertype: int) -> type[Protocol] | None:
        return next((p for p in self._protocols if ethertype in p.ethertypes), None)

    def for_ip_protocol(self, number: int) -> type[Protocol] | None:
        return next((p for p in self._protocols if number in p.ip_protocols), None)

    def __repr__(self) -> str:
        return f"<ProtocolTable {', '.join(p.name for p in self._protocols)}>"


#: The table every node's protocols come from (filled in by :mod:`workbook.sim.protocols`).
PROTOCOLS = ProtocolTable()
