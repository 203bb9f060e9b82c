"""Bad input raises the right WorkbookError, naming the bad value with an example; nothing is left half-built."""

from __future__ import annotations

import copy

import pytest

from workbook.errors import ScenarioError, SimulationError, TopologyError, WorkbookError
from workbook.sim import Network

from .helpers import host, lan


def base() -> dict:
    return {"segments": [{"name": "lan"}], "hosts": [host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24")]}


def test_unknown_host() -> None:
    net = Network.from_dict(base())
    with pytest.raises(TopologyError, match=r"'nobody'.*it has a, b"):
        net.host("nobody")
    with pytest.raises(TopologyError, match="'nobody'"):
        net.send("nobody", "10.0.0.2")


def test_two_segments_with_one_name() -> None:
    data = base()
    data["segments"].append({"name": "lan"})
    with pytest.raises(TopologyError, match="'lan'"):
        Network.from_dict(data)


def test_interface_on_an_unknown_segment_names_the_valid_ones() -> None:
    data = base()
    data["hosts"][1]["interfaces"][0]["segment"] = "wan"
    with pytest.raises(TopologyError, match=r"'wan'.*segments: lan"):
        Network.from_dict(data)


def test_interface_without_a_segment_shows_an_example() -> None:
    data = base()
    del data["hosts"][1]["interfaces"][0]["segment"]
    with pytest.raises(TopologyError, match="'segment': 'lan'"):
        Network.from_dict(data)


def test_gateway_on_no_attached_segment() -> None:
    data = base()
    data["hosts"][0]["interfaces"][0]["gateway"] = "192.168.9.1"
    with pytest.raises(WorkbookError, match=r"192.168.9.1") as error:
        Network.from_dict(data)
    assert "10.0.0" in str(error.value)  # a reachable example


@pytest.mark.parametrize("mac", ["01-00-5E-01-02-03", "FF-FF-FF-FF-FF-FF", "00-00-00-00-00-00"])
def test_non_unicast_mac(mac: str) -> None:
    data = base()
    data["hosts"][0]["interfaces"][0]["mac"] = mac
    with pytest.raises(WorkbookError) as error:
        Network.from_dict(data)
    assert mac in str(error.value).upper().replace(":", "-")
    assert "e.g." in str(error.value)


def test_send_from_a_host_whose_ip_is_disabled() -> None:
    net = Network.from_scenario("dad-lan")
    net.host("newcomer").start()
    net.run(5)
    with pytest.raises(SimulationError, match="'newcomer'"):
        net.send("newcomer", "172.16.48.7")
    with pytest.raises(SimulationError, match="'newcomer'"):
        net.send("newcomer", "172.16.48.7", source="172.16.48.123")


@pytest.mark.parametrize(("kwargs", "bad"), [({"ttl": 0}, "0"), ({"ttl": 300}, "300"), ({"ttl": True}, "True"),
                                             ({"protocol": "sctp"}, "sctp")])
def test_bad_send_arguments(kwargs: dict, bad: str) -> None:
    net = Network.from_dict(base())
    with pytest.raises(SimulationError, match=bad):
        net.send("a", "10.0.0.3", **kwargs)


def test_bad_destination_address() -> None:
    net = Network.from_dict(base())
    with pytest.raises(WorkbookError, match=r"10.0.0.300.*e.g."):
        net.send("a", "10.0.0.300")


def test_runaway_event_queue() -> None:
    net = Network(max_events=50)
    net.add_segment("lan")
    net.add_node(host("a", "10.0.0.2/24"))
    net.add_node(host("b", "10.0.0.3/24"))

    def storm() -> None:
        net.clock.schedule(0.0, storm)

    net.clock.schedule(0.0, storm)
    with pytest.raises(SimulationError, match=r"50.*max_events=") as error:
        net.run(1)
    assert "e.g." in str(error.value)


@pytest.mark.parametrize("key,value", [("igmp_version", 3), ("igmp_level", 5), ("duplicate_detection", "maybe"),
                                       ("running", "yes")])
def test_bad_simulation_keys(key: str, value: object) -> None:
    data = base()
    data["hosts"][0][key] = value
    with pytest.raises(ScenarioError, match=repr(value)):
        Network.from_dict(data)


def _snapshot(net: Network) -> tuple:
    return (list(net.segments), {name: len(seg.ports) for name, seg in net.segments.items()}, list(net.nodes),
            len(net.frames), len(net.log), net._macs)


@pytest.mark.parametrize("bad", [
    {"name": "c", "interfaces": [{"name": "eth0", "segment": "wan", "addresses": ["10.0.0.4/24"]}]},
    {"name": "c", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.4/24"]}],
     "igmp_version": 7},
    {"name": "c", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.4/24"],
                                  "gateway": "192.168.1.1"}]},
    {"name": "c", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.4/24"]}],
     "unplugged": ["eth9"]},
    {"name": "c", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.4/24"],
                                  "mac": "01-00-5E-00-00-01"}]},
    {"name": "a", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.4/24"]}]},
])
def test_failed_add_leaves_the_network_unchanged(bad: dict) -> None:
    net = Network.from_dict(base())
    before = _snapshot(net)
    with pytest.raises(WorkbookError):
        net.add_node(copy.deepcopy(bad))
    assert _snapshot(net) == before
    assert net.send("a", "10.0.0.3").delivered


def test_failed_add_segment_leaves_the_network_unchanged() -> None:
    net = Network.from_dict(base())
    with pytest.raises(TopologyError, match="''"):
        net.add_segment("")
    with pytest.raises(TopologyError):
        net.add_segment("lan")
    assert list(net.segments) == ["lan"]


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        Network.from_dict({"segments": []})
    with pytest.raises(ScenarioError, match=r"e.g."):
        Network.from_dict({"segments": []})
    assert lan(host("a", "10.0.0.2/24")).host("a").name == "a"


def test_bound_source_on_a_disabled_interface_of_a_multihomed_host() -> None:
    data = {"segments": [{"name": "lan"}, {"name": "dmz"}],
            "hosts": [host("defender", "10.0.0.5/24"),
                      {"name": "m", "running": False, "interfaces": [
                          {"name": "nic1", "segment": "lan", "addresses": ["10.0.0.5/24"]},
                          {"name": "nic2", "segment": "dmz", "addresses": ["192.168.5.10/24"]}]}]}
    net = Network.from_dict(data)
    m = net.host("m")
    m.start()
    net.run(5)
    assert not m.ip_enabled("nic1") and m.ip_enabled("nic2")
    with pytest.raises(SimulationError, match=r"10\.0\.0\.5.*nic1"):
        net.send("m", "192.168.5.20", source="10.0.0.5")
    assert net.send("m", "192.168.5.20").drop_reason == "arp got no answer"  # nic2 still works
