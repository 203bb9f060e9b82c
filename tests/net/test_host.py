"""Hosts: automatic routes, the KB multihoming scenario, personalities, persistence, bad scenarios."""

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import DestinationKind, Host, Interface, WorkbookError
from workbook.errors import AddressError, GatewayError, InterfaceError, PersonalityError, ScenarioError


def seed_dict(**changes):
    data = {
        "name": "nt-host",
        "interfaces": [{"name": "eth0", "mac": "00-DD-01-0F-7A-B5", "addresses": ["172.16.112.123/24"]}],
        "routes": [{"destination": "0.0.0.0/0", "gateway": "172.16.112.1", "interface": "eth0", "metric": 1,
                    "source": None}],
    }
    data.update(changes)
    return data


def test_from_dict_in_the_issues_shape_rebuilds_the_seed_table():
    host = Host.from_dict(seed_dict(), personality="nt4")
    assert host.table.to_route_print("nt4") == Host.from_scenario("seed-host").table.to_route_print("nt4")
    decision = host.route_get("172.17.1.1")
    assert (decision.interface, str(decision.gateway), str(decision.source)) == ("eth0", "172.16.112.1",
                                                                                  "172.16.112.123")


@pytest.mark.parametrize("personality", ["nt4", "windows", "linux"])
@pytest.mark.parametrize(
    ("destination", "kind", "interface", "gateway"),
    [
        ("172.16.112.122", DestinationKind.UNICAST, "eth0", None),
        ("172.17.1.1", DestinationKind.UNICAST, "eth0", "172.16.112.1"),
        ("172.16.112.255", DestinationKind.BROADCAST, "eth0", None),
        ("255.255.255.255", DestinationKind.BROADCAST, "eth0", None),
        ("224.0.0.1", DestinationKind.MULTICAST, "eth0", None),
    ],
)
def test_every_personality_sends_the_seed_hosts_datagrams_alike(personality, destination, kind, interface, gateway):
    decision = Host.from_scenario("seed-host", personality=personality).route_get(destination)
    assert decision.kind is kind and decision.interface == interface
    assert (None if decision.gateway is None else str(decision.gateway)) == gateway
    assert str(decision.source) == "172.16.112.123"


@pytest.mark.parametrize("personality", ["nt4", "windows", "linux"])
def test_own_address_and_loopback_are_local(personality):
    host = Host.from_scenario("seed-host", personality=personality)
    for destination in ("172.16.112.123", "127.0.0.1"):
        decision = host.route_get(destination)
        assert decision.kind is DestinationKind.LOCAL
        assert str(decision.source) == destination


def test_nt4_builds_the_seeds_automatic_routes_for_every_interface():
    host = Host.from_scenario("kb-multihomed")
    networks = sorted({str(r.network) for r in host.table})
    assert networks == sorted([
        "0.0.0.0/0", "10.1.1.0/24", "10.1.1.10/32", "10.1.1.255/32", "127.0.0.0/8", "192.168.5.0/24",
        "192.168.5.10/32", "192.168.5.255/32", "224.0.0.0/3", "255.255.255.255/32",
    ])
    assert sum(str(r.network) == "224.0.0.0/3" for r in host.table) == 2  # one per interface


# KB Q175396, step by step -----------------------------------------------------

def test_kb_bound_to_any_the_source_is_the_chosen_interfaces_address():
    socket = Host.from_scenario("kb-multihomed").socket()
    socket.bind("0.0.0.0")
    decision = socket.connect("172.30.0.9")
    assert (decision.interface, str(decision.source)) == ("nic2", "192.168.5.10")
    assert not decision.leaves_with_foreign_source


@pytest.mark.parametrize("personality", ["nt4", "linux"])
def test_kb_weak_host_bound_to_nic1_leaves_nic2_with_nic1s_address(personality):
    socket = Host.from_scenario("kb-multihomed", personality=personality).socket()
    socket.bind("10.1.1.10")
    decision = socket.connect("172.30.0.9")
    assert (decision.interface, str(decision.source), decision.source_interface) == ("nic2", "10.1.1.10", "nic1")
    assert decision.leaves_with_foreign_source
    assert "spoofed" in decision.explain()


