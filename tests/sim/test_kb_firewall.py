"""KB Q175396: a multihomed host sends with NIC1's address out of NIC2; the firewall's anti-spoofing drops it."""

from __future__ import annotations

import pytest

from workbook.sim import Network
from workbook.sim.trace import DropReason

from .helpers import ip_frames


@pytest.fixture
def net() -> Network:
    return Network.from_scenario("kb-firewall")


def test_source_bound_to_nic1_leaves_by_nic2_and_is_dropped_as_spoofed(net: Network) -> None:
    trace = net.send("multihomed", "172.30.0.9", source="10.1.1.10")
    first = trace.hops[0]
    assert first.interface == "nic2"
    assert first.frame.segment == "dmz"
    assert str(first.frame.ip.src) == "10.1.1.10"
    assert not trace.delivered
    assert trace.drop_reason is DropReason.SPOOFED_SOURCE
    assert trace.drop.node == "firewall" and trace.drop.in_interface == "dmz0"
    assert "10.1.1.10" in trace.drop.detail
    assert not [f for f in ip_frames(trace.frames) if f.segment == "outside"]
    assert trace.icmp is None  # a filter drops silently


def test_binding_to_nic2s_address_gets_through(net: Network) -> None:
    trace = net.send("multihomed", "172.30.0.9", source="192.168.5.10")
    assert trace.delivered and trace.receivers == ["server"]
    assert trace.routers == ["firewall"]
    assert {str(f.ip.src) for f in ip_frames(trace.frames)} == {"192.168.5.10"}


def test_unbound_socket_picks_nic2s_address(net: Network) -> None:
    trace = net.send("multihomed", "172.30.0.9")
    assert trace.delivered
    assert str(trace.datagram.src) == "192.168.5.10"
