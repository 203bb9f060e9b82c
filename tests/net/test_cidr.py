"""CIDR covering, aggregation, coverage and supernet checks, against Python's ipaddress and by counting."""

import ipaddress

import netaddr
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbook import Route
from workbook.errors import AddressError, MaskError, RouteError, WorkbookError
from workbook.net.addresses import MASKS
from workbook.net.cidr import (
    _merge_steps,
    aggregate,
    check_supernet,
    covering_prefix,
    covers,
    is_valid_supernet,
    seed_supernet_example,
)

addresses = st.integers(min_value=0, max_value=0xFFFFFFFF)


@st.composite
def networks(draw, min_prefixlen=0, max_prefixlen=32, base=0, base_prefixlen=0):
    """An ipaddress network of the given lengths, inside base/base_prefixlen."""
    prefixlen = draw(st.integers(max(min_prefixlen, base_prefixlen), max_prefixlen))
    offset = draw(st.integers(0, (1 << (32 - base_prefixlen)) - 1))
    return ipaddress.IPv4Network(((base + offset) & MASKS[prefixlen], prefixlen))


# Networks that often share long prefixes, so that siblings and nesting happen.
clustered = st.lists(networks(min_prefixlen=14, base=0x0A000000, base_prefixlen=12), min_size=1, max_size=12)
anywhere = st.lists(networks(), min_size=1, max_size=8)
# A small universe (10.0.0.0/20, 4096 addresses) where coverage can be counted address by address.
UNIVERSE = ipaddress.IPv4Network("10.0.0.0/20")
small = networks(min_prefixlen=20, base=int(UNIVERSE.network_address), base_prefixlen=20)


def texts(nets):
    return [str(net) for net in nets]


def addresses_of(net):
    return set(range(int(net.network_address), int(net.broadcast_address) + 1))


# --- covering_prefix --------------------------------------------------------------------------------------------


def longest_prefix_holding_all(nets):
    """Brute force: try every length from 32 down; the first that holds every network wins."""
    anchor = nets[0].network_address
    for prefixlen in range(32, -1, -1):
        candidate = ipaddress.IPv4Network((anchor, prefixlen), strict=False)
        if all(net.subnet_of(candidate) for net in nets):
            return candidate
    raise AssertionError("0.0.0.0/0 holds everything")


@given(clustered | anywhere)
def test_covering_prefix_is_the_longest_prefix_holding_every_network(nets):
    result = covering_prefix(texts(nets))
    assert str(result.prefix) == str(longest_prefix_holding_all(nets))
    assert result.prefixlen == result.prefix.prefixlen
    distinct = {netaddr.IPNetwork(str(net)) for net in nets}
    assert result.networks == tuple(sorted(distinct, key=lambda net: (net.first, net.prefixlen)))


@given(clustered | anywhere)
def test_covering_prefix_explains_its_limit(nets):
    result = covering_prefix(texts(nets))
    text = result.explain()
    assert str(result.prefix) in text
    assert text.count("|") == len(result.networks) + 1  # one bar per network line, one in "left of |"
    for net in result.networks:
        line = next(line for line in text.splitlines() if line.strip().startswith(f"{net} "))
        marked = line.split()[-1]
        assert marked.replace(".", "").index("|") == result.prefixlen
        assert marked.replace(".", "").replace("|", "").rstrip("x") == net.ip.bits().replace(".", "")[: net.prefixlen]
    assert result.exact == (result.coverage.extra_addresses == 0)


def test_covering_prefix_of_nested_networks_holds_the_outer_one():
    """netaddr.spanning_cidr on these two networks gives 10.0.0.0/15, which misses most of 10.0.0.0/8."""
    result = covering_prefix(["10.1.0.0/16", "10.0.0.0/8"])
    assert str(result.prefix) == "10.0.0.0/8"
    assert result.exact
    assert "10.0.0.0/8 has only 8 network bits" in result.explain()


