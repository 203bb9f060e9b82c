"""DHCP on the simulated clock: a minimal client, a server with pools, and the BOOTP relay agent (chapter 6).

Three roles, two UDP ports (RFC 951 §3), two protocols of the table:

* :class:`DhcpClient` (``bootpc``, port 68) runs on every node; an interface
  with ``"dhcp": true`` and no address asks for one: DISCOVER, OFFER,
  REQUEST, ACK (RFC 2131 §3.1). It sends from 0.0.0.0 to 255.255.255.255
  and, until it has an address, takes the replies meant for its MAC as a
  packet socket does.
* :class:`Bootps` (``bootps``, port 67) is a DHCP server when the host has
  ``dhcp_server`` pools, and a relay agent when it has ``dhcp_relay``
  servers. The server picks the pool from ``giaddr`` or, for a request
  heard directly, from the receiving interface (RFC 2131 §4.3.1); it answers
  a relay at ``giaddr`` on port 67, else broadcasts or unicasts to the
  client's MAC as the BROADCAST flag says (RFC 2131 §4.1). The relay agent
  (RFC 1542 §4.1) fills ``giaddr`` when it is zero, adds one to ``hops``,
  drops a request whose ``hops`` is past its limit, unicasts the request to
  every server, and delivers each reply on the interface whose address is
  ``giaddr``.

>>> from workbook import Network
>>> net = Network.from_scenario("dhcp-relay")
>>> lease = net.host("pc").protocols["bootpc"].leases["eth0"]
>>> str(lease.address), str(lease.router), lease.state
('10.0.1.100/24', '10.0.1.1', 'bound')
>>> for f in [f for f in net.frames if f.bootp is not None][:4]:
...     print(f.segment, f.bootp.message_type.name, f.bootp.giaddr, f.bootp.hops)
lan DISCOVER 0.0.0.0 0
core DISCOVER 10.0.1.1 1
core OFFER 10.0.1.1 1
lan OFFER 10.0.1.1 1

Where a DISCOVER dies (a relay with no route to its server), the client's
:class:`Exchange` says so: ``lease.exchanges[-1].explain()``.

Checked against ISC dhcrelay, dnsmasq and busybox udhcpc in network
namespaces (``tests/kernel/test_dhcp_relay.py``): every BOOTP field and
option on both segments. Not modelled: the server's ICMP probe of an address
before offering it (RFC 2131 §3.1 step 2; the comparison runs dnsmasq with
``--no-ping``), the client's ARP check of the address it got, renewal and
rebinding (T1, T2), releases and option 82.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.ledger import Source, constant, source_of
from workbook.net.addresses import ALL_ONES, MASKS
from workbook.net.bootp import (
    CLIENT_PORT,
    SERVER_PORT,
    BootpMessage,
    BootpOp,
    DhcpMessageType,
    Option,
)
from workbook.net.routes import RouteOrigin
from workbook.sim.frames import IPProtocol, UdpDatagram
from workbook.sim.stack import NodeServices, Protocol, ScenarioKey
from workbook.sim.trace import DropReason, Hop, Outcome, PathTrace

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.frames import Frame, IPv4Packet

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_MAX_HOPS",
    "Bootps",
    "DhcpClient",
    "DhcpServer",
    "Exchange",
    "Lease",
    "Pool",
    "RelayAgent",
]

DEFAULT_MAX_HOPS = constant("BOOTP relay: default hops threshold past which a request is discarded", 4,
                            Source.rfc(1542, "4.1.1", note="discard above a configurable threshold, default 4; "
                                                           "never relay past 16"))
HOPS_CEILING = constant("BOOTP relay: hops past which a request is always discarded", 16, Source.rfc(1542, "4.1.1"))
DEFAULT_LEASE = constant("DHCP server: lease time of a pool that gives none (seconds)", 3600,
                         Source.model("one hour; RFC 2131 leaves the lease to the administrator"))
START_DELAY = constant("DHCP client: longest random wait before the first DISCOVER (seconds)", 10.0,
                       Source.rfc(2131, "4.4.1", note="wait a random time between one and ten seconds",
                              confirmed_for=None))
RETRANSMIT = constant("DHCP client: waits before each retransmission (seconds, then ±1 at random)", (4, 8, 16, 32),
                      Source.rfc(2131, "4.1", note="4 s, doubled up to 64 s, randomized by ±1 s",
                             confirmed_for=None))
RENEWAL_FACTOR = constant("DHCP: T1 as a fraction of the lease", 0.5, Source.rfc(2131, "4.4.5"))
REBINDING_FACTOR = constant("DHCP: T2 as a fraction of the lease", 0.875, Source.rfc(2131, "4.4.5"))
SERVER_FIELDS = constant(
    "DHCP server: reply fields beyond RFC 2131's table", "hops copied from the request; siaddr the server's own "
    "address; options 53, 54, 51, 58, 59, 1, 28 (when asked), 3 in that order",
    Source.kernel("dnsmasq 2.90's OFFER and ACK, relayed and not", test="tests/kernel/test_dhcp_relay.py"))
_ZERO = netaddr.IPAddress(0)
_ASKED = (Option.SUBNET_MASK, Option.ROUTER, Option.BROADCAST_ADDRESS, Option.LEASE_TIME, Option.SERVER_ID)


def _ip(value: object, what: str) -> netaddr.IPAddress | None:
    """An IPv4 address from a scenario value, or None (the caller refuses it)."""
    try:
        address = netaddr.IPAddress(value, version=4) if isinstance(value, str) else None
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None
    return address


# The client ----------------------------------------------------------------------------------------------
@dataclass
class Exchange:
    """One DISCOVER and what became of it: the trace tree (relayed copies and replies are its children)."""

    xid: int
    sent_at: float
    trace: PathTrace
    kind: DhcpMessageType = DhcpMessageType.DISCOVER

    def traces(self) -> Iterator[PathTrace]:
        """This exchange's traces, depth first: the client's broadcast, then what relays and servers sent."""
        stack = [self.trace]
        while stack:
            trace = stack.pop()
            yield trace
            stack.extend(reversed(trace.replies))

    @property
    def frames(self) -> list[Frame]:
        return self.trace.frames

    @property
    def died(self) -> Hop | None:
        """The last hop where a datagram of this exchange was dropped (None when nothing died)."""
        drops = [hop for trace in self.traces() for hop in trace.hops if hop.dropped]
        return drops[-1] if drops else None

    def explain(self) -> str:
        """Each leg of the exchange, then where it died, if it did."""
        lines = [f"DHCP {self.kind.name} xid {self.xid:#010x} at {self.sent_at:.3f} s:"]
        for trace in self.traces():
            for hop in trace.hops:
                bootp = _bootp_of(hop.ip)
                what = bootp.message_type.name if bootp and bootp.message_type else hop.ip.summary()
                lines.append(f"  {hop.time:8.3f} s {hop.node}: {what} {hop.outcome.value}"
                             + (f" ({hop.detail})" if hop.detail else ""))
        died = self.died
        if died is not None:
            lines.append(f"It died at {died.node}: {died.detail or died.drop_reason}.")
        return "\n".join(lines)


@dataclass
class Lease:
    """A client interface's DHCP state: ``state`` is 'init', 'selecting', 'requesting' or 'bound'."""

    interface: str
    state: str = "init"
    xid: int = 0
    address: netaddr.IPNetwork | None = None
    router: netaddr.IPAddress | None = None
    server: netaddr.IPAddress | None = None
    lease_time: int | None = None
    bound_at: float | None = None
    offer: BootpMessage | None = None
    attempts: int = 0
    exchanges: list[Exchange] = field(default_factory=list)


