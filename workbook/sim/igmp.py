"""IGMP hosts and a querier, RFC 1112 (v1), RFC 2236 (v2) and RFC 3376 (v3), on the simulated clock (chapter 5).

A host at conformance level 2 joins a group by letting its NIC accept the
group's MAC and by *reporting* the membership. Versions 1 and 2 report to
the group itself; a querier router asks "who is still there?" with a general
query to 224.0.0.1, each member waits a random time up to the query's Max
Resp Time and reports, unless it hears another member report first
(suppression). An IGMPv2 host that leaves, and was the last to report, sends
a Leave Group to 224.0.0.2; the querier then asks that group alone (a
group-specific query) before it forgets it.

Version 3 (RFC 3376, Linux and Windows today) reports to 224.0.0.22 with
*group records*: a join is CHANGE_TO_EXCLUDE_MODE with no sources ("any
source"), a leave CHANGE_TO_INCLUDE_MODE with none; a source-specific join
(``host.join(group, sources=[...])``) is ALLOW_NEW_SOURCES, its leave
BLOCK_OLD_SOURCES. Each change is reported at once (as an event on the
clock: changes made at the same moment share one report) and repeated
(robustness - 1) times within the Unsolicited Report Interval; a report
also carries the other changes still being repeated. A query gets one current-state report (MODE_IS_*
records) after a random delay, and nobody suppresses anybody. A v3 host that
hears a v1 or v2 query speaks that version for the Older Version Querier
Present Timeout. Routers never forward datagrams for 224.0.0.0/24.

Everything lives in one :class:`Igmp` protocol object per node: the groups
it joined on each interface, its pending reports, and, on a multicast
router, its :class:`Querier` (which tracks groups, not sources).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import AddressError, SimulationError
from workbook.ledger import Source, constant
from workbook.net.addresses import ALL_ONES, format_address, is_multicast, parse_address
from workbook.net.multicast import multicast_mac
from workbook.sim.frames import ETHERTYPE_IPV4, GroupRecord, IgmpMessage, IgmpType, IPProtocol, RecordType
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
    "V3_REPORTS",
    "Igmp",
    "Querier",
]

ALL_HOSTS = constant("IGMP: the all-hosts group 224.0.0.1", 0xE0000001, Source.rfc(1112, "4"))
ALL_ROUTERS = constant("IGMP: the all-routers group 224.0.0.2, where v2 leaves go", 0xE0000002, Source.rfc(2236, "3"))
V3_REPORTS = constant("IGMPv3: reports go to 224.0.0.22", 0xE0000016, Source.rfc(3376, "4.2.14"))
_LINK_LOCAL = constant("224.0.0.0/24: link-local groups routers never forward", 0xE0000000, Source.rfc(5771, "4"))

# RFC 2236 section 8 and RFC 3376 section 8 defaults, in seconds (Max Resp Time travels in tenths).
ROBUSTNESS = constant("IGMP Robustness Variable", 2, Source.rfc(3376, "8.1", "and RFC 2236 8.1"))
QUERY_INTERVAL = constant("IGMP Query Interval", 125.0, Source.rfc(3376, "8.2", "and RFC 2236 8.2"))
QUERY_RESPONSE_INTERVAL = constant("IGMP Query Response Interval", 10.0, Source.rfc(3376, "8.3", "and RFC 2236 8.3"))
GROUP_MEMBERSHIP_INTERVAL = constant("IGMP Group Membership Interval",
                                     ROBUSTNESS * QUERY_INTERVAL + QUERY_RESPONSE_INTERVAL, Source.rfc(2236, "8.4"))
STARTUP_QUERY_INTERVAL = constant("IGMP Startup Query Interval", QUERY_INTERVAL / 4, Source.rfc(2236, "8.6"))
LAST_MEMBER_QUERY_INTERVAL = constant("IGMP Last Member Query Interval", 1.0, Source.rfc(2236, "8.8"))
LAST_MEMBER_QUERY_COUNT = constant("IGMP Last Member Query Count", ROBUSTNESS, Source.rfc(2236, "8.9"))
UNSOLICITED_REPORT_INTERVAL = constant("IGMPv2 Unsolicited Report Interval", 10.0, Source.rfc(2236, "8.10"))
V3_UNSOLICITED_REPORT_INTERVAL = constant("IGMPv3 Unsolicited Report Interval", 1.0, Source.rfc(3376, "8.11"))
#: RFC 1112: an IGMPv1 query carries no Max Resp Time; members answer within 10 s.
V1_MAX_REPORT_DELAY = constant("IGMPv1: a member's longest report delay", 10.0, Source.rfc(1112, "Appendix I"))
#: RFC 2236 4: after hearing an IGMPv1 query a v2 host answers in v1 for this long.
V1_ROUTER_PRESENT_TIMEOUT = constant("IGMPv2 Version 1 Router Present Timeout", 400.0, Source.rfc(2236, "8.11"))
#: RFC 3376 8.12: after hearing a v1 or v2 query a v3 host speaks that version for this long.
OLDER_QUERIER_PRESENT_TIMEOUT = constant("IGMPv3 Older Version Querier Present Timeout",
                                         ROBUSTNESS * QUERY_INTERVAL + QUERY_RESPONSE_INTERVAL,
                                         Source.rfc(3376, "8.12"))


@dataclass
class _Membership:
    """A host's state for one group on one interface: any source (``sources`` empty), or only these sources."""

    sources: frozenset[int] = frozenset()
    timer: Any = None  # a pending delayed report
    last_reporter: bool = False

    def record(self, group: int) -> GroupRecord:
        """This membership as a current-state record (RFC 3376 4.2.12)."""
        if self.sources:
            return GroupRecord(RecordType.MODE_IS_INCLUDE, netaddr.IPAddress(group), _addresses(self.sources))
        return GroupRecord(RecordType.MODE_IS_EXCLUDE, netaddr.IPAddress(group))


