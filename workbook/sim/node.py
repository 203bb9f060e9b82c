"""A host (or router) attached to a simulated network: it sends, receives, ARPs and forwards (chapter 4).

:class:`SimHost` is a :class:`~workbook.net.host.Host` that also has a
running stack: an ARP cache, per-interface state (plugged in, IP enabled),
multicast memberships, a system log. Each node decides alone, from its own
table: that is the whole point of the chapter.

Nothing in here touches a real network: "transmitting" hands a
:class:`~workbook.sim.frames.Frame` to the :class:`~workbook.sim.network.Network`,
which delivers it to the other NICs of the segment on the simulated clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import SimulationError
from workbook.net.addresses import ALL_ONES, format_address, is_multicast
from workbook.net.host import Host
from workbook.net.interfaces import Interface
from workbook.net.multicast import multicast_mac
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route, RouteOrigin
from workbook.sim.arp import ArpCache
from workbook.sim.frames import (
    BROADCAST_MAC,
    ETHERTYPE_ARP,
    ETHERTYPE_IPV4,
    ArpPacket,
    Frame,
    IcmpMessage,
    IcmpType,
    IPProtocol,
    IPv4Packet,
)
from workbook.sim.trace import ArpResolution, DropReason, Hop, Outcome, PathTrace

if TYPE_CHECKING:
    from workbook.net.personalities import Personality
    from workbook.sim.network import Network

__all__ = ["ARP_RETRIES", "ARP_RETRY_INTERVAL", "SimHost"]

#: How many ARP requests a host sends for one address before giving up, and how far apart.
ARP_RETRIES = 3
ARP_RETRY_INTERVAL = 1.0

#: ARP cache lifetime by personality: NT 4.0's ArpCacheLife was 2 minutes; newer stacks
#: keep an entry "reachable" for 15-45 s (30 s on average) before checking it again.
ARP_CACHE_LIFE = {"nt4": 120.0, "nt35": 120.0, "windows": 30.0, "linux": 30.0}

#: Which duplicate-address check a personality runs when an interface starts.
DUPLICATE_DETECTION = {"nt4": "nt", "nt35": "nt", "windows": "rfc5227", "linux": "none"}
#: The IGMP version a personality speaks: NT 3.5x and 4.0 shipped IGMPv1 (v2 came with NT 4.0 SP4);
#: the others speak v2 here (today's stacks default to v3, which falls back to v2 for a v2 querier).
IGMP_VERSION = {"nt4": 1, "nt35": 1, "windows": 2, "linux": 2}

_ALL_HOSTS = 0xE0000001


@dataclass
class _ArpWait:
    """Datagrams waiting for one next hop's hardware address."""

    resolution: ArpResolution
    waiting: list[tuple[IPv4Packet, Hop, PathTrace | None]] = field(default_factory=list)
    timer: Any = None


