"""RoutingPlayground driven as a learner would: pick, toggle, fail, run, and read what the engine says."""

from __future__ import annotations

import html

import pytest

pytest.importorskip("workbook.sim.rip", reason="RIP (issue 14) is not in this branch yet")

from workbook.render.rip import rip_changes
from workbook.sim import Network
from workbook.widgets.routing import RoutingPlayground, topology


def _run(playground: RoutingPlayground, seconds: float) -> None:
    playground.seconds.value = seconds
    playground.run_button.click()


def test_line_converges_and_every_view_shows_it() -> None:
    playground = RoutingPlayground(topology="line")
    _run(playground, 30)
    for router, far, metric in (("R1", "192.168.4.0/24", 4), ("R4", "192.168.1.0/24", 4), ("R2", "192.168.3.0/24", 2)):
        assert playground.metric(router, far) == metric
        route = next(r for r in playground.network.host(router).table if str(r.network) == far)
        assert route.origin == "rip" and route.metric == metric
    assert "<svg" in playground.timeline.value
    assert "192.168.4.0/24" in html.unescape(playground.tables.value)
    assert "a new route" in playground.tables.value  # the why column
    assert playground.playback.steps, "the RIP frames of the run are played"
    assert all(step.title for step in playground.playback.steps)
    playground.router.value = "R2"
    assert "R2" in html.unescape(playground.table_history.value)


def test_failing_and_repairing_a_link_on_a_ring_reroutes() -> None:
    playground = RoutingPlayground(topology="ring")
    assert playground.router.value == "R1" and playground.link.value == "R1.to2"  # menus never start empty
    _run(playground, 30)
    assert playground.metric("R1", "192.168.2.0/24") == 2
    playground.link.value = "R1.to2"
    playground.fail_button.click()
    assert playground.error.value == ""
    _run(playground, 30)
    assert playground.metric("R1", "192.168.2.0/24") == 4  # the long way round: R4, R3, R2
    assert "links down: R1.to2" in playground.clock.value
    assert "whose cable is out" in playground.tables.value
    playground.repair_button.click()
    _run(playground, 30)
    assert playground.metric("R1", "192.168.2.0/24") == 2


def test_a_setting_replays_the_same_story_with_the_new_rule() -> None:
    playground = RoutingPlayground(topology="line")
    playground.timers.value = next(iter(playground.timers.options))
    _run(playground, 20)
    playground.link.value = "R3.to4"
    playground.fail_button.click()
    _run(playground, 40)
    now = playground.network.now
    actions = list(playground.actions)
    poison = {c.prefix for c in rip_changes(playground.network) if c.router == "R1" and c.new_metric == 16}
    playground.split_horizon.value = "off"
    assert playground.setting_error.value == ""
    assert playground.network.now == pytest.approx(now) and playground.actions == actions
    assert all(entry["rip"]["split_horizon"] == "off" for entry in playground.base["routers"])
    assert "192.168.4.0/24" in poison
    assert playground.network.host("R4").unplugged == set() and "to4" in playground.network.host("R3").unplugged


def test_one_router_only_and_the_version() -> None:
    playground = RoutingPlayground(topology="triangle")
    playground.all_routers.value = False
    playground.router.value = "R2"
    playground.version.value = 1
    versions = {entry["name"]: entry["rip"]["version"] for entry in playground.base["routers"]}
    assert versions == {"R1": 2, "R2": 1, "R3": 2}
    _run(playground, 5)
    sent = {f.sender: f.rip.version for f in playground.network.frames if f.rip is not None and f.rip.command == 2}
    assert sent["R2"] == 1 and sent["R1"] == 2


def test_a_refused_setting_shows_beside_the_field_and_keeps_the_last_good_network() -> None:
    playground = RoutingPlayground(topology="line")
    _run(playground, 10)
    network = playground.network
    playground.personality.value = "nt4"  # NT 4.0's RIP for IP speaks version 1 only
    assert "version 2" in html.unescape(playground.setting_error.value)
    assert playground.personality.value == "linux" and playground.network is network
    playground.personality.value = "nt35"  # no RIP at all
    assert "NT 3.5" in html.unescape(playground.setting_error.value) or "nt35" in playground.setting_error.value
    assert playground.network is network
    playground.version.value = 1
    playground.personality.value = "nt4"
    assert playground.setting_error.value == ""
    assert playground.network.now >= 10  # NT's start-up (its gratuitous ARP) settles first, then the replay


def test_bad_link_and_loaded_scenario(tmp_path) -> None:
    playground = RoutingPlayground(topology="line")
    playground.act(("unplug", "R2"))
    assert "names no interface" in html.unescape(playground.error.value)
    path = tmp_path / "mine.yaml"
    path.write_text("segments: [{name: lan}]\nrouters: [{name: X, interfaces: [{name: e0, segment: nowhere}]}]\n")
    playground.load(path)
    assert playground.error.value != "" and playground.network.host("R1") is not None
    good = tmp_path / "good.yaml"
    import yaml

    good.write_text(yaml.safe_dump({**topology("triangle"), "personality": "linux"}))
    playground.load(good)
    assert playground.topology.value == "loaded scenario" and set(playground.router.options) == {"R1", "R2", "R3"}
    _run(playground, 10)
    assert playground.metric("R1", "192.168.3.0/24") == 2


def test_a_network_handed_in_and_start_over() -> None:
    net = Network.from_dict(topology("triangle"), personality="linux")
    playground = RoutingPlayground(net)
    _run(playground, 10)
    assert playground.network is net
    playground.start_over()
    assert playground.network.now < 1 and playground.actions == []
    assert "t = 0" in playground.text_view()