def _bootp_of(packet: IPv4Packet | None) -> BootpMessage | None:
    udp = None if packet is None else packet.udp
    return udp.payload if udp is not None and isinstance(udp.payload, BootpMessage) else None


class DhcpClient(Protocol):
    """A minimal DHCP client on each interface with ``dhcp: true`` (RFC 2131 §4.4)."""

    name = "bootpc"
    udp_ports = (CLIENT_PORT,)
    keys = (
        ScenarioKey("dhcp_broadcast_flag", example=True, kind=bool,
                    default=lambda node: node.personality.dhcp_broadcast_flag, attribute="broadcast_flag",
                    omit_when_default=True,
                    help="the DHCP client sets the BROADCAST flag: replies come broadcast, not to its MAC"),
    )

    def __init__(self, node: NodeServices) -> None:
        super().__init__(node)
        self.leases: dict[str, Lease] = {}
        self._timers: dict[str, Any] = {}

    def start(self) -> None:
        for nic in self.node.interfaces:
            if getattr(nic, "dhcp", False):
                self.leases[nic.name] = Lease(nic.name)
                delay = self.node.random.uniform(1.0, START_DELAY)
                self._timers[nic.name] = self.node.clock.schedule(delay, self._discover, nic)

    def stop(self) -> None:
        for event in self._timers.values():
            self.node.clock.cancel(event)
        self._timers.clear()
        for nic in self.node.interfaces:
            lease = self.leases.get(nic.name)
            if lease is not None and lease.address is not None:
                self._drop_address(nic, lease)

    def settle_time(self) -> float:
        """Long enough for the first exchange (the random start delay, then four messages)."""
        return START_DELAY + 1.0 if any(getattr(nic, "dhcp", False) for nic in self.node.interfaces) else 0.0

    def settled(self) -> bool:
        return all(lease.state == "bound" for lease in self.leases.values())

    def claims(self, nic: Interface, packet: IPv4Packet) -> bool:
        """Before it has an address, the client takes the unicast replies sent to its MAC (a packet socket)."""
        udp = packet.udp
        return (udp is not None and udp.dst_port == CLIENT_PORT and nic.name in self.leases
                and self.leases[nic.name].state in ("selecting", "requesting"))

    # Sending ---------------------------------------------------------------------------------------------
    def _send(self, nic: Interface, message: BootpMessage, lease: Lease) -> None:
        node = self.node
        trace = PathTrace(node.name)
        datagram = UdpDatagram(CLIENT_PORT, SERVER_PORT, message)
        frame = node.send_on_link(nic, ALL_ONES, datagram, IPProtocol.UDP, ttl=node.personality.default_ttl,
                                  trace=trace)
        sent_hop(node, trace, nic, frame, f"DHCP{message.message_type.name} from 0.0.0.0 to 255.255.255.255 "
                                          f"(the client has no address yet)")
        lease.exchanges.append(Exchange(message.xid, node.clock.now, trace, message.message_type))

    def _discover(self, nic: Interface) -> None:
        node = self.node
        lease = self.leases[nic.name]
        if not node.running or lease.state == "bound":
            return
        if lease.state == "init" or lease.attempts == 0:
            lease.xid = node.random.getrandbits(32)
        lease.state = "selecting"
        message = BootpMessage.discover(lease.xid, nic.mac, self.broadcast_flag,
                                        extra=((Option.PARAMETER_REQUEST_LIST, tuple(int(o) for o in _ASKED)),))
        self._send(nic, message, lease)
        self._retry(nic, lease, self._discover)

    def _retry(self, nic: Interface, lease: Lease, action: Any) -> None:
        waits = RETRANSMIT
        wait = waits[min(lease.attempts, len(waits) - 1)] + self.node.random.uniform(-1.0, 1.0)
        lease.attempts += 1
        self._timers[nic.name] = self.node.clock.schedule(wait, action, nic)

    def udp_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        message = _bootp_of(packet)
        lease = self.leases.get(interface)
        if message is None or lease is None or message.op is not BootpOp.BOOTREPLY:
            return
        nic = self.node.interface(interface)
        if message.xid != lease.xid or message.chaddr != nic.mac:
            return
        kind = message.message_type
        if kind is DhcpMessageType.OFFER and lease.state == "selecting":
            # RFC 2131 §4.4.1: the client may wait for more offers; this one takes the first.
            lease.offer = message
            lease.state = "requesting"
            lease.attempts = 0
            self.node.clock.cancel(self._timers.pop(interface, None))
            self._request(nic)
        elif kind is DhcpMessageType.ACK and lease.state == "requesting":
            self.node.clock.cancel(self._timers.pop(interface, None))
            self._bind(nic, lease, message)
        elif kind is DhcpMessageType.NAK and lease.state == "requesting":
            self.node.clock.cancel(self._timers.pop(interface, None))
            lease.state, lease.attempts = "init", 0
            self.node.log_event(f"DHCP NAK from {message.server_id} on {interface}: starting again")
            self._timers[interface] = self.node.clock.schedule(1.0, self._discover, nic)

    def _request(self, nic: Interface) -> None:
        lease = self.leases[nic.name]
        if not self.node.running or lease.state != "requesting" or lease.offer is None:
            return
        if lease.attempts >= len(RETRANSMIT):
            lease.state, lease.attempts = "init", 0
            self._discover(nic)
            return
        message = BootpMessage.request(lease.offer, self.broadcast_flag,
                                       extra=((Option.PARAMETER_REQUEST_LIST, tuple(int(o) for o in _ASKED)),))
        self._send(nic, message, lease)
        self._retry(nic, lease, self._request)

    def _bind(self, nic: Interface, lease: Lease, ack: BootpMessage) -> None:
        node = self.node
        mask = ack.subnet_mask or netaddr.IPAddress(MASKS[24])
        address = netaddr.IPNetwork(f"{ack.yiaddr}/{mask}")
        lease.state, lease.address, lease.router = "bound", address, ack.router
        lease.server, lease.lease_time, lease.bound_at = ack.server_id, ack.lease_time, node.clock.now
        lease.attempts = 0
        nic.add_address(address)
        if ack.router is not None:
            node.gateways[nic.name] = str(ack.router)
        rebuild_tables(node)
        node.log_event(f"DHCP: {nic.name} has {address} from server {ack.server_id}"
                       + (f", router {ack.router}" if ack.router else "")
                       + (f", lease {ack.lease_time} s" if ack.lease_time else ""))

    def _drop_address(self, nic: Interface, lease: Lease) -> None:
        if lease.address is not None and nic.owns(int(lease.address.ip)):
            nic.remove_address(int(lease.address.ip))
        self.node.gateways.pop(nic.name, None)
        lease.state, lease.address, lease.attempts = "init", None, 0


