"""IGMP hosts and a querier, RFC 1112 (v1) and RFC 2236 (v2), on the simulated clock (chapter 5).

A host at conformance level 2 joins a group by letting its NIC accept the
group's MAC and by *reporting* the membership (to the group itself, TTL 1).
A querier router asks "who is still there?" with a general query to
224.0.0.1; each member waits a random time up to the query's Max Resp Time
and reports, unless it hears another member report first (suppression: one
report per group per segment is enough). An IGMPv2 host that leaves, and
was the last to report, sends a Leave Group to 224.0.0.2; the querier then
asks that group alone (a group-specific query) before it forgets it.
Routers never forward datagrams for 224.0.0.0/24.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import AddressError, SimulationError
from workbook.net.addresses import format_address, is_multicast, parse_address
from workbook.net.multicast import multicast_mac
from workbook.sim.frames import (
    ETHERTYPE_IPV4,
    Frame,
    IgmpMessage,
    IgmpType,
    IPProtocol,
    IPv4Packet,
)
from workbook.sim.trace import DropReason, Outcome

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.node import SimHost
    from workbook.sim.trace import PathTrace

__all__ = [
    "ALL_HOSTS",
    "ALL_ROUTERS",
    "GROUP_MEMBERSHIP_INTERVAL",
    "LAST_MEMBER_QUERY_COUNT",
    "LAST_MEMBER_QUERY_INTERVAL",
    "QUERY_INTERVAL",
    "QUERY_RESPONSE_INTERVAL",
    "UNSOLICITED_REPORT_INTERVAL",
    "join",
    "leave",
    "start_querier",
]

ALL_HOSTS = 0xE0000001  # 224.0.0.1
ALL_ROUTERS = 0xE0000002  # 224.0.0.2
_LINK_LOCAL = 0xE0000000  # 224.0.0.0/24

# RFC 2236 section 8 defaults, in seconds (Max Resp Time travels in tenths).
ROBUSTNESS = 2
QUERY_INTERVAL = 125.0
QUERY_RESPONSE_INTERVAL = 10.0
GROUP_MEMBERSHIP_INTERVAL = ROBUSTNESS * QUERY_INTERVAL + QUERY_RESPONSE_INTERVAL
STARTUP_QUERY_INTERVAL = QUERY_INTERVAL / 4
LAST_MEMBER_QUERY_INTERVAL = 1.0
LAST_MEMBER_QUERY_COUNT = ROBUSTNESS
UNSOLICITED_REPORT_INTERVAL = 10.0
#: RFC 1112: an IGMPv1 query carries no Max Resp Time; members answer within 10 s.
V1_MAX_REPORT_DELAY = 10.0
#: RFC 2236 4: after hearing an IGMPv1 query a v2 host answers in v1 for this long.
V1_ROUTER_PRESENT_TIMEOUT = 400.0


@dataclass
class _Membership:
    """A host's state for one group on one interface."""

    timer: Any = None  # a pending delayed report
    last_reporter: bool = False


def _group(value: object) -> int:
    group = parse_address(value, what="group", example="239.1.2.3")
    if not is_multicast(group):
        raise AddressError(f"group {value!r} is not a multicast address (224.0.0.0 to 239.255.255.255); "
                           f"e.g. 239.1.2.3")
    if group == 0xE0000000:
        raise AddressError("group '224.0.0.0' is reserved and never assigned; e.g. 239.1.2.3")
    return group


def _memberships(host: SimHost) -> dict[tuple[str, int], _Membership]:
    state = getattr(host, "_igmp_state", None)
    if state is None:
        state = host._igmp_state = {}
    return state


def _version(host: SimHost, nic: Interface) -> int:
    until = getattr(host, "_v1_router_until", {}).get(nic.name, -1.0)
    return 1 if host.igmp_version == 1 or host.network.clock.now < until else 2


