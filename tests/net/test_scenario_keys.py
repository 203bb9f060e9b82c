"""The scenario keys Linux models (issue 11): what they do, and bad values refused with the key, the value
and a valid example. A stack that does not model a key refuses a value that would change something."""

from __future__ import annotations

import pytest

from workbook import DestinationKind, Host, WorkbookError
from workbook.errors import RouteRefusedError


def linux(interfaces=None, routes=None, sysctl=None, personality="linux") -> Host:
    data = {"name": "h", "personality": personality,
            "interfaces": interfaces or [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]}
    if routes is not None:
        data["routes"] = routes
    if sysctl is not None:
        data["sysctl"] = sysctl
    return Host.from_dict(data)


# What the keys do ------------------------------------------------------------------------------
def test_an_address_without_a_length_is_a_host_address_on_linux():
    host = linux([{"name": "eth0", "addresses": ["10.0.0.5"]}])
    assert str(host.interface("eth0").addresses[0]) == "10.0.0.5/32"
    assert host.route_get("10.0.0.9").kind is DestinationKind.UNREACHABLE  # no prefix route for a /32


def test_noprefixroute_and_link_scope():
    host = linux([{"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "noprefixroute": True}]},
                  {"name": "eth1", "addresses": [{"address": "10.1.0.5/24", "scope": "link"}]}])
    assert host.route_get("10.0.0.9").reason == "network unreachable"
    assert str(host.route_get("10.1.0.9").source) == "10.1.0.5"


def test_reject_routes_answer_as_ip_route_get_does():
    host = linux(routes=[{"destination": f"10.{n}.0.0/16", "type": kind} for n, kind in
                         enumerate(["unreachable", "blackhole", "prohibit", "throw"], start=20)])
    reasons = [host.route_get(f"10.{n}.1.1").reason for n in range(20, 24)]
    assert reasons == ["host unreachable", "invalid argument", "permission denied", "network unreachable"]
    assert "blackhole route" in host.route_get("10.21.1.1").explain()


def test_a_prefix_at_two_metrics_append_and_prepend():
    host = linux(routes=[
        {"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "metric": 10},
        {"destination": "0.0.0.0/0", "gateway": "10.0.0.2", "metric": 5},
        {"destination": "0.0.0.0/0", "gateway": "10.0.0.3", "metric": 5, "how": "prepend"},
    ])
    assert str(host.route_get("8.8.8.8").gateway) == "10.0.0.3"
    assert host.route_get("8.8.8.8").lookup.rule == "prepended"
    with pytest.raises(RouteRefusedError, match="File exists") as refused:
        host.add_route({"destination": "0.0.0.0/0", "gateway": "10.0.0.4", "metric": 10})
    assert refused.value.kernel_message == "RTNETLINK answers: File exists"
    host.add_route({"destination": "0.0.0.0/0", "gateway": "10.0.0.4", "metric": 10}, how="append")


def test_own_address_gateway_and_onlink():
    host = linux(routes=[{"destination": "192.168.50.0/24", "gateway": "10.0.0.5", "interface": "eth0"},
                         {"destination": "192.168.51.0/24", "gateway": "192.0.2.1", "interface": "eth0",
                          "onlink": True}])
    assert host.route_get("192.168.50.7").gateway is None  # the "several logical subnets" trick
    assert str(host.route_get("192.168.51.7").gateway) == "192.0.2.1"
    with pytest.raises(RouteRefusedError, match="Nexthop has invalid gateway"):
        host.add_route({"destination": "192.168.52.0/24", "gateway": "192.0.2.1", "interface": "eth0"})


def test_links_down_and_without_carrier():
    interfaces = [{"name": "eth0", "addresses": ["10.0.0.5/24"], "up": False},
                  {"name": "eth1", "addresses": ["10.1.0.5/24"], "carrier": False}]
    host = linux(interfaces)
    assert host.route_get("10.0.0.5").kind is DestinationKind.LOCAL  # the address stays this host's
    assert host.route_get("10.0.0.9").reason == "network unreachable"
    assert host.route_get("10.1.0.9").interface == "eth1"
    ignoring = linux(interfaces, sysctl={"ignore_routes_with_linkdown": 1})
    assert ignoring.route_get("10.1.0.9").reason == "network unreachable"
    assert "no carrier" in ignoring.table.lookup("10.1.0.9").explain()


def test_forwarding_and_rp_filter_on_the_input_path():
    interfaces = [{"name": "eth0", "addresses": ["10.0.0.5/24"]}, {"name": "eth1", "addresses": ["10.1.0.5/24"]}]
    host = linux(interfaces)
    assert host.route_get("10.1.0.9", "10.0.0.9", input_interface="eth0").reason == "host unreachable"
    assert host.route_get("10.1.0.5", "10.0.0.9", input_interface="eth0").kind is DestinationKind.LOCAL
    router = linux(interfaces, sysctl={"forwarding": 1, "rp_filter": 1})
    assert router.forwarding and router.route_get("10.1.0.9", "10.0.0.9", input_interface="eth0").interface == "eth1"
    spoofed = router.route_get("10.1.0.9", "10.1.0.7", input_interface="eth0")
    assert spoofed.reason == "invalid argument" and "reverse-path" in spoofed.explain()
    loose = linux(interfaces, sysctl={"forwarding": 1, "rp_filter": 2})
    assert loose.route_get("10.1.0.9", "10.1.0.7", input_interface="eth0").interface == "eth1"


def test_promote_secondaries():
    interfaces = [{"name": "eth0", "addresses": ["10.0.0.5/24", "10.0.0.6/24"]}]
    kept = linux(interfaces, sysctl={"promote_secondaries": 1})
    kept.delete_address("10.0.0.5")
    assert [str(a) for a in kept.addresses] == ["10.0.0.6"] and str(kept.route_get("10.0.0.9").source) == "10.0.0.6"
    lost = linux(interfaces)
    lost.delete_address("10.0.0.5")
    assert lost.addresses == [] and lost.route_get("10.0.0.9").reason == "network unreachable"


def test_settings_survive_saving_and_loading():
    host = linux([{"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "scope": "link"}], "carrier": False}],
                 routes=[{"destination": "10.9.0.0/16", "type": "blackhole"}], sysctl={"rp_filter": 2})
    again = Host.from_dict(host.to_dict())
    assert again.to_dict() == host.to_dict() and again.sysctl["rp_filter"] == 2


# Bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "message"), [
    ({"sysctl": {"rp_filter": 3}}, r"sysctl rp_filter .* is 3, not one of 0, 1, 2; e\.g\. \{'rp_filter': 2\}"),
    ({"sysctl": {"tcp_syncookies": 1}}, r"sysctl 'tcp_syncookies' .* not modelled.*e\.g\."),
    ({"sysctl": ["rp_filter"]}, r"sysctl of host 'h' must be a mapping"),
    ({"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"], "up": "no"}]},
     r"up 'no' of interface 'eth0' must be true or false; e\.g\. false"),
    ({"interfaces": [{"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "scope": "site"}]}]},
     r"scope 'site' .* is not one of 'global', 'link', 'host'; e\.g\. 'link'"),
    ({"interfaces": [{"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "noprefixroute": "yes"}]}]},
     r"noprefixroute 'yes' .* must be true or false"),
    ({"interfaces": [{"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "brd": "+"}]}]},
     r"unknown key\(s\) 'brd'.*e\.g\."),
    ({"routes": [{"destination": "10.9.0.0/16", "type": "nat"}]},
     r"type 'nat' is not one of 'unicast', 'unreachable', 'blackhole', 'prohibit', 'throw'; e\.g\. 'blackhole'"),
    ({"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "onlink": 1}]},
     r"onlink 1 must be true or false; e\.g\. true"),
    ({"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "how": "replace"}]},
     r"how 'replace' .* not 'add', 'append' or 'prepend'; e\.g\. 'append'"),
])
def test_bad_values_of_the_new_keys_name_key_value_and_an_example(data, message):
    base = {"name": "h", "personality": "linux", "interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]}
    with pytest.raises(WorkbookError, match=message):
        Host.from_dict({**base, **data})


@pytest.mark.parametrize("personality", ["nt4", "nt35", "windows"])
@pytest.mark.parametrize(("data", "key"), [
    ({"sysctl": {"rp_filter": 1}}, "rp_filter"),
    ({"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"], "carrier": False}]}, "carrier"),
    ({"interfaces": [{"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "scope": "link"}]}]}, "scope"),
    ({"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "type": "blackhole"}]}, "type"),
    ({"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "onlink": True}]}, "onlink"),
    ({"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "how": "append"}]}, "how"),
    ({"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5"]}]}, "no netmask"),
])
def test_other_stacks_refuse_what_they_do_not_model(personality, data, key):
    base = {"name": "h", "personality": personality, "interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]}
    with pytest.raises(WorkbookError, match=key) as refused:
        Host.from_dict({**base, **data})
    assert "linux" in str(refused.value) or key == "no netmask"


def test_other_stacks_accept_the_values_that_change_nothing():
    host = Host.from_dict({"name": "h", "personality": "nt4", "interfaces": [
        {"name": "eth0", "addresses": [{"address": "10.0.0.5/24", "scope": "global"}], "up": True, "carrier": True}],
        "routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "type": "unicast", "onlink": False}]})
    assert host.route_get("10.9.1.1").interface == "eth0"
    with pytest.raises(WorkbookError, match="only the linux personality models"):
        host.delete_address("10.0.0.5")


# Datagrams that arrive, on the other stacks (modelled after RFC 1122 and RFC 1812) --------------
@pytest.mark.parametrize("personality", ["nt4", "windows"])
def test_a_datagram_that_arrives_is_delivered_forwarded_or_refused(personality):
    data = {"name": "h", "personality": personality, "interfaces": [
        {"name": "eth0", "addresses": ["10.0.0.5/24"]}, {"name": "eth1", "addresses": ["10.1.0.5/24"]}]}
    host = Host.from_dict(data)
    assert host.route_get("10.0.0.5", "10.0.0.9", input_interface="eth0").kind is DestinationKind.LOCAL
    refused = host.route_get("10.1.0.9", "10.0.0.9", input_interface="eth0")
    assert refused.reason == "host unreachable" and "not confirmed" in refused.explain()
    other_card = host.route_get("10.1.0.5", "10.0.0.9", input_interface="eth0")
    assert other_card.reachable == (host.personality.host_model == "weak")
    router = Host.from_dict({**data, "forwarding": True})
    forwarded = router.route_get("10.1.0.9", "10.0.0.9", input_interface="eth0")
    assert forwarded.interface == "eth1" and forwarded.input_interface == "eth0" and str(forwarded.source) == "10.0.0.9"


# Where: every message starts with the path to the bad value (the one scenario schema) ----------------------
@pytest.mark.parametrize(("data", "path"), [
    ({"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"], "up": "no"}]}, "interfaces[0]"),
    ({"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24", {"address": "10.0.0.6/24", "scope": "site"}]}]},
     "interfaces[0].addresses[1]"),
    ({"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]},
                     {"name": "eth1", "addresses": [{"address": "10.1.0.5/24", "brd": "+"}]}]},
     "interfaces[1].addresses[0]"),
    ({"routes": [{"destination": "10.8.0.0/16", "type": "blackhole"}, {"destination": "10.9.0.0/16", "type": "nat"}]},
     "routes[1]"),
    ({"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "via": "eth0"}]}, "routes[0]"),
])
def test_bad_values_name_the_path_to_them(data, path):
    base = {"name": "h", "personality": "linux", "interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]}
    with pytest.raises(WorkbookError) as refused:
        Host.from_dict({**base, **data})
    assert str(refused.value).startswith(f"{path}: ") and "e.g." in str(refused.value)


@pytest.mark.parametrize(("where", "data"), [
    ("host", {"colour": "red"}),
    ("interface", {"interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"], "colour": "red"}]}),
    ("route", {"routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.1", "colour": "red"}]}),
])
def test_unknown_keys_are_refused_with_the_known_ones(where, data):
    from workbook.net.schema import HOST, INTERFACE, ROUTE

    kind = {"host": HOST, "interface": INTERFACE, "route": ROUTE}[where]
    base = {"name": "h", "personality": "linux", "interfaces": [{"name": "eth0", "addresses": ["10.0.0.5/24"]}]}
    with pytest.raises(WorkbookError, match=r"unknown key\(s\) 'colour'; allowed: (.*); e\.g\.") as refused:
        Host.from_dict({**base, **data})
    listed = str(refused.value).split("allowed: ")[1].split(";")[0].split(", ")
    assert listed == sorted(kind.names())
