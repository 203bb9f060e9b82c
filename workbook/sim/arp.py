"""ARP as a node's protocol: resolving next hops, answering requests, and duplicate address detection (chapter 4).

A node asks :meth:`Arp.resolve` for the hardware address of a next hop: a
cache hit sends the frame at once; otherwise the datagram waits while ARP
broadcasts requests (the personality's ``arp_request_count``,
``arp_request_interval`` apart). Receiving follows RFC 826: an entry the
host already has for the sender is *updated* by any ARP packet; a new entry
is *created* only when the packet is addressed to this host (or, where the
stack has Linux's ``arp_accept``, by a gratuitous ARP or any reply). What
else differs between stacks comes from the personality's traits: which
addresses a host answers for, whether it answers a probe (sender
0.0.0.0), whether it ignores a packet that claims one of its own addresses
(Linux) or treats it as a conflict (:mod:`workbook.sim.dad`), which source
address its requests carry, whether losing carrier empties the cache, and
whether it runs neighbour unreachability detection (Linux, Windows since
Vista: a stale entry in use is asked again by unicast; see
:mod:`workbook.sim.arp_cache`).

>>> from workbook import Network
>>> net = Network.from_scenario("seed-lan")
>>> arp = net.host("nt-host").protocols["arp"]
>>> trace = net.send("nt-host", "172.17.1.1")
>>> arp.cache.get("172.16.112.1"), arp.detection
(EUI('00-DD-01-00-00-01'), 'nt')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.ledger import Source, constant
from workbook.net.addresses import ALL_ONES, format_address, is_loopback
from workbook.sim import dad
from workbook.sim.arp_cache import DELAY, PROBE, STALE, ArpCache
from workbook.sim.frames import BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, ArpOpcode, ArpPacket, IcmpType
from workbook.sim.stack import NodeServices, Protocol, ScenarioKey
from workbook.sim.trace import ArpResolution, DropReason

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.frames import Frame, IPv4Packet
    from workbook.sim.trace import Hop, PathTrace

__all__ = ["DELAY_FIRST_PROBE_TIME", "MAX_UNICAST_SOLICIT", "Arp"]

#: Neighbour unreachability detection (Linux, and Windows since Vista): how long a stale entry in use waits for
#: a confirmation before the neighbour is asked again by unicast, and how many times it is asked.
DELAY_FIRST_PROBE_TIME = constant("RFC 4861 DELAY_FIRST_PROBE_TIME", 5.0, Source.rfc(4861, "10"))
MAX_UNICAST_SOLICIT = constant("RFC 4861 MAX_UNICAST_SOLICIT", 3, Source.rfc(4861, "10"))


@dataclass
class _ArpWait:
    """Datagrams waiting for one next hop's hardware address."""

    resolution: ArpResolution
    waiting: list[tuple[IPv4Packet, Hop, PathTrace | None]] = field(default_factory=list)
    timer: Any = None


def _accept_is_a_setting(value: int, node: NodeServices) -> str | None:
    if value and node.personality.arp_accept is None:
        return (f"is Linux's net.ipv4.conf.*.arp_accept; the {node.personality.name} stack has no such setting "
                "(an ARP packet creates an entry only when addressed to it)")
    return None