def send_igmp(host: SimHost, nic: Interface, message: IgmpMessage, destination: int,
              trace: PathTrace | None = None) -> Frame | None:
    """Put one IGMP message on ``nic``'s wire: TTL 1, to a group address, Router Alert in v2."""
    source = nic.primary_address or netaddr.IPAddress(0)
    packet = IPv4Packet(src=source, dst=netaddr.IPAddress(destination), ttl=1, protocol=IPProtocol.IGMP,
                        router_alert=message.version >= 2, tos=0xC0 if message.version >= 2 else 0, igmp=message,
                        identification=host.network.next_identification())
    return host.network.transmit(host, nic, multicast_mac(format_address(destination)), ETHERTYPE_IPV4,
                                 ip=packet, trace=trace)


def _report(host: SimHost, nic: Interface, group: int) -> None:
    if not host.running or group not in host.groups.get(nic.name, ()):
        return
    version = _version(host, nic)
    kind = IgmpType.V1_MEMBERSHIP_REPORT if version == 1 else IgmpType.V2_MEMBERSHIP_REPORT
    send_igmp(host, nic, IgmpMessage(kind, version, netaddr.IPAddress(group)), group)
    membership = _memberships(host).setdefault((nic.name, group), _Membership())
    membership.timer = None
    membership.last_reporter = True


# A host's side ------------------------------------------------------------------------------
def join(host: SimHost, value: object, interface: str | None = None) -> None:
    """``host.join(group)``: accept the group's frames on one NIC and report the membership."""
    network = host._need_network()
    group = _group(value)
    if host.igmp_level < 2:
        raise SimulationError(f"host {host.name!r} is at conformance level {host.igmp_level} "
                              f"({'no multicast' if host.igmp_level == 0 else 'send only'}): it cannot join "
                              f"{format_address(group)}; give it igmp_level 2")
    if not host.running:
        raise SimulationError(f"host {host.name!r} is stopped; call host.start() before joining a group")
    nic = host.interface(interface) if interface is not None else _multicast_interface(host, group)
    joined = host.groups.setdefault(nic.name, set())
    if group in joined:
        return
    joined.add(group)
    network.log_event(host, f"joined {format_address(group)} on {nic.name}; the NIC now accepts "
                            f"{multicast_mac(format_address(group))}")
    if group == ALL_HOSTS:
        return  # every level-2 host is in 224.0.0.1 and never reports it
    _report(host, nic, group)
    # RFC 1112 7.2 / RFC 2236 3: repeat the unsolicited report once, in case the first was lost.
    delay = (network.random.uniform(0, V1_MAX_REPORT_DELAY) if _version(host, nic) == 1
             else UNSOLICITED_REPORT_INTERVAL)
    membership = _memberships(host)[(nic.name, group)]
    membership.timer = network.clock.schedule(delay, _report, host, nic, group)


def leave(host: SimHost, value: object, interface: str | None = None) -> None:
    """``host.leave(group)``: stop accepting it; IGMPv2 says so if this host reported last."""
    network = host._need_network()
    group = _group(value)
    nics = [host.interface(interface)] if interface is not None else host.interfaces
    for nic in nics:
        joined = host.groups.get(nic.name, set())
        if group not in joined:
            continue
        joined.discard(group)
        membership = _memberships(host).pop((nic.name, group), _Membership())
        network.clock.cancel(membership.timer)
        network.log_event(host, f"left {format_address(group)} on {nic.name}")
        if membership.last_reporter and _version(host, nic) == 2 and group != ALL_HOSTS:
            send_igmp(host, nic, IgmpMessage(IgmpType.LEAVE_GROUP, 2, netaddr.IPAddress(group)), ALL_ROUTERS)
        return
    raise SimulationError(f"host {host.name!r} is not a member of {format_address(group)}; "
                          f"its groups: {_group_list(host) or 'none'}")


def _group_list(host: SimHost) -> str:
    return ", ".join(sorted({format_address(g) for gs in host.groups.values() for g in gs if g != ALL_HOSTS}))


