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

Everything lives in one :class:`Igmp` protocol object per node: the groups
it joined on each interface, its pending reports, and, on a multicast
router, its :class:`Querier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import AddressError, SimulationError
from workbook.net.addresses import format_address, is_multicast, parse_address
from workbook.net.multicast import multicast_mac
from workbook.sim.frames import ETHERTYPE_IPV4, IgmpMessage, IgmpType, IPProtocol
from workbook.sim.stack import NodeServices, Protocol, ScenarioKey
from workbook.sim.trace import DropReason, Hop, Outcome

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.frames import Frame, IPv4Packet
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
    "Igmp",
    "Querier",
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


def _load_groups(igmp: Igmp, groups: dict[str, list[str]]) -> None:
    for interface, joined in groups.items():
        for group in joined:
            if igmp.node.running:
                igmp.join(group, interface)


def _saved_groups(igmp: Igmp) -> dict[str, list[str]]:
    groups = {nic: sorted(format_address(g) for g in joined if g != ALL_HOSTS) for nic, joined in igmp.groups.items()}
    return {nic: joined for nic, joined in groups.items() if joined}


def _load_querier(igmp: Igmp, on: bool) -> None:
    if on:
        igmp.start_querier()


class Igmp(Protocol):
    """One node's IGMP: its group memberships and reports, and (on a multicast router) the querier."""

    name = "igmp"
    ip_protocols = (IPProtocol.IGMP,)
    keys = (
        ScenarioKey("igmp_version", example=2, choices=(1, 2), kind=int, attribute="version",
                    default=lambda node: node.personality.igmp_version,
                    help="IGMPv1 (RFC 1112) or IGMPv2 (RFC 2236)"),
        ScenarioKey("igmp_level", example=2, choices=(0, 1, 2), kind=int, default=2, attribute="level",
                    help="RFC 1112's levels: 0 no multicast, 1 send only, 2 send and receive"),
        ScenarioKey("multicast_routing", example=True, default=False, kind=bool, omit_when_empty=True,
                    help="a router copies group datagrams to interfaces with members"),
        ScenarioKey("igmp_querier", example=True, default=False, kind=bool, load=_load_querier,
                    save=lambda igmp: igmp.querier is not None,
                    help="a router asks which groups have members (default: multicast_routing)"),
        ScenarioKey("groups", example={"eth0": ["239.1.2.3"]}, default=None, kind=dict, omit_when_empty=True,
                    load=_load_groups, save=_saved_groups, applied_after_start=True,
                    help="the groups each interface joins once the host runs"),
    )

    def __init__(self, node: NodeServices) -> None:
        super().__init__(node)
        self.groups: dict[str, set[int]] = {}
        self.memberships: dict[tuple[str, int], _Membership] = {}
        self.v1_router_until: dict[str, float] = {}
        self.querier: Querier | None = None

    def configure(self, data: dict[str, Any], after_start: bool = False) -> None:
        super().configure(data, after_start)
        if not after_start and "igmp_querier" not in data and self.multicast_routing and self.querier is None:
            self.start_querier()  # a multicast router is its LAN's querier unless told otherwise

    # Life cycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.level >= 2:
            for nic in self.node.interfaces:
                self._add(nic, ALL_HOSTS)
        if self.querier is not None:
            self.querier.start()

    def stop(self) -> None:
        for nic in self.node.interfaces:
            for group in list(self.groups.get(nic.name, ())):
                self._remove(nic, group)
        self.groups.clear()
        for membership in self.memberships.values():
            self.node.clock.cancel(membership.timer)
        self.memberships.clear()

    def start_querier(self, version: int | None = None) -> Querier:
        """Make this node an IGMP querier on all its interfaces (it also hears every group's frames)."""
        self.querier = Querier(self, self.version if version is None else version)
        for nic in self.node.interfaces:
            self.node.accept_all_multicast(nic, True)
        if self.node.running:
            self.querier.start()
        return self.querier

    # Groups ------------------------------------------------------------------------------------------------
    def _add(self, nic: Interface, group: int) -> None:
        self.groups.setdefault(nic.name, set()).add(group)
        self.node.join_link_group(nic, multicast_mac(format_address(group)))

    def _remove(self, nic: Interface, group: int) -> None:
        self.groups.get(nic.name, set()).discard(group)
        self.node.leave_link_group(nic, multicast_mac(format_address(group)))

    def is_member(self, interface: str, group: int) -> bool:
        return group in self.groups.get(interface, ())

    def version_on(self, nic: Interface) -> int:
        """The IGMP version this host speaks on ``nic`` now (v1 while an IGMPv1 querier was heard lately)."""
        until = self.v1_router_until.get(nic.name, -1.0)
        return 1 if self.version == 1 or self.node.clock.now < until else 2

    def join(self, value: object, interface: str | None = None) -> None:
        """``host.join(group)``: accept the group's frames on one NIC and report the membership."""
        node = self.node
        group = _group(value)
        if self.level < 2:
            raise SimulationError(f"host {node.name!r} is at conformance level {self.level} "
                                  f"({'no multicast' if self.level == 0 else 'send only'}): it cannot join "
                                  f"{format_address(group)}; give it igmp_level 2")
        if not node.running:
            raise SimulationError(f"host {node.name!r} is stopped; call host.start() before joining a group")
        nic = node.interface(interface) if interface is not None else self._multicast_interface(group)
        if group in self.groups.get(nic.name, ()):
            return
        self._add(nic, group)
        node.log_event(f"joined {format_address(group)} on {nic.name}; the NIC now accepts "
                       f"{multicast_mac(format_address(group))}")
        if group == ALL_HOSTS:
            return  # every level-2 host is in 224.0.0.1 and never reports it
        self._report(nic, group)
        # RFC 1112 7.2 / RFC 2236 3: repeat the unsolicited report once, in case the first was lost.
        delay = (node.random.uniform(0, V1_MAX_REPORT_DELAY) if self.version_on(nic) == 1
                 else UNSOLICITED_REPORT_INTERVAL)
        self.memberships[(nic.name, group)].timer = node.clock.schedule(delay, self._report, nic, group)

    def leave(self, value: object, interface: str | None = None) -> None:
        """``host.leave(group)``: stop accepting it; IGMPv2 says so if this host reported last."""
        node = self.node
        group = _group(value)
        nics = [node.interface(interface)] if interface is not None else node.interfaces
        for nic in nics:
            if group not in self.groups.get(nic.name, set()):
                continue
            self._remove(nic, group)
            membership = self.memberships.pop((nic.name, group), _Membership())
            node.clock.cancel(membership.timer)
            node.log_event(f"left {format_address(group)} on {nic.name}")
            if membership.last_reporter and self.version_on(nic) == 2 and group != ALL_HOSTS:
                self.send_message(nic, IgmpMessage(IgmpType.LEAVE_GROUP, 2, netaddr.IPAddress(group)), ALL_ROUTERS)
            return
        raise SimulationError(f"host {node.name!r} is not a member of {format_address(group)}; "
                              f"its groups: {self._group_list() or 'none'}")

    def _group_list(self) -> str:
        return ", ".join(sorted({format_address(g) for gs in self.groups.values() for g in gs if g != ALL_HOSTS}))

    def _multicast_interface(self, group: int) -> Interface:
        node = self.node
        decision = node.route_get(format_address(group))
        if decision.reachable and decision.interface not in (None, "lo"):
            return node.interface(decision.interface)
        return node.interfaces[0]

    # Messages -------------------------------------------------------------------------------------------------
    def send_message(self, nic: Interface, message: IgmpMessage, destination: int) -> Frame | None:
        """Put one IGMP message on ``nic``'s wire: TTL 1, to a group address, Router Alert in v2."""
        v2 = message.version >= 2
        return self.node.send_on_link(nic, destination, message, IPProtocol.IGMP, ttl=1, tos=0xC0 if v2 else 0,
                                      router_alert=v2)

    def _report(self, nic: Interface, group: int) -> None:
        if not self.node.running or group not in self.groups.get(nic.name, ()):
            return
        version = self.version_on(nic)
        kind = IgmpType.V1_MEMBERSHIP_REPORT if version == 1 else IgmpType.V2_MEMBERSHIP_REPORT
        self.send_message(nic, IgmpMessage(kind, version, netaddr.IPAddress(group)), group)
        membership = self.memberships.setdefault((nic.name, group), _Membership())
        membership.timer = None
        membership.last_reporter = True

    def datagram_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        """An IGMP message reached this node's IP layer."""
        message = packet.igmp
        if message is None:
            return
        nic = self.node.interface(interface)
        if self.querier is not None:
            self.querier.hear(nic, packet)
        if message.type is IgmpType.MEMBERSHIP_QUERY:
            self._hear_query(nic, message)
        elif message.type in (IgmpType.V1_MEMBERSHIP_REPORT, IgmpType.V2_MEMBERSHIP_REPORT):
            membership = self.memberships.get((nic.name, int(message.group)))
            if membership is not None and packet.src not in [a.ip for a in nic.addresses]:
                # Another member answered: this host's pending report is not needed (suppression).
                self.node.clock.cancel(membership.timer)
                membership.timer = None
                membership.last_reporter = False

    def _hear_query(self, nic: Interface, message: IgmpMessage) -> None:
        node = self.node
        if message.max_resp_time == 0:
            self.v1_router_until[nic.name] = node.clock.now + V1_ROUTER_PRESENT_TIMEOUT
            longest = V1_MAX_REPORT_DELAY
        else:
            longest = message.max_resp_time / 10
        asked = int(message.group)
        for group in sorted(self.groups.get(nic.name, ())):
            if group == ALL_HOSTS or (asked and group != asked):
                continue
            membership = self.memberships.setdefault((nic.name, group), _Membership())
            delay = node.random.uniform(0, longest)
            timer = membership.timer
            if timer is not None and not timer.cancelled and timer.time - node.clock.now <= delay:
                continue  # an earlier report is already due
            node.clock.cancel(timer)
            membership.timer = node.clock.schedule(delay, self._report, nic, group)

    # Datagrams to a group ------------------------------------------------------------------------------------
    def multicast_received(self, nic: Interface, frame: Frame, trace: PathTrace | None, hop: Any) -> None:
        """A datagram for a group reached IP: deliver it to members, let a multicast router forward it."""
        node = self.node
        packet = frame.ip
        group = int(packet.dst)
        querier = self.querier
        if group in self.groups.get(nic.name, ()):
            hop(Outcome.DELIVERED, detail=f"{node.name} is a member of {packet.dst} on {nic.name}")
            node.deliver_up(packet, nic.name, trace)
        elif querier is not None:
            if packet.igmp is not None:
                node.deliver_up(packet, nic.name, trace)
        else:
            shared = [g for g in self.groups.get(nic.name, ())
                      if multicast_mac(format_address(g)) == frame.eth_dst]
            why = (f"the NIC took the frame because {format_address(shared[0])}, which it joined, has the same MAC "
                   f"{frame.eth_dst}" if shared else "the NIC accepted the frame")
            hop(Outcome.DROPPED, DropReason.NOT_A_MEMBER, f"{why}; IP discards it: not a member of {packet.dst}")
            return
        if querier is not None and self.multicast_routing and packet.igmp is None:
            querier.forward(nic, packet, trace)


# The querier (a router's side) ---------------------------------------------------------------
class Querier:
    """A router's IGMP querier: which groups have members behind which interface."""

    def __init__(self, igmp: Igmp, version: int = 2) -> None:
        self.igmp = igmp
        self.router = igmp.node
        self.version = version
        self.members: dict[str, dict[int, Any]] = {nic.name: {} for nic in self.router.interfaces}
        self._pending_leave: dict[tuple[str, int], Any] = {}

    def groups(self, interface: str) -> list[netaddr.IPAddress]:
        """The groups with members behind ``interface``, as this querier believes."""
        return [netaddr.IPAddress(g) for g in sorted(self.members.get(interface, {}))]

    def start(self) -> None:
        for count in range(ROBUSTNESS):
            self.router.clock.schedule(count * STARTUP_QUERY_INTERVAL, self.general_query, count == ROBUSTNESS - 1)

    def general_query(self, then_periodic: bool = True) -> None:
        router = self.router
        if not router.running:
            return
        max_resp = 0 if self.version == 1 else int(QUERY_RESPONSE_INTERVAL * 10)
        for nic in router.interfaces:
            if nic.addresses and router.ip_enabled(nic.name):
                message = IgmpMessage(IgmpType.MEMBERSHIP_QUERY, self.version, netaddr.IPAddress(0), max_resp)
                self.igmp.send_message(nic, message, ALL_HOSTS)
        if then_periodic:
            router.clock.schedule(QUERY_INTERVAL, self.general_query, True)

    def hear(self, nic: Interface, packet: IPv4Packet) -> None:
        message = packet.igmp
        router = self.router
        group = int(message.group)
        table = self.members.setdefault(nic.name, {})
        if message.type in (IgmpType.V1_MEMBERSHIP_REPORT, IgmpType.V2_MEMBERSHIP_REPORT):
            router.clock.cancel(table.get(group))
            table[group] = router.clock.schedule(GROUP_MEMBERSHIP_INTERVAL, self._expire, nic.name, group)
            router.clock.cancel(self._pending_leave.pop((nic.name, group), None))
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
        self.igmp.send_message(nic, message, group)
        self._pending_leave[(nic.name, group)] = self.router.clock.schedule(
            LAST_MEMBER_QUERY_INTERVAL, self._specific_query, nic, group, sent + 1)

    def _expire(self, interface: str, group: int) -> None:
        table = self.members.get(interface, {})
        event = table.pop(group, None)
        self.router.clock.cancel(event)
        if event is not None:
            self.router.log_event(f"no members of {format_address(group)} left on {interface}: "
                                  "stops forwarding it there")

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
            hop = Hop(router.name, router.clock.now, copy, Outcome.FORWARDED, nic.name, arrived.name,
                      detail=f"members of {packet.dst} are behind {nic.name} (IGMP)")
            if trace is not None:
                trace.hops.append(hop)
            hop.frame = router.transmit(nic, multicast_mac(format_address(group)), ETHERTYPE_IPV4, ip=copy,
                                        trace=trace)
