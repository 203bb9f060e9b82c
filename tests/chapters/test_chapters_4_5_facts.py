"""What the prose of chapters 4 and 5 relies on, asserted against the engine (issue 12, item 2).

Each test names the section whose text it guards. If one fails, the chapter's prose has become false:
fix the engine or the chapter, not this test. The chapters' stories are rebuilt here with the same
scenarios, seeds and steps as their cells.
"""

from __future__ import annotations

import netaddr
import pytest

import workbook as wb
from workbook.ledger import CONSTANTS, Evidence, source_of
from workbook.net.multicast import IgmpTimers, group_scope, is_forwardable
from workbook.net.personalities import PERSONALITIES
from workbook.net.scenario import load_scenario
from workbook.sim import dad
from workbook.sim.frames import IgmpType
from workbook.sim.network import PROPAGATION_DELAY
from workbook.widgets.playgrounds import multicast_lan

ADDRESS = "172.16.48.123"
MACS = {"defender": "00-DD-01-0F-7A-B5", "bystander": "00-DD-01-0F-7A-C0", "newcomer": "00-DD-01-0F-7A-D1"}
GROUP = "239.1.2.3"


# Chapter 4 ----------------------------------------------------------------------------------------
def talked(**options) -> wb.Network:
    net = wb.Network.from_scenario("dad-lan", **options)
    net.send("bystander", ADDRESS)
    return net


def mac_of(net: wb.Network, host: str, address: str = ADDRESS) -> str:
    return str(net.host(host).arp_cache.get(address))


def test_s2_nt_sends_three_gratuitous_requests_at_0_05_and_15_s_as_the_engine_reads_q199773() -> None:
    assert (dad.NT_GRATUITOUS_COUNT, dad.NT_GRATUITOUS_INTERVALS) == (3, (0.5, 1.0))
    for name in ("NT 4.0: gratuitous ARPs at start", "NT 4.0: waits between its gratuitous ARPs"):
        assert CONSTANTS[name].source.evidence is Evidence.MICROSOFT and "Q199773" in CONSTANTS[name].source.cite()
    assert ".5 and 1 second intervals" in CONSTANTS["NT 4.0: waits between its gratuitous ARPs"].source.note
    net = wb.Network.from_scenario("dad-lan")
    assert [round(f.time, 3) for f in net.frames] == [0.0, 0.0, 0.5, 0.5, 1.5, 1.5]
    assert all(f.arp.is_gratuitous and f.arp.opcode == 1 for f in net.frames)  # six requests, none answered
    assert mac_of(talked(), "bystander") == MACS["defender"]


def test_s3_the_newcomer_stops_ip_and_keeps_running_the_defender_keeps_working() -> None:
    net = talked()
    before = len(net.frames)
    net.host("newcomer").start()
    net.run(5)
    frames = net.frames[before:]
    newcomer, defender = net.host("newcomer"), net.host("defender")
    assert newcomer.running and not newcomer.ip_enabled("eth0") and defender.ip_enabled("eth0")
    assert sum(f.sender == "newcomer" for f in frames) == 1
    assert [f.sender for f in frames] == ["newcomer", "defender", "defender"]
    assert frames[1].arp.opcode == 2 and frames[2].arp.is_gratuitous  # the answer, then the defender's own request
    errors = [e for e in net.log if e.kind == "error"]
    assert {e.host for e in errors} == {"defender", "newcomer"}
    assert "00:DD:01:0F:7A:D1" in next(e.text for e in errors if e.host == "defender")  # the other's MAC, colons
    assert "disabled" in newcomer.notifications[0] and "disabled" not in defender.notifications[0]
    with pytest.raises(wb.WorkbookError):
        net.send("newcomer", "172.16.48.7")


def test_s4_the_bystander_is_misled_for_a_moment_then_set_right_by_the_defenders_request() -> None:
    net = talked()
    net.host("newcomer").start()
    net.run(1.5 * PROPAGATION_DELAY)
    assert mac_of(net, "bystander") == MACS["newcomer"]
    net.run(5)
    assert mac_of(net, "bystander") == MACS["defender"]
    assert net.send("bystander", ADDRESS).receivers == ["defender"]


