"""ICMP redirects against the real kernel: when a Linux router sends one, and when a Linux host takes it.

Namespace H holds ``h0`` (10.0.0.2/24, default route via 10.0.0.1); namespace R its veth peer ``r0``
(10.0.0.1/24), forwarding, with a route to 10.9.0.0/16 through 10.0.0.254 on the same link. A datagram
from H to 10.9.0.5 goes to R and would go back out of ``r0``: R redirects H to 10.0.0.254. The
simulator runs the same two nodes (and, where the kernel needs an ARP answer for 10.0.0.254, a third
node that owns it; in the namespaces a small helper answers ARP for it from R's side).

Compared: the redirect's fields (addresses, type, code, gateway, the quoted datagram), whether one is
sent at all (``send_redirects``, ``forwarding``), and the host's ``ip route get 10.9.0.5`` before and
after (``accept_redirects``, forwarding on the host, a redirect from a node that is not the first
hop, a new gateway whose MAC is not known yet: Linux asks for it by ARP and takes the next redirect).
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from typing import Any

import netaddr
import pytest

from tests.kernel.capture import Capture, Injector, Pair, mac_of, start_helper, stop_helper, veth_pair
from workbook.sim import Network
from workbook.sim.frames import ETHERTYPE_IPV4, Frame, IcmpMessage, IcmpType, IPProtocol, IPv4Packet
from workbook.sim.pcap import frame_bytes

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

HOST, ROUTER, BETTER, TARGET = "10.0.0.2", "10.0.0.1", "10.0.0.254", "10.9.0.5"

ARP_RESPONDER = r"""
import socket, sys
interface, address = sys.argv[1], socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((interface, 0))
mine = s.getsockname()[4]
print("ready", flush=True)
while True:
    frame = s.recv(2048)
    if frame[20:22] == b"\x00\x01" and frame[38:42] == address:  # a request for the address
        asker_mac, asker_ip = frame[22:28], frame[28:32]
        reply = asker_mac + mine + b"\x08\x06" + bytes.fromhex("0001080006040002") + mine + address \
            + asker_mac + asker_ip
        s.send(reply)
