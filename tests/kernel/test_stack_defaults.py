"""The Linux kernel's defaults that the ``linux`` personality's simulator traits cite, observed in namespaces.

Each test here is named by a trait's source in ``workbook/net/personalities/linux.py``
(the ledger test checks that every cited test exists).
"""

from __future__ import annotations

import itertools
import sys
import time

import pytest

from tests.kernel.capture import Capture, arping_or_skip, mac_of, veth_pair
from workbook import get_personality

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]

ETHERTYPE_ARP = 0x0806
LINUX = get_personality("linux")


def test_neighbour_entries_stay_reachable_30_s_on_average() -> None:
    with veth_pair() as pair:
        value = pair.a.exec("sysctl", "-n", "net.ipv4.neigh.v0.base_reachable_time_ms").stdout
        assert int(value) / 1000 == LINUX.arp_cache_life == 30.0


def test_arp_is_answered_for_an_address_of_another_interface() -> None:
    """arp_ignore = 0: A answers on v0 for 10.9.9.9, which sits on its other interface v1."""
    arping_or_skip()
    with veth_pair() as pair:
        pair.a.ip("link", "add", "v1", "type", "veth", "peer", "name", "q1")
        pair.a.ip("addr", "add", "10.9.9.9/24", "dev", "v1")
        pair.a.ip("link", "set", "v1", "up")
        assert pair.a.exec("sysctl", "-n", "net.ipv4.conf.v0.arp_ignore").stdout.strip() == "0"
        done = pair.b.exec("arping", "-c", "1", "-w", "3", "-I", "p0", "10.9.9.9", check=False)
        assert done.returncode == 0, done.stdout
        assert mac_of(pair.a, "v0").upper() in done.stdout.upper()
    assert LINUX.arp_answers_for == "host"


def test_adding_an_address_sends_no_arp() -> None:
    """No duplicate check and no announcement: the kernel sends no ARP when an address is added."""
    with veth_pair(a_address=None) as pair:
        capture = Capture(pair.b, "p0", ETHERTYPE_ARP, seconds=3.0)
        pair.a.ip("addr", "add", "10.0.0.5/24", "dev", "v0")
        time.sleep(2.0)
        frames = capture.frames()
        assert pair.a.exec("sysctl", "-n", "net.ipv4.conf.v0.arp_notify").stdout.strip() == "0"
    assert frames == [], f"the kernel sent ARP when an address was added: {[f.hex() for f in frames]}"
    assert LINUX.duplicate_detection == "none"


ETHERTYPE_IPV4 = 0x0800
SEND_UDP = "import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', (sys.argv[1], 9))"


def _simulated_linux_lan():
    from workbook.sim import Network

    return Network.from_dict({"segments": [{"name": "lan"}], "hosts": [
        {"name": "a", "interfaces": [{"name": "v0", "segment": "lan", "addresses": ["10.0.0.2/24"]}]},
        {"name": "b", "interfaces": [{"name": "p0", "segment": "lan", "addresses": ["10.0.0.1/24"]}]},
    ]}, personality="linux")


def test_datagrams_leave_with_ttl_64() -> None:
    with veth_pair() as pair:
        capture = Capture(pair.b, "p0", ETHERTYPE_IPV4, seconds=3.0)
        pair.a.exec(sys.executable, "-c", SEND_UDP, "10.0.0.1")
        time.sleep(0.5)
        frames = capture.frames()
        default = pair.a.exec("sysctl", "-n", "net.ipv4.ip_default_ttl").stdout.strip()
    sent = [f for f in frames if f[23] == 17]  # UDP from A
    assert sent and {f[22] for f in sent} == {64} and default == "64"
    simulated = _simulated_linux_lan().send("a", "10.0.0.1")
    assert simulated.datagram.ttl == LINUX.default_ttl == 64


def test_arp_asks_three_times_a_second_apart() -> None:
    """An address nobody answers: three broadcast requests, one second apart (mcast_solicit, retrans_time_ms)."""
    with veth_pair() as pair:
        capture = Capture(pair.b, "p0", ETHERTYPE_ARP, seconds=6.0)
        pair.a.exec(sys.executable, "-c", SEND_UDP, "10.0.0.77")
        time.sleep(4.5)
        seen = zip(capture.frames(), capture.times(), strict=True)
        times = [when for frame, when in seen if frame[21] == 1 and frame[38:42] == bytes([10, 0, 0, 77])]
    assert len(times) == LINUX.arp_request_count == 3, times
    assert [round(b - a, 1) for a, b in itertools.pairwise(times)] == [LINUX.arp_request_interval] * 2
    trace = _simulated_linux_lan().send("a", "10.0.0.77")
    simulated = [f for f in trace.frames if f.arp is not None]
    assert len(simulated) == 3 and [round(f.time - simulated[0].time, 3) for f in simulated] == [0.0, 1.0, 2.0]
    assert LINUX.arp_request_interval == 1.0
