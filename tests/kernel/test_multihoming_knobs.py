"""Linux's arp_ignore and arp_announce (chapter 2), in the kernel and in the simulator.

Namespace A is a Linux host with ``v0`` 10.0.0.2/24 and a second interface ``v1`` 10.9.9.9/24; namespace B
holds ``p0`` with no IPv4 address and injects or captures ARP. The simulator runs the same exchange with a
``linux`` host whose ``sysctl`` sets the knob (the kernel takes the larger of ``all`` and the interface's value,
so setting ``all`` is enough). Messages are compared, not timings.
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.kernel.capture import Capture, Injector, veth_pair
from tests.kernel.test_arp import A_ADDRESS, A_MAC, A_SECOND, BROADCAST, MACS, STEP, ZERO_MAC, Message, inject
from workbook.sim import Network
from workbook.sim.frames import ETHERTYPE_ARP

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

SEND_FROM = "import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], 0)); " \
            "s.sendto(b'x', (sys.argv[1], 9))"


def _simulated(sysctl: dict[str, int]) -> Network:
    return Network.from_dict({"segments": [{"name": "lan"}, {"name": "other"}], "hosts": [
        {"name": "a", "sysctl": sysctl, "interfaces": [
            {"name": "v0", "segment": "lan", "mac": A_MAC, "addresses": [f"{A_ADDRESS}/24"]},
            {"name": "v1", "segment": "other", "addresses": [f"{A_SECOND}/24"]}]},
        {"name": "b", "interfaces": [{"name": "p0", "segment": "lan", "addresses": []}]},
    ]}, personality="linux")


def _kernel(setting: str, act) -> set[Message]:
    with veth_pair(b_address=None, a_mac=A_MAC) as pair:
        pair.a.ip("link", "add", "v1", "type", "veth", "peer", "name", "q1")
        pair.a.ip("addr", "add", f"{A_SECOND}/24", "dev", "v1")
        pair.a.ip("link", "set", "v1", "up")
        pair.a.exec("sysctl", "-qw", f"net.ipv4.conf.all.{setting}")
        capture = Capture(pair.b, "p0", ETHERTYPE_ARP, seconds=STEP + 2)
        act(pair)
        time.sleep(STEP)
        return {Message.from_frame(f) for f in capture.frames() if Message.from_frame(f).sha == A_MAC}


def _sent_by_a(net: Network, since: int) -> set[Message]:
    return {Message.from_simulator(f) for f in net.frames[since:] if f.sender == "a" and f.arp is not None}


@pytest.mark.parametrize("arp_ignore", [0, 1])
def test_arp_ignore_decides_whether_a_request_for_another_interfaces_address_is_answered(arp_ignore: int) -> None:
    """arp_ignore 0: A answers on v0 for 10.9.9.9, an address of v1; 1: only for v0's own addresses."""
    request = Message(1, MACS[0], "10.0.0.7", ZERO_MAC, A_SECOND, BROADCAST)

    def ask(pair) -> None:
        injector = Injector(pair.b, "p0")
        try:
            injector.send(request.frame())
        finally:
            injector.close()

    kernel = _kernel(f"arp_ignore={arp_ignore}", ask)
    net = _simulated({"arp_ignore": arp_ignore})
    since = len(net.frames)
    inject(net, request)
    net.run(STEP)
    simulated = _sent_by_a(net, since)
    reply = Message(2, A_MAC, A_SECOND, MACS[0], "10.0.0.7", MACS[0])
    assert kernel == simulated == ({reply} if arp_ignore == 0 else set())


@pytest.mark.parametrize("arp_announce", [0, 2])
def test_arp_announce_decides_which_address_a_request_carries(arp_announce: int) -> None:
    """A datagram bound to v1's 10.9.9.9 leaves v0: its ARP request carries 10.9.9.9 (0) or v0's 10.0.0.2 (2)."""

    def send(pair) -> None:
        pair.a.exec(sys.executable, "-c", SEND_FROM, "10.0.0.7", A_SECOND)

    kernel = _kernel(f"arp_announce={arp_announce}", send)
    net = _simulated({"arp_announce": arp_announce})
    since = len(net.frames)
    net.send("a", "10.0.0.7", source=A_SECOND)
    simulated = _sent_by_a(net, since)
    sender = A_SECOND if arp_announce == 0 else A_ADDRESS
    expected = Message(1, A_MAC, sender, ZERO_MAC, "10.0.0.7", BROADCAST)
    assert expected in kernel and simulated == {expected}