def rebuild_tables(node: Any) -> None:
    """Rebuild ``node``'s tables after an address came or went, keeping the routes protocols learned."""
    learned = [route for route in node.table if route.origin in (RouteOrigin.REDIRECT, RouteOrigin.PROTOCOL)
               or str(route.origin) == "rip"]
    node.personality.build_tables(node)
    for route in learned:
        node.install_route(route)


def sent_hop(node: Any, trace: PathTrace, nic: Interface, frame: Frame | None, detail: str,
             outcome: Outcome = Outcome.SENT) -> None:
    """Record in ``trace`` that ``node`` put a frame (or failed to) straight on ``nic``'s segment."""
    if frame is None or frame.ip is None:
        node.log_event(f"{nic.name} cannot send: cable out or stack stopped")
        return
    trace.datagram = trace.datagram or frame.ip
    trace.hops.append(Hop(node.name, node.clock.now, frame.ip, outcome, nic.name, None, None, None, frame, None,
                          detail))


# The server ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pool:
    """The addresses a server hands out on one subnet, with the router, mask and lease it gives with them."""

    network: netaddr.IPNetwork
    first: netaddr.IPAddress
    last: netaddr.IPAddress
    router: netaddr.IPAddress | None = None
    lease: int = DEFAULT_LEASE

    def addresses(self) -> Iterator[netaddr.IPAddress]:
        for value in range(int(self.first), int(self.last) + 1):
            yield netaddr.IPAddress(value)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"network": str(self.network), "range": [str(self.first), str(self.last)]}
        if self.router is not None:
            data["router"] = str(self.router)
        data["lease"] = self.lease
        return data


