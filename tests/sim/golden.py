"""A golden record of the simulator's behaviour: every shipped network through one fixed script of actions.

The record holds, for each network and personality, every frame put on a wire
(time, segment, sender, summary, and a hash of its bytes on the wire), every
trace's explanation, the system log, the pop-ups, the ARP caches and the saved
scenario. ``tests/sim/test_golden.py`` replays the script and compares the
result with ``tests/sim/data/golden.txt.gz`` line by line, so a refactoring of
the simulator that changes any frame or explanation is caught.

A deliberate change of behaviour rewrites the record (review the diff)::

    .venv/bin/python -m tests.sim.golden --write
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import random
import sys
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.sim.topologies import chain, random_routers
from workbook.errors import WorkbookError
from workbook.net.scenario import load_scenario, scenario_names
from workbook.sim import Network
from workbook.sim.pcap import frame_bytes

GOLDEN = Path(__file__).parent / "data" / "golden.txt.gz"
PERSONALITIES = (None, "nt4", "nt35", "windows", "linux")  # None: the scenario's own
GROUP = "239.1.2.3"
SEED = 7


class Recorder:
    """Collects lines; knows which frames and log entries of a network it has already written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._frames: weakref.WeakKeyDictionary[Network, int] = weakref.WeakKeyDictionary()
        self._log: weakref.WeakKeyDictionary[Network, int] = weakref.WeakKeyDictionary()

    def say(self, text: str) -> None:
        self.lines.extend(text.splitlines() or [""])

    def news(self, net: Network, what: str) -> None:
        """The frames and log entries since the last call for ``net``, under a heading."""
        self.say(f"-- {what} (t={net.now!r})")
        start = self._frames.get(net, 0)
        digest = hashlib.sha256()
        for frame in net.frames[start:]:
            data = frame_bytes(frame)
            digest.update(data)
            ip = frame.ip
            extra = "" if ip is None else f" id={ip.identification} tos={ip.tos:#x} ra={int(ip.router_alert)}"
            self.say(f"F {frame.time!r} {frame.segment} {frame.sender}.{frame.interface} {frame.summary()}{extra}")
        self.say(f"bytes {digest.hexdigest()[:16]} of {len(net.frames) - start} frames")
        self._frames[net] = len(net.frames)
        start = self._log.get(net, 0)
        for entry in net.log[start:]:
            self.say(f"L {entry.time!r} {entry.kind} {entry.host}: {entry.text}")
        self._log[net] = len(net.log)

    def trace(self, trace: Any, depth: int = 0) -> None:
        indent = "  " * depth
        self.say(indent + f"T {trace!r}")
        for line in trace.explain().splitlines():
            self.say(indent + "  " + line)
        for reply in trace.replies:
            if reply is not None:
                self.trace(reply, depth + 1)

    def attempt(self, what: str, action: Callable[[], Any]) -> Any:
        """Run one action; a refused action is recorded with its message."""
        try:
            result = action()
        except WorkbookError as error:
            self.say(f"! {what}: {type(error).__name__}: {error}")
            return None
        return result

    def state(self, net: Network) -> None:
        for node in net.nodes.values():
            enabled = {nic.name: node.ip_enabled(nic.name) for nic in node.interfaces}
            self.say(f"S {node.name} running={node.running} ip={enabled} unplugged={sorted(node.unplugged)}")
            for line in node.arp_cache.format().splitlines():
                self.say(f"    {line}")
            for note in node.notifications:
                self.say(f"  N {note}")
            if node.querier is not None:
                known = {nic.name: [str(g) for g in node.querier.groups(nic.name)] for nic in node.interfaces}
                self.say(f"  Q {known}")
            groups = {nic: sorted(str(g) for g in joined) for nic, joined in node.groups.items()}
            self.say(f"  G {groups}")

    def saved(self, net: Network) -> None:
        self.say("D " + json.dumps(net.to_dict(), sort_keys=True))


# The networks ------------------------------------------------------------------------------------
def _wrap_host(data: dict[str, Any]) -> dict[str, Any]:
    """A host scenario on a network: each NIC on a segment of its own, with the gateway as a router."""
    host = copy.deepcopy(data)
    segments, routers = [], []
    for index, nic in enumerate(host["interfaces"]):
        segment = f"seg{index}"
        nic["segment"] = segment
        segments.append({"name": segment})
        address = nic["addresses"][0]
        prefixlen = address.split("/")[1]
        peer = nic.get("gateway")
        if peer is None:
            octets = address.split("/")[0].split(".")
            peer = ".".join([*octets[:3], str((int(octets[3]) + 1) % 254 + 1)])
        routers.append({"name": f"peer{index}", "interfaces": [{"name": "p0", "segment": segment,
                                                                 "addresses": [f"{peer}/{prefixlen}"]}]})
    return {"personality": host.get("personality", "nt4"), "segments": segments, "hosts": [host],
            "routers": routers}


