"""Multicast against the real kernel: the groups and MACs of a NIC, and IGMP v1, v2 and v3 on the wire.

Namespace A holds ``v0`` (10.0.0.2/24), namespace B its veth peer ``p0`` (10.0.0.1/24). A small
Python member process in A joins and leaves groups (any source, or one source) on command; a capture
in B collects what A's kernel sends, and B can inject a query as a router would. The simulator runs
the same script with a ``linux`` host. The kernel repeats unsolicited reports at random times, so
the tests compare the *set of distinct messages*, field by field, never how many were sent.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import netaddr
import pytest

from tests.kernel.capture import Capture, Injector, Pair, mac_of, start_helper, stop_helper, veth_pair
from workbook.net.multicast import multicast_mac
from workbook.sim import Network
from workbook.sim.frames import ETHERTYPE_IPV4, IgmpMessage, IgmpType, IPProtocol, IPv4Packet
from workbook.sim.pcap import checksum

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

ADDRESS, PEER = "10.0.0.2", "10.0.0.1"
GROUP, SSM_GROUP, SOURCE, OTHER_GROUP = "239.1.2.3", "232.1.1.1", "10.0.0.9", "239.9.9.9"
PAUSE = 2.5  # seconds between membership changes: IGMPv3 repeats a change within 1 s

MEMBER = r"""
import socket, sys
address = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def request(group, *source):
    return socket.inet_aton(group) + socket.inet_aton(address) + b"".join(socket.inet_aton(a) for a in source)
OPTIONS = {"join": socket.IP_ADD_MEMBERSHIP, "leave": socket.IP_DROP_MEMBERSHIP,
           "sjoin": 39, "sleave": 40}  # IP_ADD_SOURCE_MEMBERSHIP, IP_DROP_SOURCE_MEMBERSHIP
for group in sys.argv[2:]:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request(group))
print("ready", flush=True)
for line in sys.stdin:  # "join G", "sjoin G S", ...; closing stdin (or the socket) leaves every group
    op, *args = line.split()
    s.setsockopt(socket.IPPROTO_IP, OPTIONS[op], request(*args))
    print("ok", flush=True)
