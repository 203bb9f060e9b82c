"""The scenario schema is the single source of the format (issue 13, item 6).

The keys each loader accepts, the keys the savers write and the keys
docs/scenario-format.md lists are all read off ``workbook.net.schema``: these
tests find each set from the outside (an error message, a saved file, the
document) and compare them with the schema and with one another.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workbook import Host, WorkbookError
from workbook.errors import ScenarioError
from workbook.net import schema
from workbook.net.personalities.base import OPTIONAL_KEYS
from workbook.net.scenario import load_scenario, scenario_names
from workbook.sim import Network
from workbook.sim.stack import PROTOCOLS, Protocol, ScenarioKey
from workbook.widgets.scenario import host_scenario, table_from_scenario, table_scenario

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
UNKNOWN = "zz_unknown"


def linux_host(**extra: Any) -> dict[str, Any]:
    return {"name": "h", "personality": "linux",
            "interfaces": [{"name": "eth0", "addresses": ["172.16.112.123/24"]}], **extra}


def network(**node: Any) -> dict[str, Any]:
    return {"segments": [{"name": "lan"}],
            "hosts": [{"name": "a", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.2/24"]}],
                       **node}]}


# Where each kind sits in a scenario, and the loader that reads it -------------------------------------
def _host_with(**extra: Any) -> Callable[[], object]:
    return lambda: Host.from_dict(linux_host(**extra))


PLACES: dict[str, Callable[[dict[str, Any]], Callable[[], object]]] = {
    "network": lambda bad: lambda: Network.from_dict({**network(), **bad}),
    "segment": lambda bad: lambda: Network.from_dict({**network(), "segments": [{"name": "lan", **bad}]}),
    "node": lambda bad: lambda: Network.from_dict(network(**bad)),
    "node interface": lambda bad: lambda: Network.from_dict({**network(), "hosts": [{"name": "a", "interfaces": [
        {"name": "eth0", "segment": "lan", "addresses": ["10.0.0.2/24"], **bad}]}]}),
    "host": lambda bad: _host_with(**bad),
    "interface": lambda bad: lambda: Host.from_dict(linux_host(interfaces=[
        {"name": "eth0", "addresses": ["172.16.112.123/24"], **bad}])),
    "address": lambda bad: lambda: Host.from_dict(linux_host(interfaces=[
        {"name": "eth0", "addresses": [{"address": "172.16.112.123/24", **bad}]}])),
    "route": lambda bad: _host_with(routes=[{"destination": "10.0.0.0/8", "gateway": "172.16.112.9", **bad}]),
    "saved route": lambda bad: _host_with(table=[{"destination": "10.0.0.0/8", **bad}]),
    "table": lambda bad: lambda: table_from_scenario({"routes": [], **bad}),
}


def test_every_kind_has_a_place() -> None:
    assert set(PLACES) | {"sysctl"} == {kind.name for kind in schema.KINDS}


def allowed_in(message: str) -> set[str]:
    return set(re.search(r"allowed: ([a-z_, ]+);", message).group(1).split(", "))


def documented() -> dict[str, set[str]]:
    """The keys docs/scenario-format.md lists under each heading, with the base kind's for a kind that has one."""
    found: dict[str, set[str]] = {}
    heading = ""
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:]
            found[heading] = set()
        elif heading and (key := re.match(r"\| `([a-z_]+)` \|", line)):
            found[heading].add(key.group(1))
    for kind in schema.KINDS:
        if kind.base is not None:
            found[kind.title] |= found[kind.base.title]
    return found


def test_the_document_is_generated_from_the_schema() -> None:
    assert DOCS.read_text(encoding="utf-8") == schema.markdown(), \
        "docs/scenario-format.md is out of date: run `python docs/make_scenario_format.py`"


@pytest.mark.parametrize("kind", [kind for kind in schema.KINDS if kind.name != "sysctl"], ids=lambda k: k.name)
def test_loader_accepts_exactly_what_the_schema_declares_and_the_docs_list(kind: schema.Kind) -> None:
    with pytest.raises(ScenarioError, match=rf"unknown key\(s\) '{UNKNOWN}'.*e\.g\.") as refused:
        PLACES[kind.name]({UNKNOWN: 1})()
    assert allowed_in(str(refused.value)) == kind.names() == documented()[kind.title]


def test_sysctl_accepts_what_the_schema_declares() -> None:
    with pytest.raises(ScenarioError, match=r"not modelled; the modelled ones are (.*); e\.g\.") as refused:
        Host.from_dict(linux_host(sysctl={UNKNOWN: 1}))
    listed = re.search(r"modelled ones are ([a-z_, ]+);", str(refused.value)).group(1).split(", ")
    assert set(listed) == schema.SYSCTL.names() == documented()[schema.SYSCTL.title]