def test_s4_rfc_826_merges_on_the_sender_only() -> None:
    """A request whose *target* is the defender's address, from a third host, leaves the bystander's entry alone
    and creates no entry for the asker (the request is not addressed to the bystander)."""
    data = load_scenario("dad-lan")
    data["hosts"].append({"name": "asker", "interfaces": [{"name": "eth0", "segment": "lan",
                                                           "mac": "00-DD-01-0F-7A-E2",
                                                           "addresses": ["172.16.48.9/24"]}]})
    net = wb.Network.from_dict(data)
    net.send("bystander", ADDRESS)
    mark = len(net.frames)
    net.send("asker", ADDRESS)
    request = net.frames[mark]
    assert str(request.arp.target_ip) == ADDRESS and str(request.arp.sender_ip) == "172.16.48.9"
    assert mac_of(net, "bystander") == MACS["defender"]
    assert net.host("bystander").arp_cache.get("172.16.48.9") is None


def unplugged_start() -> wb.Network:
    net = talked()
    net.host("newcomer").unplug()
    net.host("newcomer").start()
    net.run(5)
    return net


def test_s5_late_detection_by_the_defender_only_no_repair_both_keep_the_address() -> None:
    net = unplugged_start()
    laptop = net.host("newcomer")
    assert laptop.ip_enabled("eth0") and not [e for e in net.log if e.kind == "error"]
    assert PERSONALITIES["nt4"].arp_flushes_on_carrier_loss is False
    assert "239924" in source_of(PERSONALITIES["nt4"], "arp_flushes_on_carrier_loss").cite()
    plugged = len(net.frames)
    laptop.plug()
    net.run(5)
    quiet = len(net.frames)
    assert quiet == plugged  # NT sends nothing when its cable comes back
    net.send("newcomer", "172.16.48.7")
    net.run(1)
    late = net.frames[quiet:]
    assert late[0].sender == "newcomer" and str(late[0].arp.sender_ip) == ADDRESS and not late[0].arp.is_gratuitous
    assert not [f for f in late if f.sender == "defender"]  # no repairing request
    assert [e.host for e in net.log if e.kind == "error"] == ["defender"]
    assert laptop.ip_enabled("eth0") and net.host("defender").ip_enabled("eth0")
    assert net.host("defender").notifications
    assert net.send("bystander", ADDRESS).receivers == ["newcomer"]
    assert mac_of(net, "bystander") == MACS["newcomer"]
    assert PERSONALITIES["nt4"].arp_cache_life == 120.0
    assert "Q139415" in source_of(PERSONALITIES["nt4"], "arp_cache_life").cite()


def test_s6_which_stack_does_what_and_who_says_so() -> None:
    detection = {name: stack.duplicate_detection for name, stack in PERSONALITIES.items()}
    assert detection == {"nt4": "nt", "nt35": "nt", "windows": "rfc5227", "linux": "none"}
    nt4, windows, linux = PERSONALITIES["nt4"], PERSONALITIES["windows"], PERSONALITIES["linux"]
    assert not nt4.arp_answers_probes and "Q174929" in source_of(nt4, "arp_answers_probes").cite()
    assert "Q199773" in source_of(nt4, "duplicate_detection").cite()
    # Windows: Microsoft documents the probes; the rest is RFC 5227 as modelled, not confirmed.
    probe_source = source_of(windows, "duplicate_detection")
    assert probe_source.evidence is Evidence.RFC and not probe_source.confirmed
    assert "0.0.0.0" in probe_source.note and "Vista" in probe_source.note
    # Linux: no check, drops claims of its own address, answers probes: all observed in the kernel.
    assert (linux.arp_answers_probes, linux.arp_drops_own_sender) == (True, True)
    for trait in ("duplicate_detection", "arp_answers_probes", "arp_drops_own_sender"):
        assert source_of(linux, trait).evidence is Evidence.KERNEL