class SimHost(Host):
    """A host whose stack runs on a :class:`~workbook.sim.network.Network`.

    Build it through :meth:`Network.from_dict`; ``net.host(name)`` returns it.
    """

    network: Network | None = None
    #: An IGMP querier (:class:`workbook.sim.igmp.Querier`) when this node is a multicast router.
    querier: Any = None
    multicast_routing = False

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
        self.running = False
        self._sim_running = True  # whether the network starts this host when it is built
        self.unplugged: set[str] = set()
        self.disabled: set[str] = set()  # interfaces whose IP is off (an address conflict)
        self.tentative: set[str] = set()  # interfaces still probing (RFC 5227)
        self.groups: dict[str, set[int]] = {}
        self.notifications: list[str] = []
        self.anti_spoofing: set[str] = set()
        self.igmp_version = 2
        self.igmp_level = 2
        self.duplicate_detection = "nt"
        self._arp_waits: dict[tuple[str, int], _ArpWait] = {}
        self._startup_until: dict[str, float] = {}
        self._last_defence: dict[int, float] = {}
        self._last_conflict_log: dict[int, float] = {}
        super().__init__(name, interfaces, routes, personality, forwarding, gateways, sysctl)
        self.arp_cache = ArpCache(ARP_CACHE_LIFE.get(self.personality.name, 120.0))
        self.duplicate_detection = DUPLICATE_DETECTION.get(self.personality.name, "none")
        self.igmp_version = IGMP_VERSION.get(self.personality.name, 2)

    # Life cycle (events on the simulated clock) ------------------------------------------
    def start(self) -> None:
        """Start the stack: build the route tables; on a network, announce each address (gratuitous ARP)."""
        super().start()
        if self.network is None:
            return
        self.running = True
        self.disabled.clear()
        self.tentative.clear()
        self.arp_cache.clock = self.network.clock
        from workbook.sim import dad

        for interface in self.interfaces:
            dad.start_interface(self, interface)
        if self.igmp_level >= 2:
            for interface in self.interfaces:
                self.groups.setdefault(interface.name, set()).add(_ALL_HOSTS)
        if self.querier is not None:
            self.querier.start()

    def stop(self) -> None:
        """Shut the stack down: it neither sends nor answers; the ARP cache and memberships are lost."""
        self._need_network()
        self.running = False
        self.arp_cache.forget()
        self.groups.clear()
        for wait in self._arp_waits.values():
            self.network.clock.cancel(wait.timer)
        self._arp_waits.clear()
        self.network.log_event(self, "the TCP/IP stack stopped")

    def unplug(self, interface: str | None = None) -> None:
        """Pull the cable of ``interface`` (default: every NIC). The stack keeps running."""
        for nic in self._nics(interface):
            self.unplugged.add(nic.name)

    def plug(self, interface: str | None = None) -> None:
        """Plug the cable back in. NT 4.0 does not notice: it announces nothing until it next ARPs."""
        for nic in self._nics(interface):
            self.unplugged.discard(nic.name)

    def join(self, group: str, interface: str | None = None) -> None:
        """Join a host group (chapter 5): the NIC starts accepting its MAC, and IGMP reports it."""
        from workbook.sim import igmp

        igmp.join(self, group, interface)

    def leave(self, group: str, interface: str | None = None) -> None:
        """Leave a host group; an IGMPv2 host that reported it last sends a Leave Group."""
        from workbook.sim import igmp

        igmp.leave(self, group, interface)

    def ip_enabled(self, interface: str) -> bool:
        """Is IP working on ``interface``? False while stopped, after an address conflict, or while probing."""
        nic = self.interface(interface)
        return self.running and nic.name not in self.disabled and nic.name not in self.tentative

    @property
    def log(self) -> list[Any]:
        """This host's system log entries (the network keeps every host's in ``net.log``)."""
        return [] if self.network is None else [entry for entry in self.network.log if entry.host == self.name]

    def _nics(self, interface: str | None) -> list[Interface]:
        self._need_network()
        return list(self.interfaces) if interface is None else [self.interface(interface)]

    def _need_network(self) -> Network:
        if self.network is None:
            raise SimulationError(f"host {self.name!r} is not on a network; build it with Network.from_dict(...)")
        return self.network

    def disable_ip(self, interface: Interface, why: str) -> None:
        """Turn IP off on one interface: its routes go, it stops answering ARP."""
        self.disabled.add(interface.name)
        for table in (self.table, self.local_table):
            for route in list(table):
                if self._route_interface(route) is interface:
                    table.remove(route)
        self.network.log_event(self, f"IP disabled on {interface.name}: {why}")

    def _route_interface(self, route: Route) -> Interface | None:
        try:
            return self.interface_for_label(route.interface)
        except Exception:
            return None

    # Sending -------------------------------------------------------------------------
    def originate(self, destination: int, source: int | None, ttl: int, payload: Any, protocol: int,
                  trace: PathTrace, icmp: IcmpMessage | None = None, igmp: Any = None,
                  router_alert: bool = False) -> None:
        """Make a datagram and route it: the first hop of a trace."""
        decision = self.route_get(destination, None if source is None else format_address(source))
        chosen = decision.source if decision.source is not None else (
            netaddr.IPAddress(source) if source is not None else netaddr.IPAddress(0))
        packet = IPv4Packet(src=chosen, dst=netaddr.IPAddress(destination), ttl=ttl, protocol=protocol,
                            payload=payload, icmp=icmp, igmp=igmp, router_alert=router_alert,
                            identification=self.network.next_identification())
        trace.datagram = packet
        self.output(packet, decision, trace, None)

    def output(self, packet: IPv4Packet, decision: RouteGet, trace: PathTrace | None, in_interface: str | None) -> None:
        """Send (or forward) ``packet`` as ``decision`` says: loop back, broadcast, multicast, or ARP then unicast."""
        network = self.network
        outcome = Outcome.SENT if in_interface is None else Outcome.FORWARDED
        hop = Hop(self.name, network.clock.now, packet, outcome, decision.interface, in_interface, decision)
        if trace is not None:
            trace.hops.append(hop)
        if not decision.reachable:
            hop.drop(DropReason.NO_ROUTE, f"no route to {packet.dst}: {self.name}'s table has no matching row")
            if in_interface is not None:
                self.send_icmp(packet, IcmpType.DESTINATION_UNREACHABLE, 0, trace)
            return
        if decision.kind is DestinationKind.LOCAL:
            hop.outcome, hop.interface = Outcome.DELIVERED, "lo"
            hop.detail = f"{packet.dst} is {self.name}'s own address: looped back, no frame on any wire"
            self.deliver_up(packet, "lo", trace)
            return
        if decision.kind is DestinationKind.MULTICAST and self.igmp_level == 0 and in_interface is None:
            hop.drop(DropReason.NO_MULTICAST, f"{self.name} is at IGMP conformance level 0 (RFC 1112): "
                                              f"it cannot send to a group like {packet.dst}")
            return
        nic = self.interface(decision.interface)
        if not self._can_send(nic, hop):
            return
        if decision.kind is DestinationKind.BROADCAST:
            hop.frame = network.transmit(self, nic, BROADCAST_MAC, ETHERTYPE_IPV4, ip=packet, trace=trace)
        elif decision.kind is DestinationKind.MULTICAST:
            hop.frame = network.transmit(self, nic, multicast_mac(str(packet.dst)), ETHERTYPE_IPV4, ip=packet,
                                         trace=trace)
        else:
            self.resolve_and_send(nic, int(decision.next_hop), packet, hop, trace)

    def _can_send(self, nic: Interface, hop: Hop) -> bool:
        if nic.name in self.disabled or nic.name in self.tentative:
            hop.drop(DropReason.IP_DISABLED, f"IP is disabled on {nic.name} (address conflict)")
            return False
        if nic.name in self.unplugged:
            hop.drop(DropReason.UNPLUGGED, f"the cable of {nic.name} is unplugged: the frame goes nowhere")
            return False
        return True

    def resolve_and_send(self, nic: Interface, next_hop: int, packet: IPv4Packet, hop: Hop,
                         trace: PathTrace | None) -> None:
        """Find the next hop's MAC (cache, or ARP request and wait), then send the frame."""
        network = self.network
        mac = self.arp_cache.lookup(nic.name, next_hop, network.clock.now)
        if mac is not None:
            hop.arp = ArpResolution(netaddr.IPAddress(next_hop), nic.name, True, mac)
            hop.frame = network.transmit(self, nic, mac, ETHERTYPE_IPV4, ip=packet, trace=trace)
            return
        key = (nic.name, next_hop)
        wait = self._arp_waits.get(key)
        if wait is None:
            wait = _ArpWait(ArpResolution(netaddr.IPAddress(next_hop), nic.name, False))
            self._arp_waits[key] = wait
            self._send_arp_request(nic, next_hop, packet, wait, trace)
        hop.arp = wait.resolution
        wait.waiting.append((packet, hop, trace))

    def _arp_sender_address(self, nic: Interface, packet: IPv4Packet | None, target: int) -> int:
        # The datagram's own source when this NIC owns it, else the NIC's address on the target's subnet.
        if packet is not None and nic.owns(int(packet.src)):
            return int(packet.src)
        near = nic.address_on_link_with(target)
        return int(near or nic.primary_address or 0)

    def _send_arp_request(self, nic: Interface, target: int, packet: IPv4Packet | None, wait: _ArpWait,
                          trace: PathTrace | None) -> None:
        network = self.network
        sender = self._arp_sender_address(nic, packet, target)
        arp = ArpPacket.request(nic.mac, netaddr.IPAddress(sender), netaddr.IPAddress(target))
        frame = network.transmit(self, nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=arp, trace=trace)
        if frame is not None:
            wait.resolution.requests.append(frame)
        wait.timer = network.clock.schedule(ARP_RETRY_INTERVAL, self._arp_timeout, nic, target, trace,
                                            owner=None if trace is None else trace.root)

    def _arp_timeout(self, nic: Interface, target: int, trace: PathTrace | None) -> None:
        wait = self._arp_waits.get((nic.name, target))
        if wait is None:
            return
        if len(wait.resolution.requests) < ARP_RETRIES and self.running and nic.name not in self.unplugged:
            self._send_arp_request(nic, target, None, wait, trace)
            return
        del self._arp_waits[(nic.name, target)]
        tries = len(wait.resolution.requests)
        for packet, hop, packet_trace in wait.waiting:
            hop.drop(DropReason.ARP_NO_ANSWER,
                     f"nobody answered {tries} ARP requests for {format_address(target)} on {nic.name}")
            if hop.in_interface is not None:
                self.send_icmp(packet, IcmpType.DESTINATION_UNREACHABLE, 1, packet_trace)

    def _arp_resolved(self, nic: Interface, address: int, mac: netaddr.EUI, reply: Frame) -> None:
        wait = self._arp_waits.pop((nic.name, address), None)
        if wait is None:
            return
        self.network.clock.cancel(wait.timer)
        wait.resolution.mac = mac
        wait.resolution.reply = reply
        for packet, hop, trace in wait.waiting:
            if trace is not None and not any(frame is reply for frame in trace._frames):
                trace.record_frame(reply)
            if self._can_send(nic, hop):
                hop.frame = self.network.transmit(self, nic, mac, ETHERTYPE_IPV4, ip=packet, trace=trace)

    def send_icmp(self, about: IPv4Packet, icmp_type: IcmpType, code: int, trace: PathTrace | None,
                  gateway: int | None = None) -> None:
        """Tell the sender of ``about`` what went wrong (or, for a redirect, of a better first hop).

        No ICMP error is ever sent about an ICMP error, nor about a multicast or broadcast datagram
        (RFC 1122 3.2.2).
        """
        if about.icmp is not None and about.icmp.is_error:
            return
        if is_multicast(int(about.dst)) or int(about.dst) == ALL_ONES or int(about.src) == 0:
            return
        message = IcmpMessage(icmp_type, code, None if gateway is None else netaddr.IPAddress(gateway),
                              about.header())
        child = PathTrace(self.name, parent=trace) if trace is not None else None
        if trace is not None:
            trace.icmp = message
            trace.replies.append(child)
        self.originate(int(about.src), None, 64, None, IPProtocol.ICMP, child if child is not None else
                       PathTrace(self.name), icmp=message)

    # Receiving -------------------------------------------------------------------------
    def receive(self, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
        """A frame arrived on ``nic``: filter by MAC, then hand it to ARP or IP."""
        if not self.running or nic.name in self.unplugged:
            return
        destination = frame.eth_dst
        if destination != nic.mac and destination != BROADCAST_MAC:
            if not frame.is_multicast:
                return
            # A multicast router listens to every group; a host only to the MACs of groups it joined.
            if self.querier is None and destination not in self.nic_filter(nic):
                return
        if frame.arp is not None:
            from workbook.sim import dad

            dad.arp_input(self, nic, frame, trace)
        elif frame.ip is not None:
            self.ip_input(nic, frame, trace)

    def nic_filter(self, nic: Interface) -> set[netaddr.EUI]:
        """The group MAC addresses this NIC accepts: one per joined group (shared by 32 groups each)."""
        return {multicast_mac(format_address(group)) for group in self.groups.get(nic.name, ())}

    def ip_input(self, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
        packet = frame.ip
        network = self.network
        now = network.clock.now

        def hop(outcome: Outcome, reason: DropReason | None = None, detail: str = "") -> Hop:
            h = Hop(self.name, now, packet, outcome, nic.name, nic.name, None, None, None, reason, detail)
            if trace is not None:
                trace.hops.append(h)
            return h

        if nic.name in self.disabled or nic.name in self.tentative:
            hop(Outcome.DROPPED, DropReason.IP_DISABLED, f"IP is disabled on {nic.name}")
            return
        destination = int(packet.dst)
        if is_multicast(destination):
            from workbook.sim import igmp

            igmp.multicast_input(self, nic, frame, trace, hop)
            return
        if destination == ALL_ONES or self._is_subnet_broadcast(nic, destination):
            hop(Outcome.DELIVERED, detail=f"broadcast to {packet.dst}: every host on {frame.segment} takes it")
            self.deliver_up(packet, nic.name, trace)
            return
        owner = self.owner_of(destination)
        if owner is not None and owner is not self.loopback:
            if owner is not nic and self.personality.host_model == "strong" and not self.forwarding:
                hop(Outcome.DROPPED, DropReason.STRONG_HOST,
                    f"{packet.dst} belongs to {owner.name}, not to {nic.name}: a strong host refuses it")
                return
            hop(Outcome.DELIVERED, detail=f"{packet.dst} is an address of {self.name}")
            self.deliver_up(packet, nic.name, trace)
            return
        if not self.forwarding:
            hop(Outcome.DROPPED, DropReason.NOT_FOR_THIS_HOST,
                f"{packet.dst} is not an address of {self.name}, and {self.name} does not forward (not a router)")
            return
        self.forward(nic, packet, trace, hop)

    def _is_subnet_broadcast(self, nic: Interface, destination: int) -> bool:
        return any(a.prefixlen < 31 and destination == int(a.broadcast) for a in nic.addresses)

    def forward(self, nic: Interface, packet: IPv4Packet, trace: PathTrace | None, hop: Any) -> None:
        """A router's job: check the source, the TTL, find the route, maybe redirect, send on."""
        source = int(packet.src)
        if nic.name in self.anti_spoofing:
            back = self.table.lookup(source, self.personality.strategy).route
            back_nic = None if back is None else self._route_interface(back)
            if back_nic is not nic:
                hop(Outcome.DROPPED, DropReason.SPOOFED_SOURCE,
                    f"source {packet.src} does not belong to the networks behind {nic.name}, where the datagram "
                    f"arrived: the anti-spoofing filter drops it")
                return
        if packet.ttl <= 1:
            hop(Outcome.DROPPED, DropReason.TTL_EXPIRED,
                f"TTL {packet.ttl} would reach 0 here: dropped, ICMP time exceeded to {packet.src}")
            self.send_icmp(packet, IcmpType.TIME_EXCEEDED, 0, trace)
            return
        decision = self.personality.route_get(self, int(packet.dst), None)
        if not decision.reachable:
            self.output(packet, decision, trace, nic.name)  # drops it, and quotes it as it arrived in the ICMP
            return
        if decision.kind is not DestinationKind.UNICAST:
            hop(Outcome.DROPPED, DropReason.NOT_FOR_THIS_HOST,
                f"routers do not forward {decision.kind.value} datagrams like one to {packet.dst}")
            return
        if decision.interface == nic.name and nic.on_link(source) and self.redirects:
            self.send_icmp(packet, IcmpType.REDIRECT, 1, trace, gateway=int(decision.next_hop))
        self.output(packet.forwarded(), decision, trace, nic.name)

    #: Routers send ICMP redirects unless turned off (Linux: net.ipv4.conf.*.send_redirects).
    redirects = True

    def deliver_up(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        """The datagram reached this host: ICMP and IGMP are handled here; other payloads just arrive."""
        icmp = packet.icmp
        if icmp is not None and icmp.type is IcmpType.REDIRECT and icmp.gateway is not None and icmp.original:
            self._learn_redirect(icmp)
        elif icmp is not None and icmp.is_error and icmp.original is not None:
            self.network.log_event(self, f"ICMP from {packet.src}: {icmp.summary()} "
                                         f"(about {icmp.original.src} → {icmp.original.dst})")
        if icmp is not None and icmp.type is IcmpType.ECHO_REQUEST and interface != "lo":
            reply = IcmpMessage(IcmpType.ECHO_REPLY, 0, None, packet.header())
            child = PathTrace(self.name, parent=trace) if trace is not None else PathTrace(self.name)
            if trace is not None:
                trace.replies.append(child)
            self.originate(int(packet.src), int(packet.dst), 64, packet.payload, IPProtocol.ICMP, child, icmp=reply)
        if packet.igmp is not None:
            from workbook.sim import igmp

            igmp.igmp_input(self, self.interface(interface), packet)

    def _learn_redirect(self, icmp: IcmpMessage) -> None:
        destination, gateway = int(icmp.original.dst), int(icmp.gateway)
        for nic in self.interfaces:
            if nic.on_link(gateway):
                label = self.personality.interface_label(nic, gateway)
                route = Route(format_address(destination), netmask=32, gateway=format_address(gateway),
                              interface=label, metric=self.personality.configured_metric(nic, None),
                              origin=RouteOrigin.REDIRECT)
                old = [r for r in self.table if r._network == destination and r._prefixlen == 32
                       and r.origin is RouteOrigin.REDIRECT]
                for r in old:
                    self.table.remove(r)
                self.table.add(route, check_gateway=False)
                self.network.log_event(self, f"ICMP redirect: {format_address(destination)} is now reached "
                                             f"via {format_address(gateway)}")
                return

    # Helpers ----------------------------------------------------------------------------
    def own_addresses(self, nic: Interface) -> list[int]:
        return [int(a.ip) for a in nic.addresses]

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        nics = ", ".join(f"{i.name} {' '.join(map(str, i.addresses))}" for i in self.interfaces)
        role = "router" if self.forwarding else "host"
        return f"<{role} {self.name} ({self.personality.name}, {state}): {nics}>"

