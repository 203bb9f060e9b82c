"""Host events on the simulated clock: start, stop, unplug, plug; and what PathTrace.routers counts."""

from __future__ import annotations

import pytest

from workbook.errors import SimulationError
from workbook.sim import Network
from workbook.sim.trace import DropReason

from .helpers import host, lan


def test_stopped_host_cannot_send_and_does_not_answer() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"))
    b = net.host("b")
    b.stop()
    assert not b.ip_enabled("eth0")
    assert any("stopped" in e.text for e in b.log)
    with pytest.raises(SimulationError, match=r"'b'.*start"):
        net.send("b", "10.0.0.2")
    assert net.send("a", "10.0.0.3").drop_reason is DropReason.ARP_NO_ANSWER
    b.start()
    net.settle()
    assert net.send("a", "10.0.0.3").delivered


def test_stop_forgets_the_arp_cache() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"))
    net.send("a", "10.0.0.3")
    a = net.host("a")
    assert len(a.arp_cache) == 1
    a.stop()
    assert len(a.arp_cache) == 0


def test_unplugged_sender_drops_visibly_and_plug_restores() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"))
    a = net.host("a")
    a.unplug()
    trace = net.send("a", "10.0.0.3")
    assert trace.drop_reason is DropReason.UNPLUGGED
    assert trace.frames == []  # nothing reached the wire
    a.plug()
    assert net.send("a", "10.0.0.3").delivered


def test_unplugged_receiver_gets_nothing() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"))
    net.send("a", "10.0.0.3")
    net.host("b").unplug("eth0")
    trace = net.send("a", "10.0.0.3")  # cached MAC: the frame goes out, nobody takes it
    assert not trace.delivered and trace.drop_reason is DropReason.NO_RECEIVER


def test_run_advances_the_clock_and_rejects_negative_time() -> None:
    net = lan(host("a", "10.0.0.2/24"))
    start = net.now
    net.run(2.5)
    assert net.now == pytest.approx(start + 2.5)
    with pytest.raises(SimulationError, match="-1"):
        net.run(-1)


def test_routers_property_lists_forwarders_in_order() -> None:
    net = Network.from_scenario("seed-lan")
    assert net.send("nt-host", "172.17.1.1").routers == ["router"]
    assert net.send("nt-host", "172.16.112.122").routers == []
    assert net.send("nt-host", "172.17.1.1", ttl=1).routers == ["router"]  # died there of old age