def _addresses(values: Iterable[int]) -> tuple[netaddr.IPAddress, ...]:
    return tuple(netaddr.IPAddress(value) for value in sorted(values))


def _group(value: object) -> int:
    group = parse_address(value, what="group", example="239.1.2.3")
    if not is_multicast(group):
        raise AddressError(f"group {value!r} is not a multicast address (224.0.0.0 to 239.255.255.255); "
                           f"e.g. 239.1.2.3")
    if group == 0xE0000000:
        raise AddressError("group '224.0.0.0' is reserved and never assigned; e.g. 239.1.2.3")
    return group


def _sources(values: Iterable[object] | None) -> frozenset[int]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [values]
    found = set()
    for value in values:
        source = parse_address(value, what="source", example="10.0.0.9")
        if is_multicast(source) or source in (0, ALL_ONES):
            raise AddressError(f"source {value!r} must be a unicast address (the sender to listen to); e.g. 10.0.0.9")
        found.add(source)
    if not found:
        raise AddressError("sources=[] lists no source; leave it out to join for any source, or give e.g. "
                           "sources=['10.0.0.9']")
    return frozenset(found)


def _load_groups(igmp: Igmp, groups: dict[str, list[str]]) -> None:
    for interface, joined in (groups or {}).items():
        for group in joined:
            if igmp.node.running:
                igmp.join(group, interface)


def _saved_groups(igmp: Igmp) -> dict[str, list[str]]:
    groups = {nic: sorted(format_address(g) for g in joined if g != ALL_HOSTS) for nic, joined in igmp.groups.items()}
    return {nic: joined for nic, joined in groups.items() if joined}


def _load_querier(igmp: Igmp, on: bool) -> None:
    if on:
        igmp.start_querier()


def _version_spoken(version: int, node: NodeServices) -> str | None:
    spoken = node.personality.igmp_versions
    if version not in spoken:
        return (f"is not an IGMP version the {node.personality.name} stack speaks (it speaks "
                f"{', '.join(map(str, spoken))})")
    return None


