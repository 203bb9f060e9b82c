"""Route tables: the seed's worked examples, both strategies against brute force, errors."""

import ipaddress

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.net.strategies import addresses, destinations_for, routes, tables
from workbook import Host, Route, RouteKind, RouteTable, WorkbookError
from workbook.errors import (
    AddressError,
    DuplicateRouteError,
    GatewayError,
    InterfaceError,
    MetricError,
    RouteNotFoundError,
)
from workbook.net.addresses import format_address


def reference_longest_prefix(table, address):
    """Brute force with ipaddress: longest prefix, then lowest metric, then first installed."""
    destination = ipaddress.IPv4Address(address)
    best, best_key = None, None
    for route in table:
        network = ipaddress.IPv4Network(f"{route.destination}/{route.prefixlen}")
        if destination in network:
            key = (network.prefixlen, -route.metric)
            if best is None or key > best_key:
                best, best_key = route, key
    return best


def reference_classic(table, address):
    """The NT text's order, written independently: host, subnet, network, default; no supernets."""
    destination = ipaddress.IPv4Address(address)
    best, best_key = None, None
    for route in table:
        network = ipaddress.IPv4Network(f"{route.destination}/{route.prefixlen}")
        if destination not in network:
            continue
        first = int(route.destination) >> 24
        boundary = 8 if first < 128 else 16 if first < 192 else 24 if first < 224 else 4
        if network.prefixlen == 32:
            step = 1
        elif network.prefixlen == 0:
            step = 4
        elif network.prefixlen > boundary:
            step = 2
        elif network.prefixlen == boundary:
            step = 3
        else:
            continue  # a supernet: the classic order has no step for it
        key = (step, -network.prefixlen, route.metric)
        if best is None or key < best_key:
            best, best_key = route, key
    return best


@pytest.fixture
def seed_table():
    return Host.from_scenario("seed-host").table


# The seed's worked examples ---------------------------------------------------

def test_seed_table_has_the_seven_entries_of_the_text(seed_table):
    rows = [(str(r.destination), str(r.netmask), str(r.gateway), r.interface, r.metric) for r in seed_table]
    assert rows == [
        ("0.0.0.0", "0.0.0.0", "172.16.112.1", "172.16.112.123", 1),
        ("127.0.0.0", "255.0.0.0", "127.0.0.1", "127.0.0.1", 1),
        ("172.16.112.0", "255.255.255.0", "172.16.112.123", "172.16.112.123", 1),
        ("172.16.112.123", "255.255.255.255", "127.0.0.1", "127.0.0.1", 1),
        ("172.16.112.255", "255.255.255.255", "172.16.112.123", "172.16.112.123", 1),
        ("224.0.0.0", "224.0.0.0", "172.16.112.123", "172.16.112.123", 1),
        ("255.255.255.255", "255.255.255.255", "172.16.112.123", "172.16.112.123", 1),
    ]


@pytest.mark.parametrize("strategy", ["classic", "longest-prefix"])
def test_seed_lookup_of_a_neighbour_goes_straight_out_of_the_interface(seed_table, strategy):
    decision = seed_table.lookup("172.16.112.122", strategy)
    assert str(decision.route.network) == "172.16.112.0/24"
    assert decision.gateway is None and str(decision.next_hop) == "172.16.112.122"
    assert decision.interface == "172.16.112.123"


def test_seed_calls_the_neighbours_route_a_network_route_but_it_is_a_subnet_route(seed_table):
    """The text says the lookup of 172.16.112.122 finds a *network* route: 172.16.112.0/24 is a subnet of class B."""
    decision = seed_table.lookup("172.16.112.122", "classic")
    assert decision.route.kind is RouteKind.SUBNET
    assert decision.rule == "classic step 2 (subnet route)"


@pytest.mark.parametrize("strategy", ["classic", "longest-prefix"])
def test_seed_lookup_of_a_remote_host_goes_to_the_default_gateway(seed_table, strategy):
    decision = seed_table.lookup("172.17.1.1", strategy)
    assert decision.route.kind is RouteKind.DEFAULT
    assert str(decision.next_hop) == "172.16.112.1" and decision.interface == "172.16.112.123"
    explained = decision.explain()
    assert "172.17.1.1 AND 255.255.255.0 = 172.17.1.0, not 172.16.112.0" in explained
    assert "to gateway 172.16.112.1" in explained


@pytest.mark.parametrize(
    ("destination", "network", "interface"),
    [
        ("127.0.0.1", "127.0.0.0/8", "127.0.0.1"),
        ("172.16.112.123", "172.16.112.123/32", "127.0.0.1"),
        ("172.16.112.255", "172.16.112.255/32", "172.16.112.123"),
        ("255.255.255.255", "255.255.255.255/32", "172.16.112.123"),
    ],
)
def test_seed_loopback_and_broadcast_destinations(seed_table, destination, network, interface):
    for strategy in ("classic", "longest-prefix"):
        decision = seed_table.lookup(destination, strategy)
        assert str(decision.route.network) == network and decision.interface == interface
        assert decision.gateway is None


