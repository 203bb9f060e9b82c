"""The outcomes chapter 6's prose relies on, checked against the engine directly.

If one of these fails, the chapter's text has become false: fix the engine or the chapter, not this test.
"""

from __future__ import annotations

import pytest

import workbook as wb
from workbook.ledger import source_of
from workbook.net.personalities import get_personality
from workbook.render.dhcp import dhcp_frames
from workbook.render.rip import metric_history, rip_changes
from workbook.sim import rip as rip_timers
from workbook.sim.topologies import line_of_routers

SHORT = {"update": 5, "timeout": 30, "garbage": 20}


def _line(**settings) -> wb.Network:
    return wb.Network.from_dict(line_of_routers(3, **SHORT, **settings), personality="linux")


def test_a_host_forwards_only_with_its_switch_on() -> None:
    def two_cards(forwarding: bool) -> wb.Network:
        return wb.Network.from_dict({"personality": "nt4", "segments": [{"name": "a"}, {"name": "b"}], "hosts": [
            {"name": "pc", "interfaces": [{"name": "e0", "segment": "a", "addresses": ["10.1.0.2/24"],
                                           "gateway": "10.1.0.1"}]},
            {"name": "nt", "forwarding": forwarding,
             "interfaces": [{"name": "e0", "segment": "a", "addresses": ["10.1.0.1/24"]},
                            {"name": "e1", "segment": "b", "addresses": ["10.2.0.1/24"]}]},
            {"name": "far", "interfaces": [{"name": "e0", "segment": "b", "addresses": ["10.2.0.2/24"],
                                            "gateway": "10.2.0.1"}]}]})

    off, on = two_cards(False).send("pc", "10.2.0.2"), two_cards(True).send("pc", "10.2.0.2")
    assert not off.delivered and off.drop_reason == "not for this host"
    assert on.delivered


def test_nt_facts_with_their_sources() -> None:
    nt4, nt35 = get_personality("nt4"), get_personality("nt35")
    assert "IPEnableRouter" in nt4.forwarding_switch
    assert nt4.rip_versions == (1,) and "MPR" in nt4.rip_software
    assert source_of(nt4, "rip_versions").cite().startswith("Windows 2000 Server Resource Kit")
    assert "no independent source" in source_of(nt4, "bootp_relay_support").cite()  # the NT text alone
    assert nt35.rip_versions == () and "static routes only" in nt35.rip_software
    with pytest.raises(wb.WorkbookError, match="static routes only"):
        wb.Network.from_dict({**line_of_routers(2), "personality": "nt35"})
    with pytest.raises(wb.WorkbookError, match="version 1"):
        wb.Network.from_dict({**line_of_routers(2, version=2), "personality": "nt4"})
    assert get_personality("windows").rip_versions == (1, 2) and get_personality("linux").rip_versions == (1, 2)


def test_rip_constants() -> None:
    assert (rip_timers.UPDATE_TIME, rip_timers.TIMEOUT, rip_timers.GARBAGE, rip_timers.INFINITY) == (30, 180, 120, 16)
    assert rip_timers.TRIGGERED_INTERVAL == (1.0, 5.0)


def test_converged_line_and_the_triggered_update() -> None:
    line = _line()
    line.run(20)
    route = next(r for r in line.host("R1").table if str(r.network) == "192.168.3.0/24")
    assert route.origin == "rip" and route.metric == 3 and str(route.gateway) == "10.0.12.2"
    learned = next(c for c in rip_changes(line) if c.router == "R1" and c.prefix == "192.168.3.0/24")
    assert 1 <= learned.time <= 5  # after one triggered-update wait, before the first regular update
    assert "advertised 192.168.3.0/24 at metric 2" in line.host("R1").protocols["rip"].explain("192.168.3.0/24")


