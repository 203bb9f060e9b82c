"""The BOOTP relay agent against real software: ISC dhcrelay and dnsmasq in network namespaces.

Four namespaces joined by veth pairs: the client's ``c0`` (LAN 10.0.1.0/24) to the router's ``r0``;
the router's ``r1`` (core 10.0.2.0/24) to server S1's ``s0`` (10.0.2.9); the router's ``r2`` (core2
10.0.3.0/24) to server S2's ``t0`` (10.0.3.9). The router runs ``dhcrelay``, each server ``dnsmasq``
with one-address ranges (so which address is offered does not depend on dnsmasq's hash of the MAC).

Each case injects the same crafted DISCOVER (and then the REQUEST for server S1's offer) into the
real LAN and into the simulator's, then compares every BOOTP message on every segment, field by field
and option by option, with the addresses, ports and TTL around it: what the relay sent each server, what
each server answered, what the relay delivered on the LAN. Cases are drawn at random from a fixed
seed: hops near the relay's limit, giaddr already set by an earlier relay, one or two servers, the
BROADCAST flag on or off. Finally a real client (busybox ``udhcpc``) and the simulator's client go
through the whole exchange; their messages agree in everything but the client's own options.

dhcrelay's ``-c COUNT`` drops a request whose hops has reached COUNT; RFC 1542 §4.1.1 (and the
simulator's ``max_hops``) discards one whose hops *exceeds* the threshold: ``max_hops = COUNT - 1``.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import netaddr
import pytest

from tests.kernel.capture import Capture, Injector
from tests.net.netns import Namespace, NamespaceUnavailable, namespaces
from workbook.net.bootp import BootpMessage, BootpOp, DhcpMessageType, Option
from workbook.sim import Network
from workbook.sim.frames import BROADCAST_MAC, IPProtocol, UdpDatagram
from workbook.sim.pcap import frame_bytes

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

CASES = 14
SEED = 1542
ASKED = (1, 3, 28, 51, 54)  # the parameter request list of the crafted messages
POOLS = {  # server → (subnet, the one address offered, router, lease) for the LAN and for a far relay's subnet
    "s1": [("10.0.1.0/24", "10.0.1.100", "10.0.1.1", 3600), ("10.0.7.0/24", "10.0.7.100", "10.0.7.1", 3600)],
    "s2": [("10.0.1.0/24", "10.0.1.150", "10.0.1.1", 1800), ("10.0.7.0/24", "10.0.7.150", "10.0.7.1", 1800)],
}
SERVERS = {"s1": "10.0.2.9", "s2": "10.0.3.9"}


def _need(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (./run.sh test installs isc-dhcp-relay, dnsmasq and busybox)")


@dataclass
class Lab:
    client: Namespace
    router: Namespace
    s1: Namespace
    s2: Namespace
    workdir: str


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    for program in ("dhcrelay", "dnsmasq", "busybox"):
        _need(program)
    try:
        with namespaces(4) as (client, router, s1, s2), tempfile.TemporaryDirectory() as workdir:
            client.ip("link", "add", "c0", "type", "veth", "peer", "name", "r0", "netns", router.name)
            router.ip("link", "add", "r1", "type", "veth", "peer", "name", "s0", "netns", s1.name)
            router.ip("link", "add", "r2", "type", "veth", "peer", "name", "t0", "netns", s2.name)
            router.batch(["addr add 10.0.1.1/24 dev r0", "addr add 10.0.2.1/24 dev r1", "addr add 10.0.3.1/24 dev r2",
                          "link set r0 up", "link set r1 up", "link set r2 up"])
            s1.batch(["addr add 10.0.2.9/24 dev s0", "link set s0 up", "route add default via 10.0.2.1"])
            s2.batch(["addr add 10.0.3.9/24 dev t0", "link set t0 up", "route add default via 10.0.3.1"])
            client.ip("link", "set", "c0", "up")
            # A relay further out would sit on 10.0.7.0/24; the router reaches it through a LAN neighbour.
            router.ip("route", "add", "10.0.7.0/24", "via", "10.0.1.77")
            router.exec("sysctl", "-qw", "net.ipv4.ip_forward=1")
            yield Lab(client, router, s1, s2, workdir)
    except NamespaceUnavailable as error:
        pytest.skip(f"kernel tests need network namespaces: {error}")


def _dnsmasq(lab: Lab, server: str) -> subprocess.Popen:
    namespace, interface = (lab.s1, "s0") if server == "s1" else (lab.s2, "t0")
    # --no-ping: dnsmasq would first ping the address (RFC 2131 §3.1), which the simulator does not model.
    args = ["dnsmasq", "--no-daemon", "--port=0", "--no-ping", f"--interface={interface}", "--bind-interfaces",
            "--no-resolv", "--no-hosts", "--pid-file=",
            f"--dhcp-leasefile={lab.workdir}/{server}-{time.monotonic_ns()}.leases"]
    for number, (network, address, router, lease) in enumerate(POOLS[server]):
        mask = str(netaddr.IPNetwork(network).netmask)
        args += [f"--dhcp-range=set:p{number},{address},{address},{mask},{lease}",
                 f"--dhcp-option=tag:p{number},option:router,{router}"]
    return namespace.popen(*args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _dhcrelay(lab: Lab, servers: list[str], max_hops: int) -> subprocess.Popen:
    args = ["dhcrelay", "-4", "-d", "-q", "-c", str(max_hops + 1), "-id", "r0", "-iu", "r1", "-iu", "r2",
            *[SERVERS[s] for s in servers]]
    return lab.router.popen(*args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# What a message looks like where it was seen -----------------------------------------------------------
def seen(where: str, eth_dst: str, src: str, dst: str, sport: int, dport: int, message: BootpMessage,
         ttl: int) -> tuple:
    """One message where it was seen; the frame's destination MAC as 'broadcast', 'chaddr' or another unicast."""
    if eth_dst != "broadcast":
        eth_dst = "chaddr" if eth_dst == str(message.chaddr) else "unicast"
    fields = message.fields()
    fields["options"] = sorted(fields["options"].items())
    return (where, eth_dst, src, dst, sport, dport, sorted(fields.items()), ttl)