def _redirect_lan() -> dict[str, Any]:
    """A host whose gateway r1 sends 10.9/16 back out of the same LAN to r2: an ICMP redirect."""
    return {"segments": [{"name": "lan"}, {"name": "far"}],
            "hosts": [{"name": "h", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.2/24"],
                                                    "gateway": "10.0.0.1"}]},
                      {"name": "t", "interfaces": [{"name": "eth0", "segment": "far", "addresses": ["10.9.0.5/16"],
                                                    "gateway": "10.9.0.1"}]}],
            "routers": [{"name": "r1", "interfaces": [{"name": "lan0", "segment": "lan",
                                                        "addresses": ["10.0.0.1/24"]}],
                         "routes": [{"destination": "10.9.0.0/16", "gateway": "10.0.0.254"}]},
                        {"name": "r2", "interfaces": [
                            {"name": "lan0", "segment": "lan", "addresses": ["10.0.0.254/24"]},
                            {"name": "far0", "segment": "far", "addresses": ["10.9.0.1/16"]}]}]}


def networks() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in scenario_names():
        data = load_scenario(name)
        yield name, data if "segments" in data else _wrap_host(data)
    yield "chain-3", chain(3)
    yield "redirect-lan-built-in", _redirect_lan()
    for seed in range(3):
        yield f"random-routers-{seed}", random_routers(random.Random(seed))


def _with_querier(data: dict[str, Any], version: int | None) -> dict[str, Any]:
    data = copy.deepcopy(data)
    routers = data.get("routers") or []
    if routers:
        routers[0]["igmp_querier"] = True
        routers[0]["multicast_routing"] = True
    if version is not None:
        for node in (data.get("hosts") or []) + routers:
            node["igmp_version"] = version
    return data


# The script --------------------------------------------------------------------------------------
def _addresses(net: Network) -> list[str]:
    return [str(a.ip) for node in net.nodes.values() for nic in node.interfaces for a in nic.addresses]


def _extras(net: Network) -> list[str]:
    """Addresses nobody has: one on each subnet, one far away; and the broadcasts."""
    found = []
    for node in net.nodes.values():
        for nic in node.interfaces:
            for address in nic.addresses:
                if address.prefixlen < 31:
                    found.append(str(address.network + (address.size - 3)))
                    found.append(str(address.broadcast))
    return [*sorted(set(found) - set(_addresses(net))), "203.0.113.9", "255.255.255.255"]


def sends(rec: Recorder, net: Network) -> None:
    destinations = _addresses(net) + _extras(net)
    for node in list(net.nodes.values()):
        for destination in destinations:
            trace = rec.attempt(f"send {node.name} {destination}", lambda n=node, d=destination: net.send(n.name, d))
            if trace is not None:
                rec.trace(trace)
        rec.news(net, f"sends from {node.name}")
    for node in net.hosts:
        for destination in _addresses(net):
            trace = rec.attempt(f"ping {node.name} {destination}", lambda n=node, d=destination: net.ping(n.name, d))
            if trace is not None:
                rec.trace(trace)
            for ttl in (1, 2):
                trace = rec.attempt(f"ttl {ttl} {node.name} {destination}",
                                    lambda n=node, d=destination, t=ttl: net.send(n.name, d, ttl=t))
                if trace is not None:
                    rec.trace(trace)
        for own in [str(a.ip) for nic in node.interfaces for a in nic.addresses]:
            for destination in _addresses(net)[:6]:
                trace = rec.attempt(f"bound {node.name} {own} {destination}",
                                    lambda n=node, d=destination, s=own: net.send(n.name, d, source=s))
                if trace is not None:
                    rec.trace(trace)
        rec.news(net, f"pings, ttl and bound sends from {node.name}")
    rec.state(net)


def life_cycle(rec: Recorder, net: Network) -> None:
    hosts = net.hosts
    if len(hosts) < 2:
        return
    first, second = hosts[0], hosts[1]
    target = str(second.addresses[0]) if second.addresses else None
    if target is None:
        return
    for step, action in [
        ("send before", lambda: net.send(first.name, target)),
        ("stop", second.stop),
        ("send to stopped", lambda: net.send(first.name, target)),
        ("run 200", lambda: net.run(200)),
        ("start", second.start),
        ("run 10", lambda: net.run(10)),
        ("unplug", second.unplug),
        ("send to unplugged", lambda: net.send(first.name, target)),
        ("send from unplugged", lambda: net.send(second.name, str(first.addresses[0]))),
        ("plug", second.plug),
        ("send after plug", lambda: net.send(first.name, target)),
        ("run 60", lambda: net.run(60)),
    ]:
        result = rec.attempt(step, action)
        if result is not None:
            rec.trace(result)
        rec.news(net, step)
    rec.state(net)


