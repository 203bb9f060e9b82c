"""IGMPv3 (RFC 3376): state-change and current-state reports with group records, the fall-back to older queriers."""

from __future__ import annotations

import struct

import netaddr
import pytest

from workbook.errors import AddressError, ScenarioError, SimulationError
from workbook.net.multicast import multicast_mac
from workbook.sim.frames import IgmpType, RecordType
from workbook.sim.igmp import OLDER_QUERIER_PRESENT_TIMEOUT, V3_UNSOLICITED_REPORT_INTERVAL
from workbook.sim.pcap import checksum, frame_bytes

from .helpers import host, lan

GROUP, SSM_GROUP, SOURCE = "239.1.2.3", "232.1.1.1", "10.0.0.9"


def querier(version: int) -> dict:
    return {"name": "mr", "igmp_querier": True, "igmp_version": version,
            "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]}]}


def reports(net, since=0, sender="a") -> list:
    return [f for f in net.frames[since:] if f.igmp is not None and f.sender == sender]


def records(frame) -> list[tuple[RecordType, str, tuple[str, ...]]]:
    return [(r.record_type, str(r.group), tuple(map(str, r.sources))) for r in frame.igmp.records]


@pytest.fixture
def net():
    sender = host("s", "10.0.0.9/24")
    sender["interfaces"][0]["addresses"].append("10.0.0.8/24")
    return lan(host("a", "10.0.0.2/24"), sender, personality="linux")


def test_a_join_is_change_to_exclude_sent_to_224_0_0_22_and_repeated_once(net) -> None:
    since = len(net.frames)
    net.host("a").join(GROUP)
    net.run(V3_UNSOLICITED_REPORT_INTERVAL)
    sent = reports(net, since)
    assert len(sent) == 2 and sent[0].igmp == sent[1].igmp  # Robustness Variable 2: once more within 1 s
    report = sent[0]
    assert report.igmp.type == IgmpType.V3_MEMBERSHIP_REPORT == 0x22 and report.igmp.version == 3
    assert records(report) == [(RecordType.CHANGE_TO_EXCLUDE_MODE, GROUP, ())]
    assert str(report.ip.dst) == "224.0.0.22" and report.eth_dst == multicast_mac("224.0.0.22")
    assert (report.ip.ttl, report.ip.router_alert, report.ip.tos) == (1, True, 0xC0)
    assert 0 <= sent[1].time - sent[0].time <= V3_UNSOLICITED_REPORT_INTERVAL


def test_a_leave_is_change_to_include_with_no_sources(net) -> None:
    net.host("a").join(GROUP)
    net.run(2)
    since = len(net.frames)
    net.host("a").leave(GROUP)
    net.run(2)
    assert {tuple(records(f)) for f in reports(net, since)} == {((RecordType.CHANGE_TO_INCLUDE_MODE, GROUP, ()),)}


def test_a_source_specific_join_allows_and_its_leave_blocks_the_source(net) -> None:
    a = net.host("a")
    a.join(SSM_GROUP, sources=[SOURCE])
    net.run(2)
    assert {tuple(records(f)) for f in reports(net)} == {((RecordType.ALLOW_NEW_SOURCES, SSM_GROUP, (SOURCE,)),)}
    assert net.send("s", SSM_GROUP, source=SOURCE).receivers == ["a"]  # from 10.0.0.9: wanted
    other = net.send("s", SSM_GROUP, source="10.0.0.8")
    assert other.receivers == [] and "only from 10.0.0.9" in other.hops[-1].detail
    since = len(net.frames)
    a.leave(SSM_GROUP, sources=[SOURCE])
    net.run(2)
    assert {tuple(records(f)) for f in reports(net, since)} == {((RecordType.BLOCK_OLD_SOURCES, SSM_GROUP, (SOURCE,)),)}
    assert a.groups["eth0"] == {0xE0000001}


def test_changes_at_one_moment_share_a_report_and_a_report_carries_the_changes_being_repeated(net) -> None:
    a = net.host("a")
    a.join(GROUP)
    a.join(SSM_GROUP, sources=[SOURCE])  # at the same moment, as a program that sets two options
    net.run(2)
    join, allow = (RecordType.CHANGE_TO_EXCLUDE_MODE, GROUP, ()), (RecordType.ALLOW_NEW_SOURCES, SSM_GROUP, (SOURCE,))
    assert [set(records(f)) for f in reports(net)] == [{join, allow}] * 2
    since = len(net.frames)
    a.leave(GROUP)
    net.run(0.001)  # the first report of the leave is out; its repeat waits
    a.leave(SSM_GROUP, sources=[SOURCE])
    net.run(2)
    leave, block = (RecordType.CHANGE_TO_INCLUDE_MODE, GROUP, ()), (RecordType.BLOCK_OLD_SOURCES, SSM_GROUP, (SOURCE,))
    assert [set(records(f)) for f in reports(net, since)] == [{leave}, {leave, block}, {block}]


def test_a_v3_querier_gets_one_current_state_report_and_forgets_a_group_after_its_leave() -> None:
    net = lan(host("a", "10.0.0.2/24"), routers=(querier(3),), personality="windows")
    a, mr = net.host("a"), net.host("mr")
    a.join(GROUP)
    a.join(SSM_GROUP, sources=[SOURCE])
    net.run(5)
    assert [str(g) for g in mr.querier.groups("lan0")] == [SSM_GROUP, GROUP]
    since = len(net.frames)
    mr.querier.general_query(then_periodic=False)
    net.run(11)
    query = next(f for f in net.frames[since:] if f.sender == "mr")
    assert (query.igmp.version, query.igmp.max_resp_time, query.igmp.qrv, query.igmp.qqic) == (3, 100, 2, 125)
    (answer,) = reports(net, since)
    assert set(records(answer)) == {(RecordType.MODE_IS_EXCLUDE, GROUP, ()),
                                    (RecordType.MODE_IS_INCLUDE, SSM_GROUP, (SOURCE,))}
    a.leave(GROUP)
    net.run(5)
    specific = [f for f in net.frames[since:] if f.sender == "mr" and int(f.igmp.group)]
    assert [str(f.igmp.group) for f in specific] == [GROUP, GROUP] and specific[0].igmp.version == 3
    assert [str(g) for g in mr.querier.groups("lan0")] == [SSM_GROUP]
    assert any("no members of 239.1.2.3" in entry.text for entry in net.log)


@pytest.mark.parametrize(("older", "report_type"), [(2, IgmpType.V2_MEMBERSHIP_REPORT),
                                                    (1, IgmpType.V1_MEMBERSHIP_REPORT)])
def test_an_older_querier_makes_a_v3_host_speak_its_version_until_the_timeout(older, report_type) -> None:
    net = lan(host("a", "10.0.0.2/24"), routers=(querier(older),), personality="linux", settle=False)
    a, mr = net.host("a"), net.host("mr")
    net.run(1)  # the querier's first query
    since = len(net.frames)
    a.join(GROUP)
    net.run(1)
    assert [f.igmp.type for f in reports(net, since)] == [report_type]
    mr.stop()  # no more queries: after the Older Version Querier Present Timeout the host speaks v3 again
    net.run(OLDER_QUERIER_PRESENT_TIMEOUT)
    since = len(net.frames)
    a.leave(GROUP)
    net.run(2)
    assert {f.igmp.type for f in reports(net, since)} == {IgmpType.V3_MEMBERSHIP_REPORT}


def test_ip_maddr_lists_each_groups_mac_and_address(net) -> None:
    a = net.host("a")
    a.join(GROUP)
    a.join("224.129.2.3")  # shares 239.1.2.3's MAC: listed once among the links, twice among the groups
    assert a.maddr().splitlines() == [
        "2:\teth0", "\tlink  01:00:5e:00:00:01", "\tlink  01:00:5e:01:02:03",
        "\tinet  224.129.2.3", "\tinet  239.1.2.3", "\tinet  224.0.0.1"]


def test_a_report_on_the_wire_has_its_records_and_a_valid_checksum(net) -> None:
    a = net.host("a")
    a.join(SSM_GROUP, sources=[SOURCE, "10.0.0.7"])
    net.run(0)
    data = frame_bytes(reports(net)[0])
    ihl = (data[14] & 15) * 4
    igmp = data[14 + ihl:14 + int.from_bytes(data[16:18], "big")]
    assert checksum(igmp) == 0
    kind, _, _, _, count = struct.unpack("!BBHHH", igmp[:8])
    record_type, aux, sources, group = struct.unpack("!BBH4s", igmp[8:16])
    assert (kind, count, record_type, aux, sources) == (0x22, 1, 5, 0, 2)
    assert netaddr.IPAddress(int.from_bytes(group, "big")) == netaddr.IPAddress(SSM_GROUP)
    assert [str(netaddr.IPAddress(int.from_bytes(igmp[16 + 4 * i:20 + 4 * i], "big"))) for i in range(2)] == [
        "10.0.0.7", SOURCE]


def test_bad_sources_and_versions_are_refused_with_an_example(net) -> None:
    a = net.host("a")
    for bad in (["239.9.9.9"], ["0.0.0.0"], ["10.0.0.300"], []):
        with pytest.raises(AddressError, match=r"e\.g\. .*10\.0\.0\.9"):
            a.join(SSM_GROUP, sources=bad)
    a.join(GROUP)
    with pytest.raises(SimulationError, match="from any source"):
        a.leave(GROUP, sources=[SOURCE])
    a.join(SSM_GROUP, sources=[SOURCE])
    with pytest.raises(SimulationError, match=r"does not listen to 232\.1\.1\.1 from 10\.0\.0\.7"):
        a.leave(SSM_GROUP, sources=["10.0.0.7"])
    with pytest.raises(ScenarioError, match=r"igmp_version 3 of 'a' is not an IGMP version the nt4 stack speaks"
                                            r".*e\.g\. igmp_version: 2"):
        lan(host("a", "10.0.0.2/24", igmp_version=3), personality="nt4")
    with pytest.raises(ScenarioError, match=r"igmp_version 2 of 'a'.*nt35"):
        lan(host("a", "10.0.0.2/24", igmp_version=2), personality="nt35")


def test_labels_name_the_records(net) -> None:
    from workbook.render.labels import frame_title

    net.host("a").join(SSM_GROUP, sources=[SOURCE])
    net.run(0)
    assert frame_title(reports(net)[0]) == "IGMPv3 report ALLOW 232.1.1.1 {10.0.0.9} TTL 1"