def test_seed_multicast_route_is_a_supernet_the_classic_order_never_reaches(seed_table):
    """Mask 224.0.0.0 is a /3, wider than class D (/4): longest prefix uses it, the classic order skips it."""
    longest = seed_table.lookup("224.0.0.5", "longest-prefix")
    classic = seed_table.lookup("224.0.0.5", "classic")
    assert str(longest.route.network) == "224.0.0.0/3" and longest.route.kind is RouteKind.SUPERNET
    assert classic.route.kind is RouteKind.DEFAULT
    skipped = next(c for c in classic.candidates if c.route == longest.route)
    assert skipped.matched and not skipped.won and "supernet" in skipped.reason
    # The /3 also swallows class E and the limited broadcast address.
    assert longest.route.matches("240.0.0.1") and longest.route.matches("255.255.255.254")


def test_every_candidate_is_listed_with_exactly_one_winner(seed_table):
    decision = seed_table.lookup("172.17.1.1")
    assert [c.route for c in decision.candidates] == list(seed_table)
    assert sum(c.won for c in decision.candidates) == 1
    assert [c.matched for c in decision.candidates] == [r.matches("172.17.1.1") for r in seed_table]
    assert decision.as_dict()["next_hop"] == "172.16.112.1"


# Properties ----------------------------------------------------------------------

@given(st.data())
def test_longest_prefix_equals_brute_force_over_ipaddress(data):
    table = data.draw(tables())
    for _ in range(5):
        address = data.draw(destinations_for(table))
        assert table.lookup(address, "longest-prefix").route == reference_longest_prefix(table, address)


@given(st.data())
def test_classic_equals_an_independent_classic_search(data):
    table = data.draw(tables())
    for _ in range(5):
        address = data.draw(destinations_for(table))
        assert table.lookup(address, "classic").route == reference_classic(table, address)


@given(st.data())
def test_lookup_many_equals_one_lookup_at_a_time(data):
    table = data.draw(tables(min_size=1))
    batch = data.draw(st.lists(destinations_for(table), max_size=30))
    expected = [table.lookup(a).route for a in batch]
    assert table.lookup_many([format_address(a) for a in batch]) == expected
    assert table.lookup_many(batch) == expected
    assert table.lookup_many(numpy.array(batch, dtype=numpy.int64)) == expected


@pytest.mark.parametrize("batch", [["10.0.0.1", "10.1.2"], [5, -1], numpy.array([1, 2**32])])
def test_lookup_many_refuses_what_is_not_an_address(batch):
    table = RouteTable([Route("10.0.0.0/8", gateway="10.0.0.1")])
    with pytest.raises(AddressError):
        table.lookup_many(batch)


@given(st.data())
def test_classic_agrees_with_longest_prefix_while_no_route_is_a_supernet(data):
    """facts.md: the mnemonic holds until a route is shorter than its classful network."""
    table = data.draw(tables())
    for route in [r for r in table if r.kind is RouteKind.SUPERNET]:
        table.remove(route)
    for _ in range(5):
        address = data.draw(destinations_for(table))
        assert table.lookup(address, "classic").route == table.lookup(address, "longest-prefix").route


@settings(max_examples=60)
@given(st.data())
def test_disagreements_are_exactly_where_the_strategies_differ(data):
    table = data.draw(tables(max_size=10))
    found = table.disagreements()
    for _ in range(10):
        address = data.draw(destinations_for(table))
        classic = table.lookup(address, "classic").route
        longest = table.lookup(address, "longest-prefix").route
        inside = [d for d in found if any(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(str(n))
                                          for n in d.destinations)]
        assert bool(inside) == (classic != longest)
        if inside:
            assert (inside[0].classic, inside[0].longest_prefix) == (classic, longest)


def test_a_supernet_makes_the_strategies_part_ways():
    table = RouteTable([
        Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0"),
        Route("10.0.0.0/8", interface="eth0"),
        Route("192.168.0.0/16", gateway="10.0.0.2", interface="eth0"),  # 256 class C networks in one route
    ])
    [disagreement] = table.disagreements()
    assert [str(n) for n in disagreement.destinations] == ["192.168.0.0/16"]
    assert disagreement.classic.kind is RouteKind.DEFAULT
    assert str(disagreement.longest_prefix.gateway) == "10.0.0.2"


@given(tables(), routes())
def test_remove_restores_the_lookups_of_the_table_without_the_route(table, extra):
    if extra[:4] in {r[:4] for r in table}:
        return
    before = [table.lookup(r.first_address).route for r in table]
    table.add(extra, check_gateway=False)
    table.remove(extra)
    assert [table.lookup(r.first_address).route for r in table] == before
    assert extra not in table


@given(addresses)
def test_an_empty_table_reaches_nothing(address):
    decision = RouteTable().lookup(address)
    assert not decision.reachable and decision.next_hop is None and decision.rule == "no route"


# Ties and explanations -----------------------------------------------------------