def multicast(rec: Recorder, net: Network) -> None:
    hosts = net.hosts
    for node in hosts:
        rec.attempt(f"join {node.name}", lambda n=node: n.join(GROUP))
        rec.news(net, f"join {node.name}")
        net.run(1)
    rec.news(net, "after joins")
    if hosts:
        for group in (GROUP, "224.129.2.3", "224.0.0.1"):
            trace = rec.attempt(f"send to {group}", lambda g=group: net.send(hosts[0].name, g, ttl=8))
            if trace is not None:
                rec.trace(trace)
    net.run(130)
    rec.news(net, "run 130")
    rec.state(net)
    for node in reversed(hosts):
        rec.attempt(f"leave {node.name}", lambda n=node: n.leave(GROUP))
        rec.news(net, f"leave {node.name}")
        net.run(2)
    rec.attempt("leave again", lambda: hosts[0].leave(GROUP) if hosts else None)
    net.run(300)
    rec.news(net, "run 300")
    rec.state(net)


def conflicts(rec: Recorder, name: str, data: dict[str, Any], personality: str | None) -> None:
    """A newcomer with the first host's address, under each duplicate check, started plugged and unplugged."""
    first = (data.get("hosts") or [None])[0]
    if first is None:
        return
    nic = first["interfaces"][0]
    if not nic.get("addresses"):  # a DHCP client: no configured address to duplicate
        return
    for mode in ("nt", "rfc5227", "none"):
        for unplugged in (False, True):
            net = Network.from_dict(data, personality=personality, seed=SEED)
            if first.get("running", True) is False:
                net.host(first["name"]).start()
                net.settle()
            newcomer = {"name": "dup", "duplicate_detection": mode, "running": False,
                        "interfaces": [{"name": "eth0", "segment": nic["segment"], "addresses": nic["addresses"]}]}
            rec.say(f"== {name} conflict mode={mode} unplugged={unplugged}")
            rec.news(net, "built")
            node = rec.attempt("add dup", lambda n=newcomer, nw=net: nw.add_node(n))
            if node is None:
                continue
            others = [str(a) for n in net.nodes.values() if n is not node for a in n.addresses]
            if unplugged:
                node.unplug()
            node.start()
            net.run(10)
            rec.news(net, "dup started")
            if unplugged:
                node.plug()
                net.run(5)
            for destination in others[:3]:
                trace = rec.attempt(f"dup sends to {destination}", lambda d=destination, nw=net: nw.send("dup", d))
                if trace is not None:
                    rec.trace(trace)
                net.run(1)
                rec.news(net, f"dup sent to {destination}")
            for other in list(net.nodes.values())[:3]:
                if other is not node and other.running:
                    trace = rec.attempt(f"{other.name} sends to the address",
                                        lambda o=other, nw=net: nw.send(o.name, nic["addresses"][0].split("/")[0]))
                    if trace is not None:
                        rec.trace(trace)
            net.run(30)
            rec.news(net, "run 30")
            rec.state(net)


def _personalities(data: dict[str, Any]) -> list[str | None]:
    """The scenario's own personalities, then each forced one that differs from them."""
    own = {data.get("personality", "nt4")} | {node["personality"] for key in ("hosts", "routers")
                                              for node in data.get(key) or [] if "personality" in node}
    return [None] + [p for p in PERSONALITIES[1:] if own != {p}]


def record() -> str:
    rec = Recorder()
    for name, data in networks():
        for personality in _personalities(data):
            label = f"{name} personality={personality}"
            rec.say(f"==== {label}")
            net = rec.attempt("build", lambda d=data, p=personality: Network.from_dict(d, personality=p, seed=SEED))
            if net is None:  # a personality that refuses the scenario (NT 3.5 has no BOOTP relay agent)
                continue
            rec.news(net, "built")
            rec.state(net)
            rec.saved(net)
            sends(rec, net)
            life_cycle(rec, net)
            rec.saved(net)
            for version in (None, 1):
                rec.say(f"=== {label} multicast igmp_version={version}")
                variant = _with_querier(data, version)
                group_net = rec.attempt("build", lambda d=variant, p=personality:
                                        Network.from_dict(d, personality=p, seed=SEED))
                if group_net is None:
                    continue
                rec.news(group_net, "built")
                multicast(rec, group_net)
                rec.saved(group_net)
            conflicts(rec, name, data, personality)
    return "\n".join(rec.lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {GOLDEN}")
    args = parser.parse_args(argv)
    text = record()
    if args.write:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
        print(f"wrote {GOLDEN}: {len(text.splitlines())} lines, {len(text):,} characters")
    else:
        sys.stdout.write(text)
    return 0


def recorded() -> str:
    """The record as it was last written."""
    return gzip.decompress(GOLDEN.read_bytes()).decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