def test_s6_rfc5227_constants_and_the_windows_lan_settling() -> None:
    assert (dad.PROBE_WAIT, dad.PROBE_NUM, dad.PROBE_MIN, dad.PROBE_MAX) == (1.0, 3, 1.0, 2.0)
    assert (dad.ANNOUNCE_WAIT, dad.ANNOUNCE_NUM, dad.ANNOUNCE_INTERVAL, dad.DEFEND_INTERVAL) == (2.0, 2, 2.0, 10.0)
    modern = wb.Network.from_scenario("dad-lan", personality="windows", seed=4)
    assert modern.now == pytest.approx(9.0)
    for host in ("defender", "bystander"):
        frames = [f for f in modern.frames if f.sender == host]
        assert [f.arp.is_probe for f in frames] == [True, True, True, False, False]
        assert all(str(f.arp.sender_ip) == "0.0.0.0" for f in frames[:3])
        assert all(f.arp.is_gratuitous for f in frames[3:])
    net = talked(personality="windows", seed=4)
    start = len(net.frames)
    net.host("newcomer").start()
    net.run(10)
    frames = net.frames[start:]
    assert [f.sender for f in frames] == ["newcomer", "defender"] and frames[0].arp.is_probe
    assert not net.host("newcomer").ip_enabled("eth0") and net.host("defender").ip_enabled("eth0")
    assert mac_of(net, "bystander") == MACS["defender"]


def clash(newcomer: str, defender: str, seconds: float = 12) -> tuple:
    data = load_scenario("dad-lan")
    data["personality"] = defender
    data["hosts"][2]["personality"] = newcomer
    net = wb.Network.from_dict(data, seed=4)
    net.send("bystander", ADDRESS)
    net.host("newcomer").start()
    net.run(seconds)
    if net.host("newcomer").ip_enabled("eth0"):
        net.send("newcomer", "172.16.48.7")
        net.run(2)
    owner = {mac: name for name, mac in MACS.items()}[mac_of(net, "bystander")]
    return net.host("newcomer").ip_enabled("eth0"), net.host("defender").ip_enabled("eth0"), owner


@pytest.mark.parametrize(("newcomer", "defender", "outcome"), [
    ("nt4", "nt4", (False, True, "defender")),
    ("windows", "windows", (False, True, "defender")),
    ("nt4", "linux", (True, True, "newcomer")),  # the kernel drops the gratuitous requests: nobody answers
    ("windows", "nt4", (False, True, "newcomer")),  # NT answers no probe; the announcement is answered
    ("windows", "linux", (False, True, "defender")),  # the kernel answers the probe
    ("linux", "windows", (True, True, "defender")),  # one defence, ignored by the kernel
])
def test_s6_when_the_checks_meet(newcomer: str, defender: str, outcome: tuple) -> None:
    assert clash(newcomer, defender) == outcome


def test_s6_a_linux_newcomer_ignores_the_one_defence() -> None:
    data = load_scenario("dad-lan")
    data["personality"] = "windows"
    data["hosts"][2]["personality"] = "linux"
    net = wb.Network.from_dict(data, seed=4)
    start = len(net.frames)
    net.host("newcomer").start()
    net.send("newcomer", "172.16.48.7")
    net.run(3)
    arp = [f for f in net.frames[start:] if f.arp is not None]
    assert [f.sender for f in arp if f.arp.is_gratuitous] == ["defender"]
    assert not [f for f in arp if f.sender == "newcomer" and f.arp.opcode == 2]
    assert [e.host for e in net.log if e.kind == "error"] == ["defender"]
    assert net.host("defender").ip_enabled("eth0") and net.host("newcomer").ip_enabled("eth0")


def test_s6_nt_probe_against_a_linux_defender_is_not_answered_so_nt_keeps_the_address() -> None:
    data = load_scenario("dad-lan")
    data["hosts"][0]["personality"] = "linux"
    net = wb.Network.from_dict(data, seed=4)
    net.send("bystander", ADDRESS)
    start = len(net.frames)
    net.host("newcomer").start()
    net.run(5)
    assert [f.sender for f in net.frames[start:]] == ["newcomer"] * 3  # three requests, no answer
    assert not [e for e in net.log if e.kind == "error"]


