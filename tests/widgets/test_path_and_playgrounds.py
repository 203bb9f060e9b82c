"""PathExplorer and the two playgrounds, driven by their buttons and sliders."""

from __future__ import annotations

import html
import re

import pytest

from workbook import Network
from workbook.widgets import DuplicateAddressPlayground, MulticastPlayground, PathExplorer

from ..sim.topologies import chain


def test_hop_slider_counts_from_one_and_shows_each_hops_macs_and_ttl() -> None:
    net = Network.from_dict(chain(4))  # a, r1..r4, b: six nodes
    explorer = PathExplorer(net)
    explorer.sender.value = "a"
    explorer.destination.value = "10.0.4.3"
    explorer.send_button.click()
    trace = explorer.trace
    assert trace.delivered and [hop.node for hop in trace.hops] == ["a", "r1", "r2", "r3", "r4", "b"]
    assert "<svg" in explorer.diagram.value
    assert [value for _, value in explorer.hop.options] == [1, 2, 3, 4, 5, 6] and explorer.hop.value == 1
    assert explorer.hop.label == "1. Hop 1 of 6: a sends it"
    for number, hop in enumerate(trace.hops, start=1):
        explorer.hop.value = number
        shown = html.unescape(explorer.hop_details.value)
        assert f"Hop {number} of 6: {hop.node}" in shown  # the menu and the text agree
        assert explorer.hop.label.startswith(f"{number}. Hop {number} of 6")
        assert re.search(rf">{hop.ip.ttl}( \(one less\))?</td>", shown), f"TTL {hop.ip.ttl} not shown"
        if hop.frame is not None:
            assert str(hop.frame.eth_src) in shown and str(hop.frame.eth_dst) in shown and "0x0800" in shown
    explorer.hop.value = 1
    assert "ARP" in explorer.hop_details.value and "Decision:" in explorer.hop_details.value



@pytest.mark.parametrize(("personality", "ttl"), [("nt4", 128), ("windows", 128), ("linux", 64)])
def test_the_ttl_field_starts_at_the_senders_stack_default(personality: str, ttl: int) -> None:
    explorer = PathExplorer(Network.from_scenario("seed-lan", personality=personality), sender="nt-host")
    assert explorer.ttl.value == ttl
    explorer.destination.value = "172.17.1.1"
    explorer.send_button.click()
    assert explorer.trace.hops[0].ip.ttl == ttl

def test_bound_source_and_refused_send() -> None:
    explorer = PathExplorer(Network.from_scenario("seed-lan"), sender="nt-host")
    assert explorer.source.options == ("ANY (0.0.0.0)", "172.16.112.123")
    explorer.source.value = "172.16.112.123"
    explorer.destination.value = "172.18.0.1"
    explorer.send_button.click()
    assert explorer.trace.drop_reason == "no route"
    explorer.hop.value = 2  # the router that had no route
    assert "dropped: no route" in explorer.hop_details.value
    explorer.hop.value = len(explorer.hop.options)  # then the ICMP message goes back to the sender
    assert "ICMP back to the sender" in explorer.hop_details.value
    explorer.destination.value = "172.18"
    explorer.send_button.click()
    assert "not an IPv4 address" in explorer.error.value


def test_dad_playground_shows_the_conflict_after_starting_the_newcomer() -> None:
    playground = DuplicateAddressPlayground()
    assert "conflict" not in playground.log.value
    playground.host.value = "newcomer"
    playground.start_button.click()
    playground.run_button.click()
    assert "address conflict for IP address 172.16.48.123" in playground.log.value
    assert "IP disabled on eth0" in playground.clock.value
    assert "ARP gratuitous 172.16.48.123" in playground.frames.value
    assert "<svg" in playground.sequence.value
    assert "<b>defender</b>" in playground.arp_caches.value  # NT learns nothing from gratuitous ARPs


def test_dad_playground_new_address_then_clean_start() -> None:
    playground = DuplicateAddressPlayground()
    playground.host.value = "newcomer"
    playground.address.value = "172.16.48.300/24"
    playground.address_button.click()
    assert "172.16.48.300" in playground.address_error.value
    playground.address.value = "172.16.48.124/24"
    playground.address_button.click()
    playground.start_button.click()
    playground.run_button.click()
    assert "conflict" not in playground.log.value and "IP disabled" not in playground.clock.value


def test_stop_unplug_plug() -> None:
    playground = DuplicateAddressPlayground()
    playground.host.value = "bystander"
    playground.unplug_button.click()
    assert "unplugged eth0" in playground.clock.value
    playground.plug_button.click()
    playground.stop_button.click()
    assert "bystander: stopped" in playground.clock.value


def test_multicast_playground_shows_the_not_a_member_drop() -> None:
    playground = MulticastPlayground()
    playground.host.value = "member"
    playground.group.value = "239.1.2.3"
    playground.join_button.click()
    assert "01-00-5E-01-02-03" in playground.groups.value
    playground.host.value = "sender"
    playground.group.value = "224.129.2.3"  # same low 23 bits: the same MAC
    playground.send_button.click()
    assert playground.trace.drop_reason == "not a group member"
    assert "not a group member" in html.unescape(playground.path.value)
    assert "member.eth0" in playground.frames.value  # the member's NIC took the frame
    playground.host.value = "member"
    playground.group.value = "239.1.2.3"
    playground.leave_button.click()
    playground.seconds.value = 2
    playground.run_button.click()
    assert "IGMP" in playground.frames.value