def test_the_keys_only_some_stacks_model_come_from_the_schema() -> None:
    assert OPTIONAL_KEYS == schema.optional_keys()
    assert set(OPTIONAL_KEYS["sysctl"]) == schema.SYSCTL.names()


# Saving ----------------------------------------------------------------------------------------------
def everything() -> dict[str, Any]:
    """A linux network that sets every key a saver can write."""
    routes = [{"destination": "10.9.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.1", "interface": "eth0",
               "metric": 3, "source": "10.0.0.2", "origin": "persistent"},
              {"destination": "10.8.0.0/16", "type": "blackhole", "how": "append"},
              {"destination": "10.7.0.0/16", "gateway": "192.0.2.1", "interface": "eth0", "onlink": True}]
    return {"name": "all", "personality": "linux", "seed": 3, "segments": [{"name": "lan"}, {"name": "wan"}],
            "hosts": [{"name": "a", "running": True, "duplicate_detection": "rfc5227", "arp_accept": 1,
                       "igmp_version": 3, "igmp_level": 2, "groups": {"eth0": ["239.1.2.3"]},
                       "unplugged": ["eth1"], "sysctl": {"rp_filter": 2, "ignore_routes_with_linkdown": 1,
                                                         "promote_secondaries": 1, "arp_ignore": 1,
                                                         "arp_announce": 2},
                       "routes": routes,
                       "interfaces": [{"name": "eth0", "segment": "lan", "mac": "00-DD-01-0F-7A-B5", "metric": 5,
                                       "gateway": "10.0.0.1",
                                       "addresses": [{"address": "10.0.0.2", "prefixlen": 24, "scope": "link"},
                                                     {"address": "10.0.2.3", "netmask": "255.255.255.0",
                                                      "noprefixroute": True}]},
                                      {"name": "eth1", "segment": "wan", "addresses": ["10.1.0.2/24"],
                                       "up": False, "carrier": False}]}],
            "routers": [{"name": "r", "forwarding": True, "redirects": False, "multicast_routing": True,
                         "rip": {"version": 2, "split_horizon": "poison-reverse"},
                         "igmp_querier": True, "anti_spoofing": ["lan0"],
                         "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]},
                                        {"name": "wan0", "segment": "wan", "addresses": ["10.1.0.1/24"]}]}]}


def saved_keys(data: dict[str, Any]) -> Iterator[tuple[str, set[str]]]:
    """(kind name, keys) for every mapping of a saved network."""
    yield "network", set(data)
    for segment in data["segments"]:
        yield "segment", set(segment)
    for node in data["hosts"] + data["routers"]:
        yield "node", set(node)
        yield "sysctl", set(node.get("sysctl", {}))
        for interface in node["interfaces"]:
            yield "node interface", set(interface)
            for address in interface["addresses"]:
                if isinstance(address, dict):
                    yield "address", set(address)
        for route in node.get("routes", []):
            yield "route", set(route)
        for route in node.get("table", []) + node.get("persistent_routes", []):
            yield "saved route", set(route)


def test_the_savers_write_only_declared_keys_and_can_write_every_saved_one() -> None:
    net = Network.from_dict(everything())
    written: dict[str, set[str]] = {}
    for kind, keys in saved_keys(net.to_dict()):
        written.setdefault(kind, set()).update(keys)
    written["table"] = set(table_scenario(net.host("a").table))
    written["host"] = set(Host.from_dict(linux_host(forwarding=True)).to_dict(include_table=True))
    written["interface"] = set(host_scenario(Host.from_dict(linux_host()))["interfaces"][0]) | {
        "mac", "gateway", "metric", "segment", "up", "carrier"} & written["node interface"]
    written["host"] |= written["node"] & schema.HOST.names()
    weak = Network.from_dict({"personality": "windows", "segments": [{"name": "lan"}], "hosts": [
        {"name": "w", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.9/24"],
                                     "weakhostsend": True, "weakhostreceive": True}]}]})
    weak_keys = set(weak.to_dict()["hosts"][0]["interfaces"][0])
    written["node interface"] |= weak_keys
    written["interface"] |= weak_keys & {"weakhostsend", "weakhostreceive"}
    for kind in schema.KINDS:
        assert written[kind.name] == kind.saved_names(), kind.name


def test_a_saver_refuses_a_key_the_schema_lacks() -> None:
    with pytest.raises(AssertionError, match=r"undeclared key.*colour.*workbook\.net\.schema"):
        schema.HOST.saving({"name": "h", "colour": "red"})


