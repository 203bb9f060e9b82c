"""IGMP on the wire: v1/v2 reports, queries, leaves (field values checked against RFC 1112 and RFC 2236).

IGMPv3 has its own tests (test_igmp_v3.py); tests/kernel/test_protocols.py compares Linux's messages.
"""

from __future__ import annotations

import pytest

from workbook.sim.frames import IgmpType, IPProtocol
from workbook.sim.igmp import QUERY_RESPONSE_INTERVAL

from .helpers import host, lan


def router(**extra):
    extra.setdefault("igmp_version", 2)
    return {"name": "mr", "igmp_querier": True,
            "interfaces": [{"name": "lan0", "segment": "lan", "addresses": ["10.0.0.1/24"]}], **extra}


def igmp_frames(net, since=0, sender=None):
    return [f for f in net.frames[since:] if f.igmp is not None and (sender is None or f.sender == sender)]


@pytest.mark.parametrize("personality", ["nt4", "linux"])
@pytest.mark.parametrize(("version", "kind"), [(1, 0x12), (2, 0x16)])
def test_join_sends_a_report_to_the_group_with_ttl_1(version: int, kind: int, personality: str) -> None:
    net = lan(host("a", "10.0.0.2/24", igmp_version=version), personality=personality)
    since = len(net.frames)
    net.host("a").join("239.1.2.3")
    (report,) = igmp_frames(net, since)
    assert report.igmp.type == kind == getattr(IgmpType, f"V{version}_MEMBERSHIP_REPORT")
    assert report.igmp.version == version
    assert str(report.igmp.group) == "239.1.2.3"
    assert str(report.ip.dst) == "239.1.2.3" and str(report.ip.src) == "10.0.0.2"
    assert report.ip.ttl == 1 and report.ip.protocol == IPProtocol.IGMP
    assert str(report.eth_dst) == "01-00-5E-01-02-03"
    # RFC 2236 2: v2 messages carry Router Alert; RFC 1112 has no option, and neither asks for TOS 0xC0
    # (RFC 3376 4 does, of v3). Linux puts both on every IGMP message, v1 included (the kernel tests observe it).
    if personality == "linux":
        assert report.ip.router_alert and report.ip.tos == 0xC0
    else:
        assert report.ip.router_alert is (version == 2) and report.ip.tos == 0
    assert report.igmp.max_resp_time == 0
    net.run(11)
    assert len(igmp_frames(net, since)) == 2  # the unsolicited report is repeated once


def test_general_query_goes_to_all_hosts_with_max_resp_100() -> None:
    net = lan(host("a", "10.0.0.2/24", igmp_version=2), routers=(router(),))
    queries = [f for f in igmp_frames(net, sender="mr") if f.igmp.type == IgmpType.MEMBERSHIP_QUERY]
    assert queries
    query = queries[0]
    assert str(query.ip.dst) == "224.0.0.1" and str(query.eth_dst) == "01-00-5E-00-00-01"
    assert query.igmp.max_resp_time == 100 == int(QUERY_RESPONSE_INTERVAL * 10)
    assert int(query.igmp.group) == 0 and query.ip.ttl == 1


def test_v1_querier_sends_max_resp_zero() -> None:
    net = lan(host("a", "10.0.0.2/24"), routers=(router(igmp_version=1),))
    query = igmp_frames(net, sender="mr")[0]
    assert query.igmp.version == 1 and query.igmp.max_resp_time == 0


def test_v2_leave_goes_to_all_routers_and_the_querier_asks_the_group() -> None:
    net = lan(host("a", "10.0.0.2/24", igmp_version=2), routers=(router(),))
    a, mr = net.host("a"), net.host("mr")
    a.join("239.1.2.3")
    net.run(1)
    assert [str(g) for g in mr.querier.groups("lan0")] == ["239.1.2.3"]
    since = len(net.frames)
    a.leave("239.1.2.3")
    net.run(5)
    frames = igmp_frames(net, since)
    leave = frames[0]
    assert leave.igmp.type == IgmpType.LEAVE_GROUP == 0x17
    assert str(leave.ip.dst) == "224.0.0.2" and str(leave.igmp.group) == "239.1.2.3" and leave.ip.ttl == 1
    specific = [f for f in frames if f.igmp.type == IgmpType.MEMBERSHIP_QUERY and f.sender == "mr"]
    assert len(specific) == 2  # Last Member Query Count
    assert all(str(f.ip.dst) == "239.1.2.3" and str(f.igmp.group) == "239.1.2.3" for f in specific)
    assert all(f.igmp.max_resp_time == 10 for f in specific)
    assert mr.querier.groups("lan0") == []


def test_v1_host_sends_no_leave() -> None:
    net = lan(host("a", "10.0.0.2/24", igmp_version=1), routers=(router(),))
    a = net.host("a")
    a.join("239.1.2.3")
    since = len(net.frames)
    a.leave("239.1.2.3")
    assert igmp_frames(net, since, sender="a") == []


def test_only_the_last_reporter_sends_a_leave() -> None:
    net = lan(host("a", "10.0.0.2/24", igmp_version=2), host("b", "10.0.0.3/24", igmp_version=2),
              routers=(router(),))
    a, b = net.host("a"), net.host("b")
    a.join("239.1.2.3")
    net.run(1)
    b.join("239.1.2.3")  # a hears b's report: b reported last, and a's repeat is suppressed (RFC 2236 6)
    net.run(1)
    since = len(net.frames)
    a.leave("239.1.2.3")
    assert igmp_frames(net, since, sender="a") == []
    b.leave("239.1.2.3")
    (leave,) = igmp_frames(net, since, sender="b")
    assert leave.igmp.type == IgmpType.LEAVE_GROUP


def test_leaving_a_group_never_joined_names_the_groups() -> None:
    from workbook.errors import SimulationError

    net = lan(host("a", "10.0.0.2/24"))
    net.host("a").join("239.9.9.9")
    with pytest.raises(SimulationError, match=r"239\.1\.2\.3.*239\.9\.9\.9"):
        net.host("a").leave("239.1.2.3")


@pytest.mark.parametrize(("personality", "version"), [("nt4", 1), ("nt35", 1), ("windows", 3), ("linux", 3)])
def test_each_stack_speaks_its_own_igmp_version(personality: str, version: int) -> None:
    """NT 3.5x and 4.0 shipped IGMPv1; v2 came with NT 4.0 SP4 (so the text's 'level 2' meant v1); today's v3."""
    net = lan(host("a", "10.0.0.2/24"), personality=personality)
    since = len(net.frames)
    net.host("a").join("239.1.2.3")
    net.run(0)
    report = igmp_frames(net, since)[0]
    assert report.igmp.version == version and report.ip.router_alert is (version >= 2)
