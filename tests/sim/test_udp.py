"""UDP as a transport: ports in frames, in pcap files (read back with dpkt), in labels, and bound handlers."""

from __future__ import annotations

import io

import dpkt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.errors import SimulationError
from workbook.render.labels import frame_title
from workbook.sim import Network
from workbook.sim.frames import UdpDatagram
from workbook.sim.pcap import pcap_bytes

from .helpers import host, lan


def udp_of(data: bytes) -> list[dpkt.ip.IP]:
    packets = []
    for _, raw in dpkt.pcap.Reader(io.BytesIO(data)):
        eth = dpkt.ethernet.Ethernet(raw)
        if isinstance(eth.data, dpkt.ip.IP) and isinstance(eth.data.data, dpkt.udp.UDP):
            packets.append(eth.data)
    return packets


@settings(max_examples=40, deadline=None)
@given(src=st.integers(0, 65535), dst=st.integers(0, 65535), data=st.binary(max_size=40))
def test_ports_and_data_read_back_with_dpkt_at_every_hop(src: int, dst: int, data: bytes) -> None:
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.17.1.1", payload=data, src_port=src, dst_port=dst)
    sent = [frame for frame in trace.frames if frame.udp is not None]
    assert [(f.udp.src_port, f.udp.dst_port, f.udp.payload) for f in sent] == [(src, dst, data)] * 2
    decoded = udp_of(pcap_bytes(trace.frames))
    assert [(p.data.sport, p.data.dport, p.data.ulen, bytes(p.data.data)) for p in decoded] == [
        (src, dst, 8 + len(data), data)] * 2
    assert [p.ttl for p in decoded] == [128, 127]  # NT 4.0's default TTL, then one router


def test_an_icmp_error_quotes_the_udp_ports() -> None:
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.18.0.1", dst_port=520, src_port=520, payload=b"RIP")
    error = next(f for f in trace.frames if f.icmp is not None)
    assert error.icmp.original.udp == UdpDatagram(520, 520)  # the header, without the data
    for _, raw in dpkt.pcap.Reader(io.BytesIO(pcap_bytes([error]))):
        quoted = dpkt.ip.IP(bytes(dpkt.ethernet.Ethernet(raw).data.data)[8:])
        assert (quoted.data.sport, quoted.data.dport) == (520, 520)


def test_a_bound_port_gets_its_datagrams_and_an_unbound_one_just_arrives() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"), personality="linux")
    heard: list[tuple[UdpDatagram, str]] = []
    udp = net.host("b").protocols["udp"]
    udp.bind(4242, lambda packet, interface, trace: heard.append((packet.udp, interface)))
    assert net.send("a", "10.0.0.3", dst_port=4242, src_port=5000, payload="hi").delivered
    assert heard == [(UdpDatagram(5000, 4242, "hi"), "eth0")]
    assert net.send("a", "10.0.0.3", dst_port=4243).delivered and len(heard) == 1
    udp.unbind(4242)
    net.send("a", "10.0.0.3", dst_port=4242)
    assert len(heard) == 1
    udp.bind(4242, lambda packet, interface, trace: heard.append((packet.udp, interface)))
    sent = net.host("a").protocols["udp"].send(0x0A000003, 4242, b"from a protocol")  # runs on the clock
    net.run(0.01)
    assert sent.delivered and heard[-1] == (UdpDatagram(49152, 4242, b"from a protocol"), "eth0")


def test_labels_show_the_ports() -> None:
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.17.1.1", dst_port=67, src_port=68)
    titles = [frame_title(f) for f in trace.frames if f.udp is not None]
    assert titles == ["UDP 172.16.112.123:68 → 172.17.1.1:67 TTL 128", "UDP 172.16.112.123:68 → 172.17.1.1:67 TTL 127"]


@pytest.mark.parametrize("port", [-1, 65536, "520", True, 5.0])
def test_a_bad_port_is_refused_with_an_example(port: object) -> None:
    net = Network.from_scenario("seed-lan")
    with pytest.raises(SimulationError, match=rf"port {port!r} must be .* e\.g\. 520"):
        net.send("nt-host", "172.17.1.1", dst_port=port)
    with pytest.raises(SimulationError, match=r"e\.g\. 520"):
        net.host("far-host").protocols["udp"].bind(port, print)


def test_a_port_is_bound_once() -> None:
    udp = Network.from_scenario("seed-lan").host("far-host").protocols["udp"]
    udp.bind(5000, print)
    with pytest.raises(SimulationError, match="already bound"):
        udp.bind(5000, print)