def _multicast_interface(host: SimHost, group: int) -> Any:
    decision = host.route_get(format_address(group))
    if decision.reachable and decision.interface not in (None, "lo"):
        return host.interface(decision.interface)
    return host.interfaces[0]


def igmp_input(host: SimHost, nic: Interface, packet: IPv4Packet) -> None:
    """An IGMP message reached this node's IP layer."""
    message = packet.igmp
    if getattr(host, "querier", None) is not None:
        host.querier.hear(nic, packet)
    if message.type is IgmpType.MEMBERSHIP_QUERY:
        _hear_query(host, nic, message)
    elif message.type in (IgmpType.V1_MEMBERSHIP_REPORT, IgmpType.V2_MEMBERSHIP_REPORT):
        group = int(message.group)
        membership = _memberships(host).get((nic.name, group))
        if membership is not None and packet.src not in [a.ip for a in nic.addresses]:
            # Another member answered: this host's pending report is not needed (suppression).
            host.network.clock.cancel(membership.timer)
            membership.timer = None
            membership.last_reporter = False


def _hear_query(host: SimHost, nic: Interface, message: IgmpMessage) -> None:
    network = host.network
    if message.max_resp_time == 0:
        if not hasattr(host, "_v1_router_until"):
            host._v1_router_until = {}
        host._v1_router_until[nic.name] = network.clock.now + V1_ROUTER_PRESENT_TIMEOUT
        longest = V1_MAX_REPORT_DELAY
    else:
        longest = message.max_resp_time / 10
    asked = int(message.group)
    for group in sorted(host.groups.get(nic.name, ())):
        if group == ALL_HOSTS or (asked and group != asked):
            continue
        membership = _memberships(host).setdefault((nic.name, group), _Membership())
        delay = network.random.uniform(0, longest)
        timer = membership.timer
        if timer is not None and not timer.cancelled and timer.time - network.clock.now <= delay:
            continue  # an earlier report is already due
        network.clock.cancel(timer)
        membership.timer = network.clock.schedule(delay, _report, host, nic, group)


def multicast_input(host: SimHost, nic: Interface, frame: Frame, trace: PathTrace | None, hop: Any) -> None:
    """A datagram for a group reached IP: deliver it to members, let a multicast router forward it."""
    packet = frame.ip
    group = int(packet.dst)
    member = group in host.groups.get(nic.name, ())
    querier = getattr(host, "querier", None)
    if member:
        hop(Outcome.DELIVERED, detail=f"{host.name} is a member of {packet.dst} on {nic.name}")
        host.deliver_up(packet, nic.name, trace)
    elif querier is not None:
        if packet.igmp is not None:
            host.deliver_up(packet, nic.name, trace)
    else:
        shared = [g for g in host.groups.get(nic.name, ()) if multicast_mac(format_address(g)) == frame.eth_dst]
        why = (f"the NIC took the frame because {format_address(shared[0])}, which it joined, has the same MAC "
               f"{frame.eth_dst}" if shared else "the NIC accepted the frame")
        hop(Outcome.DROPPED, DropReason.NOT_A_MEMBER, f"{why}; IP discards it: not a member of {packet.dst}")
        return
    if querier is not None and host.multicast_routing and packet.igmp is None:
        querier.forward(nic, packet, trace)


