"""A hypothesis strategy for whole hosts: interfaces, addresses, routes of every kind, any personality."""

from __future__ import annotations

from hypothesis import strategies as st

from workbook import Host, WorkbookError
from workbook.net.addresses import MASKS, format_address

_SUBNETS = [(0x0A000000, 24), (0x0A000000, 16), (0x0A010000, 24), (0xC0A80100, 28), (0xAC100000, 30),
            (0xC0A80000, 16)]


@st.composite
def host_configs(draw: st.DrawFn, personality: str) -> dict:
    """A host dict: 1-3 interfaces with 1-2 addresses each (linux: also scopes, links down or without
    carrier); the routes come separately (:func:`route_specs`), added one by one."""
    linux = personality == "linux"
    interfaces, used = [], set()
    for index in range(draw(st.integers(1, 3))):
        addresses = []
        for _ in range(draw(st.integers(1, 2))):
            network, prefixlen = draw(st.sampled_from(_SUBNETS))
            address = network + draw(st.integers(1, (1 << (32 - prefixlen)) - 2))
            if address in used:
                continue
            used.add(address)
            text = f"{format_address(address)}/{prefixlen}"
            if linux and draw(st.integers(0, 9)) == 0:
                addresses.append({"address": text, "noprefixroute": True})
            else:
                addresses.append(text)
        interface = {"name": f"eth{index}", "addresses": addresses}
        if linux:
            interface["up"] = draw(st.integers(0, 9)) > 0
            interface["carrier"] = draw(st.integers(0, 9)) > 0
        interfaces.append(interface)
    config = {"name": "h", "personality": personality, "interfaces": interfaces}
    if linux:
        config["sysctl"] = {"ignore_routes_with_linkdown": draw(st.sampled_from([0, 1]))}
    return config


@st.composite
def route_specs(draw: st.DrawFn, config: dict) -> list[dict]:
    """Routes to add: random prefixes (several metrics of one prefix, nested ones), gateways in the host's
    subnets or at its own addresses; on linux also reject routes, onlink and append/prepend."""
    linux = config["personality"] == "linux"
    own = [a if isinstance(a, str) else a["address"] for i in config["interfaces"] for a in i["addresses"]]
    specs = []
    for _ in range(draw(st.integers(0, 8))):
        prefixlen = draw(st.sampled_from([0, 3, 4, 8, 12, 16, 24, 28, 32]))
        base = draw(st.sampled_from([0x0A000000, 0x0A010000, 0xE0000000, 0xC0A80000, 0x08080808]))
        spec: dict = {"destination": f"{format_address(base & MASKS[prefixlen])}/{prefixlen}",
                      "metric": draw(st.sampled_from([1, 1, 2, 5]))}
        if linux and draw(st.integers(0, 7)) == 0:
            spec["type"] = draw(st.sampled_from(["unreachable", "blackhole", "prohibit", "throw"]))
            specs.append(spec)
            continue
        interface = draw(st.sampled_from(config["interfaces"]))
        spec["interface"] = interface["name"]
        if draw(st.booleans()) and own:
            text = draw(st.sampled_from(own))
            address, _, length = text.partition("/")
            network = int.from_bytes(bytes(map(int, address.split("."))), "big") & MASKS[int(length)]
            gateway = network + draw(st.integers(1, 2))
            spec["gateway"] = draw(st.sampled_from([format_address(gateway), address]))
        if linux:
            spec["how"] = draw(st.sampled_from(["add", "append", "prepend"]))
        specs.append(spec)
    return specs


def build(config: dict, specs: list[dict]) -> Host:
    """The host with as many of ``specs`` added as its stack accepts (refusals are part of the model)."""
    host = Host.from_dict(config)
    for spec in specs:
        try:
            host.add_route(dict(spec))
        except WorkbookError:
            pass
    return host
