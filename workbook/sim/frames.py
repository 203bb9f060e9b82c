"""What travels on a wire: Ethernet frames carrying ARP or IPv4, and what IPv4 carries: ICMP, IGMP, UDP (chapter 4).

Field names follow Wireshark's wording, so a learner can hold a trace next
to a real capture:

>>> from netaddr import EUI, IPAddress
>>> arp = ArpPacket.request(EUI("00-DD-01-0F-7A-B5"), IPAddress("172.16.112.123"), IPAddress("172.16.112.1"))
>>> arp.summary()
'Who has 172.16.112.1? Tell 172.16.112.123'
>>> frame = Frame(0.0, "lan", EUI("00-DD-01-0F-7A-B5"), BROADCAST_MAC, ETHERTYPE_ARP, arp=arp)
>>> frame.summary()
'00-DD-01-0F-7A-B5 → FF-FF-FF-FF-FF-FF ARP: Who has 172.16.112.1? Tell 172.16.112.123'

An :class:`IPv4Packet` carries one ``payload``: an :class:`IcmpMessage`,
an :class:`IgmpMessage`, a :class:`UdpDatagram` (ports, then the
application's data), or plain data for a protocol the simulator does not
decode (TCP). ``packet.icmp``, ``.igmp`` and ``.udp`` read it:

>>> packet = IPv4Packet(IPAddress("10.0.0.2"), IPAddress("10.0.0.3"), payload=UdpDatagram(49152, 520))
>>> packet.udp.dst_port, packet.icmp is None, packet.summary()
(520, True, '10.0.0.2 → 10.0.0.3 TTL 64 UDP')

Every value here is immutable: a router that decrements the TTL makes a new
:class:`IPv4Packet` (:meth:`IPv4Packet.forwarded`), so a trace can keep
every version side by side.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from typing import Any

import netaddr

from workbook.ledger import Source, constant
from workbook.net.rip import RipMessage

__all__ = [
    "BROADCAST_MAC",
    "ETHERTYPE_ARP",
    "ETHERTYPE_IPV4",
    "ZERO_MAC",
    "ArpOpcode",
    "ArpPacket",
    "Frame",
    "GroupRecord",
    "IPProtocol",
    "IPv4Packet",
    "IcmpMessage",
    "IcmpType",
    "IgmpMessage",
    "IgmpType",
    "RecordType",
    "UdpDatagram",
]

ETHERTYPE_IPV4 = constant("Ethertype of IPv4", 0x0800, Source.rfc(894))
ETHERTYPE_ARP = constant("Ethertype of ARP", 0x0806, Source.rfc(826))
BROADCAST_MAC = netaddr.EUI("FF-FF-FF-FF-FF-FF")
ZERO_MAC = netaddr.EUI("00-00-00-00-00-00")
_ZERO_IP = netaddr.IPAddress(0)


class ArpOpcode(enum.IntEnum):
    REQUEST = 1
    REPLY = 2


class IPProtocol(enum.IntEnum):
    """The IP header's protocol field (IANA numbers)."""

    ICMP = 1
    IGMP = 2
    TCP = 6
    UDP = 17


class IcmpType(enum.IntEnum):
    ECHO_REPLY = 0
    DESTINATION_UNREACHABLE = 3
    REDIRECT = 5
    ECHO_REQUEST = 8
    TIME_EXCEEDED = 11


class IgmpType(enum.IntEnum):
    """IGMP message types: RFC 1112 (v1), RFC 2236 (v2) and RFC 3376 (v3)."""

    MEMBERSHIP_QUERY = 0x11
    V1_MEMBERSHIP_REPORT = 0x12
    V2_MEMBERSHIP_REPORT = 0x16
    LEAVE_GROUP = 0x17
    V3_MEMBERSHIP_REPORT = 0x22


class RecordType(enum.IntEnum):
    """The group record types of an IGMPv3 report (RFC 3376 4.2.12)."""

    MODE_IS_INCLUDE = 1  # current state: only these sources
    MODE_IS_EXCLUDE = 2  # current state: every source but these (none: any source)
    CHANGE_TO_INCLUDE_MODE = 3  # with no sources: the host left the group
    CHANGE_TO_EXCLUDE_MODE = 4  # with no sources: the host joined the group for any source
    ALLOW_NEW_SOURCES = 5  # a source-specific join
    BLOCK_OLD_SOURCES = 6  # a source-specific leave


_RECORD_WORDS = {1: "IS_IN", 2: "IS_EX", 3: "TO_IN", 4: "TO_EX", 5: "ALLOW", 6: "BLOCK"}


_ICMP_TEXT = {
    (3, 0): "Destination unreachable (Network unreachable)",
    (3, 1): "Destination unreachable (Host unreachable)",
    (5, 1): "Redirect (Redirect for host)",
    (5, 0): "Redirect (Redirect for network)",
    (11, 0): "Time-to-live exceeded (Time to live exceeded in transit)",
    (8, 0): "Echo (ping) request",
    (0, 0): "Echo (ping) reply",
}