@pytest.mark.parametrize("make", [DuplicateAddressPlayground, MulticastPlayground])
def test_playgrounds_fall_back_to_text_without_dot(make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    playground = make()
    playground.run_button.click()
    playground.start_button.click()
    assert "<svg" not in playground.sequence.value
    assert "dot" in playground.sequence.value or "no frames" in playground.sequence.value


def test_path_explorer_and_playgrounds_save_and_load_their_network(tmp_path) -> None:
    explorer = PathExplorer(Network.from_scenario("seed-lan"))
    explorer.network.host("nt-host").route("add 10.0.0.0 MASK 255.0.0.0 172.16.112.1")
    path = explorer.save(tmp_path / "lan.yaml")
    fresh = PathExplorer(Network.from_scenario("kb-firewall"))
    fresh.load(path)
    assert list(fresh.network.host("nt-host").table) == list(explorer.network.host("nt-host").table)
    assert list(fresh.sender.options) == list(explorer.network.nodes)

    playground = MulticastPlayground()
    member = next(name for name in playground.network.nodes if name.startswith("member"))
    playground.network.host(member).join("239.1.2.3")
    saved = playground.save(tmp_path / "mc.yaml")
    other = MulticastPlayground()
    other.load(saved)
    assert other.network.host(member).groups == playground.network.host(member).groups

    dad = DuplicateAddressPlayground()
    (tmp_path / "bad.yaml").write_text("segments: []\n")
    dad.load(tmp_path / "bad.yaml")
    assert "segments" in dad.error.value and "newcomer" in dad.network.nodes  # the old network stays


def test_every_widget_offers_a_text_fallback_and_a_hint_where_widgets_cannot_be_drawn() -> None:
    from workbook import Host
    from workbook.widgets import LookupExplorer, RouteTableEditor
    from workbook.widgets.common import FRONT_END_HINT

    host = Host.from_scenario("seed-host")
    editor = RouteTableEditor(host)
    explorer = LookupExplorer(editor, destination="172.17.1.1")
    path = PathExplorer(Network.from_scenario("seed-lan"), sender="nt-host", destination="172.17.1.1")
    path.send()
    playground = DuplicateAddressPlayground()
    for widget, expected in [(editor, host.table.to_route_print("nt4").strip()), (explorer, "172.16.112.1"),
                             (path, "Delivered to far-host"), (playground, "event log")]:
        bundle = widget._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle  # front ends with widgets draw the widget
        assert bundle["text/plain"].startswith(FRONT_END_HINT) and expected in bundle["text/plain"]
        assert html.escape(FRONT_END_HINT) in bundle["text/html"]


def _table_rows(value: str) -> list[list[str]]:
    body = value.split("</tr>", 1)[1]  # after the header row
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_frames_table_shows_the_last_action_or_every_frame_newest_first() -> None:
    playground = MulticastPlayground()
    playground.host.value = "member"
    playground.join_button.click()
    playground.seconds.value = 30
    playground.run_button.click()
    playground.host.value = "sender"
    playground.send_button.click()  # a new action: one datagram to the group
    last = _table_rows(playground.frames.value)
    assert [int(row[0]) for row in last] == [len(playground.network.frames)]
    assert "of the last action" in playground.frames.value
    playground.frame_filter.value = "all, newest first"
    numbers = [int(row[0]) for row in _table_rows(playground.frames.value)]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == len(playground.network.frames) > 3
    # A MAC never breaks over lines; the table scrolls inside a box of fixed height.
    mac_cells = re.findall(r"<td style='([^']*)'>01-00-5E-01-02-03</td>", playground.frames.value)
    assert mac_cells and all("white-space:nowrap" in style for style in mac_cells)
    assert "max-height:320px;overflow-y:auto" in playground.frames.value


def test_the_frames_shown_download_as_a_pcap_that_dpkt_reads() -> None:
    import base64

    import dpkt

    playground = DuplicateAddressPlayground()
    playground.host.value = "newcomer"
    playground.start_button.click()
    playground.run_button.click()
    link = re.search(r"<a download='playground-frames.pcap' href='data:application/vnd.tcpdump.pcap;base64,"
                     r"([A-Za-z0-9+/=]+)'>", playground.download.value)
    assert link, playground.download.value
    packets = list(dpkt.pcap.Reader(__import__("io").BytesIO(base64.b64decode(link.group(1)))))
    frames = playground.last_frames()
    assert len(packets) == len(frames) >= 2
    for (_, data), frame in zip(packets, frames, strict=True):
        ethernet = dpkt.ethernet.Ethernet(data)
        assert ethernet.src == frame.eth_src.packed and ethernet.dst == frame.eth_dst.packed


def test_dad_playground_explains_a_bad_address_with_an_example_on_its_lan() -> None:
    """Issue 16, item 7: "300.1.2.3" is not "without a netmask", and the example is on the LAN."""
    playground = DuplicateAddressPlayground()
    playground.host.value = "newcomer"
    assert playground.address.placeholder == "172.16.48.124/24"  # free on this LAN
    playground.address.value = "300.1.2.3"
    playground.address_button.click()
    message = html.unescape(playground.address_error.value)
    assert "300" in message and "larger than 255" in message and "netmask" not in message
    assert "172.16.48.124" in message and "172.16.112" not in message
    before = str(playground.selected.interfaces[0].addresses[0])
    assert before == "172.16.48.123/24"  # refused: the old address stays
    playground.address.value = "172.16.48.124"  # no prefix length: the NIC's own /24 is kept
    playground.address_button.click()
    assert playground.address_error.value == ""
    assert str(playground.selected.interfaces[0].addresses[0]) == "172.16.48.124/24"
    assert playground.address.placeholder == "172.16.48.125/24"
