"""The engine's `linux` personality against the real kernel, field by field of `ip -j route get`.

Each configuration is generated at random from a seed: 1-3 veth links (some
down, some without carrier: a veth whose peer is down), 1-3 addresses each
(secondaries, addresses without a length, scopes, noprefixroute), sysctls
(forwarding, rp_filter 0/1/2, ignore_routes_with_linkdown,
promote_secondaries), routes added with ``ip route add|append|prepend``
(one prefix at several metrics, gateways that are the host's own address,
``onlink``, reject routes, a preferred ``src``), then an address or two
deleted. It is built twice: with ``ip`` in namespace A (the veth peers live
in namespace B) and with the engine's ``Host`` and its ``add_route`` and
``delete_address``. The kernel's refusals of routes must be the engine's,
message for message. Then many queries, sent and received (``ip route get
D [from S] [iif X]``), must agree on every field: type, device, gateway,
source, and the error text of a refused one.

Each configuration's commands and queries run as two `ip -batch`
processes, so thousands of queries take seconds. The terminal summary
prints how many were compared. ``WBK_KERNEL_SEED`` and
``WBK_KERNEL_CONFIGS`` explore further.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.net.netns import (
    Namespace,
    NamespaceUnavailable,
    clean_stale,
    namespaces,
)
from workbook import Host, WorkbookError
from workbook.errors import RouteRefusedError
from workbook.net.addresses import MASKS, format_address, parse_address
from workbook.net.personalities.linux import SYSCTL_DEFAULTS
from workbook.net.route_get import REASONS

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

SEED = int(os.environ.get("WBK_KERNEL_SEED", "20261101"))
CONFIGS = int(os.environ.get("WBK_KERNEL_CONFIGS", "120"))
#: Configurations per test (one test builds several, so that the namespaces are reused).
BATCH = 20

FIXED_DESTINATIONS = ["0.0.0.0", "255.255.255.255", "224.0.0.1", "224.0.0.251", "127.0.0.1", "127.1.2.3",
                      "127.255.255.255", "0.1.2.3", "0.0.0.9", "240.1.2.3", "255.255.255.254"]
_ERROR_OF_TEXT = {text: reason for reason, text in REASONS.items()}
_SYSCTLS = ("forwarding", "rp_filter", "ignore_routes_with_linkdown", "promote_secondaries")


# Namespaces -------------------------------------------------------------------
@dataclass
class Lab:
    a: Namespace
    b: Namespace
    links: list[str] = field(default_factory=list)

    def reset(self) -> None:
        """Delete the links (their routes go with them) and the reject routes, which belong to no link."""
        self.a.batch([f"link del {name}" for name in self.links] + ["route flush table main"], force=True)
        self.links = []

    def sysctl(self, settings: dict[str, int]) -> None:
        words = [f"net.ipv4.conf.all.{key}={value}" for key, value in settings.items()]
        self.a.exec("sysctl", "-q", "-w", *words)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    try:
        with namespaces(2) as (a, b):
            # Links made later inherit `default`; `all` is the host-wide switch each test sets.
            a.exec("sysctl", "-q", "-w", *(f"net.ipv4.conf.default.{key}=0" for key in _SYSCTLS),
                   "net.ipv4.conf.default.send_redirects=1")
            yield Lab(a, b)
    except NamespaceUnavailable as error:
        pytest.skip(f"kernel tests need network namespaces: {error}")


# Configurations -----------------------------------------------------------------
def _host_in(rng: random.Random, network: int, prefixlen: int) -> int:
    size = 1 << (32 - prefixlen)
    if prefixlen >= 31:
        return network + rng.randrange(size)
    return network + rng.randint(1, size - 2)


def _random_address(rng: random.Random) -> tuple[int, int]:
    prefixlen = rng.choice([8, 16, 20, 22, 24, 24, 24, 25, 26, 28, 29, 30, 31, 32])
    base = rng.choice([0x0A000000, 0x0A010000, 0xC0A80000, 0xAC100000])
    address = base | rng.randint(0, 3) << 8 | rng.randint(1, 254)
    network = address & MASKS[prefixlen]
    if prefixlen < 31 and address in (network, network | (~MASKS[prefixlen] & 0xFFFFFFFF)):
        address = _host_in(rng, network, prefixlen)
    return address, prefixlen


@dataclass
class Address:
    ip: int
    prefixlen: int
    scope: str = "global"
    noprefixroute: bool = False
    bare: bool = False  # written without a length: a /32

    def spec(self) -> str | dict:
        text = format_address(self.ip) if self.bare else f"{format_address(self.ip)}/{self.prefixlen}"
        if self.scope == "global" and not self.noprefixroute:
            return text
        data: dict = {"address": text}
        if self.scope != "global":
            data["scope"] = self.scope
        if self.noprefixroute:
            data["noprefixroute"] = True
        return data

    def ip_words(self) -> str:
        text = format_address(self.ip) if self.bare else f"{format_address(self.ip)}/{self.prefixlen}"
        return text + ("" if self.scope == "global" else f" scope {self.scope}") + \
            (" noprefixroute" if self.noprefixroute else "")


def _addresses(rng: random.Random, others: list[list[Address]], used: set[int]) -> list[Address]:
    found: list[Address] = []
    for _ in range(rng.randint(1, 3)):
        for _attempt in range(20):
            if found and rng.random() < 0.35:  # a secondary: same subnet, mask and scope as one we have
                model = rng.choice(found)
                if model.prefixlen >= 31:
                    continue
                address = Address(_host_in(rng, model.ip & MASKS[model.prefixlen], model.prefixlen),
                                  model.prefixlen, model.scope, rng.random() < 0.1)
            elif others and rng.random() < 0.2:  # a subnet another interface has too
                model = rng.choice(rng.choice(others) or [Address(0x0A000005, 24)])
                if model.prefixlen >= 31:
                    continue
                address = Address(_host_in(rng, model.ip & MASKS[model.prefixlen], model.prefixlen),
                                  model.prefixlen)
            elif rng.random() < 0.1:  # no length: the kernel reads a /32
                address = Address(_random_address(rng)[0], 32, bare=True)
            else:
                ip, prefixlen = _random_address(rng)
                scope = rng.choices(["global", "link", "host"], [85, 10, 5])[0]
                address = Address(ip, prefixlen, scope, rng.random() < 0.1)
            subnet = [a for a in found if a.prefixlen == address.prefixlen
                      and a.ip & MASKS[a.prefixlen] == address.ip & MASKS[a.prefixlen]]
            if subnet and subnet[0].scope != address.scope:
                continue  # the kernel refuses a secondary of another scope (an error, not a route)
            if address.ip not in used:
                used.add(address.ip)
                found.append(address)
                break
    return found


def random_config(rng: random.Random, name: str) -> dict:
    """A random linux host: interfaces, sysctls, then routes (with how) and address deletions, in order."""
    used: set[int] = set()
    interfaces: list[dict] = []
    for index in range(rng.randint(1, 3)):
        addresses = _addresses(rng, [i["_addresses"] for i in interfaces], used)
        up = rng.random() < 0.88
        interfaces.append({"name": f"v{index}", "_addresses": addresses, "up": up,
                           "carrier": rng.random() < 0.85})
    sysctl = {"forwarding": rng.choice([0, 1]), "rp_filter": rng.choice([0, 1, 2]),
              "ignore_routes_with_linkdown": rng.choice([0, 0, 1]), "promote_secondaries": rng.choice([0, 1])}
    own = [(a, i) for i in interfaces for a in i["_addresses"]]
    routes = [_random_route(rng, interfaces, own, used) for _ in range(rng.randint(0, 7))]
    routes = [r for r in routes if r is not None]
    deletions = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        address, interface = rng.choice(own)
        if (address, interface) not in deletions:
            deletions.append((address, interface))
    return {
        "name": name,
        "personality": "linux",
        "sysctl": sysctl,
        "interfaces": [{"name": i["name"], "addresses": [a.spec() for a in i["_addresses"]], "up": i["up"],
                        "carrier": i["carrier"]} for i in interfaces],
        "_interfaces": interfaces,
        "_routes": routes,
        "_deletions": [(format_address(a.ip), a.prefixlen, i["name"]) for a, i in deletions],
    }


def _random_route(rng: random.Random, interfaces: list[dict], own: list, used: set[int]) -> dict | None:
    interface = rng.choice(interfaces)
    subnets = [a for a in interface["_addresses"] if a.prefixlen < 32]
    prefixlen = rng.choice([0, 0, 4, 8, 12, 16, 16, 20, 24, 24, 28, 32])
    roll = rng.random()
    if roll < 0.1:
        network = rng.choice([0x00000000, 0xF0000000, 0x00010000]) & MASKS[prefixlen]
    elif roll < 0.55 and own:
        network = rng.choice(own)[0].ip & MASKS[prefixlen]
    else:
        network = rng.getrandbits(32) & MASKS[prefixlen]
    route: dict = {"destination": f"{format_address(network)}/{prefixlen}",
                   "metric": rng.choice([None, 0, 1, 5, 5, 10, 100]),
                   "how": rng.choices(["add", "append", "prepend"], [60, 25, 15])[0]}
    if rng.random() < 0.12:
        route["type"] = rng.choice(["unreachable", "blackhole", "prohibit", "throw"])
        return route
    if rng.random() < 0.92:
        route["interface"] = interface["name"]
    kind = rng.random()
    if kind < 0.15 and own:  # a gateway that is one of the host's own addresses
        route["gateway"] = format_address(rng.choice(own)[0].ip)
    elif kind < 0.25:  # anywhere: refused, unless onlink trusts it
        route["gateway"] = format_address(_random_address(rng)[0])
        if rng.random() < 0.7 and "interface" in route:
            route["onlink"] = True
    elif kind < 0.8 and subnets:
        model = rng.choice(subnets)
        route["gateway"] = format_address(_host_in(rng, model.ip & MASKS[model.prefixlen], model.prefixlen))
    elif "interface" not in route:
        route["interface"] = interface["name"]
    if rng.random() < 0.1 and own:
        route["source"] = format_address(rng.choice(own)[0].ip) if rng.random() < 0.8 else "10.99.0.1"
    return route


def _route_words(route: dict) -> str:
    words = [route["how"], route.get("type", ""), route["destination"]]
    if route.get("gateway"):
        words += ["via", route["gateway"]]
    if route.get("interface"):
        words += ["dev", route["interface"]]
    if route.get("onlink"):
        words.append("onlink")
    if route["metric"] is not None:
        words += ["metric", str(route["metric"])]
    if route.get("source"):
        words += ["src", route["source"]]
    return "route " + " ".join(w for w in words if w)


# Building both ------------------------------------------------------------------------
def _batch(namespace: Namespace, commands: list[str], json_output: bool = False) -> list[str | dict | None]:
    """Run ``commands`` in one `ip -force -batch`; for each: None, its JSON answer, or its error text."""
    args = ["ip", *(["-j"] if json_output else []), "-n", namespace.name, "-force", "-batch", "-"]
    result = subprocess.run(args, input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=60)
    errors: dict[int, str] = {}
    message: list[str] = []
    for line in result.stderr.splitlines():
        failed = re.fullmatch(r"Command failed -:(\d+)", line.strip())
        if failed:
            errors[int(failed.group(1))] = " ".join(message).strip()
            message = []
        elif line.strip():
            message.append(line.strip())
    answers = iter(line for line in result.stdout.splitlines() if line.strip())
    found: list[str | dict | None] = []
    for number, command in enumerate(commands, start=1):
        if number in errors:
            found.append(errors[number])
        else:
            found.append(json.loads(next(answers))[0] if json_output and command.startswith("route get") else None)
    return found


def install(lab: Lab, config: dict) -> tuple[Host, list[str], list[str]]:
    """Build ``config`` in namespace A and in the engine; returns the host, the commands, and the
    differences between the kernel's and the engine's refusals."""
    lab.reset()
    lab.sysctl(config["sysctl"])
    setup: list[str] = []
    for interface in config["_interfaces"]:
        name = interface["name"]
        peer = "p" + name[1:]
        lab.a.ip("link", "add", name, "type", "veth", "peer", "name", peer, "netns", lab.b.name)
        lab.links.append(name)
        if interface["carrier"]:
            lab.b.ip("link", "set", peer, "up")
        if interface["up"]:
            setup.append(f"link set {name} up")
        setup += [f"addr add {a.ip_words()} dev {name}" for a in interface["_addresses"]]
    refused = [e for e in _batch(lab.a, setup) if e]
    assert not refused, f"the kernel refused a generated address: {refused}"
    host = Host.from_dict({k: v for k, v in config.items() if not k.startswith("_")})
    commands = [_route_words(r) for r in config["_routes"]]
    deletions = [f"addr del {ip}/{length} dev {name}" for ip, length, name in config["_deletions"]]
    answers = _batch(lab.a, commands + deletions)
    differences = []
    for route, command, kernel in zip(config["_routes"], commands, answers, strict=False):
        spec = {k: v for k, v in route.items() if k != "how"}
        try:
            host.add_route(spec, route["how"])
            engine = None
        except RouteRefusedError as error:
            engine = error.kernel_message
        except WorkbookError as error:
            engine = f"(engine: {error})"
        if _message(kernel) != _message(engine):
            differences.append(f"{command}: kernel {kernel or 'accepts'} / engine {engine or 'accepts'}")
    for (ip, _length, name), kernel in zip(config["_deletions"], answers[len(commands):], strict=True):
        try:
            host.delete_address(ip, name)
            engine = None
        except WorkbookError as error:
            engine = f"(engine: {error})"
        if (kernel is None) != (engine is None):  # "Cannot assign requested address" is the engine's AddressError
            differences.append(f"addr del {ip} dev {name}: kernel {kernel or 'accepts'} / engine {engine or 'accepts'}")
    return host, setup + commands + deletions, differences


def _message(text: str | None) -> str | None:
    """An `ip` error without its prefix: 'RTNETLINK answers: File exists' -> 'File exists'."""
    if text is None:
        return None
    return re.sub(r"^(Error: |RTNETLINK answers: )", "", text).rstrip(".")


# Asking both ---------------------------------------------------------------------------
Answer = tuple[str, str | None, str | None, str | None]
FIELDS = ("type", "dev (or error)", "gateway", "source")


def _query_words(destination: str, source: str | None, iif: str | None) -> str:
    return f"route get {destination}" + (f" from {source}" if source else "") + (f" iif {iif}" if iif else "")


def kernel_answer(found: dict | str) -> Answer:
    if isinstance(found, str):
        return ("error", _ERROR_OF_TEXT.get(_message(found), found), None, None)
    return (found.get("type", "unicast"), found.get("dev"), found.get("gateway"),
            found.get("prefsrc") or found.get("from"))


def engine_answer(host: Host, destination: str, source: str | None, iif: str | None) -> Answer:
    got = host.route_get(destination, source=source, input_interface=iif)
    if not got.reachable:
        return ("error", got.reason, None, None)
    return (got.kind.value, got.interface, None if got.gateway is None else str(got.gateway),
            None if got.source is None else str(got.source))


def destinations(rng: random.Random, host: Host, config: dict) -> list[str]:
    """Own addresses, subnet edges and insides, gateways, route prefixes, random and special ones."""
    found: list[int] = []
    for interface in config["_interfaces"]:
        for address in interface["_addresses"]:
            network = address.ip & MASKS[address.prefixlen]
            found += [address.ip, network, network | (~MASKS[address.prefixlen] & 0xFFFFFFFF),
                      _host_in(rng, network, address.prefixlen), (network - 1) & 0xFFFFFFFF]
    for route in config["_routes"]:
        address, _, length = route["destination"].partition("/")
        value, prefixlen = parse_address(address), int(length)
        found.append(value | rng.getrandbits(32 - prefixlen) if prefixlen < 32 else value)
        if route.get("gateway"):
            found.append(parse_address(route["gateway"]))
    found += [rng.getrandbits(32) for _ in range(4)]
    found.append(0xEF000000 | rng.getrandbits(24))
    return list(dict.fromkeys([format_address(v) for v in found] + FIXED_DESTINATIONS))


def queries_for(rng: random.Random, host: Host, config: dict) -> list[tuple[str, str | None, str | None]]:
    own = [str(a) for a in host.addresses] or ["127.0.0.1"]
    names = [i["name"] for i in config["_interfaces"]]
    remote = [format_address(a.ip ^ rng.randint(1, 6)) for i in config["_interfaces"] for a in i["_addresses"]]
    queries: list[tuple[str, str | None, str | None]] = []
    for destination in destinations(rng, host, config):
        queries.append((destination, None, None))
        queries.append((destination, rng.choice(own) if rng.random() < 0.9 else "127.0.0.1", None))
        source = rng.choice([*remote, *remote, format_address(rng.getrandbits(32)), rng.choice(own), "0.0.0.0",
                             "224.0.0.5"])
        queries.append((destination, None if source == "0.0.0.0" and rng.random() < 0.5 else source,
                        rng.choice(names)))
    return queries


def compare(lab: Lab, config: dict, rng: random.Random) -> tuple[int, list[str]]:
    """Build ``config`` in both, ask both every query; returns the number of queries and the differences.

    The kernel keeps the output route it made last through each next hop, whatever the destination's
    type, and hands it out again (a multicast answer for a unicast destination through the same next hop):
    an artefact of its cache, not of routing. Every query starts from a flushed cache.
    """
    host, commands, differences = install(lab, config)
    queries = queries_for(rng, host, config)
    asked = [line for q in queries for line in ("route flush cache", _query_words(*q))]
    answers = _batch(lab.a, asked, json_output=True)[1::2]
    for query, found in zip(queries, answers, strict=True):
        kernel, engine = kernel_answer(found), engine_answer(host, *query)
        if kernel != engine:
            fields = ", ".join(f"{f}: kernel {k} / engine {e}" for f, k, e in zip(FIELDS, kernel, engine, strict=True)
                               if k != e)
            differences.append(f"{_query_words(*query)}: {fields}")
    if differences:
        tables = lab.a.ip("route", "show", "table", "all", check=False).stdout
        addresses = lab.a.ip("-br", "addr", check=False).stdout
        shown = {k: v for k, v in config.items() if not k.startswith("_")}
        report = (f"{len(differences)} differences for configuration {config['name']}\n{json.dumps(shown)}\n"
                  f"ip commands:\n  " + "\n  ".join(commands) + f"\nkernel addresses:\n{addresses}kernel tables:\n"
                  f"{tables}differences:\n  " + "\n  ".join(differences[:30]))
        return len(queries), [report]
    return len(queries), []


# The tests ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch", range((CONFIGS + BATCH - 1) // BATCH))
def test_random_configurations_match_the_kernel(lab: Lab, batch: int, record_property) -> None:
    asked, failures = 0, []
    for index in range(batch * BATCH, min(CONFIGS, (batch + 1) * BATCH)):
        rng = random.Random(SEED * 1000 + index)
        config = random_config(rng, f"random-{SEED}-{index}")
        count, reports = compare(lab, config, rng)
        asked += count
        failures += reports
    record_property("kernel_queries", asked)
    record_property("kernel_differences", len(failures))
    if failures:
        pytest.fail("\n\n".join(failures[:3]), pytrace=False)


def _config(interfaces: dict[str, list[str]], routes: list[dict], sysctl: dict | None = None,
            links: dict[str, dict] | None = None) -> dict:
    built = []
    for name, addresses in interfaces.items():
        state = {"up": True, "carrier": True, **(links or {}).get(name, {})}
        parsed = []
        for text in addresses:
            ip, _, length = text.partition("/")
            parsed.append(Address(parse_address(ip), int(length) if length else 32, bare=not length))
        built.append({"name": name, "_addresses": parsed, **state})
    return {"name": "habit", "personality": "linux", "sysctl": {**SYSCTL_DEFAULTS, **(sysctl or {})},
            "interfaces": [{"name": i["name"], "addresses": [a.spec() for a in i["_addresses"]], "up": i["up"],
                            "carrier": i["carrier"]} for i in built],
            "_interfaces": built,
            "_routes": [{"metric": None, "how": "add", **r} for r in routes], "_deletions": []}


HABITS = {
    "a prefix at two metrics; add of the same prefix and metric is refused; append and prepend order": _config(
        {"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"]}, [
            {"destination": "172.20.0.0/16", "gateway": "10.1.0.1", "interface": "v1", "metric": 5},
            {"destination": "172.20.0.0/16", "gateway": "10.0.0.1", "interface": "v0", "metric": 5},
            {"destination": "172.20.0.0/16", "gateway": "10.0.0.1", "interface": "v0", "metric": 7},
            {"destination": "172.20.0.0/16", "gateway": "10.0.0.2", "interface": "v0", "metric": 5, "how": "prepend"},
            {"destination": "172.21.0.0/16", "gateway": "10.0.0.2", "interface": "v0", "metric": 5},
            {"destination": "172.21.0.0/16", "gateway": "10.1.0.2", "interface": "v1", "metric": 5, "how": "append"},
        ]),
    "a gateway that is this host's own address makes the route on-link": _config(
        {"v0": ["10.0.0.5/24", "10.0.0.6/24"], "v1": ["10.1.0.5/24"]}, [
            {"destination": "192.168.50.0/24", "gateway": "10.0.0.5", "interface": "v0"},
            {"destination": "192.168.51.0/24", "gateway": "10.0.0.6"},
            {"destination": "192.168.52.0/24", "gateway": "10.1.0.5", "interface": "v0"},
        ]),
    "0.0.0.0/8 and class E follow the default route": _config(
        {"v0": ["10.0.0.5/24"]}, [{"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0"}]),
    "reject routes and onlink": _config(
        {"v0": ["10.0.0.5/24"]}, [
            {"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0"},
            {"destination": "10.20.0.0/16", "type": "unreachable"},
            {"destination": "10.21.0.0/16", "type": "blackhole"},
            {"destination": "10.22.0.0/16", "type": "prohibit"},
            {"destination": "10.23.0.0/16", "type": "throw"},
            {"destination": "10.24.0.0/16", "gateway": "192.0.2.1", "interface": "v0", "onlink": True},
            {"destination": "10.25.0.0/16", "gateway": "192.0.2.1", "interface": "v0"},
        ]),
    "a link down keeps its local addresses only; a link without carrier is passed over when asked": _config(
        {"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"], "v2": ["10.2.0.5/24"]}, [
            {"destination": "0.0.0.0/0", "gateway": "10.2.0.1", "interface": "v2", "metric": 10},
            {"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0", "metric": 20},
        ], {"ignore_routes_with_linkdown": 1}, {"v1": {"up": False}, "v2": {"carrier": False}}),
    "a router: forwarding, strict reverse-path filter": _config(
        {"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"]}, [
            {"destination": "172.20.0.0/16", "gateway": "10.1.0.1", "interface": "v1"},
        ], {"forwarding": 1, "rp_filter": 1}),
}


@pytest.mark.parametrize("habit", list(HABITS))
def test_documented_kernel_habit(lab: Lab, habit: str, record_property) -> None:
    config = json.loads(json.dumps(HABITS[habit], default=lambda a: a.__dict__))
    for interface in config["_interfaces"]:
        interface["_addresses"] = [Address(**a) for a in interface["_addresses"]]
    count, reports = compare(lab, config, random.Random(7))
    record_property("kernel_queries", count)
    record_property("kernel_differences", len(reports))
    assert not reports, reports[0]


def test_promoting_a_secondary_keeps_its_routes(lab: Lab) -> None:
    config = _config({"v0": ["10.0.0.5/24", "10.0.0.6/24", "10.0.0.7/24", "10.9.0.5/16"]},
                     [{"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0"}],
                     {"promote_secondaries": 1})
    config["_deletions"] = [("10.0.0.5", 24, "v0")]
    count, reports = compare(lab, config, random.Random(3))
    assert count and not reports, reports and reports[0]
    config["sysctl"]["promote_secondaries"] = 0
    count, reports = compare(lab, config, random.Random(3))
    assert count and not reports, reports and reports[0]


def test_sysctl_defaults_are_those_of_a_fresh_namespace(netns_factory) -> None:
    (fresh,) = netns_factory(1)
    names = [f"net.ipv4.conf.all.{key}" for key in SYSCTL_DEFAULTS]
    here = subprocess.run(["sysctl", "-n", *names], capture_output=True, text=True, check=True).stdout.split()
    if [int(v) for v in here] != list(SYSCTL_DEFAULTS.values()):
        pytest.skip(f"this machine's own settings differ from the kernel's defaults "
                    f"({dict(zip(names, here, strict=True))}): a new namespace inherits them")
    seen = fresh.exec("sysctl", "-n", *names).stdout.split()
    assert dict(zip(SYSCTL_DEFAULTS, map(int, seen), strict=True)) == SYSCTL_DEFAULTS


# The namespace helper itself ---------------------------------------------------------
def _namespace_names() -> list[str]:
    return [line.split()[0] for line in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                                       check=False).stdout.splitlines() if line.split()]


def test_namespaces_are_deleted_by_name_even_when_the_block_fails(netns_factory) -> None:
    (probe,) = netns_factory(1)  # skips the test when namespaces cannot be made
    assert probe.name in _namespace_names()
    with pytest.raises(RuntimeError), namespaces(1) as (inner,):
        name = inner.name
        assert re.fullmatch(rf"wbk-{os.getpid()}-\d+", name) and name in _namespace_names()
        raise RuntimeError("interrupted")
    assert name not in _namespace_names()


def test_stale_namespaces_of_dead_processes_are_removed(netns_factory) -> None:
    netns_factory(1)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = f"wbk-{dead.pid}-0"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        assert stale in clean_stale()
        assert stale not in _namespace_names()
    finally:
        subprocess.run(["ip", "netns", "delete", stale], capture_output=True, check=False)