_IGMP_TEXT = {
    0x11: "Membership Query",
    0x12: "Membership Report",
    0x16: "Membership Report",
    0x17: "Leave Group",
    0x22: "Membership Report",
}


@dataclass(frozen=True, slots=True)
class ArpPacket:
    """An ARP message (RFC 826) for IPv4 over Ethernet."""

    opcode: ArpOpcode
    sender_mac: netaddr.EUI
    sender_ip: netaddr.IPAddress
    target_mac: netaddr.EUI
    target_ip: netaddr.IPAddress

    @classmethod
    def request(cls, sender_mac: netaddr.EUI, sender_ip: netaddr.IPAddress, target_ip: netaddr.IPAddress) -> ArpPacket:
        """'Who has target_ip? Tell sender_ip', the target MAC left as zeros."""
        return cls(ArpOpcode.REQUEST, sender_mac, sender_ip, ZERO_MAC, target_ip)

    @classmethod
    def probe(cls, sender_mac: netaddr.EUI, candidate: netaddr.IPAddress) -> ArpPacket:
        """An RFC 5227 probe: a request whose sender address is 0.0.0.0, so it cannot change anyone's cache."""
        return cls(ArpOpcode.REQUEST, sender_mac, _ZERO_IP, ZERO_MAC, candidate)

    @property
    def is_gratuitous(self) -> bool:
        """Sender and target address are the same: the sender announces (or checks) its own address."""
        return self.sender_ip == self.target_ip

    @property
    def is_probe(self) -> bool:
        """Sender address 0.0.0.0: an RFC 5227 probe."""
        return self.opcode is ArpOpcode.REQUEST and int(self.sender_ip) == 0

    def summary(self) -> str:
        """One line in Wireshark's words."""
        if self.opcode is ArpOpcode.REPLY:
            return f"{self.sender_ip} is at {self.sender_mac}"
        if self.is_probe:
            return f"Who has {self.target_ip}? (ARP Probe)"
        if self.is_gratuitous:
            return f"Gratuitous ARP for {self.sender_ip} (Request)"
        return f"Who has {self.target_ip}? Tell {self.sender_ip}"


@dataclass(frozen=True, slots=True)
class IcmpMessage:
    """An ICMP message. Error messages quote the header of the datagram that caused them; an echo carries data."""

    type: IcmpType
    code: int = 0
    gateway: netaddr.IPAddress | None = None  # for a redirect: the better first hop
    original: IPv4Packet | None = None  # the datagram this error is about
    data: Any = None  # an echo request's data, which the reply sends back

    def without_data(self) -> IcmpMessage:
        return self if self.data is None else replace(self, data=None)

    @property
    def is_error(self) -> bool:
        return self.type in (IcmpType.DESTINATION_UNREACHABLE, IcmpType.REDIRECT, IcmpType.TIME_EXCEEDED)

    def summary(self) -> str:
        text = _ICMP_TEXT.get((int(self.type), self.code), f"type {int(self.type)} code {self.code}")
        if self.gateway is not None:
            text += f", use gateway {self.gateway}"
        return text


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """One group record of an IGMPv3 report: what happened to (or is) the host's state for one group.

    >>> from netaddr import IPAddress
    >>> GroupRecord(RecordType.ALLOW_NEW_SOURCES, IPAddress("232.1.1.1"), (IPAddress("10.0.0.9"),)).summary()
    'ALLOW 232.1.1.1 {10.0.0.9}'
    """

    record_type: RecordType
    group: netaddr.IPAddress
    sources: tuple[netaddr.IPAddress, ...] = ()

    def summary(self) -> str:
        text = f"{_RECORD_WORDS[int(self.record_type)]} {self.group}"
        return text + (f" {{{', '.join(map(str, self.sources))}}}" if self.sources else "")


@dataclass(frozen=True, slots=True)
class IgmpMessage:
    """An IGMP message. ``max_resp_time`` is in tenths of a second (0 in IGMPv1).

    An IGMPv3 report carries ``records`` (its ``group`` is 0.0.0.0); an IGMPv3
    query carries the querier's robustness ``qrv`` and query interval ``qqic``.
    """

    type: IgmpType
    version: int
    group: netaddr.IPAddress
    max_resp_time: int = 0
    records: tuple[GroupRecord, ...] = ()
    qrv: int = 0
    qqic: int = 0

    def summary(self) -> str:
        text = f"IGMPv{self.version} {_IGMP_TEXT.get(int(self.type), hex(self.type))}"
        if self.records:
            text += ": " + "; ".join(record.summary() for record in self.records)
        elif int(self.group):
            text += f" / group {self.group}"
        elif self.type is IgmpType.MEMBERSHIP_QUERY:
            text += ", general"
        if self.type is IgmpType.MEMBERSHIP_QUERY and self.max_resp_time:
            text += f", max resp {self.max_resp_time / 10:g} s"
        return text

    def without_data(self) -> IgmpMessage:
        return self


