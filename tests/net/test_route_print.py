"""`route print`: the seed's table, both layouts, round trips, and refusals that name line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import Host, Route, RouteTable, WorkbookError
from workbook.errors import RoutePrintError
from workbook.net.route_print import format_route_print, parse_route_print, route_print_style
from workbook.net.routes import RouteOrigin
from workbook.net.scenario import load_text

from .strategies import tables

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "nt-tcpip-internet-protocol.txt"


def printed(route: Route, *, persistence: bool) -> tuple:
    """What a `route print` line can say about a route."""
    fields = (route[0], route[1], route.on_link, None if route.on_link else route[2], route.interface, route.metric)
    return (*fields, route.persistent) if persistence else fields


def in_print_order(routes) -> list[Route]:
    return sorted(routes, key=lambda r: (r[0], r[1]))


# The seed's table ---------------------------------------------------------------------

def test_the_repaired_seed_table_is_what_the_seed_host_builds():
    host = Host.from_scenario("seed-host")
    text = load_text("seed_route_print_repaired.txt")
    parsed = RouteTable.from_route_print(text)
    assert [printed(r, persistence=False) for r in parsed] == [
        printed(r, persistence=False) for r in in_print_order(host.table)
    ]
    assert host.table.to_route_print("nt4") == text


@pytest.mark.parametrize(("row", "column", "value", "repair"), [
    (7, "Interface", "127.0.0.", "127.0.0.0"),
    (9, "Network Address", "224.0.0.", "224.0.0.0"),
])
def test_the_seeds_truncated_rows_are_refused_naming_line_and_column(row, column, value, repair):
    text = load_text("seed_route_print_nt4.txt")
    lines = text.splitlines()
    if row == 9:  # repair the first bad line so that the second one is reached
        lines[6] = lines[6].replace("127.0.0. ", "127.0.0.1")
        text = "\n".join(lines)
    with pytest.raises(RoutePrintError) as caught:
        parse_route_print(text)
    message = str(caught.value)
    assert message.startswith(f"line {row}, column {column}: {value!r} looks cut off")
    assert f"e.g. {repair}" in message and lines[row - 1].strip() in message


def one_value_per_line(text: str) -> str:
    """The seed's rendering of a table: titles, then every value on a line of its own, blank lines between."""
    rows = [line.split() for line in text.splitlines()[3:]]
    titles = ["Network Address", "Netmask", "Gateway Address", "Interface", "Metric"]
    return "C:\\>route print\n\n" + "\n\n".join(titles + [value for row in rows for value in row]) + "\n"


def test_the_one_value_per_line_rendering_is_read_up_to_its_first_cut_off_value():
    broken = one_value_per_line(load_text("seed_route_print_nt4.txt"))
    with pytest.raises(RoutePrintError) as caught:
        parse_route_print(broken)
    line = broken.splitlines().index("127.0.0.") + 1
    assert str(caught.value).startswith(f"line {line}, column Interface: '127.0.0.' looks cut off")
    repaired = load_text("seed_route_print_repaired.txt")
    assert parse_route_print(one_value_per_line(repaired)) == parse_route_print(repaired)


def test_the_seed_file_itself_fails_on_its_cut_off_value():
    if not SEED.is_file():
        pytest.skip(f"the source text {SEED} is not on this machine")
    text = SEED.read_text(encoding="utf-8")
    with pytest.raises(RoutePrintError, match=r"column Interface: '127\.0\.0\.' looks cut off"):
        parse_route_print(text[text.index("C:\\>route print"):])


def test_both_layouts_get_longest_prefix_and_the_classic_lens_on_request():
    """NT 4.0 looked routes up by longest mask (Microsoft's route determination): so does its printed table."""
    nt4 = load_text("seed_route_print_repaired.txt")
    modern = RouteTable.from_route_print(nt4).to_route_print("modern")
    assert RouteTable.from_route_print(nt4).strategy.value == "longest-prefix"
    assert RouteTable.from_route_print(modern).strategy.value == "longest-prefix"
    assert RouteTable.from_route_print(nt4, strategy="classic").strategy.value == "classic"


def test_parsed_origins_follow_the_shape_of_each_route():
    table = RouteTable.from_route_print(load_text("seed_route_print_repaired.txt"))
    default, *automatic = table
    assert default.origin is RouteOrigin.STATIC and {r.origin for r in automatic} == {RouteOrigin.AUTOMATIC}


# The modern layout ------------------------------------------------------------------

def test_modern_print_shows_on_link_and_lists_persistent_routes_in_both_sections():
    host = Host.from_scenario("seed-host")
    host.route("-p add 192.168.0.0 MASK 255.255.0.0 172.16.112.10 METRIC 3")
    text = host.table.to_route_print("modern")
    active, persistent = text.split("Persistent Routes:")
    assert "On-link" in active and "172.16.112.123   172.16.112.123" not in active
    assert persistent.split()[-4:] == ["192.168.0.0", "255.255.0.0", "172.16.112.10", "3"]
    again = RouteTable.from_route_print(text)
    assert [r for r in again if r.persistent] == [r for r in host.table if r.persistent]