@pytest.mark.parametrize(("rule", "back"), [("off", 2), ("simple", None), ("poison-reverse", 16)])
def test_split_horizon_rules_on_r2s_update_to_r1(rule: str, back: int | None) -> None:
    net = _line(split_horizon=rule)
    net.run(20)
    update = {f"{e.address}/{e.prefixlen}": e.metric for m in net.host("R2").protocols["rip"].update_for("to1")
              for e in m.entries}
    assert update.get("192.168.1.0/24") == back
    assert update["10.0.12.0/24"] == 1 and update["192.168.3.0/24"] == 2  # connected goes everywhere


def _fail(rule: str) -> list[int | None]:
    net = _line(split_horizon=rule, triggered_min_interval=1000)
    net.run(20)
    start = net.now
    net.host("R2").unplug("to3")
    net.run(120)
    return [state["R2"] for _, state, changed in metric_history(net, "192.168.3.0/24", since=start)
            if "R2" in changed]


def test_counting_to_infinity_climbs_by_two_and_poison_reverse_stops_it() -> None:
    counting = _fail("off")
    assert counting == [16, 4, 6, 8, 10, 12, 14, 16, None]
    assert max(m for m in counting if m is not None and m < 16) == 14
    assert _fail("poison-reverse") == [16, None]


def test_the_cheap_link_fails() -> None:
    triangle = wb.Network.from_dict(line_of_routers(3, ring=True, costs={(1, 3): 5}, **SHORT), personality="linux")
    triangle.run(20)

    def route() -> wb.Route:
        return next(r for r in triangle.host("R1").table if str(r.network) == "192.168.3.0/24")

    assert route().metric == 3 and str(route().gateway) == "10.0.12.2"
    triangle.host("R1").unplug("to2")
    triangle.run(20)
    assert route().metric == 6 and str(route().gateway) == "10.0.13.3"


def test_rip_versions_on_the_wire() -> None:
    seen = {}
    for version in (1, 2):
        net = wb.Network.from_dict(line_of_routers(2, version=version, **SHORT), personality="linux")
        net.run(6)
        frame = next(f for f in net.frames if f.rip is not None and f.rip.command == 2)
        seen[version] = (str(frame.ip.dst), frame.udp.dst_port, frame.rip.entries[0].mask)
    assert seen[1][0].endswith(".255") and seen[1][2] is None and seen[1][1] == 520
    assert seen[2][0] == "224.0.0.9" and seen[2][2] is not None


def test_the_relayed_discover() -> None:
    net = wb.Network.from_scenario("dhcp-relay")
    to_server = next(f for f in dhcp_frames(net) if f.segment == "core")
    assert str(to_server.bootp.giaddr) == "10.0.1.1" and to_server.bootp.hops == 1
    assert str(net.host("pc").interfaces[0].addresses[0]) == "10.0.1.100/24"


def test_the_redirect_before_and_after() -> None:
    net = wb.Network.from_scenario("redirect-lan")
    first, second = net.send("pc", "10.9.0.5"), net.send("pc", "10.9.0.5")
    assert [h.node for h in first.hops] == ["pc", "r1", "r2", "far-host"]
    assert [h.node for h in second.hops] == ["pc", "r2", "far-host"]
    assert [str(r) for r in net.host("pc").table if r.origin == "redirect"] == \
        ["10.9.0.5/32 via 10.0.0.254 dev 10.0.0.2 metric 1"]


def test_the_ledger_rows_chapter_6_checks_name_tests_that_exist() -> None:
    """The appendix's rows on RIP, MPR, the relay and forwarding name the tests here that assert them."""
    import re

    from workbook.errata import load_claims

    claims = load_claims()
    ids = ("nt-routers-rip-ospf", "nt-nt-routes-rip", "nt-bootp-relay", "nt-not-a-router-by-default", "nt-35-no-rip")
    for claim_id in ids:
        named = re.findall(r"test_chapter6_facts\.py::(\w+)", claims[claim_id].why)
        assert named and all(name in globals() for name in named), (claim_id, named)