@dataclass(frozen=True, slots=True)
class UdpDatagram:
    """A UDP datagram (RFC 768): source and destination port, then the application's data.

    A node's UDP layer hands it to whatever is bound to ``dst_port`` (RIP
    listens on 520, a BOOTP relay on 67).
    """

    src_port: int
    dst_port: int
    payload: Any = None

    def summary(self) -> str:
        return f"UDP {self.src_port} → {self.dst_port}"

    def without_data(self) -> UdpDatagram:
        return self if self.payload is None else replace(self, payload=None)


_identifications = itertools.count(1)


@dataclass(frozen=True, slots=True)
class IPv4Packet:
    """An IPv4 datagram: the header fields a lesson needs, and what it carries.

    The source and destination addresses stay the same from the first host to
    the last; only the TTL changes, by one at each router.
    """

    src: netaddr.IPAddress
    dst: netaddr.IPAddress
    ttl: int = 64
    protocol: int = IPProtocol.UDP
    tos: int = 0
    router_alert: bool = False
    identification: int = field(default_factory=lambda: next(_identifications) & 0xFFFF)
    #: What the datagram carries: an ICMP, IGMP or UDP message, or plain data (another protocol's bytes).
    payload: Any = None

    @property
    def icmp(self) -> IcmpMessage | None:
        return self.payload if type(self.payload) is IcmpMessage else None

    @property
    def igmp(self) -> IgmpMessage | None:
        return self.payload if type(self.payload) is IgmpMessage else None

    @property
    def udp(self) -> UdpDatagram | None:
        return self.payload if type(self.payload) is UdpDatagram else None

    @property
    def rip(self) -> RipMessage | None:
        """The RIP message this datagram carries (UDP port 520), else None."""
        udp = self.udp
        return udp.payload if udp is not None and type(udp.payload) is RipMessage else None

    def forwarded(self) -> IPv4Packet:
        """The same datagram as a router sends it on: TTL one less, nothing else changed."""
        return replace(self, ttl=self.ttl - 1)

    def header(self) -> IPv4Packet:
        """This datagram without its data (a UDP, ICMP or IGMP header stays): what an ICMP error quotes."""
        payload = self.payload
        if isinstance(payload, IcmpMessage | IgmpMessage | UdpDatagram):
            return replace(self, payload=payload.without_data())
        return replace(self, payload=None)

    def summary(self) -> str:
        payload = self.payload
        what = (payload.summary() if isinstance(payload, IcmpMessage | IgmpMessage)
                else f"UDP {payload.payload.summary()}" if self.rip is not None
                else _protocol_name(self.protocol))
        return f"{self.src} → {self.dst} TTL {self.ttl} {what}"


def _protocol_name(protocol: int) -> str:
    try:
        return IPProtocol(protocol).name
    except ValueError:
        return f"protocol {protocol}"


@dataclass(frozen=True, slots=True)
class Frame:
    """An Ethernet II frame as it was put on a segment at ``time`` (simulated seconds).

    ``sender`` and ``interface`` name the node and NIC that transmitted it.
    """

    time: float
    segment: str
    eth_src: netaddr.EUI
    eth_dst: netaddr.EUI
    ethertype: int
    arp: ArpPacket | None = None
    ip: IPv4Packet | None = None
    sender: str = ""
    interface: str = ""

    @property
    def icmp(self) -> IcmpMessage | None:
        return None if self.ip is None else self.ip.icmp

    @property
    def igmp(self) -> IgmpMessage | None:
        return None if self.ip is None else self.ip.igmp

    @property
    def udp(self) -> UdpDatagram | None:
        return None if self.ip is None else self.ip.udp

    @property
    def rip(self) -> RipMessage | None:
        """The RIP message a UDP datagram to or from port 520 carries (chapter 6), else None."""
        return None if self.ip is None else self.ip.rip

    @property
    def is_broadcast(self) -> bool:
        return self.eth_dst == BROADCAST_MAC

    @property
    def is_multicast(self) -> bool:
        """The group bit (lowest bit of the first octet) is set: broadcast included."""
        return bool(int(self.eth_dst) >> 40 & 1)

    @property
    def protocol(self) -> str:
        """The innermost protocol's name, as Wireshark's Protocol column shows it."""
        if self.arp is not None:
            return "ARP"
        if self.ip is not None and self.ip.icmp is not None:
            return "ICMP"
        if self.ip is not None and self.ip.igmp is not None:
            return f"IGMPv{self.ip.igmp.version}"
        if self.rip is not None:
            return f"RIPv{self.rip.version}"
        if self.ip is not None:
            return _protocol_name(self.ip.protocol)
        return hex(self.ethertype)

    def summary(self) -> str:
        """One line: MACs, then what the frame carries."""
        inner = self.arp.summary() if self.arp else self.ip.summary() if self.ip else ""
        return f"{self.eth_src} → {self.eth_dst} {'ARP' if self.arp else 'IPv4'}: {inner}"

    def __repr__(self) -> str:
        return f"<Frame t={self.time:.6f} on {self.segment}: {self.summary()}>"
