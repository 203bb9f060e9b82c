"""Multicast against the real kernel: the MACs a NIC accepts after a join, and the IGMP messages on the wire.

Namespace A holds ``v0`` (10.0.0.2/24), namespace B its veth peer ``p0``
(10.0.0.1/24). A small Python member process joins groups in A and stays
alive while we look; a raw AF_PACKET socket on ``p0`` in B captures what the
kernel sends. The simulator (``workbook.sim``) must put the same values in
the fields checked here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.net.netns import Namespace, NamespaceUnavailable, namespaces
from workbook.net.multicast import multicast_mac
from workbook.sim import Network
from workbook.sim.frames import IgmpType

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

ADDRESS, PEER = "10.0.0.2", "10.0.0.1"

MEMBER = r"""
import socket, sys
address, groups = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for group in groups:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(address))
print("ready", flush=True)
sys.stdin.read()  # stay a member until the test closes our stdin; closing the socket leaves the groups
"""

CAPTURE = r"""
import json, select, socket, sys, time
interface, seconds, stop_type = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((interface, 0))
print("ready", flush=True)
frames, deadline = [], time.monotonic() + seconds
while time.monotonic() < deadline:
    if not select.select([s], [], [], 0.05)[0]:
        continue
    data, where = s.recvfrom(65535)
    if where[2] == socket.PACKET_OUTGOING or len(data) < 38 or data[23] != 2:  # IPv4 protocol 2: IGMP
        continue
    frames.append(data.hex())
    if data[14 + (data[14] & 15) * 4] == stop_type:
        break
