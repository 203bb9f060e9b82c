"""ARP: three unanswered requests a second apart, and cache ageing on the simulated clock."""

from __future__ import annotations

import itertools

import pytest

from workbook import WorkbookError, get_personality
from workbook.sim import Network
from workbook.sim.arp import DELAY_FIRST_PROBE_TIME, MAX_UNICAST_SOLICIT
from workbook.sim.frames import ArpOpcode
from workbook.sim.trace import DropReason

from .helpers import arp_frames, host, lan


@pytest.mark.parametrize("personality", ["nt4", "windows", "linux"])
def test_arp_without_answer_sends_three_requests_one_second_apart(personality: str) -> None:
    stack = get_personality(personality)
    count, interval = stack.arp_request_count, stack.arp_request_interval
    net = lan(host("a", "10.0.0.2/24"), personality=personality)
    start = net.now
    trace = net.send("a", "10.0.0.99")
    requests = [f for f in arp_frames(trace.frames) if f.arp.opcode is ArpOpcode.REQUEST]
    assert len(requests) == count == 3
    assert all(str(f.arp.target_ip) == "10.0.0.99" for f in requests)
    gaps = [b.time - a.time for a, b in itertools.pairwise(requests)]
    assert gaps == pytest.approx([interval] * 2)
    assert trace.drop_reason is DropReason.ARP_NO_ANSWER
    assert "3 ARP requests" in trace.drop.detail
    assert net.now == pytest.approx(start + 3 * interval)
    assert trace.hops[0].arp.requests == requests
    assert not trace.hops[0].arp.answered


def test_arp_no_answer_at_a_router_sends_host_unreachable() -> None:
    net = Network.from_scenario("seed-lan")
    trace = net.send("nt-host", "172.17.9.9")
    assert trace.drop_reason is DropReason.ARP_NO_ANSWER and trace.drop.node == "router"
    assert trace.icmp.type == 3 and trace.icmp.code == 1


def test_an_nt_cache_entry_ages_out_and_is_asked_for_again_by_broadcast() -> None:
    personality = "nt4"
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"), personality=personality)
    a = net.host("a")
    net.send("a", "10.0.0.3")
    life = get_personality(personality).arp_cache_life
    assert a.arp_cache.get("10.0.0.3") is not None
    net.run(life - 1)
    assert a.arp_cache.get("10.0.0.3") is not None
    assert net.send("a", "10.0.0.3").hops[0].arp.cache_hit
    net.run(life + 1)
    assert a.arp_cache.get("10.0.0.3") is None
    trace = net.send("a", "10.0.0.3")
    assert not trace.hops[0].arp.cache_hit
    assert len(arp_frames(trace.frames)) == 2  # request and reply again


def test_arp_request_teaches_the_target_the_senders_mapping() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"), host("c", "10.0.0.4/24"))
    net.send("a", "10.0.0.3")
    assert net.host("b").arp_cache.get("10.0.0.2") == net.host("a").interfaces[0].mac
    assert net.host("c").arp_cache.get("10.0.0.2") is None  # RFC 826: only updates, never creates


def test_a_static_entry_is_used_without_asking_never_ages_and_arp_cannot_overwrite_it() -> None:
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"), host("c", "10.0.0.4/24"))
    a, b, c = net.host("a"), net.host("b"), net.host("c")
    a.arp_cache.add_static("eth0", "10.0.0.3", str(b.interfaces[0].mac))
    trace = net.send("a", "10.0.0.3")
    assert trace.delivered and not arp_frames(trace.frames)  # no request: the static entry answered
    net.run(3600)  # far beyond any cache lifetime
    assert a.arp_cache.get("10.0.0.3") == b.interfaces[0].mac

    wrong = c.interfaces[0].mac  # a typo in `arp -s`: c's MAC for b's address
    a.arp_cache.add_static("eth0", "10.0.0.3", str(wrong))
    b.stop()
    b.start()  # b announces its own MAC with gratuitous ARP
    net.run(5)
    assert a.arp_cache.get("10.0.0.3") == wrong  # ARP never overwrites a static entry
    assert net.send("a", "10.0.0.3").hops[0].frame.eth_dst == wrong
    with pytest.raises(WorkbookError, match="'00-DD' of interface 'eth0' is not an Ethernet address"):
        a.arp_cache.add_static("eth0", "10.0.0.9", "00-DD")


@pytest.mark.parametrize("personality", ["windows", "linux"])
def test_a_stale_entry_is_used_then_asked_again_by_unicast(personality: str) -> None:
    """Neighbour unreachability detection (RFC 4861 7.3, KB 949589, the Linux kernel): reachable, stale, probed."""
    net = lan(host("a", "10.0.0.2/24"), host("b", "10.0.0.3/24"), personality=personality)
    a, b = net.host("a"), net.host("b")
    net.send("a", "10.0.0.3")
    assert a.arp_cache.state("eth0", 0x0A000003) == "reachable"
    net.run(get_personality(personality).arp_cache_life + 1)
    assert a.arp_cache.state("eth0", 0x0A000003) == "stale" and a.arp_cache.get("10.0.0.3") == b.interfaces[0].mac
    since = len(net.frames)
    assert net.send("a", "10.0.0.3").hops[0].arp.cache_hit  # a stale entry is still used at once
    net.run(DELAY_FIRST_PROBE_TIME + 0.5)
    probe, answer = arp_frames(net.frames[since:])
    assert probe.eth_dst == b.interfaces[0].mac and probe.arp.opcode is ArpOpcode.REQUEST  # unicast, not broadcast
    assert probe.time - net.frames[since].time == pytest.approx(DELAY_FIRST_PROBE_TIME)
    assert answer.sender == "b" and a.arp_cache.state("eth0", 0x0A000003) == "reachable"
    net.run(get_personality(personality).arp_cache_life + 1)
    b.stop()  # gone: the unicast probes get no answer, and the entry is forgotten
    since = len(net.frames)
    net.send("a", "10.0.0.3")
    net.run(DELAY_FIRST_PROBE_TIME + MAX_UNICAST_SOLICIT + 1)
    assert len(arp_frames(net.frames[since:])) == MAX_UNICAST_SOLICIT and a.arp_cache.get("10.0.0.3") is None
