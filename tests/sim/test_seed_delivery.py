"""The seed's two lookups from 172.16.112.123 as journeys: local (direct) and remote (via the gateway)."""

from __future__ import annotations

import netaddr
import pytest

from workbook.sim import Network
from workbook.sim.frames import BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, ArpOpcode
from workbook.sim.trace import Outcome

from .helpers import arp_frames, ip_frames


@pytest.fixture
def net() -> Network:
    return Network.from_scenario("seed-lan")


def test_local_delivery_is_one_hop_and_arps_for_the_destination_itself(net: Network) -> None:
    trace = net.send("nt-host", "172.16.112.122")
    assert trace.delivered and trace.drop_reason is None
    assert [h.node for h in trace.hops] == ["nt-host", "neighbour"]
    assert trace.routers == []
    requests = [f for f in arp_frames(trace.frames) if f.arp.opcode is ArpOpcode.REQUEST]
    assert [str(f.arp.target_ip) for f in requests] == ["172.16.112.122"]
    assert requests[0].eth_dst == BROADCAST_MAC and requests[0].ethertype == ETHERTYPE_ARP
    assert str(requests[0].arp.sender_ip) == "172.16.112.123"
    (datagram,) = ip_frames(trace.frames)
    assert datagram.ethertype == ETHERTYPE_IPV4
    assert str(datagram.eth_dst) == "00-DD-01-0F-7A-B6"
    assert datagram.ip.ttl == 128  # Windows NT 4.0's DefaultTTL (KB Q120642)


def test_remote_delivery_arps_for_the_router_and_rewrites_macs_per_hop(net: Network) -> None:
    trace = net.send("nt-host", "172.17.1.1")
    assert trace.delivered and trace.receivers == ["far-host"]
    assert [h.node for h in trace.hops] == ["nt-host", "router", "far-host"]
    assert trace.routers == ["router"]
    first_arp = arp_frames(trace.frames)[0]
    assert str(first_arp.arp.target_ip) == "172.16.112.1"  # the gateway, not 172.17.1.1
    assert first_arp.segment == "lan"
    datagrams = ip_frames(trace.frames)
    assert [(str(f.eth_src), str(f.eth_dst)) for f in datagrams] == [
        ("00-DD-01-0F-7A-B5", "00-DD-01-00-00-01"),
        ("00-DD-02-00-00-01", "00-DD-02-00-00-09"),
    ]
    assert {(str(f.ip.src), str(f.ip.dst)) for f in datagrams} == {("172.16.112.123", "172.17.1.1")}
    assert [f.ip.ttl for f in datagrams] == [128, 127]
    assert trace.hops[-1].outcome is Outcome.DELIVERED


def test_frames_are_in_time_order_and_also_kept_by_the_network(net: Network) -> None:
    before = len(net.frames)
    trace = net.send("nt-host", "172.17.1.1")
    times = [f.time for f in trace.frames]
    assert times == sorted(times)
    assert net.frames[before:] == trace.frames


def test_second_send_hits_the_arp_cache(net: Network) -> None:
    net.send("nt-host", "172.16.112.122")
    trace = net.send("nt-host", "172.16.112.122")
    assert arp_frames(trace.frames) == []
    assert trace.hops[0].arp.cache_hit
    assert net.host("nt-host").arp_cache.get("172.16.112.122") == netaddr.EUI("00-DD-01-0F-7A-B6")


def test_hops_carry_the_routing_decision(net: Network) -> None:
    trace = net.send("nt-host", "172.17.1.1")
    first = trace.hops[0]
    assert first.interface == "eth0"
    assert str(first.decision.next_hop) == "172.16.112.1"
    assert trace.hops[1].decision is not None


def test_ping_gets_an_echo_reply(net: Network) -> None:
    trace = net.ping("nt-host", "172.17.1.1")
    assert trace.delivered
    (reply,) = trace.replies
    assert reply.delivered and reply.receivers == ["nt-host"]
    assert reply.datagram.icmp.type == 0


def test_network_log_and_frames_grow(net: Network) -> None:
    assert net.frames, "start-up gratuitous ARPs are on the wire"
    assert all(f.arp is not None for f in net.frames)
    assert isinstance(net.log, list)