# Chapter 5 ----------------------------------------------------------------------------------------
def test_s1_s2_scopes_and_macs() -> None:
    scopes = {g: (group_scope(g), is_forwardable(g))
              for g in ["224.0.0.1", "224.0.0.2", "224.0.0.5", "224.0.1.1", "233.252.0.1", GROUP]}
    assert scopes == {"224.0.0.1": ("link-local", False), "224.0.0.2": ("link-local", False),
                      "224.0.0.5": ("link-local", False), "224.0.1.1": ("global", True),
                      "233.252.0.1": ("global", True), GROUP: ("administrative", True)}
    assert str(wb.multicast_mac("230.11.111.10")) == "01-00-5E-0B-6F-0A"
    assert len(wb.groups_sharing_mac("224.0.0.1")) == 2 ** (28 - 23)
    # Check yourself 1 and 2
    assert str(wb.multicast_mac("239.255.255.250")) == "01-00-5E-7F-FF-FA"
    assert {"224.127.255.250", "238.255.255.250"} <= set(wb.groups_sharing_mac("239.255.255.250"))
    assert not is_forwardable("224.0.0.9")


def test_s3_levels() -> None:
    def level_lan(level: int) -> wb.Network:
        return wb.Network.from_dict({"segments": [{"name": "lan"}], "hosts": [
            {"name": "pc", "igmp_level": level,
             "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.2/24"]}]}]})

    for level, sends, joins in [(0, False, False), (1, True, False), (2, True, True)]:
        pc = level_lan(level)
        assert (pc.send("pc", GROUP).hops[0].frame is not None) is sends
        if joins:
            pc.host("pc").join(GROUP)
        else:
            with pytest.raises(wb.WorkbookError):
                pc.host("pc").join(GROUP)


def test_s4_which_version_each_stack_speaks_and_who_says_so() -> None:
    versions = {name: wb.get_personality(name).igmp_version for name in ["nt35", "nt4", "windows", "linux"]}
    assert versions == {"nt35": 1, "nt4": 1, "windows": 3, "linux": 3}
    assert "Q193907" in source_of(PERSONALITIES["nt4"], "igmp_version").cite()
    assert source_of(PERSONALITIES["linux"], "igmp_version").evidence is Evidence.KERNEL
    assert "IGMPVersion" in source_of(PERSONALITIES["windows"], "igmp_version").note
    assert (IgmpTimers.QUERY_INTERVAL, IgmpTimers.GROUP_MEMBERSHIP_INTERVAL, IgmpTimers.UNSOLICITED_REPORT_INTERVAL) \
        == (125, 260, 10)
    assert CONSTANTS["IGMPv3 Unsolicited Report Interval"].value == 1.0


