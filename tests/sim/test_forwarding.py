"""Routers in scenarios: a node forwards between its interfaces only with ``forwarding`` on (chapter 6).

NT's IPEnableRouter, Linux's net.ipv4.ip_forward, Windows' forwarding: the same switch, off by
default on a host (RFC 1122 §3.1). NT 3.5 forwards with static routes only; RIP and the BOOTP relay
agent come with MPR (NT 3.51 and 4.0), as the seed text says.
"""

from __future__ import annotations

import pytest

from workbook import Network
from workbook.ledger import Evidence, source_of
from workbook.net.personalities import get_personality
from workbook.net.scenario import load_scenario
from workbook.sim.trace import DropReason

PERSONALITIES = ("nt4", "nt35", "windows", "linux")


def two_lans(middle: dict, section: str = "hosts") -> dict:
    nodes = {"hosts": [{"name": "a", "interfaces": [{"name": "eth0", "segment": "left", "addresses": ["10.1.0.2/24"],
                                                     "gateway": "10.1.0.1"}]},
                       {"name": "b", "interfaces": [{"name": "eth0", "segment": "right",
                                                     "addresses": ["10.2.0.2/24"], "gateway": "10.2.0.1"}]}],
             "routers": []}
    nodes[section].append({"name": "m", **middle,
                           "interfaces": [{"name": "left0", "segment": "left", "addresses": ["10.1.0.1/24"]},
                                          {"name": "right0", "segment": "right", "addresses": ["10.2.0.1/24"]}]})
    return {"segments": [{"name": "left"}, {"name": "right"}], **nodes}


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_a_two_interface_host_forwards_only_with_forwarding_on(personality: str) -> None:
    off = Network.from_dict(two_lans({}), personality=personality).send("a", "10.2.0.2")
    assert not off.delivered and off.drop_reason is DropReason.NOT_FOR_THIS_HOST and off.drop.node == "m"
    on = Network.from_dict(two_lans({"forwarding": True}), personality=personality).send("a", "10.2.0.2")
    assert on.delivered and on.routers == ["m"]


@pytest.mark.parametrize("personality", PERSONALITIES)
def test_an_entry_under_routers_forwards_unless_told_otherwise(personality: str) -> None:
    assert Network.from_dict(two_lans({}, "routers"), personality=personality).send("a", "10.2.0.2").delivered
    net = Network.from_dict(two_lans({"forwarding": False}, "routers"), personality=personality)
    assert not net.send("a", "10.2.0.2").delivered


def test_every_shipped_router_says_forwarding_true() -> None:
    for name in ("seed-lan", "kb-firewall", "multicast-lan", "dhcp-relay", "redirect-lan"):
        assert all(router.get("forwarding") is True for router in load_scenario(name).get("routers") or []), name


def test_nt35_routes_with_static_routes_only_and_nt4_needs_mpr_as_the_text_says() -> None:
    nt35, nt4 = get_personality("nt35"), get_personality("nt4")
    assert nt35.rip_support is None and nt35.bootp_relay_support is None
    assert "MPR" in nt4.rip_support and "MPR" in nt4.bootp_relay_support
    for stack in (nt35, nt4):
        for trait in ("rip_support", "bootp_relay_support"):
            source = source_of(stack, trait)
            assert source.evidence is Evidence.SEED and "no independent source" in source.cite()
    assert source_of(nt4, "forwarding_switch").evidence is Evidence.MICROSOFT
    assert source_of(get_personality("linux"), "forwarding_switch").evidence is Evidence.KERNEL
    # NT 3.5 still forwards: static routes are all it needs.
    net = Network.from_dict(two_lans({"forwarding": True}), personality="nt35")
    assert net.send("a", "10.2.0.2").delivered