def test_covering_prefix_accepts_the_engine_and_netaddr_forms():
    given_forms = [
        "192.168.4.0/255.255.255.0",
        netaddr.IPNetwork("192.168.5.0/24"),
        ("192.168.6.0", "255.255.255.0"),
        Route("192.168.7.0/24", interface="eth0"),
    ]
    assert str(covering_prefix(given_forms).prefix) == "192.168.4.0/22"
    assert str(covering_prefix("192.168.4.0/24").prefix) == "192.168.4.0/24"  # a lone network is a list of one


# --- aggregate --------------------------------------------------------------------------------------------------


@given(clustered | anywhere)
def test_aggregate_matches_ipaddress_collapse(nets):
    result = aggregate(texts(nets))
    assert texts(result.prefixes) == texts(ipaddress.collapse_addresses(nets))
    assert result.routes_saved == len(result.networks) - len(result.prefixes)
    for net in result.networks:
        assert sum(net in prefix for prefix in result.prefixes) == 1
    assert sum(len(result.held_by(prefix)) for prefix in result.prefixes) == len(result.networks)


@given(clustered)
def test_aggregate_steps_replay_to_the_same_prefixes(nets):
    result = aggregate(texts(nets))
    replayed, steps = _merge_steps(result.networks)
    assert tuple(replayed) == result.prefixes
    assert tuple(steps) == result.steps
    for step in result.steps:
        if step.absorbed:
            assert step.second in step.first
        else:  # two halves of their parent, in order
            assert step.into.prefixlen == step.first.prefixlen - 1 == step.second.prefixlen - 1
            assert (step.first.first, step.second.last) == (step.into.first, step.into.last)
            assert step.first.last + 1 == step.second.first
    assert len(result.networks) - len(result.prefixes) == len(result.steps)  # every step removes one prefix
    assert result.explain().splitlines()[-1] == "routes: " + ", ".join(texts(result.prefixes))


def test_aggregate_joins_four_class_c_networks():
    result = aggregate(["192.168.3.0/24", "192.168.1.0/24", "192.168.0.0/24", "192.168.2.0/24"])
    assert texts(result.prefixes) == ["192.168.0.0/22"]
    assert [str(step) for step in result.steps] == [
        "192.168.0.0/24 + 192.168.1.0/24 -> 192.168.0.0/23 (siblings: they differ only in bit 24)",
        "192.168.2.0/24 + 192.168.3.0/24 -> 192.168.2.0/23 (siblings: they differ only in bit 24)",
        "192.168.0.0/23 + 192.168.2.0/23 -> 192.168.0.0/22 (siblings: they differ only in bit 23)",
    ]


# --- covers -----------------------------------------------------------------------------------------------------


@given(small, st.lists(small, min_size=1, max_size=6))
def test_covers_counts_held_networks_and_waste_address_by_address(prefix, nets):
    coverage = covers(str(prefix), texts(nets))
    inside = [net for net in dict.fromkeys(nets) if net.subnet_of(prefix)]
    assert sorted(texts(coverage.held)) == sorted(texts(inside))
    assert len(coverage.held) + len(coverage.not_held) == len(set(nets))
    claimed = set().union(*(addresses_of(net) for net in nets))
    waste = addresses_of(prefix) - claimed
    assert coverage.extra_addresses == len(waste)
    assert coverage.held_addresses == prefix.num_addresses - len(waste)
    assert set().union(*(set(range(net.first, net.last + 1)) for net in coverage.extra)) == waste
    extra = [ipaddress.IPv4Network(str(net)) for net in coverage.extra]
    assert extra == list(ipaddress.collapse_addresses(extra))  # the fewest prefixes
    assert coverage.holds_all == all(net.subnet_of(prefix) for net in nets)


def test_covers_names_what_it_misses():
    text = covers("172.16.16.0/22", ["172.16.0.0/16", "10.0.0.0/8"]).explain()
    assert "misses 172.16.0.0/16: larger than the prefix, only partly inside" in text
    assert "misses 10.0.0.0/8: outside the prefix" in text
    assert "no extra space" in text


# --- check_supernet ---------------------------------------------------------------------------------------------

CLASS_PREFIXLEN = {"A": 8, "B": 16, "C": 24, "D": 4, "E": 4}


