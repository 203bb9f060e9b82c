"""The words on the arrows: one short line per frame, in tcpdump's style (chapters 4 and 5).

>>> from netaddr import EUI, IPAddress
>>> from workbook.sim.frames import BROADCAST_MAC, ETHERTYPE_ARP, ArpPacket, Frame
>>> arp = ArpPacket.request(EUI("00-DD-01-0F-7A-B5"), IPAddress("172.16.112.123"), IPAddress("172.16.112.1"))
>>> frame = Frame(3.0, "lan", EUI("00-DD-01-0F-7A-B5"), BROADCAST_MAC, ETHERTYPE_ARP, arp=arp)
>>> frame_title(frame)
'ARP who-has 172.16.112.1 tell 172.16.112.123'
>>> mac_line(frame)
'00-DD-01-0F-7A-B5 → FF-FF-FF-FF-FF-FF'
"""

from __future__ import annotations

from workbook.sim.frames import ArpPacket, Frame, IcmpType, IgmpType, IPProtocol, IPv4Packet

__all__ = ["arp_title", "frame_title", "ip_title", "mac_line"]

_IGMP_WORDS = {
    IgmpType.MEMBERSHIP_QUERY: "query",
    IgmpType.V1_MEMBERSHIP_REPORT: "report",
    IgmpType.V2_MEMBERSHIP_REPORT: "report",
    IgmpType.LEAVE_GROUP: "leave",
    IgmpType.V3_MEMBERSHIP_REPORT: "report",
}

_ICMP_WORDS = {
    IcmpType.ECHO_REQUEST: "echo request",
    IcmpType.ECHO_REPLY: "echo reply",
}


def mac_line(frame: Frame) -> str:
    """The Ethernet addresses, source → destination, as the trace writes them."""
    return f"{frame.eth_src} → {frame.eth_dst}"


def arp_title(arp: ArpPacket) -> str:
    """'ARP who-has B tell A', 'ARP B is-at MAC', 'ARP probe who-has B' or 'ARP gratuitous A'."""
    if arp.opcode == 2:
        return f"ARP {arp.sender_ip} is-at {arp.sender_mac}"
    if arp.is_probe:
        return f"ARP probe who-has {arp.target_ip}"
    if arp.is_gratuitous:
        return f"ARP gratuitous {arp.sender_ip}"
    return f"ARP who-has {arp.target_ip} tell {arp.sender_ip}"


def ip_title(ip: IPv4Packet) -> str:
    """What a datagram is, with its addresses (and ports) and TTL: 'UDP 10.0.0.2:49152 → 10.0.3.2:520 TTL 63'.

    >>> from netaddr import IPAddress
    >>> from workbook.sim.frames import UdpDatagram
    >>> ip_title(IPv4Packet(IPAddress("10.0.0.2"), IPAddress("10.0.3.2"), 63, payload=UdpDatagram(49152, 520)))
    'UDP 10.0.0.2:49152 → 10.0.3.2:520 TTL 63'
    """
    if ip.igmp is not None:
        igmp = ip.igmp
        word = _IGMP_WORDS.get(igmp.type, f"type {int(igmp.type):#x}")
        if igmp.records:  # IGMPv3: 'IGMPv3 report TO_EX 239.1.2.3; ALLOW 232.1.1.1 {10.0.0.9} TTL 1'
            return f"IGMPv3 {word} {'; '.join(record.summary() for record in igmp.records)} TTL {ip.ttl}"
        group = str(igmp.group) if int(igmp.group) else "general"
        return f"IGMPv{igmp.version} {word} {group} TTL {ip.ttl}"
    if ip.icmp is not None:
        icmp = ip.icmp
        word = _ICMP_WORDS.get(icmp.type) or icmp.summary()
        return f"ICMP {word} {ip.src} → {ip.dst} TTL {ip.ttl}"
    if ip.udp is not None:
        return f"UDP {ip.src}:{ip.udp.src_port} → {ip.dst}:{ip.udp.dst_port} TTL {ip.ttl}"
    try:
        name = IPProtocol(ip.protocol).name
    except ValueError:
        name = f"IP proto {ip.protocol}"
    return f"{name} {ip.src} → {ip.dst} TTL {ip.ttl}"


def frame_title(frame: Frame) -> str:
    """One line saying what a frame carries."""
    if frame.arp is not None:
        return arp_title(frame.arp)
    if frame.ip is not None:
        return ip_title(frame.ip)
    return f"ethertype {frame.ethertype:#06x}"