def classic_lan(version: int, personality: str = "linux") -> wb.Network:
    def host(name: str, address: str) -> dict:
        return {"name": name, "igmp_version": version,
                "interfaces": [{"name": "eth0", "segment": "lan", "addresses": [address]}]}

    return wb.Network.from_dict({
        "personality": personality, "segments": [{"name": "lan"}],
        "hosts": [host("member", "10.0.0.3/24"), host("bystander", "10.0.0.4/24")],
        "routers": [{"name": "querier", "igmp_querier": True, "igmp_version": version,
                     "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]}]}],
    }, seed=0)


def joined(version: int) -> wb.Network:
    net = classic_lan(version)
    net.run(45)
    net.host("member").join(GROUP)
    net.run(15)
    net.host("bystander").join(GROUP)
    net.run(20)
    return net


def test_s4_v2_join_reports_go_to_the_group_twice_10_s_apart_with_ttl_1_and_router_alert() -> None:
    net = joined(2)
    reports = [f for f in net.frames if f.igmp is not None and f.sender != "querier"]
    assert [f.sender for f in reports] == ["member", "member", "bystander", "bystander"]
    assert all(str(f.ip.dst) == GROUP and f.ip.ttl == 1 and f.ip.router_alert for f in reports)
    assert all(f.igmp.type is IgmpType.V2_MEMBERSHIP_REPORT for f in reports)
    for host in ("member", "bystander"):
        times = [f.time for f in reports if f.sender == host]
        assert times[1] - times[0] == pytest.approx(10.0)


def test_s4_v2_one_report_per_query_and_one_leave_from_the_last_reporter() -> None:
    net = joined(2)
    mark = len(net.frames)
    net.run(IgmpTimers.QUERY_INTERVAL)
    after = [f for f in net.frames[mark:] if f.igmp is not None]
    assert sum(f.igmp.type is IgmpType.MEMBERSHIP_QUERY and str(f.ip.dst) == "224.0.0.1" for f in after) == 1
    reporters = [f.sender for f in after if f.igmp.type is IgmpType.V2_MEMBERSHIP_REPORT]
    assert len(reporters) == 1
    mark = len(net.frames)
    net.host("member").leave(GROUP)
    net.host("bystander").leave(GROUP)
    net.run(5)
    leaving = [f for f in net.frames[mark:] if f.igmp is not None]
    leaves = [f for f in leaving if f.igmp.type is IgmpType.LEAVE_GROUP]
    assert [f.sender for f in leaves] == reporters and str(leaves[0].ip.dst) == "224.0.0.2"
    specific = [f for f in leaving if f.igmp.type is IgmpType.MEMBERSHIP_QUERY and str(f.ip.dst) == GROUP]
    assert len(specific) == 2 and specific[1].time - specific[0].time == pytest.approx(1.0)
    forgotten = next(e for e in net.log if "no members" in e.text)
    assert round(forgotten.time - leaving[0].time) == 2


def test_s4_v1_has_no_leave_and_the_membership_times_out() -> None:
    old = classic_lan(1, personality="nt4")
    old.host("member").join(GROUP)
    old.run(1)
    left_at = old.now
    mark = len(old.frames)
    old.host("member").leave(GROUP)
    old.run(IgmpTimers.GROUP_MEMBERSHIP_INTERVAL + 1)
    frames = old.frames[mark:]
    assert frames and all(f.sender == "querier" and f.igmp.type is IgmpType.MEMBERSHIP_QUERY for f in frames)
    expired = next(e for e in old.log if "no members" in e.text)
    assert 250 <= expired.time - left_at <= IgmpTimers.GROUP_MEMBERSHIP_INTERVAL
    member = old.host("member")
    assert (member.igmp_level, member.igmp_version) == (2, 1)


def today_joined() -> wb.Network:
    net = multicast_lan()
    net.host("member").join(GROUP)
    net.host("bystander").join(GROUP)
    net.run(15)
    return net


def test_s4_v3_reports_to_224_0_0_22_repeated_within_1_s_and_no_suppression() -> None:
    net = today_joined()
    joins = [f for f in net.frames if f.igmp is not None and f.sender != "querier"]
    assert all(str(f.ip.dst) == "224.0.0.22" and f.igmp.type is IgmpType.V3_MEMBERSHIP_REPORT for f in joins)
    for host in ("member", "bystander"):
        mine = [f for f in joins if f.sender == host]
        assert len(mine) == 2 and mine[1].time - mine[0].time <= 1.0
        assert mine[0].time == pytest.approx(9.0)  # after the RFC 5227 probes of chapter 4
        assert [r.record_type.name for r in mine[0].igmp.records] == ["CHANGE_TO_EXCLUDE_MODE"]
    mark = len(net.frames)
    net.run(IgmpTimers.QUERY_INTERVAL)
    answers = [f for f in net.frames[mark:] if f.igmp.type is IgmpType.V3_MEMBERSHIP_REPORT]
    assert sorted(f.sender for f in answers) == ["bystander", "member"]
    assert all(r.record_type.name == "MODE_IS_EXCLUDE" for f in answers for r in f.igmp.records)


def test_s4_v3_leave_is_a_report_from_every_member() -> None:
    net = today_joined()
    mark = len(net.frames)
    net.host("member").leave(GROUP)
    net.host("bystander").leave(GROUP)
    net.run(5)
    frames = net.frames[mark:]
    assert not [f for f in frames if f.igmp.type is IgmpType.LEAVE_GROUP]
    to_in = [f for f in frames if f.igmp.type is IgmpType.V3_MEMBERSHIP_REPORT]
    assert {f.sender for f in to_in} == {"member", "bystander"}
    assert all(r.record_type.name == "CHANGE_TO_INCLUDE_MODE" and not r.sources for f in to_in for r in f.igmp.records)
    assert sum(f.igmp.type is IgmpType.MEMBERSHIP_QUERY and str(f.ip.dst) == GROUP for f in frames) == 2
    assert any("no members" in e.text for e in net.log)


def test_s4_source_filters() -> None:
    net = multicast_lan()
    net.host("bystander").join("232.1.1.1", sources=["10.0.0.2"])
    net.host("member").join("232.1.1.1", sources=["10.0.0.9"])
    net.run(3)
    allow = [f for f in net.frames if f.igmp is not None and f.sender != "querier"]
    assert {r.record_type.name for f in allow for r in f.igmp.records} == {"ALLOW_NEW_SOURCES"}
    trace = net.send("sender", "232.1.1.1")
    assert trace.receivers == ["bystander"]
    member_hop = next(h for h in trace.hops if h.node == "member")
    assert "only from 10.0.0.9" in member_hop.detail  # the card took it, IP dropped it
    maddr = net.host("member").maddr()
    assert "inet  232.1.1.1" in maddr and "01:00:5e:01:01:01" in maddr
    assert netaddr.IPAddress("232.1.1.1") in netaddr.IPNetwork("232.0.0.0/8")


def test_s4_a_v3_host_falls_back_to_a_v2_querier() -> None:
    net = wb.Network.from_dict({
        "personality": "linux", "segments": [{"name": "lan"}],
        "hosts": [{"name": "member", "interfaces": [{"name": "eth0", "segment": "lan", "addresses": ["10.0.0.3/24"]}]}],
        "routers": [{"name": "querier", "igmp_querier": True, "igmp_version": 2,
                     "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]}]}],
    }, seed=0)
    net.host("member").join(GROUP)
    net.run(40)
    net.host("member").leave(GROUP)
    net.run(3)
    mine = [f for f in net.frames if f.igmp is not None and f.sender == "member"]
    assert mine[0].igmp.type is IgmpType.V3_MEMBERSHIP_REPORT
    assert {f.igmp.type for f in mine[1:-1]} == {IgmpType.V2_MEMBERSHIP_REPORT}
    assert all(str(f.ip.dst) == GROUP for f in mine[1:-1])
    assert mine[-1].igmp.type is IgmpType.LEAVE_GROUP and str(mine[-1].ip.dst) == "224.0.0.2"


def test_s5_the_multicast_row_and_class_e() -> None:
    row = netaddr.IPNetwork("224.0.0.0/224.0.0.0")
    assert row.prefixlen == 3 and str(row[-1]) == "255.255.255.255"
    nt4 = wb.Host.from_scenario("seed-host")
    windows = wb.Host.from_scenario("seed-host", personality="windows")
    assert [str(r.network) for r in nt4.table if r.kind.value == "supernet"] == ["224.0.0.0/3"]
    assert {str(r.network) for r in windows.table if str(r.destination) == "224.0.0.0"} == {"224.0.0.0/4"}
    assert nt4.table.lookup("250.1.2.3", strategy="longest-prefix").route.prefixlen == 3
    assert windows.table.lookup("250.1.2.3", strategy="longest-prefix").route.prefixlen == 0
    for stack in ("nt4", "windows"):
        decision = wb.Host.from_scenario("seed-host", personality=stack).route_get("250.1.2.3")
        assert not decision.reachable
        assert "RFC 1122" in decision.notes[0] and "not confirmed" in decision.notes[0]
        assert source_of(PERSONALITIES[stack], "reserved_destinations").evidence is Evidence.RFC
    linux = wb.Host.from_scenario("seed-host", personality="linux").route_get("250.1.2.3")
    assert linux.reachable and str(linux.gateway) == "172.16.112.1"
    assert source_of(PERSONALITIES["linux"], "reserved_destinations").evidence is Evidence.KERNEL