def _from_bytes(where: str, frame: bytes) -> tuple | None:
    ip = frame[14:]
    if frame[12:14] != b"\x08\x00" or ip[9] != IPProtocol.UDP:
        return None
    udp = ip[(ip[0] & 0x0F) * 4:]
    sport, dport = int.from_bytes(udp[0:2], "big"), int.from_bytes(udp[2:4], "big")
    if {sport, dport} - {67, 68}:
        return None
    eth_dst = "broadcast" if frame[0:6] == b"\xff" * 6 else str(netaddr.EUI(frame[0:6].hex()))
    return seen(where, eth_dst, str(netaddr.IPAddress(int.from_bytes(ip[12:16], "big"))),
                str(netaddr.IPAddress(int.from_bytes(ip[16:20], "big"))), sport, dport,
                BootpMessage.decode(udp[8:]), ip[8])


# Who sees what: (namespace attribute, interface, the label of what arrives there)
_POINTS = (("client", "c0", "lan: relay → client"), ("s1", "s0", "core: relay → s1"),
           ("router", "r1", "core: s1 → relay"), ("s2", "t0", "core2: relay → s2"),
           ("router", "r2", "core2: s2 → relay"))


def real_exchange(lab: Lab, messages: Any, chaddr: netaddr.EUI, servers: list[str],
                  max_hops: int) -> list[tuple]:
    """Inject ``messages`` on the LAN as the client; what every point of the real network saw."""
    lab.client.ip("link", "set", "c0", "address", str(chaddr).replace("-", ":"))
    processes = [_dnsmasq(lab, "s1"), _dnsmasq(lab, "s2"), _dhcrelay(lab, servers, max_hops)]
    try:
        time.sleep(1.0)  # dhcrelay and dnsmasq open their sockets
        observed: list[tuple] = []
        injector = Injector(lab.client, "c0")
        try:
            for message in messages(observed):
                captures = [(label, Capture(getattr(lab, ns), nic, 0x0800, 5)) for ns, nic, label in _POINTS]
                injector.send(frame_bytes(_client_frame(chaddr, message)))
                time.sleep(0.6)
                for label, capture in captures:
                    observed += [item for item in map(lambda f, lb=label: _from_bytes(lb, f), capture.frames("in"))
                                 if item is not None]
        finally:
            injector.close()
        return observed
    finally:
        _stop(*processes)


def _client_frame(chaddr: netaddr.EUI, message: BootpMessage) -> Any:
    """The frame a client sends: from 0.0.0.0:68 to 255.255.255.255:67 (built by the simulator, sent for real)."""
    net = Network.from_dict({"segments": [{"name": "lan"}], "hosts": [
        {"name": "c", "interfaces": [{"name": "eth0", "segment": "lan", "mac": str(chaddr)}]}]}, personality="linux")
    host = net.host("c")
    return host.send_on_link(host.interfaces[0], 0xFFFFFFFF, UdpDatagram(68, 67, message), IPProtocol.UDP, ttl=64)