# The querier (a router's side) ---------------------------------------------------------------
class Querier:
    """A router's IGMP querier: which groups have members behind which interface."""

    def __init__(self, router: SimHost, version: int = 2) -> None:
        self.router = router
        self.version = version
        self.members: dict[str, dict[int, Any]] = {nic.name: {} for nic in router.interfaces}
        self._pending_leave: dict[tuple[str, int], Any] = {}

    def groups(self, interface: str) -> list[netaddr.IPAddress]:
        """The groups with members behind ``interface``, as this querier believes."""
        return [netaddr.IPAddress(g) for g in sorted(self.members.get(interface, {}))]

    def start(self) -> None:
        clock = self.router.network.clock
        for count in range(ROBUSTNESS):
            clock.schedule(count * STARTUP_QUERY_INTERVAL, self.general_query, count == ROBUSTNESS - 1)

    def general_query(self, then_periodic: bool = True) -> None:
        router = self.router
        if not router.running:
            return
        max_resp = 0 if self.version == 1 else int(QUERY_RESPONSE_INTERVAL * 10)
        for nic in router.interfaces:
            if nic.addresses and router.ip_enabled(nic.name):
                message = IgmpMessage(IgmpType.MEMBERSHIP_QUERY, self.version, netaddr.IPAddress(0), max_resp)
                send_igmp(router, nic, message, ALL_HOSTS)
        if then_periodic:
            router.network.clock.schedule(QUERY_INTERVAL, self.general_query, True)

    def hear(self, nic: Interface, packet: IPv4Packet) -> None:
        message = packet.igmp
        clock = self.router.network.clock
        group = int(message.group)
        table = self.members.setdefault(nic.name, {})
        if message.type in (IgmpType.V1_MEMBERSHIP_REPORT, IgmpType.V2_MEMBERSHIP_REPORT):
            clock.cancel(table.get(group))
            table[group] = clock.schedule(GROUP_MEMBERSHIP_INTERVAL, self._expire, nic.name, group)
            clock.cancel(self._pending_leave.pop((nic.name, group), None))
        elif message.type is IgmpType.LEAVE_GROUP and group in table and self.version >= 2:
            self._specific_query(nic, group, 0)

    def _specific_query(self, nic: Interface, group: int, sent: int) -> None:
        table = self.members.get(nic.name, {})
        if group not in table:
            return
        if sent == LAST_MEMBER_QUERY_COUNT:
            self._expire(nic.name, group)
            return
        message = IgmpMessage(IgmpType.MEMBERSHIP_QUERY, 2, netaddr.IPAddress(group),
                              int(LAST_MEMBER_QUERY_INTERVAL * 10))
        send_igmp(self.router, nic, message, group)
        self._pending_leave[(nic.name, group)] = self.router.network.clock.schedule(
            LAST_MEMBER_QUERY_INTERVAL, self._specific_query, nic, group, sent + 1)

    def _expire(self, interface: str, group: int) -> None:
        table = self.members.get(interface, {})
        event = table.pop(group, None)
        self.router.network.clock.cancel(event)
        if event is not None:
            self.router.network.log_event(self.router, f"no members of {format_address(group)} left on "
                                                       f"{interface}: stops forwarding it there")

    def forward(self, arrived: Interface, packet: IPv4Packet, trace: PathTrace | None) -> None:
        """Multicast routing, simply: copy the datagram to every other interface with members."""
        router = self.router
        group = int(packet.dst)
        if group & 0xFFFFFF00 == _LINK_LOCAL or packet.ttl <= 1:
            return
        for nic in router.interfaces:
            if nic is arrived or group not in self.members.get(nic.name, {}) or not router.ip_enabled(nic.name):
                continue
            copy = packet.forwarded()
            from workbook.sim.trace import Hop

            hop = Hop(router.name, router.network.clock.now, copy, Outcome.FORWARDED, nic.name, arrived.name,
                      detail=f"members of {packet.dst} are behind {nic.name} (IGMP)")
            if trace is not None:
                trace.hops.append(hop)
            hop.frame = router.network.transmit(router, nic, multicast_mac(format_address(group)), ETHERTYPE_IPV4,
                                                ip=copy, trace=trace)


def start_querier(router: SimHost, version: int = 2) -> Querier:
    """Make ``router`` an IGMP querier on all its interfaces (it also hears every group's frames)."""
    router.querier = Querier(router, version)
    if router.running:
        router.querier.start()
    return router.querier