_POOL_EXAMPLE = {"pools": [{"network": "10.0.1.0/24", "range": ["10.0.1.100", "10.0.1.199"],
                            "router": "10.0.1.1", "lease": 3600}]}
_RELAY_EXAMPLE = {"servers": ["10.0.2.9"], "max_hops": 4}


def _pool_problem(number: int, raw: object) -> tuple[str | None, Pool | None]:
    where = f"pool {number}"
    if not isinstance(raw, dict):
        return f"has {where} {raw!r}, which is not a mapping", None
    unknown = sorted(set(raw) - {"network", "range", "router", "lease"})
    if unknown:
        return f"has {where} with unknown key(s) {', '.join(map(repr, unknown))}", None
    try:
        network = netaddr.IPNetwork(raw.get("network"), version=4) if isinstance(raw.get("network"), str) else None
    except (netaddr.AddrFormatError, ValueError, TypeError):
        network = None
    if network is None or "/" not in raw["network"] or network.prefixlen > 30:
        return f"has {where} whose network {raw.get('network')!r} is not a subnet such as '10.0.1.0/24'", None
    network = network.cidr
    span = raw.get("range")
    if not isinstance(span, list) or len(span) != 2:
        return f"has {where} whose range {span!r} is not [first, last]", None
    first, last = _ip(span[0], "first"), _ip(span[1], "last")
    if first is None or last is None:
        return f"has {where} whose range {span!r} holds something that is not an address", None
    usable = (network.first + 1, network.last - 1)
    for address in (first, last):
        if not usable[0] <= int(address) <= usable[1]:
            return (f"has {where} whose range address {address} is not a host address of {network}", None)
    if int(first) > int(last):
        return f"has {where} whose range {span!r} runs backwards (first after last)", None
    router = None
    if raw.get("router") is not None:
        router = _ip(raw["router"], "router")
        if router is None or router not in network:
            return f"has {where} whose router {raw['router']!r} is not an address inside {network}", None
    lease = raw.get("lease", DEFAULT_LEASE)
    if isinstance(lease, bool) or not isinstance(lease, int) or not 60 <= lease <= 0xFFFFFFFE:
        return f"has {where} whose lease {lease!r} is not a whole number of seconds from 60 up", None
    return None, Pool(network, first, last, router, lease)


