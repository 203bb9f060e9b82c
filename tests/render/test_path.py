"""Path diagrams drawn from real traces: delivered, and dropped for each kind of reason."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.render.conftest import node_labels, routing_loop, svg_text
from tests.sim.topologies import chain
from workbook.render import path_dot, path_graph, path_svg
from workbook.render.dot import DROP_COLOR, REPLY_COLOR
from workbook.render.labels import mac_line
from workbook.sim import Network, PathTrace


def _all_traces(trace: PathTrace) -> list[PathTrace]:
    return [trace, *(t for reply in trace.replies for t in _all_traces(reply))]


def _hop_frames(trace: PathTrace) -> list:
    return [hop.frame for t in _all_traces(trace) for hop in t.hops if hop.frame is not None]


def _cases() -> dict[str, PathTrace]:
    seed = Network.from_scenario("seed_lan")
    return {
        "delivered": seed.send("nt-host", "172.17.1.1"),
        "ping": seed.ping("nt-host", "172.17.1.1"),
        "no route": seed.send("nt-host", "172.18.0.1"),
        "arp got no answer": seed.send("nt-host", "172.16.112.77"),
        "ttl expired": Network.from_dict(routing_loop()).send("a", "192.0.2.1", ttl=5),
        "anti-spoofing filter": Network.from_scenario("kb_firewall").send("multihomed", "172.30.0.9",
                                                                          source="10.1.1.10"),
    }


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_svg_shows_every_hop_frame_macs_and_the_outcome(name):
    trace = CASES[name]
    svg = svg_text(path_svg(trace))
    # A datagram that never left (ARP got no answer) still shows the broadcasts that asked for its next hop.
    unanswered = [hop.arp.requests[0] for hop in trace.hops if hop.dropped and hop.arp and hop.arp.requests]
    frames = _hop_frames(trace) + unanswered
    assert frames
    for frame in frames:
        assert mac_line(frame) in svg, mac_line(frame)
    if trace.delivered:
        assert trace.drop_reason is None and "delivered" in svg
    else:
        assert trace.drop_reason.value == name
        assert f"✗ {name}" in svg


@pytest.mark.parametrize("name", list(CASES))
def test_dot_text_is_valid_and_draws_each_node_once(name):
    trace = CASES[name]
    labels = node_labels(path_dot(trace))
    names = {hop.node for t in _all_traces(trace) for hop in t.hops} | {trace.sender}
    hosts = Counter(label for node, label in labels.items() if node.startswith("n"))
    assert hosts == Counter(names)
    segments = Counter(label for node, label in labels.items() if node.startswith("s"))
    assert set(segments.values()) == {1}
    assert set(segments) >= {frame.segment for frame in _hop_frames(trace)}


def test_failing_hop_is_red_dashed_with_its_reason():
    trace = CASES["ttl expired"]
    source = path_dot(trace)
    drop_edges = [line for line in source.splitlines() if "-> x1" in line]
    assert len(drop_edges) == 1
    assert "style=dashed" in drop_edges[0] and DROP_COLOR in drop_edges[0]
    assert trace.drop.detail.split()[0] in drop_edges[0]
    # The loop visits r1 three times and r2 twice, yet each is one node.
    assert trace.routers == ["r1", "r2", "r1", "r2", "r1"]


def test_arp_failure_shows_the_unanswered_broadcasts():
    trace = CASES["arp got no answer"]
    source = path_dot(trace)
    requests = trace.drop.arp.requests
    assert f"{len(requests)} × ARP who-has 172.16.112.77 tell 172.16.112.123" in source
    assert mac_line(requests[0]) in source


def test_icmp_reply_is_drawn_back_to_the_sender_in_its_own_style():
    trace = CASES["no route"]
    (reply,) = trace.replies
    source = path_dot(trace)
    reply_edges = [line for line in source.splitlines() if REPLY_COLOR in line and "->" in line]
    assert len(reply_edges) == sum(1 for hop in reply.hops if hop.frame) + sum(1 for hop in reply.hops
                                                                              if hop.in_interface)
    assert all("constraint=false" in line for line in reply_edges)
    assert any("Destination unreachable" in line for line in reply_edges)


def test_graph_is_a_graphviz_digraph():
    import graphviz

    assert isinstance(path_graph(CASES["delivered"]), graphviz.Digraph)


def test_twenty_node_chain_renders_top_to_bottom_and_stays_complete():
    net = Network.from_dict(chain(18))
    trace = net.send("a", str(net.host("b").addresses[0]))
    assert trace.delivered and len(net.nodes) == 20
    source = path_dot(trace)
    assert "rankdir=TB" in source
    labels = node_labels(source)
    assert sum(1 for node in labels if node.startswith("n")) == 20
    svg = svg_text(path_svg(trace))
    for frame in _hop_frames(trace):
        assert mac_line(frame) in svg
    assert "rankdir=LR" in path_dot(trace, rankdir="LR")


def test_trace_shows_itself_as_svg_in_jupyter():
    views = CASES["delivered"]._repr_mimebundle_()
    assert "</svg>" in views["image/svg+xml"] and "Delivered to" in views["text/plain"]