def test_the_full_network_round_trips() -> None:
    net = Network.from_dict(everything())
    assert Network.from_dict(net.to_dict()).to_dict() == net.to_dict()


@pytest.mark.parametrize("name", scenario_names())
def test_every_shipped_scenario_round_trips_identically(name: str) -> None:
    data = load_scenario(name)
    load = Network.from_dict if "segments" in data else Host.from_dict
    saved = load(data).to_dict()
    read = copy.deepcopy(saved)
    assert load(read).to_dict() == saved
    assert read == saved  # loading leaves the dict it reads as it was


# Every example the schema (and so the document) gives is a valid value ------------------------------------
CONTEXT = {  # what some examples need around them
    ("route", "type"): {"gateway": None},
    ("route", "onlink"): {"interface": "eth0"},
    ("route", "netmask"): {"destination": "10.0.0.0"},
    ("address", "netmask"): {"address": "172.16.112.123"},
    ("address", "prefixlen"): {"address": "172.16.112.123"},
}


#: Keys whose example only the windows personality models.
WINDOWS_ONLY = {("interface", "weakhostsend"), ("interface", "weakhostreceive")}


def examples() -> Iterator[tuple[str, str, Callable[[], object]]]:
    for kind in (schema.HOST, schema.INTERFACE, schema.ADDRESS, schema.ROUTE, schema.SYSCTL, schema.SAVED_ROUTE,
                 schema.NETWORK, schema.SEGMENT, schema.TABLE):
        for item in kind.own_fields():
            entry = {item.name: copy.deepcopy(item.example)}
            around = CONTEXT.get((kind.name, item.name), {})
            if kind is schema.SYSCTL:
                yield kind.name, item.name, _host_with(sysctl=entry)
            elif kind is schema.ADDRESS:
                yield kind.name, item.name, PLACES["address"]({**entry, **around})
            elif kind is schema.ROUTE:
                spec = {k: v for k, v in {**schema.ROUTE.example, **entry, **around}.items() if v is not None}
                yield kind.name, item.name, _host_with(routes=[spec])
            elif (kind.name, item.name) in WINDOWS_ONLY:
                yield kind.name, item.name, lambda entry=entry: Host.from_dict({**linux_host(interfaces=[
                    {"name": "eth0", "addresses": ["172.16.112.123/24"], **entry}]), "personality": "windows"})
            else:
                yield kind.name, item.name, PLACES[kind.name]({**entry, **around})
    for item in schema.NODE.own_fields():
        entry = {item.name: copy.deepcopy(item.example)}
        if item.name == "anti_spoofing":
            entry = {item.name: ["eth0"]}  # the example names a router's interface
        yield "node", item.name, lambda entry=entry: Network.from_dict({**network(**entry), "personality": "linux"})


@pytest.mark.parametrize(("kind", "key", "load"), list(examples()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_example_is_accepted(kind: str, key: str, load: Callable[[], object]) -> None:
    load()


@pytest.mark.parametrize("kind", [schema.HOST, schema.NETWORK, schema.TABLE], ids=lambda k: k.name)
def test_each_kind_example_loads(kind: schema.Kind) -> None:
    {"host": Host.from_dict, "network": Network.from_dict, "table": table_from_scenario}[kind.name](kind.example)


# Errors name their place ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "change", "message"), [
    ("hosts[1].interfaces[0].addresses[1]", lambda d: d["hosts"][1]["interfaces"][0]["addresses"].append("10.0.0.0/24"),
     "'10.0.0.0/24' is the network or broadcast address"),
    ("hosts[1].interfaces[0]", lambda d: d["hosts"][1]["interfaces"][0].update(colour="red"),
     r"unknown key\(s\) 'colour'; allowed: .*segment"),
    ("routers[0].interfaces[1]", lambda d: d["routers"][0]["interfaces"][1].pop("segment"), "names no segment"),
    ("routers[0]", lambda d: d["routers"][0].update(igmp_version=4), "igmp_version 4"),
    ("hosts[0].routes[0]", lambda d: d["hosts"][0].update(routes=[{"destination": "10.0.0.0/8", "via": "x"}]),
     r"unknown key\(s\) 'via'"),
    ("hosts[0]: table[2] of host 'nt-host'", lambda d: d["hosts"][0]["table"][2].update(destination="10.1.2"),
     "'10.1.2'"),
    ("segments[2]", lambda d: d["segments"].append({"nmae": "x"}), r"unknown key\(s\) 'nmae'"),
])
def test_an_error_names_the_path_to_the_bad_value(path: str, change: Callable[[dict], Any], message: str) -> None:
    data = Network.from_scenario("seed-lan").to_dict()
    change(data)
    with pytest.raises(WorkbookError, match=rf"^{re.escape(path)}: .*{message}") as refused:
        Network.from_dict(data)
    assert "e.g." in str(refused.value)