def test_kb_strong_host_refuses_a_route_through_another_interface():
    host = Host.from_scenario("kb-multihomed", personality="windows")
    decision = host.route_get("172.30.0.9", source="10.1.1.10")
    assert decision.kind is DestinationKind.UNREACHABLE
    assert "strong host" in decision.explain()
    # Its own network stays reachable from that source, and ANY still works.
    assert host.route_get("10.1.1.77", source="10.1.1.10").interface == "nic1"
    assert host.route_get("172.30.0.9").interface == "nic2"


def test_binding_to_a_foreign_address_is_refused_with_the_hosts_addresses():
    socket = Host.from_scenario("kb-multihomed").socket()
    with pytest.raises(AddressError, match=r"cannot bind to 10\.9\.9\.9.*10\.1\.1\.10, 192\.168\.5\.10"):
        socket.bind("10.9.9.9")


# The route command on a host, persistence and restarts -------------------------------

def test_persistent_routes_survive_a_restart_and_plain_ones_do_not():
    host = Host.from_scenario("seed-host")
    host.route("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9")
    host.route("-p add 192.168.0.0 MASK 255.255.0.0 172.16.112.10 METRIC 3")
    assert len(host.table) == 9
    host.restart()
    networks = [str(r.network) for r in host.table]
    assert "192.168.0.0/16" in networks and "10.0.0.0/8" not in networks and len(host.table) == 8


def test_nt35_loses_even_persistent_routes():
    host = Host.from_scenario("seed-host", personality="nt35")
    host.route("-p add 192.168.0.0 MASK 255.255.0.0 172.16.112.10")
    host.restart()
    assert "192.168.0.0/16" not in [str(r.network) for r in host.table] and len(host.table) == 7


def test_deleting_a_persistent_route_forgets_it():
    host = Host.from_scenario("seed-host")
    host.route("-p add 192.168.0.0 MASK 255.255.0.0 172.16.112.10")
    host.route("delete 192.168.0.0")
    host.restart()
    assert len(host.table) == 7


# Interfaces ------------------------------------------------------------------------

def test_nt_control_panel_holds_five_addresses_and_netbios_binds_the_first():
    nic = Interface("eth0", "00-DD-01-0F-7A-B5", [f"10.0.0.{n}/24" for n in range(1, 7)])
    assert nic.needs_registry and str(nic.netbios_address) == "10.0.0.1"
    assert not Interface("eth1", addresses=["10.0.1.1/24"] * 1).needs_registry


@pytest.mark.parametrize(
    ("mac", "fragment"),
    [("01-00-5E-00-00-01", "group (multicast) address"), ("00-DD-01", "not an Ethernet address")],
)
def test_bad_macs_are_refused(mac, fragment):
    with pytest.raises(InterfaceError) as caught:
        Interface("eth0", mac, ["10.0.0.1/24"])
    assert f"MAC address {mac!r} of interface 'eth0'" in str(caught.value) and fragment in str(caught.value)


@pytest.mark.parametrize(
    ("address", "fragment"),
    [("10.0.0.0/24", "network or broadcast address"), ("10.0.0.5", "has no netmask"),
     ("224.0.0.5/4", "not a unicast host address"), ("10.0.0.5/33", "prefix length 33")],
)
def test_bad_interface_addresses_are_refused(address, fragment):
    with pytest.raises(WorkbookError, match=fragment):
        Interface("eth0", None, [address])


# Scenario files and their errors -------------------------------------------------------

def test_scenario_files_in_yaml_and_json_round_trip(tmp_path):
    host = Host.from_scenario("kb-multihomed")
    (tmp_path / "h.json").write_text(json.dumps(host.to_dict()))
    (tmp_path / "h.yaml").write_text(yaml.safe_dump(host.to_dict()))
    for name in ("h.json", "h.yaml"):
        again = Host.from_file(tmp_path / name)
        assert again.to_dict() == host.to_dict() and list(again.table) == list(host.table)