def simulated_network(chaddr: netaddr.EUI, servers: list[str], max_hops: int, client_dhcp: bool = False) -> Network:
    def server(name: str, segment: str, address: str, gateway: str) -> dict[str, Any]:
        return {"name": name, "interfaces": [{"name": "eth0", "segment": segment, "addresses": [f"{address}/24"],
                                              "gateway": gateway}],
                "dhcp_server": {"pools": [{"network": n, "range": [a, a], "router": r, "lease": lease}
                                          for n, a, r, lease in POOLS[name]]}}

    pc_nic = {"name": "c0", "segment": "lan", "mac": str(chaddr), **({"dhcp": True} if client_dhcp else {})}
    return Network.from_dict({
        "personality": "linux",
        "segments": [{"name": "lan"}, {"name": "core"}, {"name": "core2"}],
        "hosts": [{"name": "pc", "interfaces": [pc_nic]},
                  server("s1", "core", "10.0.2.9", "10.0.2.1"), server("s2", "core2", "10.0.3.9", "10.0.3.1")],
        "routers": [{"name": "router", "forwarding": True,
                     "interfaces": [{"name": "r0", "segment": "lan", "addresses": ["10.0.1.1/24"]},
                                    {"name": "r1", "segment": "core", "addresses": ["10.0.2.1/24"]},
                                    {"name": "r2", "segment": "core2", "addresses": ["10.0.3.1/24"]}],
                     "routes": [{"destination": "10.0.7.0/24", "gateway": "10.0.1.77"}],
                     "dhcp_relay": {"servers": [SERVERS[s] for s in servers], "max_hops": max_hops}}]})


_SIM_POINTS = {("lan", "router"): "lan: relay → client", ("core", "router"): "core: relay → s1",
               ("core", "s1"): "core: s1 → relay", ("core2", "router"): "core2: relay → s2",
               ("core2", "s2"): "core2: s2 → relay"}


def simulated_seen(frames: list[Any]) -> list[tuple]:
    found = []
    for frame in frames:
        label = _SIM_POINTS.get((frame.segment, frame.sender))
        if label is None or frame.bootp is None:
            continue
        eth_dst = "broadcast" if frame.eth_dst == BROADCAST_MAC else str(frame.eth_dst)
        found.append(seen(label, eth_dst, str(frame.ip.src), str(frame.ip.dst), frame.udp.src_port,
                          frame.udp.dst_port, frame.bootp, frame.ip.ttl))
    return found


def simulated_exchange(messages: Any, chaddr: netaddr.EUI, servers: list[str], max_hops: int) -> list[tuple]:
    net = simulated_network(chaddr, servers, max_hops)
    pc = net.host("pc")
    observed: list[tuple] = []
    for message in messages(observed):
        start = len(net.frames)
        pc.send_on_link(pc.interfaces[0], 0xFFFFFFFF, UdpDatagram(68, 67, message), IPProtocol.UDP, ttl=64)
        net.run(1)
        observed += simulated_seen(net.frames[start:])
    return observed


# The cases ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    xid: int
    chaddr: netaddr.EUI
    hops: int
    max_hops: int
    giaddr: str
    broadcast: bool
    servers: tuple[str, ...]

    def discover(self) -> BootpMessage:
        return BootpMessage(BootpOp.BOOTREQUEST, self.xid, self.chaddr, hops=self.hops,
                            flags=0x8000 if self.broadcast else 0, giaddr=netaddr.IPAddress(self.giaddr),
                            option_list=((Option.MESSAGE_TYPE, DhcpMessageType.DISCOVER),
                                         (Option.PARAMETER_REQUEST_LIST, ASKED)))

    def messages(self, observed: list[tuple]) -> Iterator[BootpMessage]:
        """The DISCOVER; then, if server S1 offered, the REQUEST for its offer (built from what was seen)."""
        yield self.discover()
        offers = [entry for entry in observed if entry[0] == "core: s1 → relay"]
        if not offers:
            return
        fields = dict(offers[0][6])
        offer = BootpMessage(BootpOp.BOOTREPLY, self.xid, self.chaddr, yiaddr=netaddr.IPAddress(fields["yiaddr"]),
                             option_list=((Option.SERVER_ID, netaddr.IPAddress(SERVERS["s1"])),))
        request = BootpMessage.request(offer, self.broadcast, extra=((Option.PARAMETER_REQUEST_LIST, ASKED),))
        yield BootpMessage(request.op, request.xid, request.chaddr, hops=self.hops, flags=request.flags,
                           giaddr=netaddr.IPAddress(self.giaddr), option_list=request.option_list)


