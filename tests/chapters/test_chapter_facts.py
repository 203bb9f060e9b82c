"""The outcomes the chapters' prose relies on, checked against the engine directly.

If one of these fails, a chapter's text has become false: fix the engine or the chapter, not
this test. The last test executes each chapter and checks that every number its prose states
appears in some output of its code cells ("every number in the prose comes from a cell").
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import netaddr
import pytest
from nbclient import NotebookClient

import workbook as wb
from workbook.net.multicast import group_scope, is_forwardable
from workbook.net.personalities import PERSONALITIES
from workbook.net.scenario import load_scenario, load_text
from workbook.sim import dad
from workbook.sim.frames import IgmpType
from workbook.sim.network import PROPAGATION_DELAY
from workbook.widgets.playgrounds import multicast_lan

ROOT = Path(__file__).resolve().parents[2]
DEFENDER_MAC, NEWCOMER_MAC, ADDRESS = "00-DD-01-0F-7A-B5", "00-DD-01-0F-7A-D1", "172.16.48.123"


# Chapter 0 and 1 --------------------------------------------------------------------------------
def test_seed_host_lookups_and_class() -> None:
    host = wb.Host.from_scenario("seed-host")
    assert len(host.table) == 7
    far = host.table.lookup("172.17.1.1", strategy="classic")
    assert str(far.next_hop) == "172.16.112.1" and far.route.prefixlen == 0
    assert host.table.lookup("172.16.112.122", strategy="classic").route.kind.value == "subnet"
    assert wb.address_class("172.16.112.123") == "B" and wb.classful_prefixlen("172.16.112.123") == 16


def test_mailroom_frames_change_ip_stays() -> None:
    trace = wb.Network.from_scenario("seed-lan").send("nt-host", "172.17.1.1")
    frames = [hop.frame for hop in trace.hops if hop.frame is not None]
    assert len(frames) == 2
    assert len({str(m) for f in frames for m in (f.eth_src, f.eth_dst)}) == 4
    assert {(str(f.ip.src), str(f.ip.dst)) for f in frames} == {("172.16.112.123", "172.17.1.1")}
    assert [f.ip.ttl for f in frames] == [128, 127]  # NT 4.0's DefaultTTL (KB Q120642), one less per router


# Chapter 3 ----------------------------------------------------------------------------------------
def test_supernet_erratum() -> None:
    example = wb.seed_supernet_example()
    assert str(example.claimed.prefix) == "172.16.16.0/22"
    assert [str(n) for n in example.claimed_coverage.held] == ["172.16.16.0/24"]
    assert str(example.covering.prefix) == "172.16.0.0/18"
    assert len(example.aggregation.prefixes) == 3
    assert wb.bits("172.16.16.0").split(".")[2] == "00010000"


# Chapter 4 ----------------------------------------------------------------------------------------
def _dad_lan(**kwargs) -> wb.Network:
    net = wb.Network.from_scenario("dad-lan", **kwargs)
    net.send("bystander", ADDRESS)
    return net


def test_nt_start_up_conflict() -> None:
    assert (dad.NT_GRATUITOUS_COUNT, dad.NT_GRATUITOUS_INTERVALS) == (3, (0.5, 1.0))  # KB Q199773
    net = _dad_lan()
    before = len(net.frames)
    net.host("newcomer").start()
    net.run(1.5 * PROPAGATION_DELAY)
    assert str(net.host("bystander").arp_cache.get(ADDRESS)) == NEWCOMER_MAC  # polluted for a moment
    net.run(5)
    newcomer, defender = net.host("newcomer"), net.host("defender")
    assert newcomer.running and not newcomer.ip_enabled("eth0") and defender.ip_enabled("eth0")
    assert sum(f.sender == "newcomer" for f in net.frames[before:]) == 1
    assert str(net.host("bystander").arp_cache.get(ADDRESS)) == DEFENDER_MAC  # the defender's re-ARP
    assert [e.host for e in net.log if e.kind == "error"] == ["defender", "newcomer"]
    assert "disabled" in newcomer.notifications[0] and "disabled" not in defender.notifications[0]
    with pytest.raises(wb.WorkbookError):
        net.send("newcomer", "172.16.48.7")


def test_late_detection_leaves_the_bystander_wrong() -> None:
    net = _dad_lan()
    laptop = net.host("newcomer")
    laptop.unplug()
    laptop.start()
    net.run(5)
    assert laptop.ip_enabled("eth0") and not [e for e in net.log if e.kind == "error"]
    laptop.plug()
    net.run(5)
    net.send("newcomer", "172.16.48.7")
    net.run(1)
    assert [e.host for e in net.log if e.kind == "error"] == ["defender"]
    assert laptop.ip_enabled("eth0") and net.host("defender").ip_enabled("eth0")
    assert net.send("bystander", ADDRESS).receivers == ["newcomer"]


def test_rfc5227_constants_probes_and_stacks() -> None:
    assert (dad.PROBE_WAIT, dad.PROBE_NUM, dad.PROBE_MIN, dad.PROBE_MAX) == (1.0, 3, 1.0, 2.0)
    assert (dad.ANNOUNCE_WAIT, dad.ANNOUNCE_NUM, dad.ANNOUNCE_INTERVAL, dad.DEFEND_INTERVAL) == (2.0, 2, 2.0, 10.0)
    detection = {name: stack.duplicate_detection for name, stack in PERSONALITIES.items()}
    assert detection == {"nt4": "nt", "nt35": "nt", "windows": "rfc5227", "linux": "none"}
    net = _dad_lan(personality="windows", seed=4)
    assert all(f.arp.is_probe and str(f.arp.sender_ip) == "0.0.0.0" for f in net.frames[:6])
    net.host("newcomer").start()
    net.run(10)
    assert not net.host("newcomer").ip_enabled("eth0") and net.host("defender").ip_enabled("eth0")
    assert str(net.host("bystander").arp_cache.get(ADDRESS)) == DEFENDER_MAC


def test_a_linux_host_ignores_the_rfc5227_defence_so_both_keep_the_address() -> None:
    """Chapter 4 section 6 says the Linux host answers the defence and the defender gives up: the kernel ignores
    an ARP packet that carries one of its own addresses (tests/kernel/test_arp.py), so nobody gives up."""
    data = load_scenario("dad-lan")
    data["personality"] = "windows"
    data["hosts"][2]["personality"] = "linux"
    net = wb.Network.from_dict(data, seed=4)
    start = len(net.frames)
    net.host("newcomer").start()
    net.send("newcomer", "172.16.48.7")
    net.run(3)
    assert net.host("defender").ip_enabled("eth0") and net.host("newcomer").ip_enabled("eth0")
    assert [e.host for e in net.log if e.kind == "error"] == ["defender"]
    arp = [f for f in net.frames[start:] if f.arp is not None]
    assert [f.sender for f in arp if f.arp.is_gratuitous] == ["defender"]  # one defence, per RFC 5227 2.4 (b)
    assert not [f for f in arp if f.sender == "newcomer" and f.arp.opcode == 2]  # the kernel does not answer it


# Chapter 5 ----------------------------------------------------------------------------------------
def test_multicast_addresses_and_mac_overlap() -> None:
    assert str(wb.multicast_mac("230.11.111.10")) == "01-00-5E-0B-6F-0A"
    sharing = wb.groups_sharing_mac("224.0.0.1")
    assert len(sharing) == 32 and {"224.128.0.1", "225.0.0.1", "239.128.0.1"} <= set(sharing)
    assert {str(wb.multicast_mac(g)) for g in sharing} == {"01-00-5E-00-00-01"}
    assert group_scope("224.0.0.5") == "link-local" and not is_forwardable("224.0.0.5")
    assert group_scope("239.1.2.3") == "administrative"


def test_shared_mac_frame_taken_by_nic_dropped_by_ip() -> None:
    lan = multicast_lan()
    lan.host("member").join("239.1.2.3")
    stray = lan.send("sender", "224.129.2.3")
    assert stray.drop_reason.value == "not a group member" and stray.hops[-1].node == "member"
    assert lan.send("sender", "239.1.2.3").receivers == ["member"]


def test_igmp_on_todays_lan_is_version_3_without_suppression() -> None:
    """Chapter 5 section 4 tells IGMPv2 (reports to the group, suppression, one Leave from the last reporter);
    its LAN of Windows stacks and querier speaks IGMPv3: reports to 224.0.0.22, every member answers a query,
    every member reports its leave, and the querier still forgets the group after its group-specific queries."""
    lan = multicast_lan()
    lan.host("member").join("239.1.2.3")
    mark = len(lan.frames)
    lan.host("bystander").join("239.1.2.3")
    lan.run(0)
    report = lan.frames[mark]
    assert str(report.ip.dst) == "224.0.0.22" and report.ip.ttl == 1 and report.ip.router_alert
    assert report.igmp.type is IgmpType.V3_MEMBERSHIP_REPORT
    assert [(r.record_type.name, str(r.group)) for r in report.igmp.records] == [("CHANGE_TO_EXCLUDE_MODE",
                                                                                   "239.1.2.3")]
    lan.run(15)
    mark = len(lan.frames)
    lan.run(125)
    kinds = [f.igmp.type for f in lan.frames[mark:]]
    assert kinds.count(IgmpType.MEMBERSHIP_QUERY) == 1 and kinds.count(IgmpType.V3_MEMBERSHIP_REPORT) == 2
    mark = len(lan.frames)
    lan.host("member").leave("239.1.2.3")
    lan.host("bystander").leave("239.1.2.3")
    lan.run(5)
    assert not [f for f in lan.frames[mark:] if f.igmp.type is IgmpType.LEAVE_GROUP]
    assert {f.sender for f in lan.frames[mark:] if f.igmp.type is IgmpType.V3_MEMBERSHIP_REPORT} == {
        "member", "bystander"}
    assert lan.host("querier").querier.groups("lan0") == []


def test_multicast_route_masks() -> None:
    row = netaddr.IPNetwork("224.0.0.0/224.0.0.0")
    assert row.prefixlen == 3 and str(row[-1]) == "255.255.255.255"
    nt4 = wb.Host.from_scenario("seed-host")
    vista = wb.Host.from_scenario("seed-host", personality="windows")
    assert nt4.table.lookup("250.1.2.3", strategy="longest-prefix").route.prefixlen == 3
    assert vista.table.lookup("250.1.2.3", strategy="longest-prefix").route.prefixlen == 0
    assert {str(r.netmask) for r in vista.table if str(r.destination) == "224.0.0.0"} == {"240.0.0.0"}


# Appendix A: engine outcomes (the ledger itself: test_errata_ledger.py) -----------------------------
def test_errata_verdicts() -> None:
    with pytest.raises(wb.WorkbookError):
        wb.RouteTable.from_route_print(load_text("seed_route_print_nt4.txt"))  # truncated rows: wrong
    host = wb.Host.from_scenario("seed-host")
    assert load_text("seed_route_print_repaired.txt") == host.table.to_route_print("nt4")
    assert wb.find_disagreements(host.table)  # the search order skips the multicast row: wrong
    assert not wb.check_supernet("172.16.16.0", "255.255.252.0").valid  # the supernet example: wrong
    models = {p: wb.get_personality(p).host_model for p in ("nt4", "windows", "linux")}
    assert models == {"nt4": "weak", "windows": "strong", "linux": "weak"}  # "all Windows is weak": dated
    crowded = wb.Interface("eth0", DEFENDER_MAC, [f"10.0.0.{n}/24" for n in range(1, 7)])
    five = wb.Interface("eth0", DEFENDER_MAC, [f"10.0.0.{n}/24" for n in range(1, 6)])
    assert crowded.needs_registry and not five.needs_registry  # five per card: from the text alone, not checkable
    assert str(crowded.netbios_address) == "10.0.0.1"

    def survivors(personality: str) -> int:
        h = wb.Host.from_scenario("seed-host", personality=personality)
        h.route("-p add 192.168.0.0 MASK 255.255.0.0 172.16.112.10")
        h.restart()
        return sum(str(r.network) == "192.168.0.0/16" for r in h.table)

    assert (survivors("nt4"), survivors("nt35")) == (1, 0)  # text-only: not checkable


# Numbers in the prose -----------------------------------------------------------------------------
_executed_cache: dict[str, nbformat.NotebookNode] = {}


def _executed(stem: str) -> nbformat.NotebookNode:
    if stem not in _executed_cache:
        path = ROOT / "chapters" / f"{stem}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        client.shutdown_kernel = "immediate"
        client.execute()
        _executed_cache[stem] = notebook
    return _executed_cache[stem]


def _outputs(notebook: nbformat.NotebookNode) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif "data" in output:
                texts.append(output.data.get("text/plain", ""))
                texts.append(output.data.get("text/markdown", ""))
    return "\n".join(texts)


# What is not a figure: references (RFC 826, section 2.1.1, chapter 3, Q175396), product names and
# versions (NT 4.0, Windows 3.5x, Service Pack 4, IGMPv2), levels, list and heading numbers, file
# names, code spans, hexadecimal bytes and MAC addresses.
_NOT_FIGURES = [
    r"`[^`]*`",
    r"\bRFCs? \d+(?:(?:,| and| or) \d+)*(?:/\d+)?",
    r"\b[Ss]ections? \d+(?:\.\d+)*",
    r"\b[Cc]hapters? \d+(?:[–-]\d+)?(?:(?:,| and) \d+)*",
    r"^#+ .*$",
    r"^\s*\d+\.\s",
    r"^\|.*\|$",
    r"\bQ\d+",
    r"\bNT(?: version)? \d+(?:\.\d+)*x?(?:(?: and|,) \d+(?:\.\d+)*x?)*",
    r"\bService Pack \d+|\bSP\d+",
    r"\bIGMPv\d",
    r"\b[Vv]ersions? \d+(?: and \d+)?",
    r"\b[Ll]evels? \d+(?:(?:,| and| or) \d+)*",
    r"\blevel-\d",
    r"\bclass [A-E]\b",
    r"\b0x[0-9A-Fa-f]+",
    r"\b[0-9A-F]{2}(?:-[0-9A-F]{2})+\b",
    r"\babout \d+ minutes",
    r"\bexercises/\S+",
    r"\b\d+(?:/\d+)?\.ipynb",
]
_NUMBER = re.compile(r"\d+(?:\.\d+)*(?:/\d+)?")


def prose_numbers(markdown: str) -> list[str]:
    """The figures stated in a markdown cell, references and names left out.

    >>> prose_numbers("RFC 5227 section 2.1.1 says 3 probes from 0.0.0.0, chapter 4")
    ['3', '0.0.0.0']
    """
    text = markdown
    for pattern in _NOT_FIGURES:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    return _NUMBER.findall(text)


CHAPTERS = sorted(path.stem for path in (ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("stem", CHAPTERS)
def test_numbers_in_the_prose_come_from_cells(stem: str) -> None:
    notebook = _executed(stem)
    outputs = _outputs(notebook)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    missing = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown" or cell.source.startswith("## Check yourself"):
            continue  # questions to the learner state no figures
        for number in prose_numbers(cell.source):
            bare = number.split("/")[0]
            pattern = rf"(?<!\d){re.escape(bare)}(?!\d)"
            if not re.search(pattern, outputs) and not re.search(pattern, code):
                missing.append(f"cell {index}: {number}")
    assert not missing, f"{stem}: numbers in the prose that no cell shows: {missing}"
