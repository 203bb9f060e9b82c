"""A simulated network: segments, hosts and routers on one clock (chapter 4).

>>> from workbook import Network
>>> net = Network.from_scenario("seed-lan")
>>> trace = net.send("nt-host", "172.17.1.1")
>>> trace.delivered, trace.receivers, [hop.node for hop in trace.hops]
(True, ['far-host'], ['nt-host', 'router', 'far-host'])
>>> [str(hop.frame.eth_dst) for hop in trace.hops if hop.frame]
['00-DD-01-00-00-01', '00-DD-02-00-00-09']

The datagram keeps 172.16.112.123 → 172.17.1.1 all the way; each frame
around it is addressed to the next hop's MAC only.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netaddr

from workbook.errors import ScenarioError, SimulationError, TopologyError
from workbook.ledger import Source, constant
from workbook.net.addresses import parse_address
from workbook.net.host import _saved_routes
from workbook.net.interfaces import Interface
from workbook.net.personalities import Personality
from workbook.net.route_table import RouteTable
from workbook.net.scenario import load_file, load_scenario
from workbook.net.schema import NETWORK, NODE, NODE_INTERFACE, SEGMENT, Field, at
from workbook.sim.clock import DEFAULT_MAX_EVENTS, Clock
from workbook.sim.frames import ArpPacket, Frame, IcmpMessage, IcmpType, IPProtocol, IPv4Packet, UdpDatagram
from workbook.sim.node import NODE_KEYS, SimHost
from workbook.sim.protocols import PROTOCOLS
from workbook.sim.trace import PathTrace
from workbook.sim.udp import EPHEMERAL_PORT, check_port

__all__ = ["LogEntry", "Network", "Segment"]

_PROTOCOLS = {"icmp": IPProtocol.ICMP, "igmp": IPProtocol.IGMP, "tcp": IPProtocol.TCP, "udp": IPProtocol.UDP}
#: The port a datagram from :meth:`Network.send` goes to unless told otherwise: the discard service.
DISCARD_PORT = constant("UDP port of the discard service", 9, Source.rfc(863))


def _simulation_fields(level: str) -> list[Field]:
    """The schema's view of the node's own keys and every registered protocol's, at ``level``."""
    owners = [("node", NODE_KEYS), *((protocol.name, protocol.keys) for protocol in PROTOCOLS)]
    return [Field(key.name, key.example, key.help or key.name.replace("_", " "), declared_by=owner)
            for owner, keys in owners for key in keys if key.level == level]


# The simulation's keys are part of the one scenario schema: a node is a host plus these.
NODE.plug(lambda: _simulation_fields("host"), version=PROTOCOLS.keys)
NODE_INTERFACE.plug(lambda: _simulation_fields("interface"), version=PROTOCOLS.keys)


def simulation_keys() -> frozenset[str]:
    """The scenario keys of a host beyond its configuration: the node's own and every registered protocol's."""
    return NODE.plugged_names()


#: Simulated seconds a frame takes from one NIC to the others on its segment.
PROPAGATION_DELAY = constant("simulator: seconds a frame takes from one NIC to the others of its segment", 1e-5,
                             Source.model("about 2 km of cable; no collisions, no queues"))


@dataclass(frozen=True)
class LogEntry:
    """One line of a host's system log (``kind`` 'error' for what NT's event viewer showed in red)."""

    time: float
    host: str
    text: str
    kind: str = "info"

    def __str__(self) -> str:
        return f"[{self.time:9.3f} s] {self.host}: {self.text}"


