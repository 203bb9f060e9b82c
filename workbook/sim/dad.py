"""Duplicate address detection, the NT 4.0 way and the RFC 5227 way (chapter 4).

Each check is an object of the node's :class:`~workbook.sim.arp.Arp`
protocol; a personality names the one it runs (its ``duplicate_detection``
trait), and a scenario may choose another.

**NT 4.0, as the seed and KB Q199773 tell it** (:class:`NtCheck`). When
an interface starts, the host broadcasts gratuitous ARP requests for each of
its addresses (sender and target address both its own), up to
:data:`NT_GRATUITOUS_COUNT` of them: at once, then 0.5 s and a further 1 s
later (:data:`NT_GRATUITOUS_INTERVALS`). If another host answers, the newcomer
keeps running but turns IP off on that interface, logs the conflict and
shows a popup. The defender logs and warns too, keeps working, and after its
reply ARPs for its own address once more, so that hosts whose caches the
newcomer's request changed learn the right MAC again (KB Q199773, NT 4.0 SP3
and later). Older NT repaired the caches from the other side (KB Q120599):
the newcomer broadcast a request carrying the defender's MAC before turning
IP off, and the defender sent nothing more; the ``nt35`` personality does
that (its ``duplicate_cache_repair`` trait). A host started with its cable out
announces nothing; the conflict is found later, by the defender, the first
time the newcomer ARPs for anyone.

**RFC 5227, today** (:class:`Rfc5227Check`). The address stays *tentative*
while the host sends :data:`PROBE_NUM` probes (sender address 0.0.0.0, so no
cache changes) at random intervals; any ARP from someone else that claims
the address (or a probe for it) means a conflict and the address is not
used. Otherwise the host announces it :data:`ANNOUNCE_NUM` times. Later
conflicts are defended with one announcement per :data:`DEFEND_INTERVAL`; a
second conflict inside that interval makes the host give the address up.

**No check** (:class:`DuplicateCheck`): the Linux kernel runs none for IPv4.

Windows since Vista probes with sender 0.0.0.0 (Microsoft documents that
much); the rest of RFC 5227 is modelled after the RFC, not confirmed for
Windows, and the log says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import netaddr

from workbook.ledger import Source, constant, source_of
from workbook.net.addresses import format_address
from workbook.sim.frames import BROADCAST_MAC, ETHERTYPE_ARP, ArpPacket

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.arp import Arp
    from workbook.sim.trace import PathTrace

__all__ = [
    "ANNOUNCE_INTERVAL",
    "ANNOUNCE_NUM",
    "ANNOUNCE_WAIT",
    "CHECKS",
    "DEFEND_INTERVAL",
    "MODES",
    "NT_ANSWER_WAIT",
    "NT_GRATUITOUS_COUNT",
    "NT_GRATUITOUS_INTERVALS",
    "PROBE_MAX",
    "PROBE_MIN",
    "PROBE_NUM",
    "PROBE_WAIT",
    "DuplicateCheck",
    "NtCheck",
    "Rfc5227Check",
    "conflict_message",
]

#: NT 4.0: gratuitous ARPs per address at start (the ArpRetryCount registry value), and the waits between them.
NT_GRATUITOUS_COUNT = constant("NT 4.0: gratuitous ARPs at start", 3, Source.microsoft(
    "KB Q199773", "'a gratuitous ARP up to 3 times' (ArpRetryCount)"))
NT_GRATUITOUS_INTERVALS = constant("NT 4.0: waits between its gratuitous ARPs", (0.5, 1.0), Source.microsoft(
    "KB Q199773", "'2 more times after .5 and 1 second intervals, if no response is received'"))
NT_ANSWER_WAIT = constant("NT 4.0: how long an answer to its last gratuitous ARP still counts", 1.0, Source.model(
    "KB Q199773 does not say how long NT waits for an answer to the last one; the engine waits 1 s"))

# RFC 5227 section 1.1 constants, in seconds.
PROBE_WAIT = constant("RFC 5227 PROBE_WAIT", 1.0, Source.rfc(5227, "1.1"))
PROBE_NUM = constant("RFC 5227 PROBE_NUM", 3, Source.rfc(5227, "1.1"))
PROBE_MIN = constant("RFC 5227 PROBE_MIN", 1.0, Source.rfc(5227, "1.1"))
PROBE_MAX = constant("RFC 5227 PROBE_MAX", 2.0, Source.rfc(5227, "1.1"))
ANNOUNCE_WAIT = constant("RFC 5227 ANNOUNCE_WAIT", 2.0, Source.rfc(5227, "1.1"))
ANNOUNCE_NUM = constant("RFC 5227 ANNOUNCE_NUM", 2, Source.rfc(5227, "1.1"))
ANNOUNCE_INTERVAL = constant("RFC 5227 ANNOUNCE_INTERVAL", 2.0, Source.rfc(5227, "1.1"))
DEFEND_INTERVAL = constant("RFC 5227 DEFEND_INTERVAL", 10.0, Source.rfc(5227, "1.1"))



def _mac_text(mac: netaddr.EUI) -> str:
    return ":".join(f"{octet:02X}" for octet in mac.words)


def conflict_message(address: object, mac: netaddr.EUI) -> str:
    """The system-log text NT 4.0 wrote for an address conflict (event 4199's pattern).

    >>> conflict_message("172.16.48.123", netaddr.EUI("00-DD-01-0F-7A-B5"))[:72]
    'The system detected an address conflict for IP address 172.16.48.123 wit'
    """
    return (
        f"The system detected an address conflict for IP address {address} with the system having "
        f"network hardware address {_mac_text(mac)}. Network operations on this system may be "
        f"disrupted as a result."
    )


class DuplicateCheck:
    """No duplicate address check: what the Linux kernel does for IPv4. The other checks build on it."""

    mode = "none"

    def __init__(self, arp: Arp) -> None:
        self.arp = arp
        self.node = arp.node
        self.last_conflict_log: dict[int, float] = {}
        self.last_defence: dict[int, float] = {}

    def start_interface(self, nic: Interface) -> None:
        """``nic`` (which has addresses) just started."""

    def settle_time(self) -> float:
        """Seconds from start until the check is over."""
        return 0.0

    def heard_own_address(self, nic: Interface, address: int, mac: netaddr.EUI, trace: PathTrace | None) -> bool:
        """Someone else's ARP packet carries one of our addresses as sender: True to stop reading it."""
        return False

    def answered_claim(self, nic: Interface, address: int, trace: PathTrace | None) -> None:
        """We just answered someone's gratuitous request for our ``address``."""

    def record_conflict(self, nic: Interface, address: int, mac: netaddr.EUI, give_up: bool) -> None:
        """Log the conflict and show a pop-up (at most once per DEFEND_INTERVAL); ``give_up`` turns IP off."""
        node = self.node
        now = node.clock.now
        last = self.last_conflict_log.get(address)
        if give_up or last is None or now - last >= DEFEND_INTERVAL:
            self.last_conflict_log[address] = now
            message = conflict_message(format_address(address), mac)
            node.log_event(message, kind="error")
            popup = f"{node.name}: {message}"
            if give_up:
                popup += f" IP on {nic.name} has been disabled."
            node.notify(popup)
        if give_up:
            node.disable_ip(nic, f"{format_address(address)} is already used by {_mac_text(mac)}")


class NtCheck(DuplicateCheck):
    """NT 4.0: gratuitous requests at start; an answer turns IP off; the defender ARPs once more."""

    mode = "nt"

    def __init__(self, arp: Arp) -> None:
        super().__init__(arp)
        self.startup_until: dict[str, float] = {}

    def start_interface(self, nic: Interface) -> None:
        self.startup_until[nic.name] = self.node.clock.now + self.settle_time()
        self._gratuitous(nic, 0)

    def settle_time(self) -> float:
        """The start-up window in which an answer counts: the gratuitous requests and the wait after the last."""
        return sum(NT_GRATUITOUS_INTERVALS) + NT_ANSWER_WAIT

    def _gratuitous(self, nic: Interface, sent: int) -> None:
        node = self.node
        if not node.running or nic.name in node.disabled:
            return
        for address in nic.addresses:
            self.arp.announce(nic, int(address.ip))
        if sent + 1 < NT_GRATUITOUS_COUNT:
            node.clock.schedule(NT_GRATUITOUS_INTERVALS[sent], self._gratuitous, nic, sent + 1)

    def heard_own_address(self, nic: Interface, address: int, mac: netaddr.EUI, trace: PathTrace | None) -> bool:
        in_startup = self.node.clock.now <= self.startup_until.get(nic.name, -1.0)
        if in_startup and self.node.personality.duplicate_cache_repair == "newcomer":
            # The newcomer's own requests taught the neighbours its MAC for the address: it takes that back with
            # a request whose sender is the defender (RFC 826's merge rule then restores every cache).
            ip = netaddr.IPAddress(address)
            self.node.transmit(nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=ArpPacket.request(mac, ip, ip), trace=trace)
        self.record_conflict(nic, address, mac, give_up=in_startup)
        return in_startup

    def answered_claim(self, nic: Interface, address: int, trace: PathTrace | None) -> None:
        """After answering a newcomer's gratuitous ARP, ARP for the address again to set other caches right."""
        if self.node.personality.duplicate_cache_repair != "defender":
            return  # older NT: the newcomer repairs the caches
        now = self.node.clock.now
        last = self.last_defence.get(address)
        if last is not None and now - last < DEFEND_INTERVAL:
            return
        self.last_defence[address] = now
        self.arp.announce(nic, address, trace)


class Rfc5227Check(DuplicateCheck):
    """RFC 5227: probe while tentative, announce, then defend once per DEFEND_INTERVAL."""

    mode = "rfc5227"

    def __init__(self, arp: Arp) -> None:
        super().__init__(arp)
        stack = self.node.personality
        source = source_of(stack, "duplicate_detection")
        if stack.duplicate_detection != self.mode:
            self.basis = f"per RFC 5227, as the scenario chose for this {stack.name} host"
        elif source.confirmed:
            self.basis = source.cite()
        else:
            self.basis = f"per RFC 5227; not confirmed for {stack.title.split(':')[0]}"

    def start_interface(self, nic: Interface) -> None:
        node = self.node
        node.set_tentative(nic, True)
        node.clock.schedule(node.random.uniform(0, PROBE_WAIT), self._probe, nic, 0)

    def settle_time(self) -> float:
        return PROBE_WAIT + (PROBE_NUM - 1) * PROBE_MAX + ANNOUNCE_WAIT + (ANNOUNCE_NUM - 1) * ANNOUNCE_INTERVAL

    def _probe(self, nic: Interface, sent: int) -> None:
        node = self.node
        if not node.running or nic.name not in node.tentative:
            return
        for address in nic.addresses:
            self.arp.probe(nic, address.ip)
        if sent + 1 < PROBE_NUM:
            node.clock.schedule(node.random.uniform(PROBE_MIN, PROBE_MAX), self._probe, nic, sent + 1)
        else:
            node.clock.schedule(ANNOUNCE_WAIT, self._announce, nic, 0)

    def _announce(self, nic: Interface, sent: int) -> None:
        node = self.node
        if not node.running or nic.name in node.disabled:
            return
        if sent == 0:
            if nic.name not in node.tentative:
                return
            node.set_tentative(nic, False)
            node.log_event(f"no conflict for {', '.join(str(a.ip) for a in nic.addresses)} "
                           f"on {nic.name}: the address is in use from now on ({self.basis})")
        for address in nic.addresses:
            self.arp.announce(nic, int(address.ip))
        if sent + 1 < ANNOUNCE_NUM:
            node.clock.schedule(ANNOUNCE_INTERVAL, self._announce, nic, sent + 1)

    def heard_own_address(self, nic: Interface, address: int, mac: netaddr.EUI, trace: PathTrace | None) -> bool:
        self.record_conflict(nic, address, mac, give_up=False)
        now = self.node.clock.now
        last = self.last_defence.get(address)
        if last is not None and now - last < DEFEND_INTERVAL:
            self.node.disable_ip(nic, f"a second conflict for {format_address(address)} within "
                                      f"{DEFEND_INTERVAL:g} s (RFC 5227 2.4 (b)): the address is given up "
                                      f"({self.basis})")
            return True
        self.last_defence[address] = now
        self.arp.announce(nic, address, trace)
        return False


#: The checks by name, as a scenario's ``duplicate_detection`` and a personality's trait name them.
CHECKS: dict[str, type[DuplicateCheck]] = {check.mode: check for check in (NtCheck, Rfc5227Check, DuplicateCheck)}
MODES = tuple(CHECKS)
