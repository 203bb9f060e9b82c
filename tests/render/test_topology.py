"""Topology diagrams: every node and segment once, one labelled line per NIC."""

from __future__ import annotations

import pytest

from tests.render.conftest import node_labels, svg_text
from tests.sim.topologies import chain
from workbook.render import topology_dot, topology_svg
from workbook.sim import Network


@pytest.mark.parametrize("scenario", ["seed_lan", "kb_firewall", "dad_lan"])
def test_each_node_and_segment_once_and_every_nic_labelled(scenario):
    net = Network.from_scenario(scenario)
    source = topology_dot(net)
    labels = node_labels(source)
    # A stopped host says so on a second line.
    assert sorted(text.split("\\n")[0] for text in labels.values()) == sorted([*net.nodes, *net.segments])
    svg = svg_text(topology_svg(net))
    for node in net.nodes.values():
        for nic in node.interfaces:
            if nic.segment is None:
                continue
            assert str(nic.mac) in svg
            for address in nic.addresses:
                assert str(address) in svg


def test_a_twenty_node_chain_renders():
    net = Network.from_dict(chain(18))
    source = topology_dot(net)
    assert "rankdir=TB" in source
    labels = node_labels(source)
    assert len(labels) == 20 + 19
    assert "</svg>" in topology_svg(net)


def test_network_shows_itself_as_svg_in_jupyter(seed_lan):
    assert "nt-host" in svg_text(seed_lan._repr_mimebundle_()["image/svg+xml"])