def _server_problem(value: Any, node: Any) -> str | None:
    if value is None:
        return None
    if set(value) != {"pools"}:
        return "must hold only 'pools'"
    pools = value["pools"]
    if not isinstance(pools, list) or not pools:
        return "must have a non-empty list of pools"
    made = []
    for number, raw in enumerate(pools):
        problem, pool = _pool_problem(number, raw)
        if problem:
            return problem
        for other in made:
            if pool.network.first <= other.network.last and other.network.first <= pool.network.last:
                return f"has two pools for overlapping networks {other.network} and {pool.network}"
        made.append(pool)
    return None


def _relay_problem(value: Any, node: Any) -> str | None:
    if value is None:
        return None
    personality = getattr(node, "personality", None)
    if personality is not None and personality.bootp_relay_support is None:
        return (f"cannot run on the {personality.name} personality, which has no BOOTP relay agent "
                f"({source_of(personality, 'bootp_relay_support').cite()}); use e.g. personality 'nt4'")
    unknown = sorted(set(value) - {"servers", "max_hops"})
    if unknown:
        return f"has unknown key(s) {', '.join(map(repr, unknown))}"
    servers = value.get("servers")
    if not isinstance(servers, list) or not servers:
        return "must have a non-empty list of servers"
    for server in servers:
        address = _ip(server, "server")
        if address is None or int(address) in (0, ALL_ONES) or address.is_multicast():
            return f"has server {server!r}, which is not a unicast IPv4 address"
    hops = value.get("max_hops", DEFAULT_MAX_HOPS)
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= HOPS_CEILING:
        return f"has max_hops {hops!r}, which is not a whole number from 0 to {HOPS_CEILING} (RFC 1542 §4.1.1)"
    return None