class Arp(Protocol):
    """One node's ARP: its cache, the datagrams waiting for an answer, and its duplicate address check."""

    name = "arp"
    ethertypes = (ETHERTYPE_ARP,)
    keys = (
        ScenarioKey("duplicate_detection", example="rfc5227", choices=dad.MODES, attribute="detection",
                    default=lambda node: node.personality.duplicate_detection,
                    help="'nt': NT 4.0's gratuitous ARPs; 'rfc5227': probe, announce, defend; 'none': no check"),
        ScenarioKey("arp_accept", example=1, choices=(0, 1), kind=int, attribute="accept", omit_when_empty=True,
                    default=lambda node: node.personality.arp_accept, why_bad=_accept_is_a_setting,
                    help="Linux: 1 lets a gratuitous ARP or an unsolicited reply create an entry"),
    )

    def __init__(self, node: NodeServices) -> None:
        self.node = node  # the duplicate check below needs it before the keys are set
        stack = node.personality
        self.cache = ArpCache(stack.arp_cache_life, clock=node,
                              unreachability_detection=stack.arp_unreachability_detection,
                              keeps_failed=stack.arp_keeps_failed_entries)
        self.answers_for: str = stack.arp_answers_for
        self.answers_probes: bool = stack.arp_answers_probes
        self.drops_own_sender: bool = stack.arp_drops_own_sender
        self.flushes_on_carrier_loss: bool = stack.arp_flushes_on_carrier_loss
        self.reply_creates_entry: bool = stack.arp_reply_creates_entry
        self.request_sender: str = stack.arp_request_sender
        self.request_count: int = stack.arp_request_count
        self.request_interval: float = stack.arp_request_interval
        self.waits: dict[tuple[str, int], _ArpWait] = {}
        self.check: dad.DuplicateCheck = dad.CHECKS[stack.duplicate_detection](self)
        super().__init__(node)

    @property
    def answer_rule(self) -> str:
        """Whose addresses a request is answered for: 'interface' (the receiving one's) or 'host' (any).

        Linux answers for any local address (arp_ignore 0) unless ``sysctl`` arp_ignore is 1.
        """
        return "interface" if self.node.sysctl.get("arp_ignore") else self.answers_for

    @property
    def sender_rule(self) -> str:
        """Which address a request carries: 'datagram' (the waiting datagram's source, whatever interface owns
        it) or 'interface' (the sending interface's own). Linux: 'datagram' unless ``sysctl`` arp_announce is 2."""
        return "interface" if self.node.sysctl.get("arp_announce") == 2 else self.request_sender

    @property
    def detection(self) -> str:
        """Which duplicate address check runs when an interface starts: 'nt', 'rfc5227' or 'none'."""
        return self.check.mode

    @detection.setter
    def detection(self, mode: str) -> None:
        if mode != self.check.mode:
            self.check = dad.CHECKS[mode](self)

    # Life cycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        self.cache.clock = self.node.clock
        for nic in self.node.interfaces:
            if nic.addresses:
                self.check.start_interface(nic)

    def stop(self) -> None:
        self.cache.forget()
        for wait in self.waits.values():
            self.node.clock.cancel(wait.timer)
        self.waits.clear()

    def carrier_changed(self, nic: Interface, up: bool) -> None:
        if not up and self.flushes_on_carrier_loss:
            self.cache.forget(nic.name)

    def settle_time(self) -> float:
        return self.check.settle_time()

    def settled(self) -> bool:
        return not any(nic.name in self.node.tentative for nic in self.node.interfaces)

    # Resolving a next hop --------------------------------------------------------------------------
    def resolve(self, nic: Interface, next_hop: int, packet: IPv4Packet, hop: Hop, trace: PathTrace | None) -> None:
        """Find the next hop's MAC (cache, or ARP request and wait), then send ``packet`` in a frame to it."""
        node = self.node
        mac = self.cache.lookup(nic.name, next_hop)
        if mac is not None:
            hop.arp = ArpResolution(netaddr.IPAddress(next_hop), nic.name, True, mac)
            hop.frame = node.transmit(nic, mac, ETHERTYPE_IPV4, ip=packet, trace=trace)
            if self.cache.state(nic.name, next_hop) == STALE:  # used while stale: confirm it soon (RFC 4861 7.3.3)
                self.cache.mark(nic.name, next_hop, DELAY)
                node.clock.schedule(DELAY_FIRST_PROBE_TIME, self._delay_over, nic, next_hop)
            return
        key = (nic.name, next_hop)
        wait = self.waits.get(key)
        if wait is None:
            wait = _ArpWait(ArpResolution(netaddr.IPAddress(next_hop), nic.name, False))
            self.waits[key] = wait
            self._send_request(nic, next_hop, packet, wait, trace)
        hop.arp = wait.resolution
        wait.waiting.append((packet, hop, trace))

    def _sender_address(self, nic: Interface, packet: IPv4Packet | None, target: int) -> int:
        # The waiting datagram's source when this NIC owns it (Linux: when the host does), else the NIC's
        # address on the target's subnet, else its first.
        if packet is not None:
            source = int(packet.src)
            if nic.owns(source) or (self.sender_rule == "datagram" and self.node.owner_of(source) is not None
                                    and not is_loopback(source)):
                return source
        near = nic.address_on_link_with(target)
        return int(near or nic.primary_address or 0)

    def _send_request(self, nic: Interface, target: int, packet: IPv4Packet | None, wait: _ArpWait,
                      trace: PathTrace | None) -> None:
        node = self.node
        sender = self._sender_address(nic, packet, target)
        arp = ArpPacket.request(nic.mac, netaddr.IPAddress(sender), netaddr.IPAddress(target))
        frame = node.transmit(nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=arp, trace=trace)
        if frame is not None:
            wait.resolution.requests.append(frame)
        wait.timer = node.clock.schedule(self.request_interval, self._timeout, nic, target, trace,
                                         owner=None if trace is None else trace.root)

    def _timeout(self, nic: Interface, target: int, trace: PathTrace | None) -> None:
        wait = self.waits.get((nic.name, target))
        if wait is None:
            return
        node = self.node
        if len(wait.resolution.requests) < self.request_count and node.running and nic.name not in node.unplugged:
            self._send_request(nic, target, wait.waiting[-1][0] if wait.waiting else None, wait, trace)
            return
        del self.waits[(nic.name, target)]
        self.cache.fail(nic.name, target)
        tries = len(wait.resolution.requests)
        for packet, hop, packet_trace in wait.waiting:
            hop.drop(DropReason.ARP_NO_ANSWER,
                     f"nobody answered {tries} ARP requests for {format_address(target)} on {nic.name}")
            if hop.in_interface is not None:
                node.send_icmp(packet, IcmpType.DESTINATION_UNREACHABLE, 1, packet_trace)

    def _delay_over(self, nic: Interface, address: int) -> None:
        if self.cache.state(nic.name, address) == DELAY:  # nothing confirmed the neighbour meanwhile
            self.cache.mark(nic.name, address, PROBE)
            self._probe_neighbour(nic, address, 0)

    def _probe_neighbour(self, nic: Interface, address: int, sent: int) -> None:
        """Ask a neighbour again, by unicast to the MAC the cache holds; forget it after MAX_UNICAST_SOLICIT."""
        node = self.node
        if self.cache.state(nic.name, address) != PROBE or not node.running:
            return
        if sent == MAX_UNICAST_SOLICIT:
            self.cache.fail(nic.name, address)
            return
        request = ArpPacket.request(nic.mac, netaddr.IPAddress(self._sender_address(nic, None, address)),
                                    netaddr.IPAddress(address))
        node.transmit(nic, self.cache.lookup(nic.name, address), ETHERTYPE_ARP, arp=request)
        node.clock.schedule(self.request_interval, self._probe_neighbour, nic, address, sent + 1)

    def _resolved(self, nic: Interface, address: int, mac: netaddr.EUI, reply: Frame) -> None:
        wait = self.waits.pop((nic.name, address), None)
        if wait is None:
            return
        node = self.node
        node.clock.cancel(wait.timer)
        wait.resolution.mac = mac
        wait.resolution.reply = reply
        for packet, hop, trace in wait.waiting:
            if trace is not None:
                trace.record_frame_once(reply)
            if node.can_send(nic, hop):
                hop.frame = node.transmit(nic, mac, ETHERTYPE_IPV4, ip=packet, trace=trace)

    # Announcing ---------------------------------------------------------------------------------------
    def announce(self, nic: Interface, address: int, trace: PathTrace | None = None) -> Frame | None:
        """Broadcast a gratuitous request for ``address`` (sender and target both ``address``)."""
        ip = netaddr.IPAddress(address)
        return self.node.transmit(nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=ArpPacket.request(nic.mac, ip, ip),
                                  trace=trace)

    def probe(self, nic: Interface, address: netaddr.IPAddress) -> Frame | None:
        """Broadcast an RFC 5227 probe for ``address`` (sender address 0.0.0.0)."""
        return self.node.transmit(nic, BROADCAST_MAC, ETHERTYPE_ARP, arp=ArpPacket.probe(nic.mac, address))

    # Receiving ------------------------------------------------------------------------------------------
    def frame_received(self, nic: Interface, frame: Frame, trace: PathTrace | None) -> None:
        """RFC 826's receiving rules, conflict detection, and what each stack does differently."""
        node = self.node
        if nic.name in node.disabled:
            return
        arp = frame.arp
        sender, target = int(arp.sender_ip), int(arp.target_ip)
        own = node.own_addresses(nic)
        answers_for = own if self.answer_rule == "interface" else [int(a) for a in node.addresses]
        foreign = arp.sender_mac != nic.mac
        if nic.name in node.tentative:
            if foreign and (sender in own or (arp.is_probe and target in own)):
                node.set_tentative(nic, False)
                self.check.record_conflict(nic, sender if sender in own else target, arp.sender_mac, give_up=True)
            return
        if foreign and sender in own and self.check.heard_own_address(nic, sender, arp.sender_mac, trace):
            return
        if self.drops_own_sender and (sender in answers_for or sender in own):
            return  # Linux: a local sender address is a martian source; nothing is answered or learned
        request, asked = arp.opcode is ArpOpcode.REQUEST, target in answers_for
        # A reply, or a packet sent to this NIC alone, confirms the neighbour (reachable); a broadcast does not.
        confirmed = not request or frame.eth_dst == nic.mac
        if sender != 0 and sender not in own and not (request and asked):
            known = self.cache.update(nic.name, arp.sender_ip, arp.sender_mac, confirmed=confirmed)
            if not known and self.accept and self._unsolicited_creates(arp):
                self.cache.learn(nic.name, arp.sender_ip, arp.sender_mac, confirmed=confirmed)
        if asked:
            if sender == 0:
                if request and self.answers_probes:
                    reply = ArpPacket(ArpOpcode.REPLY, nic.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
                    node.transmit(nic, arp.sender_mac, ETHERTYPE_ARP, arp=reply, trace=trace)
                return
            if sender not in own and (request or self.reply_creates_entry):
                self.cache.learn(nic.name, arp.sender_ip, arp.sender_mac, confirmed=not request)
            if arp.opcode is ArpOpcode.REQUEST:
                reply = ArpPacket(ArpOpcode.REPLY, nic.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
                node.transmit(nic, arp.sender_mac, ETHERTYPE_ARP, arp=reply, trace=trace)
                if foreign and sender == target:
                    self.check.answered_claim(nic, target, trace)
        if not request and (nic.name, sender) in self.waits:
            self.cache.learn(nic.name, arp.sender_ip, arp.sender_mac, confirmed=True)
            self._resolved(nic, sender, arp.sender_mac, frame)

    def _unsolicited_creates(self, arp: ArpPacket) -> bool:
        """With arp_accept 1, Linux creates an entry from a gratuitous ARP or any reply whose sender is unicast."""
        sender = int(arp.sender_ip)
        if sender == ALL_ONES or any(sender == int(a.broadcast) for nic in self.node.interfaces
                                     for a in nic.addresses if a.prefixlen < 31):
            return False
        gratuitous = arp.is_gratuitous and (arp.opcode is ArpOpcode.REQUEST or arp.sender_mac == arp.target_mac)
        return gratuitous or arp.opcode is ArpOpcode.REPLY
