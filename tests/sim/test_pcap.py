"""Frames written as pcap read back, field for field, with dpkt (an independent parser)."""

from __future__ import annotations

import struct

import dpkt
import netaddr
import pytest

from workbook.errors import SimulationError
from workbook.sim import Network
from workbook.sim.pcap import checksum, pcap_bytes

from .helpers import host, lan


def read(path) -> list[tuple[float, dpkt.ethernet.Ethernet]]:
    with open(path, "rb") as handle:
        return [(ts, dpkt.ethernet.Ethernet(data)) for ts, data in dpkt.pcap.Reader(handle)]


def mac(raw: bytes) -> netaddr.EUI:
    return netaddr.EUI(int.from_bytes(raw, "big"))


def ip(raw: bytes) -> netaddr.IPAddress:
    return netaddr.IPAddress(int.from_bytes(raw, "big"))


def header_sums_to_zero(packet: dpkt.ip.IP) -> bool:
    raw = bytes(packet)[: packet.hl * 4]
    return checksum(raw) == 0


def test_a_routed_trace_reads_back_with_every_mac_address_ttl_and_arp_field(tmp_path):
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.17.1.1")
    records = read(trace.write_pcap(tmp_path / "trace.pcap"))
    assert len(records) == len(trace.frames)
    for (ts, eth), frame in zip(records, trace.frames, strict=True):
        assert ts == pytest.approx(frame.time, abs=1e-6)
        assert (mac(eth.src), mac(eth.dst), eth.type) == (frame.eth_src, frame.eth_dst, frame.ethertype)
        if frame.arp is not None:
            arp = eth.data
            assert (arp.op, mac(arp.sha), ip(arp.spa), ip(arp.tpa)) == (
                frame.arp.opcode, frame.arp.sender_mac, frame.arp.sender_ip, frame.arp.target_ip)
        else:
            packet = eth.data
            assert (ip(packet.src), ip(packet.dst), packet.ttl, packet.p) == (
                frame.ip.src, frame.ip.dst, frame.ip.ttl, frame.ip.protocol)
            assert header_sums_to_zero(packet) and isinstance(packet.data, dpkt.udp.UDP)


def test_igmp_reports_carry_type_group_ttl_and_router_alert_with_valid_checksums(tmp_path):
    net = lan(host("m", "10.0.0.3/24", igmp_version=2), personality="windows")
    net.host("m").join("239.1.2.3")
    net.run(1)
    records = read(net.write_pcap(tmp_path / "igmp.pcap"))
    igmp = [eth.data for _, eth in records if isinstance(eth.data, dpkt.ip.IP) and eth.data.p == 2]
    assert igmp, "the join sent a report"
    report = igmp[0]
    assert report.ttl == 1 and ip(report.dst) == netaddr.IPAddress("239.1.2.3")
    assert report.opts == b"\x94\x04\x00\x00" and header_sums_to_zero(report)
    body = bytes(report.data)
    kind, _, _, group = struct.unpack("!BBH4s", body[:8])
    assert kind == 0x16 and ip(group) == netaddr.IPAddress("239.1.2.3") and checksum(body[:8]) == 0


def test_an_icmp_error_quotes_the_datagram_it_is_about(tmp_path):
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.18.0.1")
    icmp = [eth.data for _, eth in read(trace.write_pcap(tmp_path / "e.pcap"))
            if isinstance(eth.data, dpkt.ip.IP) and isinstance(eth.data.data, dpkt.icmp.ICMP)]
    assert [(m.data.type, m.data.code) for m in icmp] == [(3, 0)]
    message = bytes(icmp[0].data)
    assert checksum(message) == 0
    quoted = dpkt.ip.IP(message[8:])
    assert ip(quoted.dst) == netaddr.IPAddress("172.18.0.1") and ip(quoted.src) == netaddr.IPAddress("172.16.112.123")


def test_short_frames_are_padded_to_ethernets_minimum():
    net = Network.from_scenario("seed-lan")
    data = pcap_bytes(net.send("nt-host", "172.16.112.122").frames)
    first_length = struct.unpack("<I", data[24 + 8: 24 + 12])[0]
    assert first_length == 60  # an ARP request is 42 bytes before padding


def test_an_unwritable_path_is_a_simulation_error(tmp_path):
    net = Network.from_scenario("seed-lan")
    with pytest.raises(SimulationError, match="cannot write the pcap file"):
        net.write_pcap(tmp_path / "missing-folder" / "x.pcap")