class DhcpServer:
    """A DHCP server's pools, offers and bindings (RFC 2131 §4.3)."""

    def __init__(self, pools: list[Pool]) -> None:
        self.pools = pools
        self.offers: dict[str, netaddr.IPAddress] = {}
        self.bindings: dict[str, netaddr.IPAddress] = {}

    def pool_for(self, address: int) -> Pool | None:
        return next((pool for pool in self.pools if pool.network.first <= int(address) <= pool.network.last), None)

    def address_for(self, pool: Pool, chaddr: str, requested: netaddr.IPAddress | None) -> netaddr.IPAddress | None:
        """RFC 2131 §4.3.1: the client's binding, else its requested address if free, else the first free one."""
        taken = {a for mac, a in {**self.offers, **self.bindings}.items() if mac != chaddr}
        for candidate in (self.bindings.get(chaddr), self.offers.get(chaddr), requested):
            if candidate is not None and candidate in pool.network and candidate not in taken \
                    and int(pool.first) <= int(candidate) <= int(pool.last):
                return candidate
        return next((a for a in pool.addresses() if a not in taken), None)


class RelayAgent:
    """A BOOTP relay agent's configuration: the servers it relays to and its hops threshold."""

    def __init__(self, servers: list[netaddr.IPAddress], max_hops: int = DEFAULT_MAX_HOPS) -> None:
        self.servers = servers
        self.max_hops = max_hops
        self.relayed = 0
        self.discarded = 0


def _load_server(owner: Bootps, value: Any) -> None:
    owner.server = None if value is None else DhcpServer([_pool_problem(n, raw)[1]
                                                          for n, raw in enumerate(value["pools"])])


def _load_relay(owner: Bootps, value: Any) -> None:
    owner.relay = None if value is None else RelayAgent(
        [netaddr.IPAddress(s) for s in value["servers"]], value.get("max_hops", DEFAULT_MAX_HOPS))