def test_equal_prefix_lowest_metric_wins_then_first_installed():
    table = RouteTable([
        Route("10.0.0.0/8", interface="eth0"),
        Route("20.0.0.0/8", gateway="10.0.0.3", interface="eth0", metric=2),
        Route("20.0.0.0/8", gateway="10.0.0.1", interface="eth0", metric=1),
        Route("20.0.0.0/8", gateway="10.0.0.2", interface="eth0", metric=1),
    ])
    decision = table.lookup("20.1.2.3")
    assert str(decision.gateway) == "10.0.0.1" and decision.rule == "installed first"
    reasons = {str(c.route.gateway): c.reason for c in decision.candidates}
    assert "metric 2 is higher than 1" in reasons["10.0.0.3"]
    assert "installed first" in reasons["10.0.0.2"]
    table.remove(decision.route)
    after = table.lookup("20.1.2.3")
    assert str(after.gateway) == "10.0.0.2" and after.rule == "lowest metric"


def test_a_longer_prefix_beats_a_lower_metric():
    table = RouteTable([Route("10.0.0.0/8", interface="eth0", metric=1),
                        Route("10.1.0.0/16", gateway="10.0.0.9", interface="eth0", metric=50)])
    decision = table.lookup("10.1.2.3")
    assert decision.route.prefixlen == 16 and decision.rule == "longest prefix"
    loser = next(c for c in decision.candidates if c.route.prefixlen == 8)
    assert "/8 is shorter than the chosen /16" in loser.reason


def test_where_restricts_the_routes_considered_and_says_why():
    table = RouteTable([Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0"),
                        Route("10.0.0.0/8", interface="eth0"), Route("192.168.1.0/24", interface="eth1")])
    decision = table.lookup("8.8.8.8", where=lambda r: r.interface == "eth1", why_not="strong host")
    assert decision.route is None
    assert any(c.matched and c.reason == "matches, but not considered: strong host" for c in decision.candidates)


# Errors ------------------------------------------------------------------------------

def test_duplicate_route_is_refused(seed_table):
    with pytest.raises(DuplicateRouteError, match=r"0\.0\.0\.0/0 via 172\.16\.112\.1 .* already in the table"):
        seed_table.add(Route("0.0.0.0/0", gateway="172.16.112.1", interface="172.16.112.123", metric=5))


def test_unreachable_gateway_is_refused_with_an_example(seed_table):
    with pytest.raises(GatewayError) as caught:
        seed_table.add(Route("10.0.0.0/8", gateway="10.9.9.9"))
    message = str(caught.value)
    assert "gateway 10.9.9.9 is not on any interface" in message
    assert "e.g. 172.16.112.1 for 172.16.112.0/24 on 172.16.112.123" in message
    assert len(seed_table) == 7


def test_the_interface_of_a_new_route_comes_from_its_gateway(seed_table):
    added = seed_table.add(Route("10.0.0.0/8", gateway="172.16.112.9"))
    assert added.interface == "172.16.112.123" and added in seed_table


def test_unknown_interface_and_bad_metric_are_named(seed_table):
    with pytest.raises(InterfaceError, match="'eth9' is unknown"):
        seed_table.check_interface("eth9")
    with pytest.raises(MetricError, match=r"metric 0\.5 is not a whole number from 0 to 9999; e\.g\. 1"):
        Route("10.0.0.0/8", metric=0.5)
    with pytest.raises(MetricError, match="metric 10000"):
        Route("10.0.0.0/8", metric=10000)


def test_deleting_what_is_not_there_says_so(seed_table):
    with pytest.raises(RouteNotFoundError, match=r"no route to 10\.0\.0\.0"):
        seed_table.delete("10.0.0.0")
    assert len(seed_table) == 7


def test_change_keeps_the_position_and_a_failed_change_keeps_the_table(seed_table):
    changed = seed_table.change("0.0.0.0", "0.0.0.0", gateway="172.16.112.2", metric=3)
    assert seed_table[0] == changed and str(changed.gateway) == "172.16.112.2" and changed.metric == 3
    before = list(seed_table)
    with pytest.raises(GatewayError):
        seed_table.change("0.0.0.0", "0.0.0.0", gateway="10.1.1.1")
    assert list(seed_table) == before


def test_flush_removes_gateway_entries_only(seed_table):
    removed = seed_table.flush()
    assert [str(r.network) for r in removed] == ["0.0.0.0/0"]
    assert all(r.on_link for r in seed_table) and len(seed_table) == 6


@given(st.text(max_size=25), st.sampled_from(["classic", "longest-prefix", "fastest"]))
def test_lookup_gives_a_decision_or_a_workbook_error(text, strategy):
    try:
        RouteTable([Route("0.0.0.0/0", interface="eth0")]).lookup(text, strategy)
    except WorkbookError as error:
        assert repr(text) in str(error) or repr(strategy) in str(error)


def test_from_prefixes_builds_a_table_that_looks_up():
    table = RouteTable.from_prefixes([("10.0.0.0/8", "192.0.2.1"), "10.1.0.0/16"])
    assert len(table) == 2 and table.lookup("10.1.1.1").route.prefixlen == 16
    assert str(table.lookup("10.2.0.1").gateway) == "192.0.2.1"
    with pytest.raises(WorkbookError, match=r"10\.1\.0\.0 has bits set"):
        RouteTable.from_prefixes(["10.1.0.0/8"])

