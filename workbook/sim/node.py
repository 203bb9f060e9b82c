"""A host (or router) attached to a simulated network: its IP layer, and the protocols it runs (chapter 4).

:class:`SimHost` is a :class:`~workbook.net.host.Host` that also has a
running stack: per-interface state (plugged in, IP enabled), the link-layer
groups each NIC accepts, a system log, and one object per protocol of the
table in :mod:`workbook.sim.protocols` (ARP, ICMP, UDP, IGMP), which own
their state. The node is the protocols' :class:`~workbook.sim.stack.NodeServices`
and dispatches each frame by ethertype and each datagram by IP protocol
number to the protocol that handles it. Each node decides alone, from its
own table: that is the whole point of the chapter.

Nothing in here touches a real network: "transmitting" hands a
:class:`~workbook.sim.frames.Frame` to the :class:`~workbook.sim.network.Network`,
which delivers it to the other NICs of the segment on the simulated clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import SimulationError
from workbook.net.addresses import ALL_ONES, format_address, is_multicast
from workbook.net.host import Host
from workbook.net.interfaces import Interface
from workbook.net.multicast import multicast_mac
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route
from workbook.sim.frames import BROADCAST_MAC, ETHERTYPE_IPV4, Frame, IcmpType, IPv4Packet
from workbook.sim.protocols import PROTOCOLS
from workbook.sim.stack import Protocol, ScenarioKey, apply_keys, saved_interface_keys, saved_keys
from workbook.sim.trace import DropReason, Hop, Outcome, PathTrace

if TYPE_CHECKING:
    import random

    from workbook.net.personalities import Personality
    from workbook.sim.arp_cache import ArpCache
    from workbook.sim.clock import Clock, Event
    from workbook.sim.igmp import Querier
    from workbook.sim.network import Network

__all__ = ["NODE_KEYS", "SimHost"]

class _Detached:
    """The clock of a node that is on no network yet: time stands at 0 and nothing can be scheduled."""

    now = 0.0

    def schedule(self, *args: Any, **kwargs: Any) -> Event:
        raise SimulationError("this host is not on a network; build it with Network.from_dict(...)")

    def cancel(self, event: Event | None) -> None:
        """Nothing was ever scheduled."""


_DETACHED: Any = _Detached()


def _load_interfaces(attribute: str) -> Callable[[SimHost, Any], None]:
    def load(node: SimHost, names: Any) -> None:
        if names is True:
            names = [nic.name for nic in node.interfaces]
        setattr(node, attribute, {node.interface(name).name for name in names or []})

    return load


#: The node's own scenario keys (each protocol declares its own in :attr:`Protocol.keys`).
NODE_KEYS = (
    ScenarioKey("running", example=False, default=True, kind=bool, attribute="starts_with_network",
                save=lambda node: node.running or (node.starts_with_network and not node.network.now),
                help="whether the host runs when the network is built"),
    ScenarioKey("unplugged", example=["eth0"], kind=(list, type(None)), omit_when_empty=True,
                load=_load_interfaces("unplugged"), save=lambda node: sorted(node.unplugged),
                help="interfaces whose cable is out"),
    ScenarioKey("anti_spoofing", example=["lan0"], kind=(list, bool, type(None)), omit_when_empty=True,
                load=_load_interfaces("anti_spoofing"), save=lambda node: sorted(node.anti_spoofing),
                help="a router's interfaces that drop datagrams whose source does not belong behind them"),
)


class SimHost(Host):
    """A host whose stack runs on a :class:`~workbook.sim.network.Network`.

    Build it through :meth:`Network.from_dict`; ``net.host(name)`` returns it.
    ``protocols`` holds its protocol objects by name (``host.protocols["arp"].cache``).
    """

    network: Network | None = None

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
        self.starts_with_network = True  # whether the network starts this host when it is built
        self.unplugged: set[str] = set()
        self.disabled: set[str] = set()  # interfaces whose IP is off (an address conflict)
        self.tentative: set[str] = set()  # interfaces whose address is not in use yet (RFC 5227 probing)
        self.notifications: list[str] = []  # the pop-ups a user at the console would have seen
        self.anti_spoofing: set[str] = set()
        self.clock: Clock = _DETACHED  # the network's clock, once the node is on one
        self._link_groups: dict[str, dict[netaddr.EUI, int]] = {}
        self._all_multicast: set[str] = set()
        super().__init__(name, interfaces, routes, personality, forwarding, gateways, sysctl)
        self.protocols: dict[str, Protocol] = {protocol.name: protocol(self) for protocol in PROTOCOLS}
        self._by_ethertype: dict[int, Callable[[Interface, Frame, PathTrace | None], None]] = {
            ETHERTYPE_IPV4: self.ip_input}
        self._by_ip_protocol: dict[int, Callable[[IPv4Packet, str, PathTrace | None], None]] = {}
        for protocol in self.protocols.values():
            for ethertype in protocol.ethertypes:
                self._by_ethertype[ethertype] = protocol.frame_received
            for number in protocol.ip_protocols:
                self._by_ip_protocol[number] = protocol.datagram_received
            for port in protocol.udp_ports:
                self.protocols["udp"].bind(port, protocol.udp_received)
        # The protocols the IP layer itself calls on: ARP to resolve, ICMP to report, IGMP for groups.
        #: The protocols that take datagrams addressed to no address of this node (a DHCP client's packet socket).
        self._claimants = [p for p in self.protocols.values() if type(p).claims is not Protocol.claims]
        self._arp = self.protocols["arp"]
        self._icmp = self.protocols["icmp"]
        self._igmp = self.protocols["igmp"]

    # Scenario keys ------------------------------------------------------------------------------
    def configure(self, data: dict[str, Any], after_start: bool = False) -> None:
        """Apply the simulation keys of a scenario entry: the node's own, then each protocol's."""
        apply_keys(self, NODE_KEYS, data, self, after_start)
        for protocol in self.protocols.values():
            if protocol.keys:
                protocol.configure(data, after_start)

    def scenario_keys(self) -> dict[str, Any]:
        """The simulation keys as :meth:`Network.to_dict` saves them."""
        keys = saved_keys(self, NODE_KEYS)
        for protocol in self.protocols.values():
            keys.update(protocol.saved())
        return keys

    def interface_scenario_keys(self) -> dict[str, dict[str, Any]]:
        """The interface-level simulation keys as :meth:`Network.to_dict` saves them, by interface name."""
        keys = saved_interface_keys(self, NODE_KEYS)
        for protocol in self.protocols.values():
            for nic, values in protocol.saved_by_interface().items():
                keys.setdefault(nic, {}).update(values)
        return keys

    # Shortcuts to protocol state that chapters and widgets read -----------------------------------
    @property
    def arp_cache(self) -> ArpCache:
        return self._arp.cache

    @property
    def duplicate_detection(self) -> str:
        return self._arp.detection

    @property
    def groups(self) -> dict[str, set[int]]:
        """The groups joined on each interface (224.0.0.1 included at level 2), as integers."""
        return self._igmp.groups

    @property
    def igmp_version(self) -> int:
        return self._igmp.version

    @property
    def igmp_level(self) -> int:
        return self._igmp.level

    @property
    def querier(self) -> Querier | None:
        """The IGMP querier when this node is a multicast router, else None."""
        return self._igmp.querier

    # Life cycle (events on the simulated clock) ------------------------------------------
    def start(self) -> None:
        """Start the stack: build the route tables; on a network, start every protocol (gratuitous ARP, ...)."""
        super().start()
        if self.network is None:
            return
        self.running = True
        self.disabled.clear()
        self.tentative.clear()
        for protocol in self.protocols.values():
            protocol.start()

    def stop(self) -> None:
        """Shut the stack down: it neither sends nor answers; the ARP cache and memberships are lost."""
        self._need_network()
        self.running = False
        for protocol in self.protocols.values():
            protocol.stop()
        self.log_event("the TCP/IP stack stopped")

    def unplug(self, interface: str | None = None) -> None:
        """Pull the cable of ``interface`` (default: every NIC). The stack keeps running; its protocols hear of it."""
        for nic in self._nics(interface):
            if nic.name not in self.unplugged:
                self.unplugged.add(nic.name)
                for protocol in self.protocols.values():
                    protocol.carrier_changed(nic, False)

    def plug(self, interface: str | None = None) -> None:
        """Plug the cable back in. NT 4.0 does not notice: it announces nothing until it next ARPs."""
        for nic in self._nics(interface):
            if nic.name in self.unplugged:
                self.unplugged.discard(nic.name)
                for protocol in self.protocols.values():
                    protocol.carrier_changed(nic, True)

    def join(self, group: str, interface: str | None = None, sources: Iterable[str] | None = None) -> None:
        """Join a host group (chapter 5): the NIC starts accepting its MAC, and IGMP reports it.

        ``sources`` makes it a source-specific join (IGMPv3): only datagrams from those senders are taken.
        """
        self._need_network()
        self._igmp.join(group, interface, sources)

    def leave(self, group: str, interface: str | None = None, sources: Iterable[str] | None = None) -> None:
        """Leave a host group (or, with ``sources``, stop listening to those senders of it).

        An IGMPv2 host that reported the group last sends a Leave Group; an IGMPv3 host always reports.
        """
        self._need_network()
        self._igmp.leave(group, interface, sources)

    def maddr(self) -> str:
        """Each interface's groups and the group MACs its NIC accepts, as `ip maddr show` prints them."""
        return self._igmp.maddr()

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
        self.log_event(f"IP disabled on {interface.name}: {why}")

    def set_tentative(self, interface: Interface, tentative: bool) -> None:
        """Mark ``interface``'s addresses tentative (not usable yet, RFC 5227 probing) or usable."""
        if tentative:
            self.tentative.add(interface.name)
        else:
            self.tentative.discard(interface.name)

    def _route_interface(self, route: Route) -> Interface | None:
        try:
            return self.interface_for_label(route.interface)
        except Exception:
            return None

    # Services for the protocols (workbook.sim.stack.NodeServices) ----------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds on the network's clock."""
        return self.clock.now

    @property
    def random(self) -> random.Random:
        """The network's seeded randomness (IGMP report delays, RFC 5227 probe times)."""
        return self._need_network().random

    def log_event(self, text: str, kind: str = "info") -> None:
        """Write a line to this host's system log (``kind`` 'error' for what NT's event viewer showed in red)."""
        self.network.log_event(self, text, kind)

    def notify(self, text: str) -> None:
        """Show a pop-up to the user at this host's console."""
        self.notifications.append(text)

    def transmit(self, nic: Interface, eth_dst: netaddr.EUI, ethertype: int, *, arp: Any = None,
                 ip: IPv4Packet | None = None, trace: PathTrace | None = None) -> Frame | None:
        """Put one frame on ``nic``'s segment (None when the cable is out or the stack stopped)."""
        return self.network.transmit(self, nic, eth_dst, ethertype, arp=arp, ip=ip, trace=trace)

    def send_datagram(self, destination: int, payload: Any, protocol: int, *, source: int | None = None,
                      ttl: int | None = None, trace: PathTrace | None = None) -> PathTrace:
        """Route and send a datagram as a socket would (``source`` binds it); returns its trace."""
        trace = PathTrace(self.name) if trace is None else trace
        self.originate(destination, source, self.personality.default_ttl if ttl is None else ttl, payload, protocol,
                       trace)
        return trace

    def send_on_link(self, nic: Interface, destination: int, payload: Any, protocol: int, *, ttl: int = 1,
                     tos: int = 0, router_alert: bool = False, trace: PathTrace | None = None) -> Frame | None:
        """Send a datagram to a group or a broadcast address (all ones, or the subnet's) straight out of ``nic``."""
        packet = IPv4Packet(src=nic.primary_address or netaddr.IPAddress(0), dst=netaddr.IPAddress(destination),
                            ttl=ttl, protocol=protocol, router_alert=router_alert, tos=tos, payload=payload,
                            identification=self.network.next_identification())
        broadcast = destination == ALL_ONES or self._is_subnet_broadcast(nic, destination)
        mac = BROADCAST_MAC if broadcast else multicast_mac(format_address(destination))
        return self.transmit(nic, mac, ETHERTYPE_IPV4, ip=packet, trace=trace)

    def send_to_mac(self, nic: Interface, destination: int, mac: netaddr.EUI, payload: Any, protocol: int, *,
                    source: int | None = None, ttl: int | None = None,
                    trace: PathTrace | None = None) -> Frame | None:
        """Send a datagram to ``destination`` in a frame to ``mac``: no route, no ARP (RFC 2131 §4.1: a DHCP
        reply to a client that has no address yet)."""
        chosen = source if source is not None else int(nic.primary_address or 0)
        packet = IPv4Packet(src=netaddr.IPAddress(chosen), dst=netaddr.IPAddress(destination),
                            ttl=self.personality.default_ttl if ttl is None else ttl, protocol=protocol,
                            payload=payload, identification=self.network.next_identification())
        return self.transmit(nic, mac, ETHERTYPE_IPV4, ip=packet, trace=trace)

    def send_icmp(self, about: IPv4Packet, icmp_type: IcmpType, code: int, trace: PathTrace | None,
                  gateway: int | None = None) -> None:
        """Tell the sender of ``about`` what went wrong (ICMP, RFC 792); see :meth:`Icmp.send_error`."""
        self._icmp.send_error(about, icmp_type, code, trace, gateway)

    def own_addresses(self, nic: Interface) -> list[int]:
        return [int(a.ip) for a in nic.addresses]

    def join_link_group(self, nic: Interface, mac: netaddr.EUI) -> None:
        """Let ``nic`` accept frames for the group MAC ``mac`` (counted: 32 IP groups share each MAC)."""
        accepted = self._link_groups.setdefault(nic.name, {})
        accepted[mac] = accepted.get(mac, 0) + 1

    def leave_link_group(self, nic: Interface, mac: netaddr.EUI) -> None:
        accepted = self._link_groups.get(nic.name, {})
        if accepted.get(mac, 0) > 1:
            accepted[mac] -= 1
        else:
            accepted.pop(mac, None)

    def accept_all_multicast(self, nic: Interface, accept: bool) -> None:
        """Let ``nic`` take every multicast frame, as a multicast router's NIC does."""
        if accept:
            self._all_multicast.add(nic.name)
        else:
            self._all_multicast.discard(nic.name)

    def nic_filter(self, nic: Interface) -> set[netaddr.EUI]:
        """The group MAC addresses this NIC accepts: one per joined group (shared by 32 groups each)."""
        return set(self._link_groups.get(nic.name, ()))

    def link_groups(self, nic: Interface) -> list[netaddr.EUI]:
        """The group MAC addresses this NIC accepts, in the order they were added."""
        return list(self._link_groups.get(nic.name, ()))

    def accepts_all_multicast(self, nic: Interface) -> bool:
        return nic.name in self._all_multicast

    def install_route(self, route: Route) -> None:
        """Add a learned route, replacing one of the same origin for the same prefix (a newer redirect)."""
        for old in list(self.table):
            if (old.origin is route.origin and old.prefixlen == route.prefixlen
                    and old.first_address == route.first_address):
                self.table.remove(old)
        self.table.add(route, check_gateway=False)

    def withdraw_route(self, route: Route) -> None:
        """Remove a learned route (a routing protocol's, when its neighbour stops announcing it)."""
        if route in self.table:
            self.table.remove(route)

    # Sending -------------------------------------------------------------------------
    def originate(self, destination: int, source: int | None, ttl: int, payload: Any, protocol: int,
                  trace: PathTrace) -> None:
        """Make a datagram and route it: the first hop of a trace."""
        decision = self.route_get(destination, None if source is None else format_address(source))
        chosen = decision.source if decision.source is not None else (
            netaddr.IPAddress(source) if source is not None else netaddr.IPAddress(0))
        packet = IPv4Packet(src=chosen, dst=netaddr.IPAddress(destination), ttl=ttl, protocol=protocol,
                            payload=payload, identification=self.network.next_identification())
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
            hop.drop(DropReason.NO_ROUTE, _unreachable_detail(self.name, packet.dst, decision))
            if in_interface is not None:
                self.send_icmp(packet, IcmpType.DESTINATION_UNREACHABLE, 0, trace)
            return
        if decision.kind is DestinationKind.LOCAL:
            hop.outcome, hop.interface = Outcome.DELIVERED, "lo"
            hop.detail = f"{packet.dst} is {self.name}'s own address: looped back, no frame on any wire"
            self.deliver_up(packet, "lo", trace)
            return
        if decision.kind is DestinationKind.MULTICAST and self._igmp.level == 0 and in_interface is None:
            hop.drop(DropReason.NO_MULTICAST, f"{self.name} is at IGMP conformance level 0 (RFC 1112): "
                                              f"it cannot send to a group like {packet.dst}")
            return
        nic = self.interface(decision.interface)
        if not self.can_send(nic, hop):
            return
        if decision.kind is DestinationKind.BROADCAST:
            hop.frame = network.transmit(self, nic, BROADCAST_MAC, ETHERTYPE_IPV4, ip=packet, trace=trace)
        elif decision.kind is DestinationKind.MULTICAST:
            hop.frame = network.transmit(self, nic, multicast_mac(str(packet.dst)), ETHERTYPE_IPV4, ip=packet,
                                         trace=trace)
        else:
            self._arp.resolve(nic, int(decision.next_hop), packet, hop, trace)

    def can_send(self, nic: Interface, hop: Hop) -> bool:
        """May a frame leave ``nic`` now? If not, ``hop`` says why (IP disabled, cable out)."""
        if nic.name in self.disabled or nic.name in self.tentative:
            hop.drop(DropReason.IP_DISABLED, f"IP is disabled on {nic.name} (address conflict)")
            return False
        if nic.name in self.unplugged:
            hop.drop(DropReason.UNPLUGGED, f"the cable of {nic.name} is unplugged: the frame goes nowhere")
            return False
        return True

    # Receiving -------------------------------------------------------------------------
    def receive(self, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
        """A frame arrived on ``nic``: filter by MAC, then hand it to the protocol of its ethertype."""
        if not self.running or nic.name in self.unplugged:
            return
        destination = frame.eth_dst
        if destination != nic.mac and destination != BROADCAST_MAC:
            if not frame.is_multicast:
                return
            # A multicast router listens to every group; a host only to the MACs of groups it joined.
            if nic.name not in self._all_multicast and destination not in self._link_groups.get(nic.name, ()):
                return
        handler = self._by_ethertype.get(frame.ethertype)
        if handler is not None:
            handler(nic, frame, trace)

    def ip_input(self, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
        """IPv4 arrived: deliver it (to this host, a group, a broadcast), forward it (a router), or drop it."""
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
            self._igmp.multicast_received(nic, frame, trace, hop)
            return
        if destination == ALL_ONES or self._is_subnet_broadcast(nic, destination):
            hop(Outcome.DELIVERED, detail=f"broadcast to {packet.dst}: every host on {frame.segment} takes it")
            self.deliver_up(packet, nic.name, trace)
            return
        owner = self.owner_of(destination)
        if owner is not None and owner is not self.loopback:
            if owner is not nic and self.personality.host_model == "strong" and not self.forwarding \
                    and not nic.weakhostreceive:
                hop(Outcome.DROPPED, DropReason.STRONG_HOST,
                    f"{packet.dst} belongs to {owner.name}, not to {nic.name}: a strong host refuses it")
                return
            hop(Outcome.DELIVERED, detail=f"{packet.dst} is an address of {self.name}")
            self.deliver_up(packet, nic.name, trace)
            return
        claimant = next((p for p in self._claimants if p.claims(nic, packet)), None) if owner is None else None
        if claimant is not None:
            hop(Outcome.DELIVERED, detail=f"{packet.dst} is not (yet) an address of {self.name}; {claimant.name} "
                                          f"takes it as a packet socket does")
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
        if decision.interface == nic.name:  # back out of the interface it came in on: maybe a redirect
            self._icmp.redirect(packet, int(decision.next_hop), trace, nic)
        self.output(packet.forwarded(), decision, trace, nic.name)

    def deliver_up(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        """The datagram reached this host: the protocol of its number (ICMP, IGMP, UDP) takes it, if any."""
        handler = self._by_ip_protocol.get(packet.protocol)
        if handler is not None:
            handler(packet, interface, trace)

    # Helpers ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        nics = ", ".join(f"{i.name} {' '.join(map(str, i.addresses))}" for i in self.interfaces)
        role = "router" if self.forwarding else "host"
        return f"<{role} {self.name} ({self.personality.name}, {state}): {nics}>"


def _unreachable_detail(node: str, destination: netaddr.IPAddress, decision: RouteGet) -> str:
    """Why ``decision`` sends nothing: no matching row, or the stack's own refusal (e.g. class E on NT)."""
    if decision.reason in (None, "network unreachable") or not decision.notes:
        return f"no route to {destination}: {node}'s table has no matching row"
    return f"no route to {destination} ({decision.reason}): {decision.notes[0]}"
