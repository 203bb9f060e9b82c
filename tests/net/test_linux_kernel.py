"""The engine's `linux` personality against the real kernel: `ip route get` in a network namespace.

Each configuration (1-3 veth interfaces, 1-3 addresses each, static routes)
is built twice: with ``Host.from_dict(..., personality="linux")`` and with
``ip`` inside namespace A (the veth peers live in namespace B). For many
destinations, with and without a bound source, the outgoing interface, the
gateway, the source and the kind of destination must agree with
``ip -j route get``. The configurations come from a seeded generator, so a
failure is reproducible: set ``WBK_KERNEL_SEED`` and ``WBK_KERNEL_CONFIGS``
to explore more.
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
    CommandError,
    Namespace,
    NamespaceUnavailable,
    clean_stale,
    namespaces,
)
from workbook import Host
from workbook.net.addresses import MASKS, format_address, parse_address

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

SEED = int(os.environ.get("WBK_KERNEL_SEED", "20260101"))
CONFIGS = int(os.environ.get("WBK_KERNEL_CONFIGS", "80"))

FIXED_DESTINATIONS = ["0.0.0.0", "255.255.255.255", "224.0.0.1", "224.0.0.251", "127.0.0.1", "127.1.2.3",
                      "127.255.255.255"]


# Namespaces -------------------------------------------------------------------
@dataclass
class Lab:
    a: Namespace
    b: Namespace
    links: list[str] = field(default_factory=list)

    def reset(self) -> None:
        if self.links:
            self.a.batch([f"link del {name}" for name in self.links], force=True)
            self.links = []


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    try:
        with namespaces(2) as (a, b):
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


def random_config(rng: random.Random, name: str) -> dict:
    """A multihomed linux host as a scenario dict (interfaces v0.., routes in installation order)."""
    used: set[int] = set()
    interfaces = []
    for index in range(rng.randint(1, 3)):
        addresses: list[tuple[int, int]] = []
        for _ in range(rng.randint(1, 3)):
            for _attempt in range(20):
                if addresses and rng.random() < 0.4:  # a secondary: same subnet and mask as one we have
                    address, prefixlen = rng.choice(addresses)
                    if prefixlen >= 31:
                        continue
                    address = _host_in(rng, address & MASKS[prefixlen], prefixlen)
                elif interfaces and rng.random() < 0.2:  # a subnet another interface already has
                    other = rng.choice(interfaces)["_raw"]
                    address, prefixlen = rng.choice(other)
                    if prefixlen >= 31:
                        continue
                    address = _host_in(rng, address & MASKS[prefixlen], prefixlen)
                else:
                    address, prefixlen = _random_address(rng)
                if address not in used:
                    used.add(address)
                    addresses.append((address, prefixlen))
                    break
        interfaces.append({"name": f"v{index}", "_raw": addresses})

    routes: list[dict] = []
    keys: set[tuple] = set()
    connected = {(f"{format_address(a & MASKS[p])}/{p}", None, i["name"]) for i in interfaces for a, p in i["_raw"]}
    for _ in range(rng.randint(0, 5)):
        interface = rng.choice(interfaces)
        candidates = [(a, p) for a, p in interface["_raw"] if p < 32]
        roll = rng.random()
        if roll < 0.2 and routes:  # same prefix and metric as an earlier route: a tie
            earlier = rng.choice(routes)
            prefix, metric = earlier["destination"], earlier["metric"]
        else:
            prefixlen = rng.choice([0, 0, 8, 12, 16, 16, 20, 24, 24, 28, 32])
            prefix = f"{format_address(rng.getrandbits(32) & MASKS[prefixlen] if prefixlen else 0)}/{prefixlen}"
            if prefixlen and rng.random() < 0.5:  # near the configured subnets, so prefixes nest
                address, _ = rng.choice([a for i in interfaces for a in i["_raw"]])
                prefix = f"{format_address(address & MASKS[prefixlen])}/{prefixlen}"
            metric = rng.choice([None, 0, 1, 5, 10, 100])
        gateway = None
        if candidates and rng.random() < 0.75:
            for _attempt in range(10):
                address, prefixlen = rng.choice(candidates)
                gateway = _host_in(rng, address & MASKS[prefixlen], prefixlen)
                if gateway not in used:
                    break
            else:
                continue
        route = {"destination": prefix, "gateway": None if gateway is None else format_address(gateway),
                 "interface": interface["name"], "metric": metric}
        if rng.random() < 0.1:
            route["source"] = format_address(rng.choice(sorted(used)))
        key = (prefix, route["gateway"], route["interface"])
        if key in keys or (gateway is None and key in connected):  # the engine refuses exact duplicates
            continue
        keys.add(key)
        routes.append(route)

    return {
        "name": name,
        "personality": "linux",
        "interfaces": [
            {"name": i["name"], "addresses": [f"{format_address(a)}/{p}" for a, p in i["_raw"]]} for i in interfaces
        ],
        "routes": routes,
    }


def destinations(rng: random.Random, config: dict) -> list[str]:
    """Own addresses, subnet edges and insides, gateways, route prefixes, random ones and special ones."""
    found: list[int] = []
    for interface in config["interfaces"]:
        for text in interface["addresses"]:
            address, _, length = text.partition("/")
            value, prefixlen = parse_address(address), int(length)
            network = value & MASKS[prefixlen]
            found += [value, network, network | (~MASKS[prefixlen] & 0xFFFFFFFF),
                      _host_in(rng, network, prefixlen), (network - 1) & 0xFFFFFFFF]
    for route in config["routes"]:
        address, _, length = route["destination"].partition("/")
        value, prefixlen = parse_address(address), int(length)
        found.append(value | rng.getrandbits(32 - prefixlen) if prefixlen < 32 else value)
        if route["gateway"]:
            found.append(parse_address(route["gateway"]))
    found += [rng.getrandbits(32) for _ in range(4)]
    found.append(0xEF000000 | rng.getrandbits(24))  # 239.x: administratively scoped multicast
    texts = [format_address(v) for v in found if v >> 24 != 0] + FIXED_DESTINATIONS
    return list(dict.fromkeys(texts))


# Installing and asking ----------------------------------------------------------
def install(lab: Lab, config: dict) -> list[str]:
    """Build ``config`` in namespace A; returns the `ip` commands (routes the kernel refused are dropped)."""
    lab.reset()
    commands = []
    for interface in config["interfaces"]:
        name = interface["name"]
        peer = "p" + name[1:]
        lab.a.ip("link", "add", name, "type", "veth", "peer", "name", peer, "netns", lab.b.name)
        lab.links.append(name)
        lab.b.ip("link", "set", peer, "up")
        commands += [f"link set {name} up"] + [f"addr add {a} dev {name}" for a in interface["addresses"]]
    lab.a.batch(commands)
    kept = []
    for route in config["routes"]:
        words = ["route", "append", route["destination"]]
        if route["gateway"]:
            words += ["via", route["gateway"]]
        words += ["dev", route["interface"]]
        if route["metric"] is not None:
            words += ["metric", str(route["metric"])]
        if route.get("source"):
            words += ["src", route["source"]]
        result = lab.a.ip(*words, check=False)
        if result.returncode == 0:
            commands.append(" ".join(words))
            kept.append(route)
        else:
            commands.append(f"# refused: {' '.join(words)}: {result.stderr.strip()}")
    config["routes"] = kept
    return commands


Answer = tuple[str, str | None, str | None, str | None]


def kernel_answer(lab: Lab, destination: str, source: str | None) -> Answer:
    args = ["route", "get", destination] + (["from", source] if source else [])
    try:
        found = lab.a.ip_json(*args)[0]
    except CommandError:
        return ("unreachable", None, None, None)
    kind = found.get("type", "unicast")
    return (kind, found.get("dev"), found.get("gateway"), found.get("prefsrc") or found.get("from"))


def engine_answer(host: Host, destination: str, source: str | None) -> Answer:
    got = host.route_get(destination, source=source)
    if not got.reachable:
        return ("unreachable", None, None, None)
    return (got.kind.value, got.interface, None if got.gateway is None else str(got.gateway),
            None if got.source is None else str(got.source))


FIELDS = ("kind", "interface", "gateway", "source")


def compare(lab: Lab, config: dict, queries: list[tuple[str, str | None]]) -> int:
    """Install ``config``, ask both for every (destination, source); fail listing every difference."""
    commands = install(lab, config)
    host = Host.from_dict(config, personality="linux")
    differences = []
    for destination, source in queries:
        kernel, engine = kernel_answer(lab, destination, source), engine_answer(host, destination, source)
        if kernel[0] == "unreachable" and engine[0] == "unreachable":
            continue
        if kernel != engine:
            fields = ", ".join(f"{f}: kernel {k} / engine {e}" for f, k, e in zip(FIELDS, kernel, engine, strict=True)
                               if k != e)
            differences.append(f"route get {destination}" + (f" from {source}" if source else "") + f": {fields}")
    if differences:
        table = lab.a.ip("route", "show", "table", "all", check=False).stdout
        pytest.fail(
            f"{len(differences)} of {len(queries)} answers differ for configuration\n"
            f"{json.dumps(config, indent=1)}\nip commands:\n  " + "\n  ".join(commands)
            + "\nkernel tables:\n" + table + "differences:\n  " + "\n  ".join(differences[:40]),
            pytrace=False,
        )
    return len(queries)


def queries_for(rng: random.Random, config: dict) -> list[tuple[str, str | None]]:
    own = [a.partition("/")[0] for i in config["interfaces"] for a in i["addresses"]]
    queries: list[tuple[str, str | None]] = []
    for destination in destinations(rng, config):
        queries.append((destination, None))
        queries.append((destination, rng.choice(own) if rng.random() < 0.9 else "127.0.0.1"))
    return queries


# The tests ---------------------------------------------------------------------------
@pytest.mark.parametrize("index", range(CONFIGS))
def test_random_configuration_matches_the_kernel(lab: Lab, index: int) -> None:
    rng = random.Random(SEED * 1000 + index)
    config = random_config(rng, f"random-{SEED}-{index}")
    compare(lab, config, queries_for(rng, config))


def _config(interfaces: dict[str, list[str]], routes: list[dict]) -> dict:
    return {"name": "habit", "personality": "linux",
            "interfaces": [{"name": n, "addresses": a} for n, a in interfaces.items()],
            "routes": [{"gateway": None, "metric": None, **r} for r in routes]}


HABITS = {
    "equal prefix and metric: the route installed first": (
        _config({"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"]}, [
            {"destination": "172.20.0.0/16", "gateway": "10.1.0.1", "interface": "v1", "metric": 5},
            {"destination": "172.20.0.0/16", "gateway": "10.0.0.1", "interface": "v0", "metric": 5},
        ]),
        [("172.20.1.1", None)],
    ),
    "two default routes with one metric: the first installed (no gateway known to be dead)": (
        _config({"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"]}, [
            {"destination": "0.0.0.0/0", "gateway": "10.1.0.1", "interface": "v1"},
            {"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0"},
        ]),
        [("8.8.8.8", None), ("255.255.255.255", None), ("224.0.0.1", None), ("8.8.8.8", "10.0.0.5")],
    ),
    "a longer prefix beats a lower metric": (
        _config({"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"]}, [
            {"destination": "172.20.0.0/16", "gateway": "10.0.0.1", "interface": "v0", "metric": 1},
            {"destination": "172.20.1.0/24", "gateway": "10.1.0.1", "interface": "v1", "metric": 100},
        ]),
        [("172.20.1.1", None), ("172.20.2.1", None)],
    ),
    "the source is the primary address on the gateway's subnet, else the first primary": (
        _config({"v0": ["10.0.0.5/24", "10.9.0.5/16", "10.0.0.6/24"]}, [
            {"destination": "172.20.0.0/16", "gateway": "10.9.3.3", "interface": "v0"},
            {"destination": "172.21.0.0/16", "interface": "v0"},
        ]),
        [("172.20.1.1", None), ("172.21.1.1", None), ("10.9.1.1", None), ("10.0.0.9", None)],
    ),
    "secondaries only when asked": (
        _config({"v0": ["10.0.0.5/24", "10.0.0.6/24"]}, [
            {"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0"},
        ]),
        [("10.0.0.9", None), ("10.0.0.9", "10.0.0.6"), ("8.8.8.8", "10.0.0.6"), ("10.0.0.6", None)],
    ),
    "an address that is another subnet's broadcast address gets no routes of its own": (
        _config({"v0": ["192.168.2.190/28"], "v1": ["192.168.2.191/16", "10.1.0.5/24"]}, []),
        [("192.168.2.191", None), ("192.168.7.7", None), ("192.168.255.255", None), ("10.1.0.9", None)],
    ),
    "0.0.0.0 is this host; a loopback source stays on lo": (
        _config({"v0": ["10.0.0.5/24"]}, [{"destination": "0.0.0.0/0", "gateway": "10.0.0.1", "interface": "v0"}]),
        [("0.0.0.0", None), ("0.0.0.0", "10.0.0.5"), ("10.0.0.5", "127.0.0.1"), ("10.0.0.9", "127.0.0.1"),
         ("8.8.8.8", "127.0.0.1"), ("224.0.0.1", "127.0.0.1"), ("127.0.0.1", "10.0.0.5")],
    ),
    "no default route: multicast and limited broadcast need a source": (
        _config({"v0": ["10.0.0.5/24"], "v1": ["10.1.0.5/24"]}, []),
        [("224.0.0.1", None), ("255.255.255.255", None), ("239.1.2.3", None),
         ("224.0.0.1", "10.1.0.5"), ("255.255.255.255", "10.1.0.5"), ("239.1.2.3", "10.0.0.5")],
    ),
}


@pytest.mark.parametrize("habit", list(HABITS))
def test_documented_kernel_habit(lab: Lab, habit: str) -> None:
    config, queries = HABITS[habit]
    compare(lab, json.loads(json.dumps(config)), queries)


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
