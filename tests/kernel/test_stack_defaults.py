"""The Linux kernel's defaults that the ``linux`` personality's simulator traits cite, observed in namespaces.

Each test here is named by a trait's source in ``workbook/net/personalities/linux.py``
(the ledger test checks that every cited test exists).
"""

from __future__ import annotations

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
