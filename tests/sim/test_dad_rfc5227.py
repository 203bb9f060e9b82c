"""RFC 5227 duplicate address detection: probes from 0.0.0.0, announcements, defence."""

from __future__ import annotations

import itertools

import pytest

from workbook.sim import dad
from workbook.sim.frames import ArpOpcode

from .helpers import host, lan


def test_rfc5227_constants() -> None:
    assert (dad.PROBE_WAIT, dad.PROBE_NUM, dad.PROBE_MIN, dad.PROBE_MAX) == (1.0, 3, 1.0, 2.0)
    assert (dad.ANNOUNCE_WAIT, dad.ANNOUNCE_NUM, dad.ANNOUNCE_INTERVAL, dad.DEFEND_INTERVAL) == (2.0, 2, 2.0, 10.0)


def _own_frames(net, name):
    mac = net.host(name).interfaces[0].mac
    return [f for f in net.frames if f.arp is not None and f.eth_src == mac]


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_probes_then_announcements(seed: int) -> None:
    net = lan(host("a", "10.0.0.2/24", duplicate_detection="rfc5227"), seed=seed)
    frames = _own_frames(net, "a")
    probes = [f for f in frames if f.arp.is_probe]
    announcements = [f for f in frames if not f.arp.is_probe]
    assert len(probes) == dad.PROBE_NUM
    assert all(str(f.arp.sender_ip) == "0.0.0.0" and str(f.arp.target_ip) == "10.0.0.2" for f in probes)
    assert all(f.arp.opcode is ArpOpcode.REQUEST for f in probes)
    assert 0 <= probes[0].time <= dad.PROBE_WAIT
    for first, second in itertools.pairwise(probes):
        assert dad.PROBE_MIN <= second.time - first.time <= dad.PROBE_MAX
    assert len(announcements) == dad.ANNOUNCE_NUM
    assert all(f.arp.is_gratuitous and str(f.arp.sender_ip) == "10.0.0.2" for f in announcements)
    assert announcements[0].time - probes[-1].time == pytest.approx(dad.ANNOUNCE_WAIT)
    assert announcements[1].time - announcements[0].time == pytest.approx(dad.ANNOUNCE_INTERVAL)
    assert net.host("a").ip_enabled("eth0")


def test_probe_timing_is_deterministic_per_seed() -> None:
    def times(seed: int) -> list[float]:
        net = lan(host("a", "10.0.0.2/24", duplicate_detection="rfc5227"), seed=seed)
        return [f.time for f in net.frames]

    assert times(3) == times(3)
    assert times(3) != times(4)


def test_address_is_tentative_while_probing() -> None:
    net = lan(host("a", "10.0.0.2/24", duplicate_detection="rfc5227"), settle=False)
    assert not net.host("a").ip_enabled("eth0")
    net.settle()
    assert net.host("a").ip_enabled("eth0")


def test_probe_finds_a_conflict_and_the_address_is_not_used() -> None:
    net = lan(host("old", "10.0.0.2/24"), host("new", "10.0.0.2/24", running=False), personality="windows")
    old_cache_before = net.host("old").arp_cache.entries()
    new = net.host("new")
    new.start()
    net.settle()
    assert not new.ip_enabled("eth0")
    assert net.host("old").ip_enabled("eth0")
    assert [e for e in new.log if e.kind == "error"]
    assert not [f for f in _own_frames(net, "new") if not f.arp.is_probe], "no announcement after a conflict"
    assert net.host("old").arp_cache.entries() == old_cache_before  # probes change no cache


def test_defend_once_then_give_up_on_a_second_conflict_within_defend_interval() -> None:
    net = lan(host("a", "10.0.0.2/24", duplicate_detection="rfc5227"),
              host("b", "10.0.0.9/24", duplicate_detection="none"))
    a, b = net.host("a"), net.host("b")
    bnic, claim = b.interfaces[0], b.protocols["arp"].announce

    start = len(_own_frames(net, "a"))
    claim(bnic, int(a.interfaces[0].primary_address))  # b claims a's address
    net.run(1)
    assert a.ip_enabled("eth0")
    defence = _own_frames(net, "a")[start:]
    announced = [f for f in defence if f.arp.is_gratuitous and f.arp.opcode is ArpOpcode.REQUEST]
    assert len(announced) == 1  # one defending announcement (RFC 5227 2.4 (b))
    claim(bnic, int(a.interfaces[0].primary_address))
    net.run(1)
    assert not a.ip_enabled("eth0")