"""


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with veth_pair(f"{ADDRESS}/24", f"{PEER}/24") as made:
        yield made


# (a) the groups and MACs of a NIC ------------------------------------------------------------
def _maddr(pair: Pair) -> set[tuple[str, str]]:
    """`ip maddr show dev v0`, IPv4 only (not IPv6's 33:33:... MACs and ff02:: groups)."""
    lines = [line.split() for line in pair.a.ip("maddr", "show", "dev", "v0").stdout.splitlines()]
    return {(words[0], words[1]) for words in lines if words[:1] == ["inet"]
            or (words[:1] == ["link"] and words[1].startswith("01:00:5e"))}


def _simulated_host(version: int | None = None) -> tuple[Network, Any]:
    extra = {} if version in (None, 0) else {"igmp_version": version}
    net = Network.from_dict({"segments": [{"name": "lan"}], "hosts": [
        {"name": "a", **extra, "interfaces": [{"name": "v0", "segment": "lan", "addresses": [f"{ADDRESS}/24"]}]},
        {"name": "b", "interfaces": [{"name": "p0", "segment": "lan", "addresses": [f"{PEER}/24"]}]},
    ]}, personality="linux")
    return net, net.host("a")


@pytest.mark.parametrize("groups", [
    [GROUP],
    [GROUP, "224.129.2.3"],  # RFC 1112 6.4: 23 bits of the group go into the MAC, so these two share one
    ["239.255.255.250", "224.0.0.251", "238.127.0.9"],
])
def test_joined_groups_are_listed_like_ip_maddr(pair: Pair, groups: list[str]) -> None:
    member = start_helper(pair.a, MEMBER, ADDRESS, *groups)
    try:
        kernel = _maddr(pair)
    finally:
        stop_helper(member)
    _, host = _simulated_host()
    for group in groups:
        host.join(group)
    simulated = {tuple(line.split()) for line in host.maddr().splitlines()[1:]}
    assert simulated == kernel, f"groups {groups}:\n kernel    {sorted(kernel)}\n simulator {sorted(simulated)}"
    assert {("link", str(multicast_mac(g)).lower().replace("-", ":")) for g in groups} <= kernel
    assert _maddr(pair) == {("link", "01:00:5e:00:00:01"), ("inet", "224.0.0.1")}, "leaving removes the groups"


# (b) IGMP messages ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Seen:
    """One IGMP message as both sides can describe it: IP header fields, then the IGMP fields."""

    ip_dst: str
    ttl: int
    router_alert: bool
    tos: int
    type: int
    group: str
    records: frozenset[tuple[int, str, tuple[str, ...]]] = frozenset()

    @classmethod
    def parse(cls, data: bytes) -> Seen:
        ihl = (data[14] & 15) * 4
        igmp = data[14 + ihl:14 + int.from_bytes(data[16:18], "big")]
        records = set()
        if igmp[0] == 0x22:
            offset = 8
            for _ in range(int.from_bytes(igmp[6:8], "big")):
                kind, aux, count = igmp[offset], igmp[offset + 1], int.from_bytes(igmp[offset + 2:offset + 4], "big")
                group = socket.inet_ntoa(igmp[offset + 4:offset + 8])
                sources = tuple(socket.inet_ntoa(igmp[offset + 8 + 4 * i:offset + 12 + 4 * i]) for i in range(count))
                records.add((kind, group, sources))
                offset += 8 + 4 * count + 4 * aux
        group = "0.0.0.0" if igmp[0] == 0x22 else socket.inet_ntoa(igmp[4:8])  # a v3 report has records instead
        return cls(socket.inet_ntoa(data[30:34]), data[22], data[34:36] == b"\x94\x04", data[15], igmp[0], group,
                   frozenset(records))

    @classmethod
    def of(cls, frame: Any) -> Seen:
        igmp = frame.igmp
        records = frozenset((int(r.record_type), str(r.group), tuple(map(str, r.sources))) for r in igmp.records)
        return cls(str(frame.ip.dst), frame.ip.ttl, frame.ip.router_alert, frame.ip.tos, int(igmp.type),
                   str(igmp.group), records)


def _query(version: int) -> bytes:
    """A general query from B (10.0.0.1) as the given version's querier sends it, Router Alert included."""
    if version == 3:
        igmp = struct.pack("!BBH4sBBH", 0x11, 100, 0, bytes(4), 2, 125, 0)
    else:
        igmp = struct.pack("!BBH4s", 0x11, 100 if version == 2 else 0, 0, bytes(4))
    igmp = igmp[:2] + struct.pack("!H", checksum(igmp)) + igmp[4:]
    header = struct.pack("!BBHHHBBH4s4s", 0x46, 0xC0, 24 + len(igmp), 1, 0, 1, 2, 0, socket.inet_aton(PEER),
                         socket.inet_aton("224.0.0.1")) + b"\x94\x04\x00\x00"
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + igmp


#: A script: ("join"|"leave"|"sjoin"|"sleave", group[, source]) changes, ("query", version), ("wait", seconds).
WAIT = ("wait", PAUSE)
CHANGES = [("join", GROUP), WAIT, ("sjoin", SSM_GROUP, SOURCE), WAIT, ("sleave", SSM_GROUP, SOURCE), WAIT,
           ("leave", GROUP), WAIT]
AFTER_A_QUERY = [("join", GROUP), WAIT, ("sjoin", SSM_GROUP, SOURCE), WAIT, ("query",), ("wait", 11.0),
                 ("join", OTHER_GROUP), WAIT, ("leave", OTHER_GROUP), WAIT]


def kernel_igmp(script: list[tuple], force: int, query: int = 3) -> set[Seen]:
    with veth_pair(f"{ADDRESS}/24", f"{PEER}/24") as pair:
        pair.a.exec("sysctl", "-qw", f"net.ipv4.conf.v0.force_igmp_version={force}")
        capture = Capture(pair.b, "p0", ETHERTYPE_IPV4, seconds=60)
        member = start_helper(pair.a, MEMBER, ADDRESS)
        injector = Injector(pair.b, "p0")
        try:
            for step in script:
                if step[0] == "wait":
                    time.sleep(step[1])
                elif step[0] == "query":
                    mac = bytes.fromhex(mac_of(pair.b, "p0").replace(":", ""))
                    injector.send(bytes.fromhex("01005e000001") + mac + b"\x08\x00" + _query(query))
                else:
                    member.stdin.write(" ".join(step) + "\n")
                    member.stdin.flush()
                    member.stdout.readline()
        finally:
            injector.close()
            stop_helper(member)
            time.sleep(PAUSE)  # the leaves of a closed socket, and their repeats, go out a moment later
        return {Seen.parse(f) for f in capture.frames() if f[23] == IPProtocol.IGMP}


def simulated_igmp(script: list[tuple], force: int, query: int = 3) -> set[Seen]:
    net, a = _simulated_host(force)
    b = net.host("b")
    since = len(net.frames)
    for step in script:
        if step[0] == "wait":
            net.run(step[1])
        elif step[0] == "query":
            message = IgmpMessage(IgmpType.MEMBERSHIP_QUERY, query, netaddr.IPAddress(0), 0 if query == 1 else 100,
                                  qrv=2 if query == 3 else 0, qqic=125 if query == 3 else 0)
            packet = IPv4Packet(netaddr.IPAddress(PEER), netaddr.IPAddress("224.0.0.1"), 1, IPProtocol.IGMP, 0xC0,
                                True, payload=message)
            net.transmit(b, b.interfaces[0], multicast_mac("224.0.0.1"), ETHERTYPE_IPV4, ip=packet)
        else:
            op, group, *sources = step
            (a.join if op.endswith("join") else a.leave)(group, sources=sources or None)
    for group in sorted(a.groups["v0"] - {0xE0000001}):  # the member process ends: its socket leaves at once
        a.leave(str(netaddr.IPAddress(group)))
    net.run(15)  # let every repeat go out; the set of distinct messages does not depend on how many
    return {Seen.of(f) for f in net.frames[since:] if f.igmp is not None and f.sender == "a"}


def _compare(kernel: set[Seen], simulated: set[Seen], what: str) -> None:
    assert simulated == kernel, (f"{what}:\n only the kernel   {sorted(map(str, kernel - simulated))}\n"
                                 f" only the simulator {sorted(map(str, simulated - kernel))}")


@pytest.mark.parametrize("force", [0, 1, 2, 3], ids=["default", "v1", "v2", "v3"])
def test_igmp_matches_the_kernel(force: int) -> None:
    """Join, source-specific join and leave, then leave, under force_igmp_version; every distinct message."""
    kernel = kernel_igmp(CHANGES, force)
    _compare(kernel, simulated_igmp(CHANGES, force), f"force_igmp_version={force}")
    assert kernel, "the kernel sent no IGMP"
    expected_type = {0: 0x22, 1: 0x12, 2: 0x16, 3: 0x22}[force]
    assert expected_type in {seen.type for seen in kernel}


def test_queries_of_each_version_get_the_kernels_answers() -> None:
    """A v3 query gets a current-state report; a v2 or v1 query makes the host fall back to that version."""
    versions = [3, 2, 1]
    with ThreadPoolExecutor(max_workers=len(versions)) as pool:
        kernels = list(pool.map(lambda version: kernel_igmp(AFTER_A_QUERY, 0, version), versions))
    for version, kernel in zip(versions, kernels, strict=True):
        _compare(kernel, simulated_igmp(AFTER_A_QUERY, 0, version), f"after a v{version} query")
        answered = {0x22} if version == 3 else {0x22, 0x16 if version == 2 else 0x12}
        assert answered <= {seen.type for seen in kernel}


# (c) an ARP conflict probe: arping -D against the simulator's RFC 5227 probe ---------------------
def _kernel_probe(pair: Pair, address: str) -> tuple[int, str]:
    """Probe ``address`` from B as RFC 5227 does (`arping -D`: sender 0.0.0.0); exit 1 means someone answered."""
    if subprocess.run(["which", "arping"], capture_output=True).returncode:
        pytest.skip("arping (Debian's iputils-arping) is not installed")
    done = pair.b.exec("arping", "-D", "-c", "2", "-w", "3", "-I", "p0", address, check=False)
    return done.returncode, done.stdout


def _simulated_probe(address: str) -> tuple[bool, list[str]]:
    """The same probe in the simulator: a linux host owns 10.0.0.2, an RFC 5227 host starts with ``address``."""
    net = Network.from_dict({"segments": [{"name": "lan"}], "hosts": [
        {"name": "a", "personality": "linux", "interfaces": [{"name": "v0", "segment": "lan",
                                                               "addresses": [f"{ADDRESS}/24"]}]},
        {"name": "prober", "personality": "windows", "running": False, "duplicate_detection": "rfc5227",
         "interfaces": [{"name": "p0", "segment": "lan", "addresses": [f"{address}/24"]}]},
    ]})
    since = len(net.frames)
    net.host("prober").start()
    net.run(10)
    replies = [str(f.arp.sender_mac) for f in net.frames[since:]
               if f.arp is not None and f.arp.opcode == 2 and f.sender == "a"]
    return not net.host("prober").ip_enabled("p0"), replies


@pytest.mark.parametrize(("address", "in_use"), [(ADDRESS, True), ("10.0.0.77", False)])
def test_a_conflict_probe_finds_the_same_owner_in_the_kernel_and_the_simulator(pair: Pair, address: str,
                                                                               in_use: bool) -> None:
    code, output = _kernel_probe(pair, address)
    kernel_conflict = code == 1
    conflict, replies = _simulated_probe(address)
    assert kernel_conflict is in_use, f"arping -D {address}: exit {code}\n{output}"
    assert conflict is kernel_conflict and bool(replies) is kernel_conflict
    if in_use:
        mac = pair.a.ip_json("link", "show", "dev", "v0")[0]["address"]
        assert mac.upper() in output.upper(), f"arping should name the owner's MAC {mac}:\n{output}"


