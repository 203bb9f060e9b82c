"""When a router sends an ICMP redirect and when a host takes it, per personality (scenario redirect-lan).

RFC 1812 §5.2.7.2 for the router; RFC 1122 §3.2.2.2 and §3.3.1.2 for the host (NT 4.0 and Windows);
the Linux kernel as tests/kernel/test_redirects.py observes it for the linux personality.
"""

from __future__ import annotations

import copy
from typing import Any

import netaddr
import pytest

from workbook import Network
from workbook.ledger import Evidence, source_of
from workbook.net.personalities import get_personality
from workbook.net.routes import RouteOrigin
from workbook.net.scenario import load_scenario
from workbook.sim.frames import IcmpMessage, IcmpType, IPProtocol, IPv4Packet

PERSONALITIES = ("nt4", "nt35", "windows", "linux")


def scenario(pc: dict[str, Any] | None = None, r1: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(load_scenario("redirect-lan"))
    data["hosts"][0].update(pc or {})
    data["routers"][0].update(r1 or {})
    return data


def redirects(net: Network) -> list[Any]:
    return [f for f in net.frames if f.icmp is not None and f.icmp.type is IcmpType.REDIRECT]


def learned(net: Network) -> list[Any]:
    return [r for r in net.host("pc").table if r.origin is RouteOrigin.REDIRECT]


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_the_router_redirects_and_the_host_goes_direct_after_one_or_two_datagrams(personality: str) -> None:
    net = Network.from_dict(scenario(), personality=personality)
    routers = [net.send("pc", "10.9.0.5").routers for _ in range(3)]
    (first, *_) = redirects(net)
    assert (str(first.ip.src), str(first.ip.dst), first.icmp.code, str(first.icmp.gateway)) == (
        "10.0.0.1", "10.0.0.2", 1, "10.0.0.254")
    assert str(first.icmp.original.dst) == "10.9.0.5"
    if get_personality(personality).redirect_gateway_rule == "on-link":
        assert routers == [["r1", "r2"], ["r2"], ["r2"]]
    else:  # Linux: the first redirect only makes it ARP for 10.0.0.254; the second counts
        assert routers == [["r1", "r2"], ["r1", "r2"], ["r2"]]
        assert "asks for it by ARP" in " ".join(e.text for e in net.log if e.host == "pc")
    assert [str(r.destination) for r in learned(net)] == ["10.9.0.5"]


@pytest.mark.parametrize("personality", PERSONALITIES)
@pytest.mark.parametrize("pc, r1, why", [
    ({"accept_redirects": False}, {}, "accept_redirects is off"),
    ({"forwarding": True}, {}, "forwards (a router)"),
    ({}, {"redirects": False}, None),
])
def test_no_redirect_is_sent_or_taken_when_a_setting_says_no(personality: str, pc: dict[str, Any],
                                                             r1: dict[str, Any], why: str | None) -> None:
    net = Network.from_dict(scenario(pc, r1), personality=personality)
    for _ in range(3):
        assert net.send("pc", "10.9.0.5").routers == ["r1", "r2"]
    assert learned(net) == []
    if why is None:
        assert redirects(net) == []
    else:
        assert why in " ".join(e.text for e in net.log if e.host == "pc")


def _forged(sender: str, gateway: str) -> IPv4Packet:
    original = IPv4Packet(netaddr.IPAddress("10.0.0.2"), netaddr.IPAddress("10.9.0.5"), protocol=IPProtocol.UDP)
    return IPv4Packet(netaddr.IPAddress(sender), netaddr.IPAddress("10.0.0.2"), protocol=IPProtocol.ICMP,
                      payload=IcmpMessage(IcmpType.REDIRECT, 1, netaddr.IPAddress(gateway), original))


@pytest.mark.parametrize("personality", PERSONALITIES)
@pytest.mark.parametrize("sender, gateway, why", [
    ("10.0.0.7", "10.0.0.254", "not from the current first hop"),
    ("10.0.0.1", "10.0.0.1", "the router that sent it"),
    ("10.0.0.1", "10.0.0.255", "10.0.0.255"),
    ("10.0.0.1", "10.0.0.2", "cannot be a gateway"),
    ("10.0.0.1", "224.0.0.9", "cannot be a gateway"),
])
def test_a_host_ignores_a_redirect_from_another_node_or_to_an_impossible_gateway(personality: str, sender: str,
                                                                                 gateway: str, why: str) -> None:
    net = Network.from_dict(scenario(), personality=personality)
    pc = net.host("pc")
    pc.arp_cache.add_static("eth0", "10.0.0.254", "00-DD-01-00-00-FE")
    pc.deliver_up(_forged(sender, gateway), "eth0", None)
    assert learned(net) == []
    text = " ".join(e.text for e in net.log if e.host == "pc")
    assert "ignored" in text and (why in text or (why == "not from the current first hop" and "not from" in text))


@pytest.mark.parametrize("personality", ["nt4", "windows"])
def test_nt_and_windows_refuse_an_off_link_gateway_as_rfc_1122_says(personality: str) -> None:
    net = Network.from_dict(scenario(), personality=personality)
    net.host("pc").deliver_up(_forged("10.0.0.1", "10.5.5.5"), "eth0", None)
    assert learned(net) == []
    assert "not on the subnet of eth0" in " ".join(e.text for e in net.log if e.host == "pc")


def test_linux_takes_a_redirect_at_once_when_it_knows_the_new_gateways_mac() -> None:
    net = Network.from_dict(scenario(), personality="linux")
    net.host("pc").arp_cache.add_static("eth0", "10.0.0.254", "00-DD-01-00-00-FE")
    assert [net.send("pc", "10.9.0.5").routers for _ in range(2)] == [["r1", "r2"], ["r2"]]


def test_each_redirect_trait_names_its_source() -> None:
    for name in ("sends_redirects", "accepts_redirects", "redirect_gateway_rule"):
        assert source_of(get_personality("linux"), name).evidence is Evidence.KERNEL
        assert source_of(get_personality("nt4"), name).evidence in (Evidence.RFC, Evidence.MICROSOFT)


@pytest.mark.parametrize("personality, redirected", [("nt4", False), ("windows", False), ("linux", True)])
def test_a_next_hop_on_another_subnet_of_the_link_is_redirected_to_only_by_linux(personality: str,
                                                                                redirected: bool) -> None:
    data = scenario()
    r1, r2 = data["routers"]
    r1["interfaces"][0]["addresses"].append("10.5.0.1/24")
    r1["routes"] = [{"destination": "10.9.0.0/16", "gateway": "10.5.0.254"}]
    r2["interfaces"][0]["addresses"].append("10.5.0.254/24")
    net = Network.from_dict(data, personality=personality)
    assert net.send("pc", "10.9.0.5").routers == ["r1", "r2"]
    assert [str(f.icmp.gateway) for f in redirects(net)] == (["10.5.0.254"] if redirected else [])
