"""A network saved with to_dict loads back the same: configuration, edited tables, memberships, behaviour."""

from __future__ import annotations

import json
import random

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import WorkbookError
from workbook.sim import Network

from .helpers import host, lan
from .topologies import random_routers

NETWORKS = ["seed-lan", "kb-firewall", "dad-lan", "multicast-lan"]


def summary(trace) -> list[tuple]:
    return [(f.segment, str(f.eth_src), str(f.eth_dst), f.summary()) for f in trace.frames]


@pytest.mark.parametrize("name", NETWORKS)
def test_shipped_networks_survive_a_json_and_a_yaml_round_trip(name, tmp_path):
    net = Network.from_scenario(name)
    data = net.to_dict()
    (tmp_path / "n.json").write_text(json.dumps(data))
    (tmp_path / "n.yaml").write_text(yaml.safe_dump(data))
    for file in ("n.json", "n.yaml"):
        again = Network.from_file(tmp_path / file)
        assert again.to_dict() == data
        assert {n: list(node.table) for n, node in again.nodes.items()} == {
            n: list(node.table) for n, node in net.nodes.items()}


def test_edited_tables_unplugged_nics_and_groups_come_back():
    net = lan(host("a", "10.0.0.2/24"), host("m", "10.0.0.3/24"), host("u", "10.0.0.4/24"), personality="windows")
    net.host("a").route("add 10.9.0.0 MASK 255.255.0.0 10.0.0.3")
    net.host("a").route("delete 255.255.255.255")
    net.host("m").join("239.1.2.3")
    net.host("u").unplug()
    again = Network.from_dict(net.to_dict())
    assert list(again.host("a").table) == list(net.host("a").table)
    assert again.host("m").groups == net.host("m").groups and again.host("u").unplugged == {"eth0"}
    assert again.send("a", "239.1.2.3").receivers == net.send("a", "239.1.2.3").receivers == ["m"]


def test_a_stopped_host_stays_stopped():
    net = Network.from_scenario("dad-lan")
    data = net.to_dict()
    newcomer = next(h for h in data["hosts"] if h["name"] == "newcomer")
    assert newcomer["running"] is False and not Network.from_dict(data).host("newcomer").running


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_a_reloaded_random_network_sends_exactly_the_same_frames(seed):
    data = random_routers(random.Random(seed))
    first = Network.from_dict(data, seed=seed)
    second = Network.from_dict(first.to_dict(), seed=seed)
    target = next((n for n in ("t", "r0") if n in first.nodes), None)
    destination = str(first.host(target).addresses[0]) if target else "10.99.0.1"
    assert summary(first.send("h", destination)) == summary(second.send("h", destination))


def test_a_corrupt_saved_table_is_refused_naming_the_entry():
    data = Network.from_scenario("seed-lan").to_dict()
    data["hosts"][0]["table"][2]["destination"] = "10.1.2"
    with pytest.raises(WorkbookError, match=r"table\[2\] of host 'nt-host'.*'10\.1\.2'"):
        Network.from_dict(data)