"""


@pytest.fixture
def pair() -> Iterator[Pair]:
    with veth_pair(f"{HOST}/24", f"{ROUTER}/24") as made:
        made.a.ip("route", "add", "default", "via", ROUTER)
        made.b.ip("route", "add", "10.9.0.0/16", "via", BETTER)
        made.b.exec("sysctl", "-qw", "net.ipv4.ip_forward=1")
        yield made


def _sysctl(namespace: Any, **settings: int) -> None:
    for name, value in settings.items():
        namespace.exec("sysctl", "-qw", f"net.ipv4.{name.replace('__', '.')}={value}")


def _route_get(pair: Pair) -> str | None:
    """The gateway of ``ip route get 10.9.0.5`` on H."""
    return pair.a.ip_json("route", "get", TARGET)[0].get("gateway")


def _send(pair: Pair) -> None:
    """One UDP datagram from H to 10.9.0.5's discard port, as ``net.send("h", TARGET)`` sends it."""
    pair.a.exec(sys.executable, "-c", "import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                f".sendto(b'', ('{TARGET}', 9))")
    time.sleep(0.3)


def _redirects(frames: list[bytes]) -> list[dict[str, Any]]:
    found = []
    for frame in frames:
        ip = frame[14:]
        if frame[12:14] != b"\x08\x00" or ip[9] != IPProtocol.ICMP:
            continue
        icmp = ip[(ip[0] & 0x0F) * 4:]
        if icmp[0] != IcmpType.REDIRECT:
            continue
        quoted = icmp[8:]
        found.append({"src": socket.inet_ntoa(ip[12:16]), "dst": socket.inet_ntoa(ip[16:20]), "ttl": ip[8],
                      "type": icmp[0], "code": icmp[1], "gateway": socket.inet_ntoa(icmp[4:8]),
                      "quoted": (socket.inet_ntoa(quoted[12:16]), socket.inet_ntoa(quoted[16:20]), quoted[9])})
    return found


def _simulated(host: dict[str, Any] | None = None, router: dict[str, Any] | None = None,
               better: bool = False) -> Network:
    nodes: dict[str, Any] = {
        "segments": [{"name": "lan"}], "personality": "linux",
        "hosts": [{"name": "h", "interfaces": [{"name": "h0", "segment": "lan", "addresses": [f"{HOST}/24"],
                                                "gateway": ROUTER}], **(host or {})}],
        "routers": [{"name": "r", "forwarding": True, **(router or {}),
                     "interfaces": [{"name": "r0", "segment": "lan", "addresses": [f"{ROUTER}/24"]}],
                     "routes": [{"destination": "10.9.0.0/16", "gateway": BETTER}]}]}
    if better:  # someone who answers ARP for the better gateway (in the namespaces: the ARP helper)
        nodes["hosts"].append({"name": "g", "interfaces": [{"name": "g0", "segment": "lan",
                                                             "addresses": [f"{BETTER}/24"]}]})
    return Network.from_dict(nodes)


def _simulated_redirects(net: Network) -> list[dict[str, Any]]:
    found = []
    for frame in net.frames:
        icmp = frame.icmp
        if icmp is None or icmp.type is not IcmpType.REDIRECT or str(frame.ip.dst) != HOST:
            continue
        found.append({"src": str(frame.ip.src), "dst": str(frame.ip.dst), "ttl": frame.ip.ttl,
                      "type": int(icmp.type), "code": icmp.code, "gateway": str(icmp.gateway),
                      "quoted": (str(icmp.original.src), str(icmp.original.dst), int(icmp.original.protocol))})
    return found


def _simulated_gateway(net: Network) -> str | None:
    decision = net.host("h").route_get(TARGET)
    return None if decision.next_hop is None or str(decision.next_hop) == TARGET else str(decision.next_hop)


# The router's side -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("router, settings", [
    ({}, {}),
    ({"redirects": False}, {"conf__all__send_redirects": 0, "conf__p0__send_redirects": 0}),
    ({"forwarding": False}, {"ip_forward": 0}),
], ids=["redirects", "send_redirects-0", "not-forwarding"])
def test_a_router_redirects_like_the_kernel(pair: Pair, router: dict[str, Any], settings: dict[str, int]) -> None:
    _sysctl(pair.b, **settings)
    capture = Capture(pair.a, "v0", ETHERTYPE_IPV4, 5)
    _send(pair)
    real = _redirects(capture.frames("in"))
    net = _simulated(router=router)
    net.send("h", TARGET)
    assert _simulated_redirects(net) == real
    if not router:
        assert real and real[0]["gateway"] == BETTER and real[0]["code"] == 1  # the case did test something


def test_a_linux_router_redirects_to_a_next_hop_on_another_subnet_of_the_link(pair: Pair) -> None:
    """RFC 1812 asks for the sender and the next hop on one subnet; Linux (shared_media) only for one link."""
    pair.b.ip("addr", "add", "10.5.0.1/24", "dev", "p0")
    pair.b.ip("route", "replace", "10.9.0.0/16", "via", "10.5.0.254")
    capture = Capture(pair.a, "v0", ETHERTYPE_IPV4, 5)
    _send(pair)
    real = _redirects(capture.frames("in"))
    net = Network.from_dict({
        "segments": [{"name": "lan"}], "personality": "linux",
        "hosts": [{"name": "h", "interfaces": [{"name": "h0", "segment": "lan", "addresses": [f"{HOST}/24"],
                                                "gateway": ROUTER}]}],
        "routers": [{"name": "r", "interfaces": [{"name": "r0", "segment": "lan",
                                                  "addresses": [f"{ROUTER}/24", "10.5.0.1/24"]}],
                     "routes": [{"destination": "10.9.0.0/16", "gateway": "10.5.0.254"}]}]})
    net.send("h", TARGET)
    assert _simulated_redirects(net) == real
    assert [r["gateway"] for r in real] == ["10.5.0.254"]


# The host's side -------------------------------------------------------------------------------------------
def _static_neighbour(pair: Pair, net: Network) -> None:
    """H knows 10.0.0.254's MAC already (``ip neigh add ... nud permanent``; ``arp -s`` in the simulator)."""
    mac = mac_of(pair.b, "p0")
    pair.a.ip("neigh", "add", BETTER, "lladdr", mac, "dev", "v0", "nud", "permanent")
    net.host("h").arp_cache.add_static("h0", BETTER, mac.replace(":", "-"))


