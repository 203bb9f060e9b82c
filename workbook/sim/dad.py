"""ARP input and duplicate address detection, the NT 4.0 way and the RFC 5227 way (chapter 4).

**NT 4.0, as the seed tells it.** When an interface starts, the host
broadcasts gratuitous ARP requests for each of its addresses (sender and
target address both its own), up to :data:`NT_GRATUITOUS_COUNT` of them.
If another host answers, the newcomer keeps running but turns IP off on that
interface, logs the conflict and shows a popup. The defender logs and warns
too, keeps working, and after its reply ARPs for its own address once more,
so that hosts whose caches the newcomer's request changed learn the right
MAC again. (Microsoft's own texts disagree here: Q199773 has the defender
repair the caches, the TCP/IP white paper the newcomer. We model the seed.)
A host started with its cable out announces nothing; the conflict is found
later, by the defender, the first time the newcomer ARPs for anyone.

**RFC 5227, today.** The address stays *tentative* while the host sends
:data:`PROBE_NUM` probes (sender address 0.0.0.0, so no cache changes) at
random intervals; any ARP from someone else that claims the address (or a
probe for it) means a conflict and the address is not used. Otherwise the
host announces it :data:`ANNOUNCE_NUM` times. Later conflicts are defended
with one announcement per :data:`DEFEND_INTERVAL`; a second conflict inside
that interval makes the host give the address up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import netaddr

from workbook.net.addresses import format_address
from workbook.sim.frames import BROADCAST_MAC, ETHERTYPE_ARP, ArpOpcode, ArpPacket, Frame

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.node import SimHost
    from workbook.sim.trace import PathTrace

__all__ = [
    "ANNOUNCE_INTERVAL",
    "ANNOUNCE_NUM",
    "ANNOUNCE_WAIT",
    "DEFEND_INTERVAL",
    "NT_GRATUITOUS_COUNT",
    "NT_GRATUITOUS_INTERVAL",
    "PROBE_MAX",
    "PROBE_MIN",
    "PROBE_NUM",
    "PROBE_WAIT",
    "arp_input",
    "conflict_message",
    "start_interface",
]

#: NT 4.0: gratuitous ARPs per address at start (the ArpRetryCount registry value), and their spacing.
NT_GRATUITOUS_COUNT = 3
NT_GRATUITOUS_INTERVAL = 1.0

# RFC 5227 section 1.1 constants, in seconds.
PROBE_WAIT = 1.0
PROBE_NUM = 3
PROBE_MIN = 1.0
PROBE_MAX = 2.0
ANNOUNCE_WAIT = 2.0
ANNOUNCE_NUM = 2
ANNOUNCE_INTERVAL = 2.0
DEFEND_INTERVAL = 10.0


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


# Starting an interface ---------------------------------------------------------------------
def start_interface(host: SimHost, nic: Interface) -> None:
    """Run the personality's duplicate address check for every address of ``nic``."""
    if not nic.addresses:
        return
    clock = host.network.clock
    mode = host.duplicate_detection
    if mode == "nt":
        host._startup_until[nic.name] = clock.now + NT_GRATUITOUS_COUNT * NT_GRATUITOUS_INTERVAL
        _gratuitous(host, nic, 0)
    elif mode == "rfc5227":
        host.tentative.add(nic.name)
        clock.schedule(host.network.random.uniform(0, PROBE_WAIT), _probe, host, nic, 0)


def _gratuitous(host: SimHost, nic: Interface, sent: int) -> None:
    if not host.running or nic.name in host.disabled:
        return
    for address in nic.addresses:
        _announce_address(host, nic, int(address.ip))
    if sent + 1 < NT_GRATUITOUS_COUNT:
        host.network.clock.schedule(NT_GRATUITOUS_INTERVAL, _gratuitous, host, nic, sent + 1)


def _announce_address(host: SimHost, nic: Interface, address: int, trace: PathTrace | None = None) -> None:
    ip = netaddr.IPAddress(address)
    packet = ArpPacket.request(nic.mac, ip, ip)
    host.network.transmit(host, nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=packet, trace=trace)


def _probe(host: SimHost, nic: Interface, sent: int) -> None:
    if not host.running or nic.name not in host.tentative:
        return
    for address in nic.addresses:
        packet = ArpPacket.probe(nic.mac, address.ip)
        host.network.transmit(host, nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=packet)
    clock, rng = host.network.clock, host.network.random
    if sent + 1 < PROBE_NUM:
        clock.schedule(rng.uniform(PROBE_MIN, PROBE_MAX), _probe, host, nic, sent + 1)
    else:
        clock.schedule(ANNOUNCE_WAIT, _announce, host, nic, 0)