def class_of(address):
    first = address >> 24
    return "A" if first < 128 else "B" if first < 192 else "C" if first < 224 else "D" if first < 240 else "E"


@given(addresses, st.integers(0, 32))
def test_check_supernet_against_ipaddress(address, prefixlen):
    check = check_supernet(str(ipaddress.IPv4Address(address)), str(ipaddress.IPv4Address(MASKS[prefixlen])))
    real = ipaddress.IPv4Network((address, prefixlen), strict=False)
    assert str(check.prefix) == str(real)
    assert (str(check.first), str(check.last)) == (str(real.network_address), str(real.broadcast_address))
    host_bits_clear = int(real.network_address) == address
    shorter = prefixlen < CLASS_PREFIXLEN[class_of(address)]
    one_class = class_of(int(real.network_address)) == class_of(int(real.broadcast_address))
    assert check.valid == (host_bits_clear and shorter and one_class)
    assert is_valid_supernet(f"{ipaddress.IPv4Address(address)}/{prefixlen}") == check.valid
    assert check.class_c_count == (2 ** (24 - prefixlen) if prefixlen <= 24 else 0)
    assert ("is a proper supernet" in check.explain()) == check.valid


@given(st.integers(16, 32), addresses)
def test_class_c_networks_are_the_24s_inside(prefixlen, address):
    check = check_supernet(str(ipaddress.IPv4Address(address & MASKS[prefixlen])), prefixlen)
    real = ipaddress.IPv4Network((address & MASKS[prefixlen], prefixlen))
    expected = list(real.subnets(new_prefix=24)) if prefixlen <= 24 else []
    assert texts(check.class_c_networks()) == texts(expected)
    assert len(expected) == check.class_c_count


@given(addresses, addresses.filter(lambda mask: mask not in MASKS))
def test_a_mask_with_a_gap_is_never_a_supernet(address, mask):
    check = check_supernet(str(ipaddress.IPv4Address(address)), str(ipaddress.IPv4Address(mask)))
    assert not check.valid
    assert check.prefix is None and check.first is None and check.class_c_count == 0
    assert "is not contiguous" in check.problems[0]


def test_check_supernet_reasons():
    assert check_supernet("192.168.0.0/22").valid
    assert check_supernet("192.168.0.0", "/22").valid
    assert check_supernet("192.168.0.0", "255.255.252.0").explain().splitlines()[1] == (
        "  it is class C (/24) and /22 is shorter, with no bits set beyond the mask"
    )
    assert check_supernet("172.16.0.0", "255.255.0.0").problems == (
        "172.16.0.0 is class B, whose network prefix is /16; /16 is not shorter, so this is the class network itself",
    )
    multicast = check_supernet("224.0.0.0", "224.0.0.0")  # erratum 3: a /3 runs into class E
    assert not multicast.valid
    assert "224.0.0.0/3 runs from 224.0.0.0 (class D) to 255.255.255.255 (class E)" in multicast.problems[0]
    assert check_supernet("224.0.0.0", "240.0.0.0").problems[0].endswith("so this is the class network itself")


# --- the source text's example ----------------------------------------------------------------------------------


def test_seed_example_the_claimed_22_holds_only_one_of_the_three():
    example = seed_supernet_example()
    assert texts(example.networks) == ["172.16.16.0/24", "172.16.32.0/24", "172.16.48.0/24"]
    claimed = example.claimed
    assert (str(claimed.destination), str(claimed.netmask)) == ("172.16.16.0", "255.255.252.0")
    assert str(claimed.prefix) == "172.16.16.0/22"
    assert (str(claimed.first), str(claimed.last)) == ("172.16.16.0", "172.16.19.255")
    assert texts(claimed.class_c_networks()) == [f"172.16.{octet}.0/24" for octet in (16, 17, 18, 19)]
    assert not claimed.valid  # and 172.16.x.x is class B, so a /22 there is a subnet, not a supernet
    assert claimed.problems == (
        "172.16.16.0 is class B, whose network prefix is /16; /22 is not shorter, so this is a subnet of 172.16.0.0/16",
    )
    assert texts(example.claimed_coverage.held) == ["172.16.16.0/24"]
    assert texts(example.claimed_coverage.not_held) == ["172.16.32.0/24", "172.16.48.0/24"]
    assert texts(example.claimed_coverage.extra) == ["172.16.17.0/24", "172.16.18.0/23"]
    assert [str(ip) for _, ip in example.masked] == ["172.16.16.0", "172.16.32.0", "172.16.48.0"]