@pytest.mark.parametrize("host, settings, taken", [
    ({}, {}, True),
    ({"accept_redirects": False}, {"conf__all__accept_redirects": 0, "conf__v0__accept_redirects": 0}, False),
    ({"forwarding": True}, {"ip_forward": 1}, False),
], ids=["takes-it", "accept_redirects-0", "host-forwards"])
def test_a_host_takes_a_redirect_like_the_kernel(pair: Pair, host: dict[str, Any], settings: dict[str, int],
                                                 taken: bool) -> None:
    _sysctl(pair.a, **settings)
    net = _simulated(host=host)
    _static_neighbour(pair, net)
    before = (_route_get(pair), _simulated_gateway(net))
    _send(pair)
    net.send("h", TARGET)
    after = (_route_get(pair), _simulated_gateway(net))
    assert before == (ROUTER, ROUTER)
    assert after == ((BETTER, BETTER) if taken else (ROUTER, ROUTER))


def test_a_new_gateway_whose_mac_is_unknown_counts_only_from_the_next_redirect(pair: Pair) -> None:
    helper = start_helper(pair.b, ARP_RESPONDER, "p0", BETTER)
    try:
        net = _simulated(better=True)
        _send(pair)
        net.send("h", TARGET)
        first = (_route_get(pair), _simulated_gateway(net))
        time.sleep(0.5)
        _send(pair)
        net.run(1)
        net.send("h", TARGET)
        second = (_route_get(pair), _simulated_gateway(net))
    finally:
        helper.kill()
        stop_helper(helper)
    assert first == (ROUTER, ROUTER)  # the first redirect only made the host ARP for 10.0.0.254
    assert second == (BETTER, BETTER)


def _forged_redirect(pair: Pair, sender: str) -> bytes:
    """A redirect for 10.9.0.5 to 10.0.0.254 as ``sender`` would send it to H (built by the simulator).

    It quotes an echo *reply* of H's: Linux hands a redirect to the quoted protocol's error handler, and
    only ICMP's (for replies the kernel itself sent) changes the route for every socket; a quoted UDP
    datagram counts only while a socket is bound to its port (``__udp4_lib_err``).
    """
    original = IPv4Packet(netaddr.IPAddress(HOST), netaddr.IPAddress(TARGET), ttl=63, protocol=IPProtocol.ICMP,
                          payload=IcmpMessage(IcmpType.ECHO_REPLY), identification=7)
    message = IcmpMessage(IcmpType.REDIRECT, 1, netaddr.IPAddress(BETTER), original)
    packet = IPv4Packet(netaddr.IPAddress(sender), netaddr.IPAddress(HOST), ttl=64, protocol=IPProtocol.ICMP,
                        payload=message, identification=8)
    frame = Frame(0.0, "lan", netaddr.EUI(mac_of(pair.b, "p0")), netaddr.EUI(mac_of(pair.a, "v0")),
                  ETHERTYPE_IPV4, ip=packet)
    return frame_bytes(frame)


@pytest.mark.parametrize("sender, taken", [(ROUTER, True), ("10.0.0.7", False)], ids=["first-hop", "another-node"])
def test_only_the_current_first_hop_may_redirect(pair: Pair, sender: str, taken: bool) -> None:
    net = _simulated()
    _static_neighbour(pair, net)
    injector = Injector(pair.b, "p0")
    try:
        injector.send(_forged_redirect(pair, sender))
        time.sleep(0.3)
    finally:
        injector.close()
    h = net.host("h")
    original = IPv4Packet(netaddr.IPAddress(HOST), netaddr.IPAddress(TARGET), ttl=63, protocol=IPProtocol.ICMP,
                          payload=IcmpMessage(IcmpType.ECHO_REPLY))
    forged = IPv4Packet(netaddr.IPAddress(sender), netaddr.IPAddress(HOST), ttl=64, protocol=IPProtocol.ICMP,
                        payload=IcmpMessage(IcmpType.REDIRECT, 1, netaddr.IPAddress(BETTER), original))
    h.deliver_up(forged, "h0", None)
    expected = BETTER if taken else ROUTER
    assert (_route_get(pair), _simulated_gateway(net)) == (expected, expected)


def test_the_kernel_turns_accept_redirects_off_when_forwarding_is_turned_on(pair: Pair) -> None:
    def value() -> str:
        return pair.a.exec("sysctl", "-n", "net.ipv4.conf.all.accept_redirects").stdout.strip()

    assert value() == "1"
    _sysctl(pair.a, ip_forward=1)
    assert value() == "0"