class Igmp(Protocol):
    """One node's IGMP: its group memberships and reports, and (on a multicast router) the querier."""

    name = "igmp"
    ip_protocols = (IPProtocol.IGMP,)
    keys = (
        ScenarioKey("igmp_version", example=2, choices=(1, 2, 3), kind=int, attribute="version",
                    default=lambda node: node.personality.igmp_version, why_bad=_version_spoken,
                    help="IGMPv1 (RFC 1112), v2 (RFC 2236) or v3 (RFC 3376)"),
        ScenarioKey("igmp_level", example=2, choices=(0, 1, 2), kind=int, default=2, attribute="level",
                    help="RFC 1112's levels: 0 no multicast, 1 send only, 2 send and receive"),
        ScenarioKey("multicast_routing", example=True, default=False, kind=bool, omit_when_empty=True,
                    help="a router copies group datagrams to interfaces with members"),
        ScenarioKey("igmp_querier", example=True, default=False, kind=bool, load=_load_querier,
                    save=lambda igmp: igmp.querier is not None,
                    help="a router asks which groups have members (default: multicast_routing)"),
        ScenarioKey("groups", example={"eth0": ["239.1.2.3"]}, default=None, kind=(dict, type(None)),
                    omit_when_empty=True, load=_load_groups, save=_saved_groups, applied_after_start=True,
                    help="the groups each interface joins once the host runs"),
    )

    def __init__(self, node: NodeServices) -> None:
        super().__init__(node)
        self.groups: dict[str, set[int]] = {}
        self.memberships: dict[tuple[str, int], _Membership] = {}
        self.v1_querier_until: dict[str, float] = {}
        self.v2_querier_until: dict[str, float] = {}
        self.changes: dict[str, dict[int, list[Any]]] = {}  # v3: per interface, group -> [record, repeats left]
        self.change_timers: dict[str, Any] = {}
        self.response_timers: dict[str, Any] = {}  # v3: a pending answer to a general query
        self.querier: Querier | None = None
        self.headers: dict[int, tuple[bool, int]] = node.personality.igmp_headers

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
        clock = self.node.clock
        for nic in self.node.interfaces:
            for group in list(self.groups.get(nic.name, ())):
                self._remove(nic, group)
        self.groups.clear()
        for membership in self.memberships.values():
            clock.cancel(membership.timer)
        self.memberships.clear()
        for timer in (*self.change_timers.values(), *self.response_timers.values()):
            clock.cancel(timer)
        self.changes.clear()

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

    def sources(self, interface: str, group: int) -> frozenset[int]:
        """The sources a source-specific membership listens to (empty: any source)."""
        membership = self.memberships.get((interface, group))
        return frozenset() if membership is None else membership.sources

    def version_on(self, nic: Interface) -> int:
        """The IGMP version this host speaks on ``nic`` now (an older one while an older querier was heard)."""
        now = self.node.clock.now
        if self.version == 1 or now < self.v1_querier_until.get(nic.name, -1.0):
            return 1
        if self.version == 2 or now < self.v2_querier_until.get(nic.name, -1.0):
            return 2
        return 3

    def join(self, value: object, interface: str | None = None, sources: Iterable[object] | None = None) -> None:
        """``host.join(group)``: accept the group's frames on one NIC and report the membership.

        With ``sources`` the host listens to those senders only (a source-specific join, IGMPv3's
        ALLOW_NEW_SOURCES); joining again with more sources adds them.
        """
        node = self.node
        group, wanted = _group(value), _sources(sources)
        if self.level < 2:
            raise SimulationError(f"host {node.name!r} is at conformance level {self.level} "
                                  f"({'no multicast' if self.level == 0 else 'send only'}): it cannot join "
                                  f"{format_address(group)}; give it igmp_level 2")
        if not node.running:
            raise SimulationError(f"host {node.name!r} is stopped; call host.start() before joining a group")
        nic = node.interface(interface) if interface is not None else self._multicast_interface(group)
        membership = self.memberships.get((nic.name, group))
        if group in self.groups.get(nic.name, ()) and membership is None:
            return  # 224.0.0.1, which every level-2 host is in
        if membership is not None:
            self._widen(nic, group, membership, wanted)
            return
        self._add(nic, group)
        membership = self.memberships[(nic.name, group)] = _Membership(wanted)
        which = f" for sources {', '.join(map(format_address, sorted(wanted)))}" if wanted else ""
        node.log_event(f"joined {format_address(group)}{which} on {nic.name}; the NIC now accepts "
                       f"{multicast_mac(format_address(group))}")
        if group == ALL_HOSTS:
            return  # every level-2 host is in 224.0.0.1 and never reports it
        if self.version_on(nic) == 3:
            kind = RecordType.ALLOW_NEW_SOURCES if wanted else RecordType.CHANGE_TO_EXCLUDE_MODE
            self._change(nic, GroupRecord(kind, netaddr.IPAddress(group), _addresses(wanted)))
            return
        self._report(nic, group)
        # RFC 1112 7.2 / RFC 2236 3: repeat the unsolicited report once, in case the first was lost.
        delay = (node.random.uniform(0, V1_MAX_REPORT_DELAY) if self.version_on(nic) == 1
                 else UNSOLICITED_REPORT_INTERVAL)
        membership.timer = node.clock.schedule(delay, self._report, nic, group)

    def _widen(self, nic: Interface, group: int, membership: _Membership, wanted: frozenset[int]) -> None:
        """A second join of a group: any source (EXCLUDE {}) wins; more sources are allowed in."""
        if not membership.sources:
            return
        added = wanted - membership.sources if wanted else frozenset()
        if wanted and not added:
            return
        membership.sources = membership.sources | added if wanted else frozenset()
        self.node.log_event(f"joined {format_address(group)} for "
                            f"{'sources ' + ', '.join(map(format_address, sorted(added))) if wanted else 'any source'}"
                            f" on {nic.name}")
        if self.version_on(nic) == 3:
            record = (GroupRecord(RecordType.ALLOW_NEW_SOURCES, netaddr.IPAddress(group), _addresses(added)) if wanted
                      else GroupRecord(RecordType.CHANGE_TO_EXCLUDE_MODE, netaddr.IPAddress(group)))
            self._change(nic, record)

    def leave(self, value: object, interface: str | None = None, sources: Iterable[object] | None = None) -> None:
        """``host.leave(group)``: stop accepting it; IGMPv2 says so if this host reported last, IGMPv3 always.

        With ``sources`` only those senders are dropped (BLOCK_OLD_SOURCES); the group goes with its last source.
        """
        node = self.node
        group, dropped = _group(value), _sources(sources)
        nics = [node.interface(interface)] if interface is not None else node.interfaces
        for nic in nics:
            if group not in self.groups.get(nic.name, set()):
                continue
            membership = self.memberships.get((nic.name, group), _Membership())
            if dropped:
                if not membership.sources:
                    raise SimulationError(f"host {node.name!r} listens to {format_address(group)} from any source; "
                                          f"leave it with leave({format_address(group)!r})")
                unknown = dropped - membership.sources
                if unknown:
                    raise SimulationError(f"host {node.name!r} does not listen to {format_address(group)} from "
                                          f"{', '.join(map(format_address, sorted(unknown)))}; its sources: "
                                          f"{', '.join(map(format_address, sorted(membership.sources)))}")
                if dropped != membership.sources:
                    membership.sources = membership.sources - dropped
                    node.log_event(f"stopped listening to {format_address(group)} from "
                                   f"{', '.join(map(format_address, sorted(dropped)))} on {nic.name}")
                    if self.version_on(nic) == 3:
                        self._change(nic, GroupRecord(RecordType.BLOCK_OLD_SOURCES, netaddr.IPAddress(group),
                                                      _addresses(dropped)))
                    return
            self._forget(nic, group, membership)
            return
        raise SimulationError(f"host {node.name!r} is not a member of {format_address(group)}; "
                              f"its groups: {self._group_list() or 'none'}")

    def _forget(self, nic: Interface, group: int, membership: _Membership) -> None:
        node = self.node
        self._remove(nic, group)
        self.memberships.pop((nic.name, group), None)
        node.clock.cancel(membership.timer)
        node.log_event(f"left {format_address(group)} on {nic.name}")
        if group == ALL_HOSTS:
            return
        version = self.version_on(nic)
        if version == 3:
            address = netaddr.IPAddress(group)
            self._change(nic, GroupRecord(RecordType.BLOCK_OLD_SOURCES, address, _addresses(membership.sources))
                         if membership.sources else GroupRecord(RecordType.CHANGE_TO_INCLUDE_MODE, address))
        elif version == 2 and membership.last_reporter:
            self.send_message(nic, IgmpMessage(IgmpType.LEAVE_GROUP, 2, netaddr.IPAddress(group)), ALL_ROUTERS)

    def _group_list(self) -> str:
        return ", ".join(sorted({format_address(g) for gs in self.groups.values() for g in gs if g != ALL_HOSTS}))

    def _multicast_interface(self, group: int) -> Interface:
        node = self.node
        decision = node.route_get(format_address(group))
        if decision.reachable and decision.interface not in (None, "lo"):
            return node.interface(decision.interface)
        return node.interfaces[0]

    def maddr(self) -> str:
        """The groups and group MACs of each interface, as `ip maddr show` lists them (IPv4 only)."""
        lines = []
        for nic in self.node.interfaces:
            joined = [group for (name, group) in reversed(self.memberships) if name == nic.name]
            if ALL_HOSTS in self.groups.get(nic.name, ()):
                joined.append(ALL_HOSTS)  # joined when the interface came up: the oldest, listed last
            lines.append(f"{nic.index}:\t{nic.name}")
            lines += [f"\tlink  {str(mac).lower().replace('-', ':')}" for mac in self.node.link_groups(nic)]
            lines += [f"\tinet  {format_address(group)}" for group in joined]
        return "\n".join(lines)

    # Messages -------------------------------------------------------------------------------------------------
    def send_message(self, nic: Interface, message: IgmpMessage, destination: int) -> Frame | None:
        """Put one IGMP message on ``nic``'s wire: TTL 1, Router Alert and TOS as the stack sets them."""
        router_alert, tos = self.headers[message.version]
        return self.node.send_on_link(nic, destination, message, IPProtocol.IGMP, ttl=1, tos=tos,
                                      router_alert=router_alert)

    def _report(self, nic: Interface, group: int) -> None:
        """A v1 or v2 membership report for ``group`` (the delayed answer to a query, or a repeat)."""
        if not self.node.running or group not in self.groups.get(nic.name, ()):
            return
        version = self.version_on(nic)
        membership = self.memberships.setdefault((nic.name, group), _Membership())
        membership.timer = None
        if version == 3:
            self._send_report(nic, (membership.record(group),))
            return
        kind = IgmpType.V1_MEMBERSHIP_REPORT if version == 1 else IgmpType.V2_MEMBERSHIP_REPORT
        self.send_message(nic, IgmpMessage(kind, version, netaddr.IPAddress(group)), group)
        membership.last_reporter = True

    def _send_report(self, nic: Interface, records: tuple[GroupRecord, ...]) -> None:
        self.send_message(nic, IgmpMessage(IgmpType.V3_MEMBERSHIP_REPORT, 3, netaddr.IPAddress(0), records=records),
                          V3_REPORTS)

    def _change(self, nic: Interface, record: GroupRecord) -> None:
        """IGMPv3: a state change is reported at once, with any other change still being repeated, and repeated."""
        pending = self.changes.setdefault(nic.name, {})
        group = int(record.group)
        old = pending.pop(group, None)
        if old is not None and old[0].record_type == record.record_type and record.record_type in (
                RecordType.ALLOW_NEW_SOURCES, RecordType.BLOCK_OLD_SOURCES):
            merged = {int(s) for s in old[0].sources} | {int(s) for s in record.sources}
            record = GroupRecord(record.record_type, record.group, _addresses(merged))
        pending[group] = [record, ROBUSTNESS]
        timer = self.change_timers.get(nic.name)
        if timer is not None and not timer.cancelled and timer.time > self.node.clock.now:
            self.node.clock.cancel(timer)  # report now, with what the waiting repeat would have carried
        if timer is None or timer.cancelled or timer.time > self.node.clock.now:
            # At once, as an event: changes made at the same moment (a socket closed) share one report.
            self.change_timers[nic.name] = self.node.clock.schedule(0.0, self._send_changes, nic)

    def _send_changes(self, nic: Interface) -> None:
        """Send every pending change record in one report; schedule the next repeat while any is left."""
        pending = self.changes.get(nic.name, {})
        if not self.node.running or not pending:
            return
        self._send_report(nic, tuple(entry[0] for entry in reversed(pending.values())))
        for group in list(pending):
            pending[group][1] -= 1
            if pending[group][1] <= 0:
                del pending[group]
        if pending:
            delay = self.node.random.uniform(0, V3_UNSOLICITED_REPORT_INTERVAL)
            self.change_timers[nic.name] = self.node.clock.schedule(delay, self._send_changes, nic)

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
            if (membership is not None and self.version_on(nic) < 3
                    and packet.src not in [a.ip for a in nic.addresses]):
                # Another member answered: this host's pending report is not needed (suppression).
                self.node.clock.cancel(membership.timer)
                membership.timer = None
                membership.last_reporter = False

    def _hear_query(self, nic: Interface, message: IgmpMessage) -> None:
        node = self.node
        now = node.clock.now
        if message.version < 3 and self.version >= 2 and message.max_resp_time == 0:
            was = self.version_on(nic)
            self.v1_querier_until[nic.name] = now + (V1_ROUTER_PRESENT_TIMEOUT if self.version == 2
                                                     else OLDER_QUERIER_PRESENT_TIMEOUT)
            self._fall_back(nic, was)
        elif message.version == 2 and self.version == 3:
            was = self.version_on(nic)
            self.v2_querier_until[nic.name] = now + OLDER_QUERIER_PRESENT_TIMEOUT
            self._fall_back(nic, was)
        longest = V1_MAX_REPORT_DELAY if message.max_resp_time == 0 else message.max_resp_time / 10
        asked = int(message.group)
        if self.version_on(nic) == 3 and not asked:
            timer = self.response_timers.get(nic.name)
            delay = node.random.uniform(0, longest)
            if timer is not None and not timer.cancelled and timer.time - now <= delay:
                return  # an earlier answer is already due
            node.clock.cancel(timer)
            self.response_timers[nic.name] = node.clock.schedule(delay, self._current_state, nic)
            return
        for group in sorted(self.groups.get(nic.name, ())):
            if group == ALL_HOSTS or (asked and group != asked):
                continue
            membership = self.memberships.setdefault((nic.name, group), _Membership())
            delay = node.random.uniform(0, longest)
            timer = membership.timer
            if timer is not None and not timer.cancelled and timer.time - now <= delay:
                continue  # an earlier report is already due
            node.clock.cancel(timer)
            membership.timer = node.clock.schedule(delay, self._report, nic, group)

    def _fall_back(self, nic: Interface, was: int) -> None:
        """RFC 3376 7.2.1: switching to an older version cancels what the newer one had pending."""
        if self.version_on(nic) < was == 3:
            self.node.clock.cancel(self.change_timers.pop(nic.name, None))
            self.node.clock.cancel(self.response_timers.pop(nic.name, None))
            self.changes.pop(nic.name, None)

    def _current_state(self, nic: Interface) -> None:
        """IGMPv3's answer to a general query: one report with a record for every group (RFC 3376 5.2)."""
        if not self.node.running or self.version_on(nic) != 3:
            return
        records = tuple(membership.record(group) for (name, group), membership in reversed(self.memberships.items())
                        if name == nic.name and group != ALL_HOSTS)
        if records:
            self._send_report(nic, records)

    # Datagrams to a group ------------------------------------------------------------------------------------
    def multicast_received(self, nic: Interface, frame: Frame, trace: PathTrace | None, hop: Any) -> None:
        """A datagram for a group reached IP: deliver it to members, let a multicast router forward it."""
        node = self.node
        packet = frame.ip
        group = int(packet.dst)
        querier = self.querier
        membership = self.memberships.get((nic.name, group))
        wanted = membership is None or not membership.sources or int(packet.src) in membership.sources
        if group in self.groups.get(nic.name, ()) and wanted:
            hop(Outcome.DELIVERED, detail=f"{node.name} is a member of {packet.dst} on {nic.name}")
            node.deliver_up(packet, nic.name, trace)
        elif querier is not None:
            if packet.igmp is not None:
                node.deliver_up(packet, nic.name, trace)
        elif group in self.groups.get(nic.name, ()):
            hop(Outcome.DROPPED, DropReason.NOT_A_MEMBER,
                f"{node.name} listens to {packet.dst} only from "
                f"{', '.join(map(format_address, sorted(membership.sources)))}, not from {packet.src}")
            return
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
_MEMBER_RECORDS = (RecordType.MODE_IS_EXCLUDE, RecordType.CHANGE_TO_EXCLUDE_MODE, RecordType.MODE_IS_INCLUDE,
                   RecordType.ALLOW_NEW_SOURCES)


