"""One lookup path per host: the table's own lookup and `route_get` never disagree on where a datagram goes.

For every personality the host's table looks routes up by longest prefix (Microsoft documented it for
NT; the kernel does it), and `route_get` sends by exactly that decision: the same route, the same
interface and gateway. The NT text's host → subnet → network → default order is only a lens.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.net.hosts import build, host_configs, route_specs
from workbook import DestinationKind, Host
from workbook.net.decision import Strategy
from workbook.net.personalities import PERSONALITIES

PERSONALITY_NAMES = sorted(PERSONALITIES)


@st.composite
def hosts_and_destinations(draw: st.DrawFn, personality: str) -> tuple[Host, list[int]]:
    config = draw(host_configs(personality))
    host = build(config, draw(route_specs(config)))
    edges = [a for table in (host.table, host.local_table) for r in table
             for a in (r.first_address, r.last_address, r.last_address + 1) if 0 < a < 0xFFFFFFFF]
    picks = st.sampled_from(edges) if edges else st.integers(1, 0xFFFFFFFE)
    return host, draw(st.lists(picks | st.integers(1, 0xFFFFFFFE), min_size=1, max_size=12))


@pytest.mark.parametrize("personality", PERSONALITY_NAMES)
def test_every_stack_looks_up_by_longest_prefix(personality):
    host = Host.from_scenario("seed-host", personality=personality)
    assert host.personality.strategy is Strategy.LONGEST_PREFIX and host.table.strategy is Strategy.LONGEST_PREFIX


@pytest.mark.parametrize("personality", PERSONALITY_NAMES)
@settings(max_examples=60)
@given(data=st.data())
def test_route_get_follows_the_tables_own_lookup(personality, data):
    host, destinations = data.draw(hosts_and_destinations(personality))
    for destination in destinations:
        decision = host.table.lookup(destination)
        got = host.route_get(destination)
        if got.lookup is None:
            # Refused before any lookup: a reserved destination (NT, Windows) or 0.0.0.0 (Linux: this host).
            assert destination >> 24 == 0 or destination >> 28 == 0xF
            continue
        assert got.lookup.route == decision.route, (destination, got, decision)
        if not decision.reachable:
            assert not got.reachable
            continue
        if got.kind is DestinationKind.UNICAST:
            assert host.interface_for_label(decision.interface).name == got.interface
            assert got.gateway == decision.gateway, (destination, got, decision.explain())


@pytest.mark.parametrize("personality", PERSONALITY_NAMES)
def test_the_seed_hosts_multicast_goes_by_its_multicast_route(personality):
    """NT's 224.0.0.0 mask 224.0.0.0 row is shorter than any class: only longest prefix reaches it."""
    host = Host.from_scenario("seed-host", personality=personality)
    decision, got = host.table.lookup("224.0.0.1"), host.route_get("224.0.0.1")
    assert got.kind is DestinationKind.MULTICAST and got.route == decision.route
    assert decision.route.network.first >> 28 == 0xE or decision.route.prefixlen < 4
    classic = host.table.lookup("224.0.0.1", strategy="classic")
    if getattr(host.personality, "multicast_route", "") == "224.0.0.0 mask 224.0.0.0":  # NT's own row
        assert classic.route.prefixlen == 0 and "mnemonic" in classic.explain()