def cases() -> list[Case]:
    rng = random.Random(SEED)
    pc = netaddr.EUI("00-DD-01-0F-7A-B5")
    made = [Case(0x1542_0001, pc, 0, 4, "0.0.0.0", False, ("s1",)),
            # The threshold itself: relayed by both (RFC 1542: discard only what exceeds it), and the ceiling.
            Case(0x1542_0002, pc, 4, 4, "0.0.0.0", False, ("s1",)),
            Case(0x1542_0003, pc, 16, 16, "0.0.0.0", True, ("s1",)),
            Case(0x1542_0004, pc, 17, 16, "0.0.0.0", False, ("s1",))]
    while len(made) < CASES:
        max_hops = rng.choice([1, 2, 4, 9])
        made.append(Case(rng.getrandbits(32), netaddr.EUI(rng.getrandbits(48) & 0xFEFFFFFFFFFF | 0x020000000000),
                         rng.choice([0, 0, max_hops - 1, max_hops, max_hops + 1]), max_hops,
                         rng.choice(["0.0.0.0", "0.0.0.0", "10.0.7.1"]), rng.random() < 0.5,
                         rng.choice([("s1",), ("s1", "s2")])))
    return made


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"hops{c.hops}-max{c.max_hops}-giaddr{c.giaddr}-"
                                                        f"{'B' if c.broadcast else 'u'}-{'+'.join(c.servers)}")
def test_every_bootp_field_on_every_segment_matches_dhcrelay_and_dnsmasq(lab: Lab, case: Case,
                                                                       record_property: Any) -> None:
    real = real_exchange(lab, case.messages, case.chaddr, list(case.servers), case.max_hops)
    simulated = simulated_exchange(case.messages, case.chaddr, list(case.servers), case.max_hops)
    record_property("bootp_messages", len(real))
    assert sorted(map(repr, simulated)) == sorted(map(repr, real))
    relayed = [entry for entry in real if entry[0].startswith(("core: relay", "core2: relay"))]
    if case.hops > case.max_hops:
        assert real == []  # discarded by both relays: nothing reached a server
    else:  # both servers' answers, and for a relay-filled giaddr the LAN delivery, were compared
        assert {entry[0] for entry in relayed} == {f"{'core' if s == 's1' else 'core2'}: relay → {s}"
                                                   for s in case.servers}
        assert len(real) >= 2 * len(case.servers) + (2 if case.giaddr == "0.0.0.0" else 0)


def test_a_real_client_and_the_simulated_one_get_the_same_lease_through_the_relay(lab: Lab,
                                                                                 record_property: Any) -> None:
    chaddr = netaddr.EUI("00-DD-01-0F-7A-B5")
    lab.client.ip("link", "set", "c0", "address", "00:dd:01:0f:7a:b5")
    processes = [_dnsmasq(lab, "s1"), _dnsmasq(lab, "s2"), _dhcrelay(lab, ["s1"], 4)]
    try:
        time.sleep(1.0)
        captures = [(label, Capture(getattr(lab, ns), nic, 0x0800, 15)) for ns, nic, label in _POINTS]
        lan = Capture(lab.router, "r0", 0x0800, 15)
        result = lab.client.exec("timeout", "12", "busybox", "udhcpc", "-i", "c0", "-f", "-q", "-n", "-t", "3",
                                 "-T", "2", "-s", "/bin/true", check=False)
        time.sleep(0.5)
    finally:
        _stop(*processes)
    assert "lease of 10.0.1.100 obtained" in result.stderr + result.stdout
    real = [item for label, capture in captures for item in
            (_from_bytes(label, f) for f in capture.frames("in")) if item is not None]
    real += [item for item in (_from_bytes("lan: client → relay", f) for f in lan.frames("in")) if item is not None]
    net = simulated_network(chaddr, ["s1"], 4, client_dhcp=True)
    lease = net.host("pc").protocols["bootpc"].leases["c0"]
    assert str(lease.address) == "10.0.1.100/24" and str(lease.router) == "10.0.1.1"
    simulated = simulated_seen(net.frames) + [
        seen("lan: client → relay", "broadcast", str(f.ip.src), str(f.ip.dst), f.udp.src_port, f.udp.dst_port, f.bootp,
             f.ip.ttl)
        for f in net.frames if f.segment == "lan" and f.sender == "pc" and f.bootp is not None]

    def shape(entries: list[tuple]) -> list[tuple]:
        """Everything but the transaction id and the options the client chose (udhcpc's 57, 60, 61, its 55)."""
        shaped = []
        for where, eth_dst, src, dst, sport, dport, fields, ttl in entries:
            fields = dict(fields)
            options = dict(fields.pop("options"))
            fields.pop("xid")
            kept = {code: value for code, value in options.items() if code in (53, 50, 54, 51, 58, 59, 1, 3)}
            shaped.append((where, fields["message_type"], eth_dst == "broadcast", src, dst, sport, dport, ttl,
                           sorted(fields.items()), sorted(kept.items())))
        return sorted(map(repr, shaped))

    record_property("bootp_messages", len(real))
    assert shape(simulated) == shape(real)
    # udhcpc's DISCOVER carries flags 0: the linux personality's dhcp_broadcast_flag trait.
    assert all(dict(entry[6])["flags"] == 0 for entry in real if entry[0] == "lan: client → relay")
