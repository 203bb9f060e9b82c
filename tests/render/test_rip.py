"""RIP diagrams drawn from real simulations: every learned route has its row, tables agree with the routers."""

from __future__ import annotations

import collections

import pytest

from tests.render.conftest import dot_plain, node_labels
from workbook.errors import ScenarioError
from workbook.render.rip import (
    convergence_dot,
    convergence_text,
    convergence_updates,
    metric_history,
    metric_history_dot,
    rip_topology_dot,
    rip_topology_text,
    table_history,
    table_history_dot,
)
from workbook.sim import Network
from workbook.sim.topologies import line_of_routers

pytest.importorskip("workbook.sim.rip", reason="RIP (issue 14) is not in this branch yet")


def _hops(data: dict, start: str) -> dict[str, int]:
    """An independent reference: the RIP metric of each router's LAN seen from ``start`` = 1 + links crossed."""
    links = collections.defaultdict(set)
    for router in data["routers"]:
        for nic in router["interfaces"]:
            if nic["segment"].startswith("l") and not nic["segment"].startswith("lan"):
                links[nic["segment"]].add(router["name"])
    neighbours = collections.defaultdict(set)
    for ends in links.values():
        for a in ends:
            neighbours[a] |= ends - {a}
    distance, frontier = {start: 0}, [start]
    while frontier:
        nxt = []
        for name in frontier:
            for other in neighbours[name]:
                if other not in distance:
                    distance[other] = distance[name] + 1
                    nxt.append(other)
        frontier = nxt
    return {f"192.168.{name[1:]}.0/24": hops + 1 for name, hops in distance.items()}


def _converged(count: int, ring: bool, split_horizon: str = "poison-reverse") -> tuple[dict, Network]:
    data = line_of_routers(count, ring=ring, split_horizon=split_horizon, update=5, timeout=30, garbage=20)
    net = Network.from_dict(data, personality="linux")
    net.run(40)
    return data, net


@pytest.mark.parametrize(("count", "ring"), [(2, False), (3, False), (4, True), (5, False)])
def test_last_moment_of_every_table_is_the_converged_table(count, ring):
    data, net = _converged(count, ring)
    for router in net.nodes:
        history = table_history(net, router)
        last = history[-1].routes
        lans = {p: m for p, (m, _, _) in last.items() if p.startswith("192.168.")}
        assert lans == _hops(data, router)
        learned = {str(route.network): route for route in net.host(router).table if route.origin == "rip"}
        for prefix, (metric, gateway, _interface) in last.items():
            if gateway is not None:
                assert learned[prefix].metric == metric
                assert str(learned[prefix].gateway) == gateway


def test_timeline_names_the_update_that_taught_each_route():
    _, net = _converged(3, ring=False)
    owners = {str(a.ip): node.name for node in net.nodes.values() for nic in node.interfaces for a in nic.addresses}
    updates = convergence_updates(net)
    assert [u.time for u in updates] == sorted(u.time for u in updates)
    learned = 0
    for update in updates:
        for change in update.changes:
            if change.neighbour is not None:
                learned += 1
                assert not update.local
                assert owners[change.neighbour] == update.sender
                assert update.advertised, "the update's own entries are shown"
                # what was learned was on the wire in that update, on a link to the learner
                assert any(entry.startswith(change.prefix.split("/")[0]) for entries in update.advertised.values()
                           for entry in entries)
    assert learned >= 6
    text = convergence_text(net)
    assert "R1 learns 192.168.3.0/24 metric 3 via 10.0.12.2" in text
    assert "R3 learns 192.168.1.0/24 metric 3 via 10.0.23.2" in text


def test_timeline_lays_out_with_dot_in_rows():
    _, net = _converged(3, ring=True)
    source = convergence_dot(net)
    dot_plain(source)  # no error, no warning
    labels = node_labels(source)
    assert {"R1", "R2", "R3"} <= set(labels.values())
    rows = [fields for fields in dot_plain(source) if fields[0] == "node" and fields[1].startswith("t")]
    heights = [float(fields[3]) for fields in sorted(rows, key=lambda f: int(f[1][1:]))]
    assert heights == sorted(heights, reverse=True)


def test_counting_to_infinity_and_its_cure():
    def fail(split_horizon: str) -> list:
        data = line_of_routers(3, split_horizon=split_horizon, update=5, timeout=30, garbage=20,
                               triggered_min_interval=1000)
        net = Network.from_dict(data, personality="linux")
        net.run(20)
        start = net.now
        net.host("R2").unplug("to3")
        net.run(120)
        dot_plain(metric_history_dot(net, "192.168.3.0/24", since=start))
        return metric_history(net, "192.168.3.0/24", since=start)

    counting = [state["R2"] for _, state, changed in fail("off") if "R2" in changed]
    assert counting[0] == 16 and counting[1:4] == [4, 6, 8] and 16 in counting[4:]
    cured = [state["R2"] for _, state, changed in fail("poison-reverse") if "R2" in changed]
    assert cured[0] == 16 and all(m in (16, None) for m in cured)


def test_table_history_and_topology_show_a_failed_link():
    data = line_of_routers(3, update=5, timeout=30, garbage=20, costs={(2, 3): 4})
    net = Network.from_dict(data, personality="linux")
    net.run(20)
    net.host("R2").unplug("to3")
    net.run(1)
    labels = " ".join(node_labels(rip_topology_dot(net)).values())
    assert "RIPv2, poison reverse" in labels
    assert "cost 4" in rip_topology_dot(net) and "DOWN (unplugged)" in rip_topology_dot(net)
    assert "to3 10.0.23.2/24 on l23 cost 4 DOWN" in rip_topology_text(net)
    source = table_history_dot(net, "R2")
    dot_plain(source)
    assert "16 (unreachable)" in source


def test_line_of_routers_refuses_a_size_it_cannot_build():
    with pytest.raises(ScenarioError, match="give 2 to 9"):
        line_of_routers(12)
