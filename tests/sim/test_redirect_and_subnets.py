"""ICMP redirect (a router names a better first hop) and the seed's multiple-logical-subnets trick."""

from __future__ import annotations

from workbook.net.routes import Route, RouteOrigin
from workbook.sim.frames import ArpOpcode, IcmpType

from .helpers import arp_frames, host, ip_frames, lan


def two_routers(redirects: bool = True):
    r1 = {"name": "r1", "redirects": redirects,
          "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]}],
          "routes": [{"destination": "10.5.0.0/24", "gateway": "10.0.0.3"}]}
    r2 = {"name": "r2", "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.3/24"]},
                                       {"name": "far0", "segment": "far", "addresses": ["10.5.0.1/24"]}]}
    return lan(host("a", "10.0.0.2/24", gateway="10.0.0.1"), host("z", "10.5.0.9/24", segment="far",
                                                                   gateway="10.5.0.1"),
               routers=(r1, r2), segments=("lan", "far"))


def test_router_redirects_the_host_which_adds_a_redirect_route() -> None:
    net = two_routers()
    trace = net.send("a", "10.5.0.9")
    assert trace.delivered
    assert trace.routers == ["r1", "r2"]
    redirects = [f for f in trace.frames if f.icmp is not None and f.icmp.type == IcmpType.REDIRECT]
    assert len(redirects) == 1
    assert str(redirects[0].icmp.gateway) == "10.0.0.3" and str(redirects[0].ip.dst) == "10.0.0.2"
    a = net.host("a")
    learned = [r for r in a.table if r.origin is RouteOrigin.REDIRECT]
    assert len(learned) == 1
    assert str(learned[0].destination) == "10.5.0.9" and learned[0].prefixlen == 32
    assert str(learned[0].gateway) == "10.0.0.3"
    assert any("redirect" in entry.text.lower() for entry in a.log)
    again = net.send("a", "10.5.0.9")
    assert again.delivered and again.routers == ["r2"]
    assert str(again.hops[0].decision.next_hop) == "10.0.0.3"


def test_second_redirect_for_the_same_destination_does_not_duplicate_the_route() -> None:
    net = two_routers()
    a = net.host("a")
    net.send("a", "10.5.0.9")
    a.table.remove(next(r for r in a.table if r.origin is RouteOrigin.REDIRECT))
    net.send("a", "10.5.0.9")
    assert len([r for r in a.table if r.origin is RouteOrigin.REDIRECT]) == 1


def test_router_with_redirects_off_stays_silent() -> None:
    net = two_routers(redirects=False)
    trace = net.send("a", "10.5.0.9")
    assert trace.delivered and trace.icmp is None
    assert not [r for r in net.host("a").table if r.origin is RouteOrigin.REDIRECT]


def _subnets_on_one_wire():
    return lan(host("a", "192.168.1.10/24"), host("b", "192.168.2.20/24"), host("c", "192.168.3.30/24"))


def test_without_the_trick_a_foreign_subnet_has_no_route() -> None:
    net = _subnets_on_one_wire()
    assert net.send("a", "192.168.2.20").drop_reason == "no route"


def test_default_route_to_my_own_address_arps_directly_for_every_destination() -> None:
    net = _subnets_on_one_wire()
    a = net.host("a")
    nic = a.interfaces[0]
    # route add 0.0.0.0 MASK 0.0.0.0 192.168.1.10
    label = a.personality.interface_label(nic, int(nic.primary_address))
    a.table.add(Route("0.0.0.0", netmask="0.0.0.0", gateway="192.168.1.10", interface=label), check_gateway=False)
    for destination, name in (("192.168.2.20", "b"), ("192.168.3.30", "c")):
        trace = net.send("a", destination)
        assert trace.delivered and trace.receivers == [name]
        assert trace.routers == []
        (request,) = [f for f in arp_frames(trace.frames) if f.arp.opcode is ArpOpcode.REQUEST]
        assert str(request.arp.target_ip) == destination  # ARP for the destination itself
        (datagram,) = ip_frames(trace.frames)
        assert datagram.eth_dst == net.host(name).interfaces[0].mac


def test_the_seeds_route_command_itself() -> None:
    net = _subnets_on_one_wire()
    net.host("a").route("route add 0.0.0.0 MASK 0.0.0.0 192.168.1.10")
    trace = net.send("a", "192.168.3.30")
    assert trace.delivered and trace.receivers == ["c"]
    assert [str(f.arp.target_ip) for f in arp_frames(trace.frames) if f.arp.opcode is ArpOpcode.REQUEST] == [
        "192.168.3.30"]
