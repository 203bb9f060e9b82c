"""The seed's duplicate address story (dad_lan): newcomer disabled, defender keeps working and re-ARPs."""

from __future__ import annotations

import netaddr
import pytest

from workbook.sim import Network
from workbook.sim.dad import conflict_message
from workbook.sim.frames import ArpOpcode

DEFENDER_MAC = "00-DD-01-0F-7A-B5"
NEWCOMER_MAC = "00-DD-01-0F-7A-D1"
ADDRESS = "172.16.48.123"


@pytest.fixture
def net() -> Network:
    net = Network.from_scenario("dad-lan")
    net.send("bystander", ADDRESS)  # the bystander knows the defender before the newcomer arrives
    return net


def test_newcomer_is_disabled_logs_the_seed_words_and_notifies(net: Network) -> None:
    newcomer = net.host("newcomer")
    newcomer.start()
    net.run(5)
    assert not newcomer.ip_enabled("eth0")
    assert newcomer.running  # "the Windows NT computer will still start"
    errors = [e for e in newcomer.log if e.kind == "error"]
    assert errors, newcomer.log
    text = errors[0].text
    assert text == conflict_message(ADDRESS, netaddr.EUI(DEFENDER_MAC))
    assert f"IP address {ADDRESS}" in text and "00:DD:01:0F:7A:B5" in text
    assert text.startswith("The system detected an address conflict for IP address 172.16.48.123 with the system "
                           "having network hardware address 00:DD:01:0F:7A:B5.")
    assert newcomer.notifications and ADDRESS in newcomer.notifications[0]
    assert any("IP disabled on eth0" in e.text for e in newcomer.log)


def test_defender_logs_keeps_working_and_rearps_so_the_bystander_is_right(net: Network) -> None:
    defender, bystander = net.host("defender"), net.host("bystander")
    before = len(net.frames)
    net.host("newcomer").start()
    net.run(5)
    assert defender.ip_enabled("eth0")
    errors = [e for e in defender.log if e.kind == "error"]
    assert errors and "00:DD:01:0F:7A:D1" in errors[0].text and ADDRESS in errors[0].text
    assert defender.notifications
    frames = net.frames[before:]
    reply = next(i for i, f in enumerate(frames) if f.arp and f.arp.opcode is ArpOpcode.REPLY
                 and str(f.eth_src) == DEFENDER_MAC)
    rearp = [f for f in frames[reply:] if f.arp and f.arp.opcode is ArpOpcode.REQUEST
             and str(f.eth_src) == DEFENDER_MAC and f.arp.is_gratuitous]
    assert rearp, "the defender ARPs for its own address after its reply"
    assert str(bystander.arp_cache.get(ADDRESS)) == DEFENDER_MAC
    trace = net.send("bystander", ADDRESS)
    assert trace.delivered and trace.receivers == ["defender"]


def test_newcomer_cannot_send_with_ip_disabled(net: Network) -> None:
    from workbook.errors import SimulationError

    net.host("newcomer").start()
    net.run(5)
    with pytest.raises(SimulationError, match="newcomer"):
        net.send("newcomer", "172.16.48.7")


def test_late_detection_after_plugging_in(net: Network) -> None:
    newcomer, defender = net.host("newcomer"), net.host("defender")
    newcomer.unplug()
    newcomer.start()
    net.run(5)
    assert newcomer.ip_enabled("eth0")  # nothing was on the wire: no conflict yet
    assert not [e for e in net.log if e.kind == "error"]
    newcomer.plug()
    net.run(5)
    assert not [e for e in net.log if e.kind == "error"]  # NT announces nothing on plug-in
    net.send("newcomer", "172.16.48.7")  # its first ARP
    net.run(1)
    errors = [e for e in net.log if e.kind == "error"]
    assert errors, "the first ARP after plug() reveals the conflict"
    assert {e.host for e in errors} >= {"defender"}
    assert defender.ip_enabled("eth0")
    assert all(ADDRESS in e.text for e in errors)


def test_after_late_detection_nothing_repairs_the_bystanders_cache(net: Network) -> None:
    """The seed has the late detector log and pop up, but not re-ARP: caches keep the newcomer's MAC.

    Only the start-up case has the defender ARP for its own address again. So a
    bystander that heard the newcomer's first ARP request sends the defender's
    traffic to the newcomer until its entry ages out: a lesson of chapter 4.
    """
    newcomer, bystander = net.host("newcomer"), net.host("bystander")
    assert str(bystander.arp_cache.get(ADDRESS)) == DEFENDER_MAC
    newcomer.unplug()
    newcomer.start()
    net.run(5)  # its gratuitous ARPs go nowhere
    newcomer.plug()
    net.send("newcomer", "172.16.48.7")
    net.run(2)
    assert str(bystander.arp_cache.get(ADDRESS)) == NEWCOMER_MAC
    trace = net.send("bystander", ADDRESS)
    assert trace.hops[0].frame.eth_dst == netaddr.EUI(NEWCOMER_MAC)


@pytest.mark.parametrize(("personality", "repairer"), [("nt4", DEFENDER_MAC), ("nt35", NEWCOMER_MAC)])
def test_who_repairs_the_caches_after_a_conflict_at_start(personality: str, repairer: str) -> None:
    """NT 4.0 SP3 on: the defender ARPs again (KB Q199773); older NT: the newcomer broadcasts the defender's
    mapping before turning IP off (KB Q120599). Either way the bystander ends with the defender's MAC."""
    from workbook.ledger import source_of

    net = Network.from_scenario("dad-lan", personality=personality)
    net.send("bystander", ADDRESS)
    start = len(net.frames)
    net.host("newcomer").start()
    net.run(5)
    requests = [f for f in net.frames[start:] if f.arp is not None and f.arp.opcode is ArpOpcode.REQUEST]
    repairs = [f for f in requests if f.arp.sender_mac == netaddr.EUI(DEFENDER_MAC)]
    assert [str(f.eth_src) for f in repairs] == [repairer]
    assert all(str(f.arp.sender_ip) == str(f.arp.target_ip) == ADDRESS for f in repairs)
    cache = {str(e.ip): str(e.mac) for e in net.host("bystander").arp_cache.entries()}
    assert cache[ADDRESS] == DEFENDER_MAC
    stack = net.host("newcomer").personality
    assert source_of(stack, "duplicate_cache_repair").cite().startswith(
        {"nt4": "KB Q199773", "nt35": "KB Q120599"}[personality])
