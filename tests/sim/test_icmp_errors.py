"""ICMP errors come back to the sender: destination unreachable (no route) and time exceeded (a routing loop)."""

from __future__ import annotations

from workbook.sim import Network
from workbook.sim.frames import IcmpType
from workbook.sim.trace import DropReason, Outcome

from .helpers import host, lan


def looping() -> Network:
    """a — r1 ⇄ r2: each router sends 172.17.0.0/16 to the other."""
    r1 = {"name": "r1", "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]},
                                       {"name": "link0", "segment": "link", "addresses": ["10.1.0.1/24"]}],
          "routes": [{"destination": "172.17.0.0/16", "gateway": "10.1.0.2"}]}
    r2 = {"name": "r2", "interfaces": [{"name": "link0", "segment": "link", "addresses": ["10.1.0.2/24"]}],
          "routes": [{"destination": "172.17.0.0/16", "gateway": "10.1.0.1"},
                     {"destination": "10.0.0.0/24", "gateway": "10.1.0.1"}]}
    return lan(host("a", "10.0.0.2/24", gateway="10.0.0.1"), routers=(r1, r2), segments=("lan", "link"))


def test_no_route_at_a_router_sends_destination_unreachable_back() -> None:
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "10.9.9.9")
    assert not trace.delivered
    assert trace.drop_reason is DropReason.NO_ROUTE
    assert trace.drop.node == "router"
    assert trace.icmp is not None and trace.icmp.type == 3
    (back,) = trace.replies
    assert back.delivered and back.receivers == ["nt-host"]
    icmp_frames = [f for f in trace.frames if f.icmp is not None]
    assert icmp_frames and icmp_frames[-1].icmp.type == IcmpType.DESTINATION_UNREACHABLE
    assert str(icmp_frames[-1].ip.dst) == "172.16.112.123"
    assert icmp_frames[-1].icmp.original.dst == trace.datagram.dst
    assert any("Destination unreachable" in entry.text for entry in net.host("nt-host").log)


def test_no_route_at_the_sender_is_a_local_drop_without_icmp() -> None:
    net = lan(host("a", "10.0.0.2/24"))  # no gateway
    trace = net.send("a", "172.17.1.1")
    assert trace.drop_reason == "no route"
    assert [h.node for h in trace.hops] == ["a"]
    assert trace.icmp is None and trace.frames == []


def test_routing_loop_ends_in_time_exceeded_and_the_loop_shows_in_hops() -> None:
    net = looping()
    trace = net.send("a", "172.17.1.1", ttl=8)
    assert trace.drop_reason is DropReason.TTL_EXPIRED
    assert trace.icmp is not None and trace.icmp.type == 11
    routers = trace.routers
    assert routers.count("r1") >= 2 and routers.count("r2") >= 2
    assert routers[:4] == ["r1", "r2", "r1", "r2"]
    forwarded = [h for h in trace.hops if h.outcome is Outcome.FORWARDED]
    assert [h.ip.ttl for h in forwarded] == list(range(7, 0, -1))
    (back,) = trace.replies
    assert back.delivered and back.receivers == ["a"]
    assert back.datagram.icmp.type == IcmpType.TIME_EXCEEDED


def test_ttl_one_dies_at_the_first_router() -> None:
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.17.1.1", ttl=1)
    assert trace.drop_reason == DropReason.TTL_EXPIRED
    assert trace.drop.node == "router"
    assert trace.routers == ["router"]
    assert trace.replies[0].delivered


def test_no_icmp_error_about_an_icmp_error() -> None:
    net = looping()
    trace = net.send("a", "172.17.1.1", ttl=3)
    # the time-exceeded message itself must not trigger another error
    assert len(trace.replies) == 1
    assert trace.replies[0].replies == []