def _announce(host: SimHost, nic: Interface, sent: int) -> None:
    if not host.running or nic.name in host.disabled:
        return
    if sent == 0:
        if nic.name not in host.tentative:
            return
        host.tentative.discard(nic.name)
        host.network.log_event(host, f"no conflict for {', '.join(str(a.ip) for a in nic.addresses)} "
                                     f"on {nic.name}: the address is in use from now on")
    for address in nic.addresses:
        _announce_address(host, nic, int(address.ip))
    if sent + 1 < ANNOUNCE_NUM:
        host.network.clock.schedule(ANNOUNCE_INTERVAL, _announce, host, nic, sent + 1)


# Receiving ARP -----------------------------------------------------------------------------
def arp_input(host: SimHost, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
    """RFC 826 receiving rules, plus conflict detection."""
    if nic.name in host.disabled:
        return
    arp = frame.arp
    network = host.network
    sender, target = int(arp.sender_ip), int(arp.target_ip)
    own = host.own_addresses(nic)
    foreign = arp.sender_mac != nic.mac
    if nic.name in host.tentative:
        if foreign and (sender in own or (arp.is_probe and target in own)):
            host.tentative.discard(nic.name)
            address = sender if sender in own else target
            _record_conflict(host, nic, address, arp.sender_mac, give_up=True)
        return
    if foreign and sender in own and host.duplicate_detection != "none":
        in_startup = network.clock.now <= host._startup_until.get(nic.name, -1.0)
        if host.duplicate_detection == "nt" and in_startup:
            _record_conflict(host, nic, sender, arp.sender_mac, give_up=True)
            return
        _record_conflict(host, nic, sender, arp.sender_mac, give_up=False)
        if host.duplicate_detection == "rfc5227":
            _rfc5227_defend(host, nic, sender, arp.sender_mac, trace)
            if nic.name in host.disabled:
                return
    if sender != 0 and sender not in own:
        host.arp_cache.update(nic.name, arp.sender_ip, arp.sender_mac)
    answers_for = own if host.personality.name != "linux" else [int(a) for a in host.addresses]
    if target in answers_for:
        if sender != 0 and sender not in own:
            host.arp_cache.learn(nic.name, arp.sender_ip, arp.sender_mac)
        if arp.opcode is ArpOpcode.REQUEST:
            reply = ArpPacket(ArpOpcode.REPLY, nic.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
            network.transmit(host, nic, arp.sender_mac, ETHERTYPE_ARP, arp=reply, trace=trace)
            if foreign and sender == target and host.duplicate_detection == "nt":
                _nt_defend(host, nic, target, trace)
    if arp.opcode is ArpOpcode.REPLY and (nic.name, sender) in host._arp_waits:
        host.arp_cache.learn(nic.name, arp.sender_ip, arp.sender_mac)
        host._arp_resolved(nic, sender, arp.sender_mac, frame)


def _record_conflict(host: SimHost, nic: Interface, address: int, mac: netaddr.EUI, give_up: bool) -> None:
    network = host.network
    now = network.clock.now
    last = host._last_conflict_log.get(address)
    if give_up or last is None or now - last >= DEFEND_INTERVAL:
        host._last_conflict_log[address] = now
        message = conflict_message(format_address(address), mac)
        network.log_event(host, message, kind="error")
        popup = f"{host.name}: {message}"
        if give_up:
            popup += f" IP on {nic.name} has been disabled."
        host.notifications.append(popup)
    if give_up:
        host.disable_ip(nic, f"{format_address(address)} is already used by {_mac_text(mac)}")


def _nt_defend(host: SimHost, nic: Interface, address: int, trace: PathTrace | None) -> None:
    """After answering a newcomer's gratuitous ARP, ARP for the address again to set other caches right."""
    now = host.network.clock.now
    last = host._last_defence.get(address)
    if last is not None and now - last < DEFEND_INTERVAL:
        return
    host._last_defence[address] = now
    _announce_address(host, nic, address, trace)


def _rfc5227_defend(host: SimHost, nic: Interface, address: int, mac: netaddr.EUI, trace: PathTrace | None) -> None:
    now = host.network.clock.now
    last = host._last_defence.get(address)
    if last is not None and now - last < DEFEND_INTERVAL:
        host.disable_ip(nic, f"a second conflict for {format_address(address)} within {DEFEND_INTERVAL:g} s "
                             "(RFC 5227 2.4 (b)): the address is given up")
        return
    host._last_defence[address] = now
    _announce_address(host, nic, address, trace)