print(json.dumps(frames), flush=True)
"""


@dataclass
class Pair:
    a: Namespace
    b: Namespace


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    try:
        with namespaces(2) as (a, b):
            a.ip("link", "add", "v0", "type", "veth", "peer", "name", "p0", "netns", b.name)
            a.ip("addr", "add", f"{ADDRESS}/24", "dev", "v0")
            b.ip("addr", "add", f"{PEER}/24", "dev", "p0")
            a.ip("link", "set", "v0", "up")
            b.ip("link", "set", "p0", "up")
            yield Pair(a, b)
    except NamespaceUnavailable as error:
        pytest.skip(f"kernel tests need network namespaces: {error}")


def _start(namespace: Namespace, script: str, *args: str) -> subprocess.Popen:
    process = namespace.popen(sys.executable, "-c", script, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise AssertionError(f"helper in {namespace.name} did not start: {line!r} {process.stderr.read()}")
    return process


def _stop(process: subprocess.Popen) -> str:
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


# (a) the MACs a NIC accepts --------------------------------------------------------------------
def _link_macs(pair: Pair) -> list[str]:
    lines = pair.a.ip("maddr", "show", "dev", "v0").stdout.splitlines()
    macs = [line.split()[1] for line in lines if line.split()[:1] == ["link"]]
    return [mac for mac in macs if mac.startswith("01:00:5e")]  # IPv4 groups only, not IPv6's 33:33:...


def _as_linux(group: str) -> str:
    return str(multicast_mac(group)).lower().replace("-", ":")


@pytest.mark.parametrize("groups", [
    ["239.1.2.3"],
    ["239.1.2.3", "224.129.2.3"],  # RFC 1112 6.4: 23 bits of the group go into the MAC, so these two share one
    ["239.255.255.250", "224.0.0.251", "238.127.0.9"],
])
def test_joined_groups_put_exactly_the_workbooks_macs_on_the_nic(pair: Pair, groups: list[str]) -> None:
    member = _start(pair.a, MEMBER, ADDRESS, *groups)
    try:
        kernel = _link_macs(pair)
        inet = [line.split()[1] for line in pair.a.ip("maddr", "show", "dev", "v0").stdout.splitlines()
                if line.split()[:1] == ["inet"]]
    finally:
        _stop(member)
    expected = {_as_linux(group) for group in [*groups, "224.0.0.1"]}
    assert sorted(kernel) == sorted(expected), f"groups {groups}: kernel {kernel}, workbook {sorted(expected)}"
    assert set(inet) >= set(groups)
    assert sorted(_link_macs(pair)) == [_as_linux("224.0.0.1")], "leaving the groups should remove their MACs"


# (b) IGMP on the wire ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Seen:
    type: int
    ip_dst: str
    ttl: int
    router_alert: bool
    group: str
    eth_dst: str
    ip_src: str
    tos: int

    def fields(self, router_alert: bool = True) -> dict:
        data = {"type": hex(self.type), "ip_dst": self.ip_dst, "ttl": self.ttl, "group": self.group,
                "eth_dst": self.eth_dst, "ip_src": self.ip_src}
        if router_alert:
            data["router_alert"], data["tos"] = self.router_alert, hex(self.tos)
        return data


def _dotted(data: bytes) -> str:
    return ".".join(str(b) for b in data)


def _parse(hexed: str) -> Seen:
    data = bytes.fromhex(hexed)
    ihl = (data[14] & 15) * 4
    options = data[34:14 + ihl]
    igmp = data[14 + ihl:]
    return Seen(igmp[0], _dotted(data[30:34]), data[22], options[:2] == b"\x94\x04", _dotted(igmp[4:8]),
                ":".join(f"{b:02x}" for b in data[:6]), _dotted(data[26:30]), data[15])


def kernel_join_and_leave(pair: Pair, version: int, group: str) -> list[Seen]:
    pair.a.exec("sysctl", "-qw", f"net.ipv4.conf.v0.force_igmp_version={version}")
    # v2 ends with a Leave Group; v1 has none, so listen a little while after leaving.
    capture = _start(pair.b, CAPTURE, "p0", "5" if version == 2 else "1.5", str(IgmpType.LEAVE_GROUP))
    try:
        member = _start(pair.a, MEMBER, ADDRESS, group)
        time.sleep(0.3)
        _stop(member)
    finally:
        out = _stop(capture)
        pair.a.exec("sysctl", "-qw", "net.ipv4.conf.v0.force_igmp_version=0", check=False)
    # IGMPv3 state-change reports (0x22) still being repeated after earlier tests left their groups are
    # not part of this exchange.
    seen = [_parse(frame) for frame in json.loads(out.strip().splitlines()[-1])]
    return [s for s in seen if s.type in (IgmpType.V1_MEMBERSHIP_REPORT, IgmpType.V2_MEMBERSHIP_REPORT,
                                          IgmpType.LEAVE_GROUP)]


def simulator_join_and_leave(version: int, group: str) -> list[Seen]:
    net = Network.from_dict({"segments": [{"name": "lan"}], "hosts": [
        {"name": "a", "igmp_version": version,
         "interfaces": [{"name": "v0", "segment": "lan", "addresses": [f"{ADDRESS}/24"]}]},
    ]}, personality="linux")
    since = len(net.frames)
    net.host("a").join(group)
    net.run(0.3)
    net.host("a").leave(group)
    net.run(1)
    seen = []
    for frame in net.frames[since:]:
        if frame.igmp is None:
            continue
        seen.append(Seen(int(frame.igmp.type), str(frame.ip.dst), frame.ip.ttl, bool(frame.ip.router_alert),
                         str(frame.igmp.group), _as_linux(str(frame.ip.dst)), str(frame.ip.src), frame.ip.tos))
    return seen


@pytest.mark.parametrize("version", [1, 2])
def test_igmp_join_and_leave_match_the_kernel(pair: Pair, version: int) -> None:
    group = "239.1.2.3"
    kernel = kernel_join_and_leave(pair, version, group)
    simulated = simulator_join_and_leave(version, group)
    report_type = 0x12 if version == 1 else 0x16
    expected_types = [report_type] if version == 1 else [report_type, 0x17]
    assert [s.type for s in kernel] == expected_types, f"kernel sent {kernel}"
    report = kernel[0]
    assert (report.ip_dst, report.group, report.ttl, report.ip_src) == (group, group, 1, ADDRESS)
    assert report.eth_dst == _as_linux(group)
    if version == 2:
        leave = kernel[1]
        assert (leave.ip_dst, leave.group, leave.ttl) == ("224.0.0.2", group, 1)
        assert leave.eth_dst == _as_linux("224.0.0.2")
        assert report.router_alert and leave.router_alert
    # Linux puts Router Alert and TOS 0xC0 on v1 reports as well; RFC 1112 has no such option and the
    # simulator follows the RFC there, so Router Alert and TOS are compared for v2 only.
    with_alert = version == 2
    assert [s.fields(with_alert) for s in simulated] == [s.fields(with_alert) for s in kernel], (
        f"IGMPv{version} join then leave of {group}:\n kernel    {kernel}\n simulator {simulated}"
    )


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