def test_seed_example_needs_a_18_to_hold_all_three_and_three_routes_to_hold_exactly_them():
    example = seed_supernet_example()
    assert str(example.covering.prefix) == "172.16.0.0/18"
    assert str(example.covering.netmask) == "255.255.192.0"
    assert example.covering.coverage.held_addresses == 3 * 256
    assert example.covering.coverage.extra_addresses == 61 * 256
    assert texts(example.aggregation.prefixes) == texts(example.networks)
    assert example.aggregation.steps == ()
    assert str(longest_prefix_holding_all([ipaddress.IPv4Network(n) for n in texts(example.networks)])) == (
        "172.16.0.0/18"
    )
    text = example.explain()
    assert "172.16.16.0/24  10101100.00010000.00|010000.xxxxxxxx" in text
    assert "bit 19 is 0 in 172.16.16.0/24 but 1 in 172.16.32.0/24" in text
    assert "16 is 00010000" in text


def test_values_are_hashable_and_repr_evaluates_back():
    from netaddr import IPAddress, IPNetwork  # noqa: F401  (names the reprs use)

    from workbook.net.cidr import Aggregation, Coverage, CoveringPrefix, MergeStep, SupernetCheck  # noqa: F401

    example = seed_supernet_example()
    for value in (example.covering, example.aggregation, example.claimed, example.claimed_coverage,
                  aggregate(["10.0.0.0/25", "10.0.0.128/25"])):
        assert eval(repr(value)) == value
        assert hash(value) == hash(eval(repr(value)))


# --- bad input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: covering_prefix([]), AddressError, "networks [] is empty: give at least one network; e.g. ['172.16."),
        (lambda: aggregate(["172.16.16.0"]), AddressError,
         "network '172.16.16.0' has no prefix length, so it names an address, not a network: "
         "write address/length or address/mask; e.g. 172.16.16.0/24"),
        (lambda: aggregate(["172.16.16/24"]), AddressError,
         "network '172.16.16' is not an IPv4 address: expected 4 octets, found 3; e.g."),
        (lambda: covers("172.16.17.0/22", ["172.16.16.0/24"]), RouteError,
         "prefix 172.16.17.0 has bits set outside its mask 255.255.252.0 (/22): "
         "destination AND mask must equal the destination; e.g. 172.16.16.0/22"),
        (lambda: covering_prefix([("10.0.0.0", "255.0.255.0")]), MaskError,
         "netmask '255.0.255.0' is not contiguous"),
        (lambda: covering_prefix(42), AddressError, "networks 42 is not a list of networks; e.g. ['172.16."),
        (lambda: covering_prefix([42.0]), AddressError, "network 42.0 is not an IPv4 network; e.g. 172.16.16.0/24"),
        (lambda: check_supernet("10.0.0.0"), MaskError,
         "supernet '10.0.0.0' has no mask: give 'address/length' or a netmask too; e.g. check_supernet("),
        (lambda: check_supernet("10.0.0.0", "255.255.x.0"), MaskError,
         "netmask '255.255.x.0' is not an IPv4 address: octet 'x' is not a decimal number; e.g. 255.255.252.0"),
        (lambda: check_supernet("10.0.0.300", "255.0.0.0"), AddressError,
         "destination '10.0.0.300' is not an IPv4 address: octet '300' is larger than 255; e.g. 192.168.0.0"),
        (lambda: check_supernet("10.0.0.0", "/33"), MaskError, "is not a whole number from 0 to 32; e.g. 24"),
    ],
)
def test_bad_input_names_the_value_and_shows_an_example(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, WorkbookError)
    assert str(caught.value).startswith(message) or message in str(caught.value)
    assert "e.g." in str(caught.value)