class Querier:
    """A router's IGMP querier: which groups have members behind which interface (sources are not tracked)."""

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

    def _query(self, group: int, max_resp: float) -> IgmpMessage:
        tenths = 0 if self.version == 1 else int(max_resp * 10)
        if self.version == 3:
            return IgmpMessage(IgmpType.MEMBERSHIP_QUERY, 3, netaddr.IPAddress(group), tenths, qrv=ROBUSTNESS,
                               qqic=int(QUERY_INTERVAL))
        return IgmpMessage(IgmpType.MEMBERSHIP_QUERY, self.version, netaddr.IPAddress(group), tenths)

    def general_query(self, then_periodic: bool = True) -> None:
        router = self.router
        if not router.running:
            return
        for nic in router.interfaces:
            if nic.addresses and router.ip_enabled(nic.name):
                self.igmp.send_message(nic, self._query(0, QUERY_RESPONSE_INTERVAL), ALL_HOSTS)
        if then_periodic:
            router.clock.schedule(QUERY_INTERVAL, self.general_query, True)

    def hear(self, nic: Interface, packet: IPv4Packet) -> None:
        message = packet.igmp
        if message.type in (IgmpType.V1_MEMBERSHIP_REPORT, IgmpType.V2_MEMBERSHIP_REPORT):
            self._member(nic, int(message.group))
        elif message.type is IgmpType.LEAVE_GROUP and self.version >= 2:
            self._maybe_left(nic, int(message.group))
        elif message.type is IgmpType.V3_MEMBERSHIP_REPORT:
            for record in message.records:
                if record.record_type in _MEMBER_RECORDS and (
                        record.sources or record.record_type in (RecordType.MODE_IS_EXCLUDE,
                                                                 RecordType.CHANGE_TO_EXCLUDE_MODE)):
                    self._member(nic, int(record.group))
                elif self.version >= 2:
                    self._maybe_left(nic, int(record.group))

    def _member(self, nic: Interface, group: int) -> None:
        clock = self.router.clock
        table = self.members.setdefault(nic.name, {})
        clock.cancel(table.get(group))
        table[group] = clock.schedule(GROUP_MEMBERSHIP_INTERVAL, self._expire, nic.name, group)
        clock.cancel(self._pending_leave.pop((nic.name, group), None))

    def _maybe_left(self, nic: Interface, group: int) -> None:
        if group in self.members.get(nic.name, {}) and (nic.name, group) not in self._pending_leave:
            self._specific_query(nic, group, 0)

    def _specific_query(self, nic: Interface, group: int, sent: int) -> None:
        table = self.members.get(nic.name, {})
        if group not in table:
            return
        if sent == LAST_MEMBER_QUERY_COUNT:
            self._pending_leave.pop((nic.name, group), None)
            self._expire(nic.name, group)
            return
        self.igmp.send_message(nic, self._query(group, LAST_MEMBER_QUERY_INTERVAL), group)
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