@pytest.mark.parametrize(
    ("changes", "error", "fragment"),
    [
        ({"colour": "red"}, ScenarioError, "unknown key(s) 'colour'"),
        ({"interfaces": []}, ScenarioError, "needs a list of interfaces"),
        ({"routes": [{"destination": "0.0.0.0/0", "gateway": "10.9.9.9", "interface": "eth0"}]},
         GatewayError, "gateway 10.9.9.9 of the route to 0.0.0.0/0 is not on interface 'eth0'"),
        ({"routes": [{"destination": "0.0.0.0/0", "gateway": "172.16.112.1", "interface": "eth7"}]},
         InterfaceError, "has no interface 'eth7'"),
        ({"routes": [{"destination": "10.0.0.0/8", "gateway": "172.16.112.1", "metric": -1}]},
         WorkbookError, "metric -1"),
        ({"routes": [{"destination": "10.0.0.0/8", "gateway": "172.16.112.1", "source": "10.0.0.1"}]},
         AddressError, "preferred source 10.0.0.1"),
    ],
)
def test_bad_scenarios_name_the_problem(changes, error, fragment):
    with pytest.raises(error) as caught:
        Host.from_dict(seed_dict(**changes))
    assert fragment in str(caught.value)


def test_unknown_personality_lists_the_known_ones():
    with pytest.raises(PersonalityError, match="'nt4', 'nt35', 'windows', 'linux'"):
        Host.from_dict(seed_dict(), personality="beos")


def test_unreadable_or_malformed_files_are_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError, match="cannot be read"):
        Host.from_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        Host.from_file(bad)
    with pytest.raises(ScenarioError, match="no scenario called 'nope'"):
        Host.from_scenario("nope")


# Saving a learner's table ------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "add 10.0.0.0 MASK 255.0.0.0 172.16.112.9", "-p add 192.168.0.0 MASK 255.255.0.0 172.16.112.10 METRIC 3",
    "delete 224.0.0.0", "delete 0.0.0.0", "change 0.0.0.0 MASK 0.0.0.0 172.16.112.2 METRIC 4",
    "add 0.0.0.0 MASK 0.0.0.0 172.16.112.123", "-f",
]), max_size=5), st.sampled_from(["nt4", "windows", "linux"]))
def test_a_saved_table_loads_back_exactly_and_restarts_like_the_original(commands, personality):
    host = Host.from_scenario("seed-host", personality=personality)
    for command in commands:
        try:
            host.route(command)
        except WorkbookError:
            pass
    again = Host.from_dict(json.loads(json.dumps(host.to_dict(include_table=True))))
    assert list(again.table) == list(host.table) and again.persistent_routes == host.persistent_routes
    host.restart()
    again.restart()
    assert list(again.table) == list(host.table)


wild = st.one_of(st.none(), st.integers(-3, 2**33), st.text(max_size=8), st.lists(st.integers(), max_size=2),
                 st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "172.16.112.1", "eth0", "static", "local"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["destination", "gateway", "interface", "metric", "origin",
                                                 "route_type", "preferred_source", "colour"]), wild,
                                max_size=4) | wild, max_size=3))
def test_any_saved_table_gives_a_host_or_a_workbook_error(entries):
    data = Host.from_scenario("seed-host").to_dict()
    data["table"] = entries
    try:
        Host.from_dict(data)
    except WorkbookError:
        pass



@pytest.mark.parametrize("personality", ["nt4", "nt35", "windows"])
def test_a_route_through_an_interface_without_an_address_is_refused_where_routes_name_addresses(personality):
    # NT and Windows name a route's interface by its address: eth1 has none to name.
    spec = {"name": "w", "personality": personality,
            "interfaces": [{"name": "eth0", "addresses": ["10.0.0.1/24"]}, {"name": "eth1"}],
            "routes": [{"destination": "10.0.1.0/24", "interface": "eth1"}]}
    with pytest.raises(InterfaceError, match=r"'eth1' of host 'w', which has no IPv4 address.*e\.g\. 'addresses'"):
        Host.from_dict(spec)
