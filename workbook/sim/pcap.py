"""Write simulated frames as a pcap file that Wireshark and tcpdump open.

Every frame becomes the bytes a real NIC would have sent: an Ethernet II
header, then an ARP message, or an IPv4 header (with the Router Alert option
when set, RFC 2113) and its ICMP, IGMP or UDP message, with correct
checksums. Wireshark then shows the same fields the workbook explains.

>>> from workbook import Network
>>> net = Network.from_scenario("seed-lan")
>>> trace = net.send("nt-host", "172.17.1.1")
>>> data = pcap_bytes(trace.frames)
>>> data[:4].hex(), len(trace.frames)
('d4c3b2a1', 6)
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

from workbook.errors import SimulationError
from workbook.ledger import Source, constant
from workbook.net.rip import RipMessage
from workbook.sim.frames import ArpPacket, Frame, IcmpMessage, IcmpType, IgmpMessage, IgmpType, IPv4Packet, UdpDatagram

__all__ = ["frame_bytes", "pcap_bytes", "write_pcap"]

# pcap's file header: magic, version 2.4, no time zone, snapshot length 65535, link type 1 (LINKTYPE_ETHERNET).
_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
_MIN_FRAME = constant("Ethernet: shortest frame without the FCS (shorter ones are padded)", 60,
                      Source.rfc(894, note="14 header octets and at least 46 data octets"))
_ROUTER_ALERT = bytes([0x94, 0x04, 0x00, 0x00])


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _payload_bytes(payload: object) -> bytes:
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, RipMessage):  # RFC 1058 §3.1 / RFC 2453 §4: what Wireshark decodes on port 520
        return payload.encode()
    return str(payload).encode("utf-8")


def _arp(arp: ArpPacket) -> bytes:
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, int(arp.opcode)) + b"".join(
        (arp.sender_mac.packed, arp.sender_ip.packed, arp.target_mac.packed, arp.target_ip.packed)
    )


def _icmp(message: IcmpMessage) -> bytes:
    if message.type in (IcmpType.ECHO_REQUEST, IcmpType.ECHO_REPLY):
        rest, body = struct.pack("!HH", 1, 1), _payload_bytes(message.data)
    else:
        rest = message.gateway.packed if message.gateway is not None else b"\0\0\0\0"
        # An error quotes the offending datagram's header and its first 8 bytes of data (RFC 792).
        body = b""
        if message.original is not None:
            quoted = _ip(message.original)
            body = quoted[: (quoted[0] & 0x0F) * 4 + 8]
    head = struct.pack("!BBH", int(message.type), message.code, 0) + rest
    total = checksum(head + body)
    return head[:2] + struct.pack("!H", total) + head[4:] + body


def _igmp(message: IgmpMessage) -> bytes:
    if message.type is IgmpType.V3_MEMBERSHIP_REPORT:  # RFC 3376 4.2: records follow the header
        data = struct.pack("!BBHHH", int(message.type), 0, 0, 0, len(message.records)) + b"".join(
            struct.pack("!BBH", int(r.record_type), 0, len(r.sources)) + r.group.packed
            + b"".join(source.packed for source in r.sources) for r in message.records)
    elif message.type is IgmpType.MEMBERSHIP_QUERY and message.version == 3:  # RFC 3376 4.1: 12 bytes or more
        data = struct.pack("!BBH", int(message.type), message.max_resp_time, 0) + message.group.packed + struct.pack(
            "!BBH", message.qrv & 7, message.qqic, 0)
    else:
        max_resp = message.max_resp_time if message.version >= 2 else 0
        data = struct.pack("!BBH", int(message.type), max_resp, 0) + message.group.packed
    return data[:2] + struct.pack("!H", checksum(data)) + data[4:]


def _udp(datagram: UdpDatagram) -> bytes:
    body = _payload_bytes(datagram.payload)
    # Checksum 0 means "not computed", which RFC 768 allows over IPv4.
    return struct.pack("!HHHH", datagram.src_port, datagram.dst_port, 8 + len(body), 0) + body


#: How each kind of IP payload becomes bytes; anything else is the data itself (another protocol's bytes).
_ENCODERS = {IcmpMessage: _icmp, IgmpMessage: _igmp, UdpDatagram: _udp}


def _ip(packet: IPv4Packet) -> bytes:
    encode = _ENCODERS.get(type(packet.payload))
    body = encode(packet.payload) if encode is not None else _payload_bytes(packet.payload)
    options = _ROUTER_ALERT if packet.router_alert else b""
    header_length = 20 + len(options)
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x40 | header_length // 4,
        packet.tos,
        header_length + len(body),
        packet.identification & 0xFFFF,
        0,
        packet.ttl,
        int(packet.protocol),
        0,
        packet.src.packed,
        packet.dst.packed,
    ) + options
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + body


def frame_bytes(frame: Frame) -> bytes:
    """The bytes of one frame on the wire (without preamble and FCS), padded to 60."""
    if frame.arp is not None:
        body = _arp(frame.arp)
    elif frame.ip is not None:
        body = _ip(frame.ip)
    else:
        raise SimulationError(f"frame {frame!r} carries neither ARP nor IPv4; only those can be written")
    data = frame.eth_dst.packed + frame.eth_src.packed + struct.pack("!H", frame.ethertype) + body
    return data.ljust(_MIN_FRAME, b"\0")


def pcap_bytes(frames: Iterable[Frame]) -> bytes:
    """A whole pcap file (microsecond timestamps from the simulated clock) as bytes."""
    parts = [_PCAP_HEADER]
    for frame in frames:
        data = frame_bytes(frame)
        microseconds = round(frame.time * 1_000_000)
        parts.append(struct.pack("<IIII", microseconds // 1_000_000, microseconds % 1_000_000, len(data), len(data)))
        parts.append(data)
    return b"".join(parts)


def write_pcap(frames: Iterable[Frame], path: str | Path) -> Path:
    """Write ``frames`` to ``path`` as a pcap file; returns the path. Open it in Wireshark."""
    path = Path(path)
    try:
        path.write_bytes(pcap_bytes(frames))
    except OSError as error:
        raise SimulationError(f"cannot write the pcap file {str(path)!r}: {error.strerror}") from None
    return path