def test_a_real_windows_10_printout_with_its_interface_list_is_read():
    text = """
===========================================================================
Interface List
 12...00 dd 01 0f 7a b5 ......Intel(R) Ethernet Connection
  1...........................Software Loopback Interface 1
===========================================================================

IPv4 Route Table
===========================================================================
Active Routes:
Network Destination        Netmask          Gateway       Interface  Metric
          0.0.0.0          0.0.0.0     172.16.112.1   172.16.112.123     25
        127.0.0.0        255.0.0.0         On-link         127.0.0.1    331
     172.16.112.0    255.255.255.0         On-link    172.16.112.123    281
        224.0.0.0        240.0.0.0         On-link    172.16.112.123    281
===========================================================================
Persistent Routes:
  Network Address          Netmask  Gateway Address  Metric
          0.0.0.0          0.0.0.0     172.16.112.1  Default
===========================================================================
"""
    table = RouteTable.from_route_print(text)
    assert route_print_style(text) == "modern" and len(table) == 4
    decision = table.lookup("172.17.1.1")
    assert str(decision.next_hop) == "172.16.112.1" and decision.route.persistent
    assert table.lookup("172.16.112.9").route.on_link and table.lookup("172.16.112.9").gateway is None


def test_a_persistent_route_that_is_not_active_is_kept_without_an_interface():
    text = format_route_print([Route("10.0.0.0/8", gateway="172.16.112.9", origin="persistent")], "modern")
    (route,) = parse_route_print(text)
    assert route.persistent and route.interface == "" and "Active Routes:" in text


# Round trips ------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(["nt4", "modern"]))
def test_print_then_parse_keeps_every_printed_field(table, style):
    text = table.to_route_print(style)
    routes = parse_route_print(text)
    persistence = style == "modern"
    assert sorted(printed(r, persistence=persistence) for r in routes) == sorted(
        printed(r, persistence=persistence) for r in table
    )
    assert format_route_print(routes, style) == text


@settings(max_examples=100, deadline=None)
@given(tables(), st.sampled_from(["nt4", "modern"]))
def test_parsed_tables_decide_like_the_original(table, style):
    again = RouteTable.from_route_print(table.to_route_print(style), strategy="longest-prefix")
    for route in table:
        address = route.first_address
        want, got = table.lookup(address, "longest-prefix").route, again.lookup(address, "longest-prefix").route
        assert (want is None) == (got is None)
        if want is not None:
            assert printed(want, persistence=False)[:2] == printed(got, persistence=False)[:2]


# Refusals ----------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "fragment"), [
    ("10.0.0.0  255.0.255.0  10.0.0.1  10.0.0.5  1", "line 1, column Netmask"),
    ("10.0.0.1  255.0.0.0  10.0.0.1  10.0.0.5  1", "line 1, column Network Address"),
    ("10.0.0.0  255.0.0.0  10.0.0.1  10.0.0.5  0x1", "line 1, column Metric: metric '0x1'"),
    ("10.0.0.0  255.0.0.0  10.0.0.1  10.0.0.5  99999", "line 1, column Metric"),
    ("10.0.0.0  255.0.0.0  10.0.0.1  10.0.0.5", "line 1: '10.0.0.0  255.0.0.0  10.0.0.1  10.0.0.5' has 4 value(s)"),
    ("10.0.0.0  255.0.0.0  gateway  10.0.0.5  1", "line 1, column Gateway Address: Gateway Address 'gateway'"),
    ("\n\n10.0.0.0 255.0.0.0 10.0.0.1 10.0.0.5 1\n10.0.0.0 255.0.0.0 10.0.0.1 10.0.0.5 2",
     "line 4: the route 10.0.0.0/8 via 10.0.0.1 dev 10.0.0.5 metric 2 is printed twice (first on line 3)"),
])
def test_bad_lines_are_refused_with_line_and_column(line, fragment):
    with pytest.raises(RoutePrintError) as caught:
        parse_route_print(line)
    assert fragment in str(caught.value)


def test_an_unknown_style_is_refused():
    with pytest.raises(RoutePrintError, match="style 'nt5' is not one of 'nt4', 'modern'"):
        RouteTable().to_route_print("nt5")


tokens = st.sampled_from([
    "0.0.0.0", "255.255.255.0", "255.0.255.0", "10.0.0.1", "127.0.0.", "224.0.0.", "On-link", "eth0", "1", "0",
    "99999", "Default", "-", "Active", "Routes:", "Persistent", "None", "====", "Network", "Destination", "Netmask",
    "Gateway", "Interface", "Metric", "Address", "12...00 dd", "\t", "é", "1e3", "",
])
lines = st.lists(tokens, max_size=6).map(" ".join) | st.text(max_size=30)


@settings(max_examples=400, deadline=None)
@given(st.lists(lines, max_size=8).map("\n".join))
def test_any_text_gives_routes_or_a_workbook_error(text):
    try:
        routes = parse_route_print(text)
    except WorkbookError:
        return
    assert all(isinstance(r, Route) for r in routes)
    for style in ("nt4", "modern"):
        assert len(parse_route_print(format_route_print(routes, style))) == len(routes)