class Segment:
    """A broadcast domain: every frame put on it reaches every other NIC attached to it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ports: list[tuple[SimHost, Interface]] = []
        self._by_mac: dict[netaddr.EUI, list[tuple[SimHost, Interface]]] = {}

    def attach(self, host: SimHost, nic: Interface) -> None:
        self.ports.append((host, nic))
        self._by_mac.setdefault(nic.mac, []).append((host, nic))

    @property
    def nodes(self) -> list[str]:
        return list(dict.fromkeys(host.name for host, _ in self.ports))

    def __repr__(self) -> str:
        return f"<Segment {self.name}: {', '.join(f'{h.name}.{n.name}' for h, n in self.ports)}>"


class Network:
    """Segments, hosts and routers, and the clock that drives them.

    Build one with :meth:`from_dict` (or a scenario file); send with
    :meth:`send`, which returns a :class:`~workbook.sim.trace.PathTrace`;
    let time pass with :meth:`run`. ``frames`` and ``log`` keep everything
    that happened so far. Randomness (IGMP report delays, RFC 5227 probe
    timing) comes from one ``random.Random(seed)``.
    """

    def __init__(self, personality: str | Personality = "nt4", seed: int = 0,
                 max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self.personality = personality
        self.clock = Clock(max_events)
        self.random = random.Random(seed)
        self.segments: dict[str, Segment] = {}
        self.nodes: dict[str, SimHost] = {}
        self.frames: list[Frame] = []
        self.log: list[LogEntry] = []
        self._macs = 0
        self._identifications = itertools.count(1)

    # Building ---------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], personality: str | Personality | None = None, seed: int | None = None,
                  settle: bool = True) -> Network:
        """A network from a scenario dict::

            {"segments": [{"name": "lan"}, {"name": "wan"}],
             "hosts": [{"name": "a", "interfaces": [{"name": "eth0", "segment": "lan",
                        "addresses": ["10.0.0.2/24"], "gateway": "10.0.0.1"}]}],
             "routers": [{"name": "r", "interfaces": [...two interfaces...]}]}

        Host entries are :meth:`Host.from_dict` dicts whose interfaces name a
        segment, plus the simulation's keys: the node's own (``running``,
        default true; ``unplugged`` and, on routers, ``anti_spoofing``:
        interface names) and those each protocol declares
        (:attr:`workbook.sim.stack.Protocol.keys`), e.g. ``duplicate_detection``,
        ``redirects``, ``igmp_version`` or ``groups`` (an interface name to the
        host groups it joins once started). A personality's traits give each
        default. Every key is declared once, in :mod:`workbook.net.schema`
        (the protocols' plugged in); ``docs/scenario-format.md`` lists them all,
        and an error names its place (``hosts[2].interfaces[0]: ...``).
        ``personality`` overrides every node's own. Hosts start at time 0;
        with ``settle`` the clock then runs until every protocol's start-up
        (the duplicate address checks) is over. :meth:`to_dict` writes the
        same shape back.
        """
        NETWORK.check(data, "network")
        network = cls(personality or data.get("personality", "nt4"),
                      seed if seed is not None else int(data.get("seed", 0)))
        forced = personality is not None
        segments = data["segments"]
        if not isinstance(segments, list) or not segments:
            raise ScenarioError("a network needs a list of segments, e.g. [{'name': 'lan'}]")
        for number, segment in enumerate(segments):
            with at("segments", number):
                SEGMENT.check(segment, "segment")
                network.add_segment(segment["name"])
        for key, router in (("hosts", False), ("routers", True)):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise ScenarioError(f"{key} must be a list of dicts, e.g. [{{'name': 'a', 'interfaces': [...]}}]")
            for number, entry in enumerate(entries):
                with at(key, number):
                    network.add_node(entry, router=router, personality=personality if forced else None, start=False)
        for node in network.nodes.values():
            if node.starts_with_network:
                node.start()
        for key in ("hosts", "routers"):
            for number, entry in enumerate(data.get(key) or []):
                with at(key, number):
                    network._load_after_start(entry, data.get("personality", "nt4"))
        if settle:
            network.settle()
        return network

    def _load_after_start(self, entry: dict[str, Any], personality: str) -> None:
        """What of a node's entry applies once it runs: its saved table, then e.g. the groups it joins."""
        node = self.nodes[entry["name"]]
        saved_personality = entry.get("personality") or personality
        if entry.get("table") is not None and node.running and node.personality.name == saved_personality:
            node.table = RouteTable(_saved_routes(entry["table"], "table", node.name),
                                    strategy=node.personality.strategy)
        node.configure(entry, after_start=True)

    def to_dict(self, include_tables: bool = True) -> dict[str, Any]:
        """The network as a scenario dict that :meth:`from_dict` reads back.

        It holds the configuration, each node's route table as it is now (with
        ``include_tables``), who is running or unplugged, and group memberships;
        not the moment's ARP caches, frames or log, which a new run rebuilds.

        >>> net = Network.from_scenario("seed-lan")
        >>> _ = net.host("nt-host").route("add 10.0.0.0 MASK 255.0.0.0 172.16.112.1")
        >>> again = Network.from_dict(net.to_dict())
        >>> list(again.host("nt-host").table) == list(net.host("nt-host").table)
        True
        """
        data: dict[str, Any] = {"personality": getattr(self.personality, "name", self.personality),
                                "segments": [{"name": name} for name in self.segments], "hosts": [], "routers": []}
        node_keys, interface_keys = NODE.saved_names(), NODE_INTERFACE.saved_names()
        for node in self.nodes.values():
            entry = node.to_dict(include_table=include_tables)
            entry.update(node.scenario_keys())
            by_interface = node.interface_scenario_keys()
            for interface in entry["interfaces"]:
                interface.update(by_interface.get(interface["name"], {}))
                if not interface.keys() <= interface_keys:
                    NODE_INTERFACE.saving(interface)  # says which key the schema lacks
            if not entry.keys() <= node_keys:
                NODE.saving(entry)
            data["routers" if node.forwarding else "hosts"].append(entry)
        return NETWORK.saving(data)

    @classmethod
    def from_file(cls, path: str | Path, personality: str | Personality | None = None, seed: int | None = None
                  ) -> Network:
        """A network from a JSON or YAML file."""
        return cls.from_dict(load_file(path), personality, seed)

    @classmethod
    def from_scenario(cls, name: str, personality: str | Personality | None = None, seed: int | None = None
                      ) -> Network:
        """A network shipped with the workbook, e.g. 'seed-lan'."""
        return cls.from_dict(load_scenario(name), personality, seed)

    def add_segment(self, name: str) -> Segment:
        """A new, empty segment."""
        if not isinstance(name, str) or not name.strip():
            raise TopologyError(f"segment name {name!r} must be a non-empty text; e.g. 'lan'")
        if name in self.segments:
            raise TopologyError(f"two segments are called {name!r}; give each segment its own name")
        self.segments[name] = Segment(name)
        return self.segments[name]

    def add_node(self, data: dict[str, Any], router: bool = False, personality: str | Personality | None = None,
                 start: bool = True) -> SimHost:
        """Add a host (or, with ``router``, a router) from a dict; it starts at once unless ``start`` is False."""
        what = "router" if router else "host"
        NODE.check(data, what)
        name = data["name"]
        if name in self.nodes:
            raise TopologyError(f"two nodes are called {name!r}; give each host and router its own name")
        sim_keys = NODE.plugged_names()
        host_data = {k: v for k, v in data.items() if k not in sim_keys}
        if router:
            host_data.setdefault("forwarding", True)
        interface_keys = NODE_INTERFACE.plugged_names()
        raw_interfaces = host_data.get("interfaces")
        for number, interface in enumerate(raw_interfaces if isinstance(raw_interfaces, list) else []):
            if isinstance(interface, dict):
                with at("interfaces", number):
                    NODE_INTERFACE.check(interface, f"interface of {what} {name!r}")
                    self._check_segment(interface, name)
        if interface_keys and isinstance(raw_interfaces, list):
            host_data["interfaces"] = [{k: v for k, v in i.items() if k not in interface_keys}
                                       if isinstance(i, dict) else i for i in raw_interfaces]
        node = SimHost.from_dict(host_data, personality or data.get("personality") or self.personality)
        node.configure(data)  # checks everything before the network changes at all
        for nic in node.interfaces:
            if nic.mac is not None and int(nic.mac) == 0:
                raise TopologyError(f"interface {nic.name!r} of {name!r} has MAC {nic.mac}, which no NIC may "
                                    f"have (ARP uses it for 'unknown'); leave it out or give e.g. 00-DD-01-0F-7A-B5")
        for nic in node.interfaces:
            if nic.mac is None:
                nic.mac = self._next_mac()
        self.nodes[node.name] = node
        node.network = self
        node.clock = self.clock
        for nic in node.interfaces:
            self.segments[nic.segment].attach(node, nic)
        if start and node.starts_with_network:
            node.start()
        return node

    def _check_segment(self, interface: dict[str, Any], host: str) -> None:
        segment = interface.get("segment")
        if segment is None:
            raise TopologyError(f"interface {interface.get('name')!r} of {host!r} names no segment; "
                                f"add e.g. 'segment': '{next(iter(self.segments), 'lan')}'")
        if not isinstance(segment, str):
            raise TopologyError(f"segment {segment!r} of interface {interface.get('name')!r} of {host!r} must be the "
                                f"name of a segment; e.g. '{next(iter(self.segments), 'lan')}'")
        if segment not in self.segments:
            raise TopologyError(f"interface {interface.get('name')!r} of {host!r} is on segment {segment!r}, "
                                f"which the network lacks; its segments: {', '.join(self.segments) or 'none'}")

    def _next_mac(self) -> netaddr.EUI:
        # Locally administered unicast addresses (second-lowest bit of the first octet set).
        self._macs += 1
        return netaddr.EUI(0x02574B000000 + self._macs)

    def settle(self) -> None:
        """Run the clock until every running node's protocols are through their start-up (duplicate checks)."""
        self.run(max((protocol.settle_time() for node in self.nodes.values() if node.running
                      for protocol in node.protocols.values()), default=0.0))

    # Using it ------------------------------------------------------------------------------
    def host(self, name: str) -> SimHost:
        """The host or router called ``name``."""
        if isinstance(name, SimHost):
            return name
        try:
            return self.nodes[name]
        except (KeyError, TypeError):
            raise TopologyError(f"the network has no host or router {name!r}; it has "
                                f"{', '.join(self.nodes) or 'none'}") from None

    @property
    def hosts(self) -> list[SimHost]:
        return [node for node in self.nodes.values() if not node.forwarding]

    @property
    def routers(self) -> list[SimHost]:
        return [node for node in self.nodes.values() if node.forwarding]

    @property
    def now(self) -> float:
        """Simulated seconds since the network was built."""
        return self.clock.now

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass: timers fire, caches age, IGMP queries go out."""
        self.clock.run(seconds)

    def send(self, host: str | SimHost, destination: object, source: object = None, ttl: int | None = None,
             payload: Any = None, protocol: str | int = "udp", dst_port: int = DISCARD_PORT,
             src_port: int = EPHEMERAL_PORT) -> PathTrace:
        """Send one datagram from ``host`` and follow it to its end: a :class:`PathTrace`.

        ``source`` binds the sender to one of its addresses (else the stack
        chooses, as for a socket bound to ANY). ``ttl`` None means the stack's
        default (64 for Linux, 128 for Windows and NT 4.0). A UDP datagram goes from
        ``src_port`` to ``dst_port`` (by default the discard service, 9);
        ``protocol`` 'icmp' sends an echo request (a ping).
        """
        node = self.host(host)
        if not node.running:
            raise SimulationError(f"host {node.name!r} is stopped; start it first: net.host({node.name!r}).start()")
        if node.interfaces and all(nic.name in node.disabled for nic in node.interfaces):
            raise SimulationError(f"IP is disabled on every interface of {node.name!r} (an address conflict); "
                                  f"give it a free address and restart it")
        target = parse_address(destination, what="destination", example="172.17.1.1")
        bound = None
        if source is not None and source not in ("0.0.0.0", "ANY", "any"):
            bound = parse_address(source, what="source", example=str(node.addresses[0]) if node.addresses else "")
            owner = node.owner_of(bound)
            if owner is not None and owner.name in node.disabled:
                raise SimulationError(f"source {source} is on {owner.name} of {node.name!r}, whose IP is disabled "
                                      f"(an address conflict); bind to another address")
        if ttl is None:
            ttl = node.personality.default_ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= 255:
            raise SimulationError(f"ttl {ttl!r} must be a whole number from 1 to 255; e.g. 64")
        number = _protocol(protocol)
        if number == IPProtocol.ICMP:
            payload = IcmpMessage(IcmpType.ECHO_REQUEST, data=payload)
        elif number == IPProtocol.UDP:
            payload = UdpDatagram(check_port(src_port, "source port"), check_port(dst_port, "destination port"),
                                  payload)
        trace = PathTrace(node.name)
        node.originate(target, bound, ttl, payload, number, trace)
        self.clock.run_until_done(trace)
        return trace

    def ping(self, host: str | SimHost, destination: object, source: object = None, ttl: int | None = None
             ) -> PathTrace:
        """An ICMP echo request; when it arrives, the echo reply's journey is ``trace.replies[0]``."""
        return self.send(host, destination, source, ttl, protocol="icmp")

    # Used by the nodes ------------------------------------------------------------------------
    def transmit(self, host: SimHost, nic: Interface, eth_dst: netaddr.EUI, ethertype: int,
                 arp: ArpPacket | None = None, ip: IPv4Packet | None = None,
                 trace: PathTrace | None = None) -> Frame | None:
        """Put a frame on ``nic``'s segment (nothing happens if the NIC is unplugged or the host stopped)."""
        if nic.name in host.unplugged or not host.running:
            return None
        segment = self.segments[nic.segment]
        frame = Frame(self.clock.now, segment.name, nic.mac, eth_dst, ethertype, arp, ip, host.name, nic.name)
        self.frames.append(frame)
        owner = None
        if trace is not None:
            trace.record_frame(frame)
            owner = trace.root
        # A unicast frame only matters to the NIC with that MAC; the others would drop it unread.
        ports = segment.ports if frame.is_multicast else segment._by_mac.get(eth_dst, ())
        schedule = self.clock.schedule
        for port_host, port_nic in ports:
            if port_nic is not nic:
                schedule(PROPAGATION_DELAY, port_host.receive, port_nic, frame, trace, owner=owner)
        return frame

    def next_identification(self) -> int:
        """The IP identification for the next datagram a node originates (one counter per network: same seed,
        same frames)."""
        return next(self._identifications) & 0xFFFF

    def log_event(self, host: SimHost, text: str, kind: str = "info") -> None:
        self.log.append(LogEntry(self.clock.now, host.name, text, kind))

    def write_pcap(self, path: str | Path, segment: str | None = None) -> Path:
        """Write every frame so far (or those of one segment) as a pcap file for Wireshark."""
        from workbook.sim.pcap import write_pcap

        return write_pcap(self.frames if segment is None else self.frames_on(segment), path)

    def frames_on(self, segment: str) -> list[Frame]:
        """Every frame seen on one segment so far."""
        if segment not in self.segments:
            raise TopologyError(f"the network has no segment {segment!r}; it has {', '.join(self.segments)}")
        return [frame for frame in self.frames if frame.segment == segment]

    def __repr__(self) -> str:
        return (f"<Network t={self.clock.now:.3f} s: {len(self.segments)} segments, {len(self.hosts)} hosts, "
                f"{len(self.routers)} routers>")


def _protocol(value: str | int) -> int:
    if isinstance(value, str) and value.lower() in _PROTOCOLS:
        return _PROTOCOLS[value.lower()]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
        return value
    raise SimulationError(f"protocol {value!r} is unknown; use 'udp', 'tcp', 'icmp' or a number 0-255, e.g. 'udp'")
