"""Any scenario dict, however wrong, gives a host or a WorkbookError: never another exception.

The generator builds a plausible host, then corrupts one or two of its fields
with wild values, so that most examples get deep into the checks. An error that
names a path into the scenario (``interfaces[1].addresses[0]: ...``) names one
that exists; what builds saves only keys of the schema and round-trips, as a host
and inside a network.
"""

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import Host, WorkbookError
from workbook.net import schema
from workbook.sim import Network
from workbook.sim.protocols import PROTOCOLS

wild = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 2**33), st.floats(allow_nan=False), st.text(max_size=10),
              st.sampled_from(["", " ", "10.0.0.1", "10.0.0.0/24", "0.0.0.0/0", "01-00-5E-00-00-01", "lo",
                               "255.255.255.255", "10.0.0.5/33", "eth1"])),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner, max_size=2),
    max_leaves=4,
)
addresses = st.sampled_from(["10.0.0.5/24", "10.0.0.6/24", "10.0.0.7/16", "192.168.1.5/30", "192.168.1.9/32",
                             "172.16.4.4/12", "10.0.0.5/24", "10.0.0.8", {"address": "10.0.0.9/24", "scope": "link"},
                             {"address": "10.2.0.9/24", "noprefixroute": True}])
interface = st.fixed_dictionaries({
    "name": st.sampled_from(["eth0", "eth1", "eth2"]),
    "mac": st.sampled_from(["00-DD-01-0F-7A-B5", "00:a0:c9:00:00:02", "00a0.c900.0003"]),
    "addresses": st.lists(addresses, min_size=1, max_size=3, unique_by=str),
}, optional={"gateway": st.sampled_from(["10.0.0.1", "192.168.1.6", "10.9.9.9"]), "metric": st.integers(0, 50),
             "up": st.booleans(), "carrier": st.booleans()})
route = st.fixed_dictionaries({
    "destination": st.sampled_from(["0.0.0.0/0", "10.1.0.0/16", "10.0.0.0", "172.16.0.0/12", "10.0.0.9/32"]),
}, optional={"gateway": st.sampled_from(["10.0.0.1", "10.0.0.9", "192.168.1.6"]),
             "interface": st.sampled_from(["eth0", "eth1", "lo"]), "metric": st.integers(0, 10),
             "source": st.sampled_from(["10.0.0.5", "192.168.1.5", "10.0.0.77"]),
             "origin": st.sampled_from(["static", "persistent", "redirect"]),
             "type": st.sampled_from(["unicast", "blackhole", "throw"]), "onlink": st.booleans(),
             "how": st.sampled_from(["add", "append", "prepend"])})
sysctl = st.dictionaries(st.sampled_from(["forwarding", "rp_filter", "ignore_routes_with_linkdown",
                                          "promote_secondaries"]), st.integers(0, 2), max_size=3)


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    nics = draw(st.lists(interface, min_size=1, max_size=3, unique_by=lambda nic: nic["name"]))
    data = {"name": "h", "interfaces": nics,
            "routes": draw(st.lists(route, max_size=4))}
    if draw(st.booleans()):
        data["sysctl"] = draw(sysctl)
    for _ in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from(["host", "interface", "route"]))
        if target == "host":
            data[draw(st.sampled_from(["name", "interfaces", "routes", "personality", "forwarding", "extra",
                                       "sysctl"]))] = \
                draw(wild)
        elif target == "interface" and isinstance(data["interfaces"], list) and data["interfaces"]:
            chosen = draw(st.sampled_from(data["interfaces"]))
            if isinstance(chosen, dict):
                chosen[draw(st.sampled_from(["name", "mac", "addresses", "gateway", "metric", "segment", "x", "up",
                                             "carrier"]))] = \
                    draw(wild)
        elif target == "route" and isinstance(data["routes"], list) and data["routes"]:
            chosen = draw(st.sampled_from(data["routes"]))
            if isinstance(chosen, dict):
                chosen[draw(st.sampled_from(["destination", "netmask", "gateway", "interface", "metric", "source",
                                             "origin", "type", "onlink", "how"]))] = \
                    draw(wild)
    return data


def follow(data: Any, path: tuple) -> Any:
    """The value at ``path`` (('interfaces', 1, 'addresses', 0)) of a scenario; an IndexError/KeyError if none."""
    for part in path:
        if isinstance(part, int) and isinstance(data, str):
            assert part == 0  # a single address may be written without the list
            continue
        data = data[part]
    return data


def check_error(error: WorkbookError, data: dict) -> None:
    assert str(error)
    path = getattr(error, "scenario_path", ())
    if path:
        assert str(error).startswith(schema.format_path(path) + ": ")
        follow(data, path)


@settings(max_examples=500)
@given(scenarios(), st.sampled_from([None, "nt4", "windows", "linux"]))
def test_from_dict_builds_or_explains(data, personality):
    before = copy.deepcopy(data)
    try:
        built = Host.from_dict(data, personality=personality)
    except WorkbookError as error:
        check_error(error, data)
        return
    finally:
        assert data == before  # loading never changes the dict it reads
    for destination in ("10.0.0.77", "8.8.8.8", "255.255.255.255", "224.0.0.1", "0.1.2.3"):
        built.route_get(destination)
        for source in built.addresses[:2]:
            built.route_get(destination, source=str(source))
        for interface in built.interfaces[:2]:
            built.route_get(destination, source="10.0.0.99", input_interface=interface.name).explain()
    assert Host.from_dict(built.to_dict()).to_dict() == built.to_dict()


def simulation_values() -> st.SearchStrategy[dict]:
    """Some of the simulation's keys, with their documented example or one of their allowed values."""
    keys = [key for protocol in PROTOCOLS for key in protocol.keys if key.level == "host" and key.name != "groups"]
    return st.dictionaries(st.sampled_from([key.name for key in keys]), st.none(), max_size=3).flatmap(
        lambda chosen: st.fixed_dictionaries({
            name: st.sampled_from([k.example, *k.choices]) for name in chosen
            for k in keys if k.name == name}))


@st.composite
def networks(draw: st.DrawFn) -> dict:
    hosts = []
    for number in range(draw(st.integers(1, 3))):
        host = draw(scenarios())
        host["name"] = f"h{number}"
        for nic in host["interfaces"] if isinstance(host["interfaces"], list) else []:
            if isinstance(nic, dict) and "segment" not in nic:
                nic["segment"] = draw(st.sampled_from(["lan", "wan"]))
        host.update(draw(simulation_values()))
        if draw(st.booleans()):
            host["running"] = draw(st.booleans())
        hosts.append(host)
    split = draw(st.integers(0, len(hosts)))
    return {"segments": [{"name": "lan"}, {"name": "wan"}], "hosts": hosts[:split], "routers": hosts[split:]}


@settings(max_examples=60, deadline=None)
@given(networks(), st.sampled_from([None, "nt4", "windows", "linux"]))
def test_generated_networks_build_or_explain_and_round_trip(data, personality):
    before = copy.deepcopy(data)
    try:
        built = Network.from_dict(data, personality=personality)
    except WorkbookError as error:
        check_error(error, data)
        return
    finally:
        assert data == before
    saved = built.to_dict()
    again = Network.from_dict(copy.deepcopy(saved))
    assert again.to_dict() == saved
    assert {name: list(node.table) for name, node in again.nodes.items()} == {
        name: list(node.table) for name, node in built.nodes.items()}