def test_a_host_file_error_names_its_path_too() -> None:
    with pytest.raises(WorkbookError, match=r"^interfaces\[1\]\.addresses\[0\]: .*'10\.0\.0\.255/24' is the "
                                            r"network or broadcast address"):
        Host.from_dict(linux_host(interfaces=[{"name": "eth0", "addresses": ["172.16.112.123/24"]},
                                              {"name": "eth1", "addresses": ["10.0.0.255/24"]}]))
    with pytest.raises(WorkbookError, match=r"^routes\[2\]: unknown key|^routes\[2\]: route of host 'h' has"):
        Host.from_dict(linux_host(routes=[{"destination": "10.0.0.0/8"}] * 2 + [{"destination": "10/8", "x": 1}]))


def test_a_table_file_error_names_the_route() -> None:
    with pytest.raises(ScenarioError, match=r"^routes\[1\]: route lacks 'destination'; e\.g\."):
        table_from_scenario({"routes": [{"destination": "10.0.0.0/8"}, {"gateway": "10.0.0.1"}]})


def test_the_path_keeps_the_error_type_and_its_attributes() -> None:
    from workbook.errors import RouteRefusedError

    error = RouteRefusedError("a blackhole route has no gateway", "Error: ...")
    with pytest.raises(RouteRefusedError) as caught, schema.at("hosts", 0), schema.at("routes", 3):
        raise error
    assert caught.value.kernel_message == "Error: ..." and caught.value.scenario_path == ("hosts", 0, "routes", 3)
    assert str(caught.value).startswith("hosts[0].routes[3]: a blackhole route has no gateway")


# A protocol's keys plug in, at host or interface level ------------------------------------------------------
class Beacon(Protocol):
    """A toy with one host-level key and one interface-level key (as DHCP's ``dhcp: true`` would be)."""

    name = "beacon"
    keys = (
        ScenarioKey("beacon_every", example=5, default=30, kind=int, help="seconds between beacons"),
        ScenarioKey("beacon", example=True, default=lambda node: {}, kind=bool, level="interface", omit_when_empty=True,
                    load=lambda protocol, values: setattr(protocol, "on", dict(values)),
                    save=lambda protocol: protocol.on, help="this interface sends beacons"),
    )


@pytest.fixture
def beacon() -> Iterator[type[Beacon]]:
    PROTOCOLS.register(Beacon)
    try:
        yield Beacon
    finally:
        PROTOCOLS.unregister(Beacon)


def test_a_protocols_keys_join_the_schema_while_it_is_registered(beacon: type[Beacon]) -> None:
    assert "beacon_every" in schema.NODE.names() and "beacon" in schema.NODE_INTERFACE.names()
    assert "declared by the `beacon` protocol" in schema.markdown()
    data = network(beacon_every=7)
    data["hosts"][0]["interfaces"][0]["beacon"] = True
    net = Network.from_dict(data)
    assert net.host("a").protocols["beacon"].on == {"eth0": True}
    saved = net.to_dict()
    assert saved["hosts"][0]["beacon_every"] == 7 and saved["hosts"][0]["interfaces"][0]["beacon"] is True
    assert Network.from_dict(saved).to_dict() == saved
    data["hosts"][0]["interfaces"][0]["beacon"] = "yes"
    with pytest.raises(ScenarioError, match=r"^hosts\[0\]\.interfaces\[0\]: beacon 'yes' of 'a' must be true or "
                                            r"false.*e\.g\. beacon: true"):
        Network.from_dict(data)
    del data["hosts"][0]["beacon_every"]
    PROTOCOLS.unregister(beacon)
    try:
        assert "beacon" not in schema.NODE_INTERFACE.names()
        with pytest.raises(ScenarioError, match=r"interfaces\[0\]: .*unknown key\(s\) 'beacon'"):
            Network.from_dict(data)
    finally:
        PROTOCOLS.register(beacon)


def test_a_protocol_cannot_take_a_configuration_key() -> None:
    class Thief(Protocol):
        name = "thief"
        keys = (ScenarioKey("gateway", example="10.0.0.1", level="interface"),)

    with pytest.raises(ValueError, match="'gateway', which a interface entry already has"):
        PROTOCOLS.register(Thief)
    assert "thief" not in [p.name for p in PROTOCOLS]