class Bootps(Protocol):
    """UDP port 67 of one node: its DHCP server, or its BOOTP relay agent (both only on different hosts)."""

    name = "bootps"
    udp_ports = (SERVER_PORT,)
    keys = (
        ScenarioKey("dhcp_server", example=_POOL_EXAMPLE, kind=(dict, type(None)), why_bad=_server_problem,
                    load=_load_server, omit_when_empty=True,
                    save=lambda p: None if p.server is None else {"pools": [pool.as_dict() for pool in p.server.pools]},
                    help="a DHCP server's address pools, one per subnet it serves"),
        ScenarioKey("dhcp_relay", example=_RELAY_EXAMPLE, kind=(dict, type(None)), why_bad=_relay_problem,
                    load=_load_relay, omit_when_empty=True,
                    save=lambda p: None if p.relay is None else {"servers": [str(s) for s in p.relay.servers],
                                                                 "max_hops": p.relay.max_hops},
                    help="a BOOTP relay agent: the DHCP servers it forwards requests to"),
    )

    def __init__(self, node: NodeServices) -> None:
        self.server: DhcpServer | None = None
        self.relay: RelayAgent | None = None
        super().__init__(node)

    def configure(self, data: dict[str, Any], after_start: bool = False) -> None:
        super().configure(data, after_start)
        if self.server is not None and self.relay is not None:
            ScenarioKey("dhcp_relay", example=_RELAY_EXAMPLE).refuse(
                data.get("dhcp_relay"), self.node, "cannot run on a host that is also a DHCP server "
                                                   "(both listen on UDP port 67); move one to another host")

    def udp_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        message = _bootp_of(packet)
        if message is None:
            return
        if self.relay is not None:
            if message.op is BootpOp.BOOTREQUEST:
                self._relay_request(message, interface, trace)
            else:
                self._relay_reply(message, trace)
        elif self.server is not None and message.op is BootpOp.BOOTREQUEST:
            self._serve(message, interface, trace)

    # The relay agent ----------------------------------------------------------------------------------
    def _relay_request(self, message: BootpMessage, interface: str, trace: PathTrace | None) -> None:
        node, relay = self.node, self.relay
        nic = node.interface(interface)
        if message.hops > relay.max_hops:  # max_hops is at most HOPS_CEILING (16)
            relay.discarded += 1
            _note_drop(node, trace, f"hops {message.hops} is past the relay's limit {relay.max_hops}: discarded "
                                    f"(RFC 1542 §4.1.1)")
            return
        if not int(message.giaddr) and nic.primary_address is None:
            _note_drop(node, trace, f"{interface} has no address to put in giaddr")
            return
        relayed = message.relayed(nic.primary_address)
        relay.relayed += 1
        for server in relay.servers:
            child = _child(node, trace)
            node.log_event(f"BOOTP relay: {message.summary()} from {interface} → {server} "
                           f"(giaddr {relayed.giaddr}, hops {relayed.hops})")
            node.protocols["udp"].send(int(server), SERVER_PORT, relayed, src_port=SERVER_PORT, trace=child)

    def _relay_reply(self, message: BootpMessage, trace: PathTrace | None) -> None:
        node = self.node
        nic = next((n for n in node.interfaces if n.owns(int(message.giaddr))), None) if int(message.giaddr) else None
        if nic is None:
            _note_drop(node, trace, f"giaddr {message.giaddr} is not an address of {node.name}: no interface to "
                                    f"deliver the reply on")
            return
        self._to_client(nic, message, trace, source=int(message.giaddr))

    def _to_client(self, nic: Interface, message: BootpMessage, trace: PathTrace | None, source: int) -> None:
        """RFC 2131 §4.1: broadcast when the BROADCAST flag is set, else unicast to yiaddr at chaddr (no ARP)."""
        node = self.node
        child = _child(node, trace)
        datagram = UdpDatagram(SERVER_PORT, CLIENT_PORT, message)
        ttl = node.personality.default_ttl
        if self.relay is not None and node.personality.relay_reply_ttl is not None:
            ttl = node.personality.relay_reply_ttl
        if message.broadcast or not int(message.yiaddr):
            frame = node.send_on_link(nic, ALL_ONES, datagram, IPProtocol.UDP, ttl=ttl, trace=child)
            how = "broadcast: the client asked for it (BROADCAST flag)"
        else:
            frame = node.send_to_mac(nic, int(message.yiaddr), message.chaddr, datagram, IPProtocol.UDP,
                                     source=source, ttl=ttl, trace=child)
            how = f"unicast to {message.yiaddr} at {message.chaddr}, without ARP (the client has no address yet)"
        sent_hop(node, child, nic, frame, f"DHCP{message.message_type.name if message.message_type else ''} "
                                          f"on {nic.name}: {how}")

    # The server ---------------------------------------------------------------------------------------
    def _serve(self, message: BootpMessage, interface: str, trace: PathTrace | None) -> None:
        node, server = self.node, self.server
        nic = node.interface(interface)
        if int(message.giaddr):
            pool, why = server.pool_for(int(message.giaddr)), f"giaddr {message.giaddr}"
        else:
            own = nic.primary_address
            pool, why = (None if own is None else server.pool_for(int(own))), f"interface {interface}"
        if pool is None:
            _note_drop(node, trace, f"no pool for {why}: the server stays silent")
            return
        server_id = nic.primary_address
        chaddr = str(message.chaddr)
        kind = message.message_type
        if kind is DhcpMessageType.DISCOVER:
            address = server.address_for(pool, chaddr, message.requested_address)
            if address is None:
                _note_drop(node, trace, f"pool {pool.network} has no free address")
                return
            server.offers[chaddr] = address
            self._reply(message, DhcpMessageType.OFFER, address, pool, server_id, nic, trace)
        elif kind is DhcpMessageType.REQUEST:
            chosen = message.server_id
            if chosen is not None and chosen != server_id:
                server.offers.pop(chaddr, None)  # the client took another server's offer
                return
            requested = message.requested_address or message.ciaddr
            offered = server.bindings.get(chaddr) or server.offers.get(chaddr)
            if offered is not None and offered == requested:
                server.offers.pop(chaddr, None)
                server.bindings[chaddr] = offered
                self._reply(message, DhcpMessageType.ACK, offered, pool, server_id, nic, trace)
            elif chosen is not None or (requested is not None and requested not in pool.network):
                self._reply(message, DhcpMessageType.NAK, _ZERO, pool, server_id, nic, trace)

    def _reply(self, request: BootpMessage, kind: DhcpMessageType, address: netaddr.IPAddress, pool: Pool,
               server_id: netaddr.IPAddress, nic: Interface, trace: PathTrace | None) -> None:
        # The options and their order are dnsmasq's (SERVER_FIELDS); the mask, the broadcast address when
        # the client asks for it (option 55, RFC 2131 §4.3.1), the router last.
        options: list[tuple[int, Any]] = [(Option.MESSAGE_TYPE, kind), (Option.SERVER_ID, server_id)]
        asked = request.options.get(Option.PARAMETER_REQUEST_LIST) or ()
        if kind is not DhcpMessageType.NAK:
            options += [(Option.LEASE_TIME, pool.lease),
                        (Option.RENEWAL_TIME, int(pool.lease * RENEWAL_FACTOR)),
                        (Option.REBINDING_TIME, int(pool.lease * REBINDING_FACTOR)),
                        (Option.SUBNET_MASK, pool.network.netmask)]
            if Option.BROADCAST_ADDRESS in asked:
                options.append((Option.BROADCAST_ADDRESS, pool.network.broadcast))
            if pool.router is not None:
                options.append((Option.ROUTER, (pool.router,)))
        reply = BootpMessage(BootpOp.BOOTREPLY, request.xid, request.chaddr, hops=request.hops, flags=request.flags,
                             ciaddr=request.ciaddr, yiaddr=address,
                             siaddr=server_id if kind is not DhcpMessageType.NAK else _ZERO,
                             giaddr=request.giaddr, option_list=tuple(options))
        node = self.node
        node.log_event(f"DHCP server: {kind.name} {address} to {request.chaddr}"
                       + (f" via relay {request.giaddr}" if int(request.giaddr) else f" on {nic.name}"))
        if int(request.giaddr):
            child = _child(node, trace)
            node.protocols["udp"].send(int(request.giaddr), SERVER_PORT, reply, src_port=SERVER_PORT, trace=child)
        elif int(request.ciaddr):
            child = _child(node, trace)
            node.protocols["udp"].send(int(request.ciaddr), CLIENT_PORT, reply, src_port=SERVER_PORT, trace=child)
        else:
            self._to_client(nic, reply, trace, source=int(server_id))


def _child(node: Any, trace: PathTrace | None) -> PathTrace:
    """A trace for a datagram sent because of the one ``trace`` follows (a relayed copy, a reply)."""
    child = PathTrace(node.name, parent=trace)
    if trace is not None:
        trace.replies.append(child)
    return child


def _note_drop(node: Any, trace: PathTrace | None, why: str) -> None:
    """The datagram ``trace`` follows ends at ``node``'s BOOTP layer: record why, in the trace and the log."""
    node.log_event(f"BOOTP: {why}")
    if trace is None:
        return
    arrived = next((hop for hop in reversed(trace.hops) if hop.node == node.name), None)
    packet = arrived.ip if arrived is not None else trace.datagram
    if packet is not None:
        trace.hops.append(Hop(node.name, node.clock.now, packet, Outcome.DROPPED, None,
                              None if arrived is None else arrived.in_interface, None, None, None,
                              DropReason.DISCARDED, why))
