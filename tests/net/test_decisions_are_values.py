"""Decisions are values: a lookup's rule, candidates and explanation never change after the table does.

Whatever happens to the table afterwards (a route added, removed or changed, a flush, a redirect
learned by the simulator, a link losing its carrier, an address deleted), an old LookupDecision and an
old RouteGet explain exactly what they explained when they were made.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.net.hosts import build, host_configs, route_specs
from tests.net.strategies import destinations_for, routes, tables
from workbook import Host, Route, RouteTable, WorkbookError
from workbook.sim import Network


def snapshot(decision) -> tuple:
    return (decision.explain(), decision.rule, decision.candidates, decision.as_dict(), repr(decision))


def _edit(table: RouteTable, how: int, route: Route) -> None:
    """One of several kinds of edit, chosen by ``how``."""
    if how == 0:
        if route[:4] not in {r[:4] for r in table}:
            table.add(route, check_gateway=False)
    elif how == 1 and len(table):
        table.remove(table[len(table) // 2])
    elif how == 2:
        table.add(route, check_gateway=False, check_duplicate=False, prepend=True)
    elif how == 3:
        table.flush()
    elif how == 4:
        table.pass_over({route.interface: "no carrier"})
    else:
        table.clear()


@settings(max_examples=150)
@given(st.data())
def test_old_decisions_keep_their_explanations_after_any_edit(data):
    table = data.draw(tables())
    destination = data.draw(destinations_for(table))
    strategy = data.draw(st.sampled_from(["longest-prefix", "classic"]))
    decision = table.lookup(destination, strategy)
    before = snapshot(decision)
    for how, route in data.draw(st.lists(st.tuples(st.integers(0, 5), routes()), min_size=1, max_size=5)):
        _edit(table, how, route)
        assert snapshot(decision) == before


def test_a_redirect_learned_later_leaves_the_first_hops_decision_alone():
    net = Network.from_scenario("seed-lan")
    host = net.host("nt-host")
    decision = host.table.lookup("172.17.1.1")
    before = snapshot(decision)
    host.route("add 172.17.1.1 MASK 255.255.255.255 172.16.112.9")
    host.route("change 0.0.0.0 MASK 0.0.0.0 172.16.112.2 METRIC 3")
    assert snapshot(decision) == before
    assert host.table.lookup("172.17.1.1").route.prefixlen == 32 != decision.route.prefixlen


@pytest.mark.parametrize("personality", ["nt4", "windows", "linux"])
@settings(max_examples=40)
@given(data=st.data())
def test_old_route_gets_stay_true_after_routes_and_addresses_change(personality, data):
    config = data.draw(host_configs(personality))
    host = build(config, data.draw(route_specs(config)))
    destination = data.draw(st.integers(1, 0xFFFFFFFE))
    got = host.route_get(destination)
    before = (got.explain(), got.as_dict(), repr(got))
    for spec in data.draw(route_specs(config)):
        try:
            host.add_route(spec)
        except WorkbookError:
            pass
    if personality == "linux" and host.addresses:
        host.delete_address(str(host.addresses[0]))
    assert (got.explain(), got.as_dict(), repr(got)) == before


def test_views_are_shared_until_an_edit():
    table = RouteTable([Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0")])
    first, second = table.lookup("10.0.0.9"), table.lookup("8.8.8.8")
    assert first.view is second.view is table.view()
    table.add(Route("10.0.0.0/8", interface="eth0"))
    assert table.lookup("10.0.0.9").view is not first.view and len(first.view) == 1


def test_a_linux_decision_keeps_the_local_table_it_saw():
    host = Host.from_dict({"name": "h", "personality": "linux",
                           "interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24", "10.0.0.6/24"]}]})
    decision = host.table.lookup("10.0.0.6")
    before = snapshot(decision)
    assert decision.route.route_type.value == "local" and decision.rule in ("longest prefix", "local table first")
    host.delete_address("10.0.0.6")
    assert snapshot(decision) == before
    assert host.table.lookup("10.0.0.6").route.route_type.value == "unicast"
