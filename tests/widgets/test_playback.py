"""Playback: the topology drawn once, a highlight that follows the datagram, and the header fields at every hop."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest

from workbook import Network
from workbook.render import palette
from workbook.widgets import DuplicateAddressPlayground, MulticastPlayground, PathExplorer
from workbook.widgets.playback import Playback, header_rows


@pytest.fixture
def explorer() -> PathExplorer:
    explorer = PathExplorer(Network.from_scenario("seed-lan"), sender="nt-host", destination="172.17.1.1")
    explorer.send_button.click()
    return explorer


def test_the_drawing_stays_and_the_highlight_follows_each_hop(explorer: PathExplorer) -> None:
    playback = explorer.playback
    drawing = playback.drawing.value
    ids = playback.stage.ids
    assert "<svg" in drawing and f'id="{ids.node("router")}"' in drawing and 'role="img"' in drawing
    seen = []
    for number, hop in enumerate(explorer.trace.hops, start=1):
        playback.go_to(number)
        css = playback.highlight.value
        assert playback.drawing.value == drawing  # drawn once: stepping changes only the highlight
        assert f"#{ids.node(hop.node)} > path" in css and palette.NOW_FILL in css
        if hop.frame is not None:  # the wire the frame leaves on runs, and stands still for reduced motion
            link = f"#{ids.link(hop.node, hop.frame.interface)} > path"
            assert "march" in css and link in css and "prefers-reduced-motion: reduce" in css
        if hop.in_interface:
            assert f"#{ids.link(hop.node, hop.in_interface)} > path" in css
        seen.append(css)
    assert len(set(seen)) == len(explorer.trace.hops)


def test_each_step_says_which_header_fields_changed(explorer: PathExplorer) -> None:
    router = explorer.playback.steps[1]
    rows = {name: (before, after, changed) for name, before, after, changed in header_rows(router.received,
                                                                                              router.sent)}
    assert rows["Ethernet source"] == ("00-DD-01-0F-7A-B5", "00-DD-02-00-00-01 (new)", True)
    assert rows["Ethernet destination"] == ("00-DD-01-00-00-01", "00-DD-02-00-00-09 (new)", True)
    assert rows["TTL"] == ("128", "127 (one less)", True)  # an NT sender starts at 128
    assert rows["IP source"] == ("172.16.112.123", "172.16.112.123", False)
    assert rows["IP destination"] == ("172.17.1.1", "172.17.1.1", False)
    explorer.playback.go_to(2)
    details = html.unescape(explorer.playback.details.value)
    assert "Decision:</b> route 172.17.0.0/16" in details and "ARP: asked who has 172.17.1.1" in details
    assert "Every route the node considered" in details


def test_a_drop_is_marked_and_the_icmp_reply_is_played_after_it() -> None:
    explorer = PathExplorer(Network.from_scenario("seed-lan"), sender="nt-host", destination="172.18.0.1")
    explorer.send_button.click()
    titles = [step.title for step in explorer.playback.steps]
    assert titles == ["Hop 1 of 2: nt-host sends it", "Hop 2 of 2: router drops it (no route)",
                      "ICMP back to the sender, hop 1 of 2: router sends it",
                      "ICMP back to the sender, hop 2 of 2: nt-host receives it"]
    explorer.playback.go_to(2)
    assert palette.DROP in explorer.playback.highlight.value and palette.DROP_FILL in explorer.playback.highlight.value
    assert "✗ dropped: no route" in explorer.playback.details.value
    assert "Step 2 of 4 · Hop 2 of 2: router drops it" in explorer.playback.details.value  # more steps than hops


def test_back_play_next_and_reduced_motion(explorer: PathExplorer) -> None:
    playback = explorer.playback
    assert playback.back_button.disabled and not playback.next_button.disabled
    playback.next_button.click()
    playback.next_button.click()
    assert playback.position.value == 3 and playback.next_button.disabled
    playback.back_button.click()
    assert playback.position.value == 2
    # Play runs in the page: a hidden Play timer moves the Step slider, behind an ordinary (accessible) button.
    links = {(link.source[0], link.source[1], link.target[0], link.target[1]) for link in playback.links}
    assert (playback.timer, "value", playback.position, "index") in links
    assert (playback.play_button, "value", playback.timer, "playing") in links
    assert (playback.timer.min, playback.timer.max) == (0, len(playback.position.options) - 1) == (0, 2)
    playback.play_button.value = True
    assert playback.play_button.description == "Pause"
    explorer.send_button.click()  # a new datagram: stop, and start again at its first hop
    assert not playback.play_button.value and playback.position.value == 1
    assert "wbk-play" in playback.play_button._dom_classes
    assert "@media (prefers-reduced-motion: reduce)" in playback.stylesheet.value
    assert ".wbk-play {display:none !important}" in playback.stylesheet.value


def test_every_control_has_a_name_a_screen_reader_reads(explorer: PathExplorer) -> None:
    from workbook import Host
    from workbook.widgets import LookupExplorer, RouteTableEditor

    editor = RouteTableEditor(Host.from_scenario("seed-host"))
    for widget in (explorer, editor, LookupExplorer(editor), DuplicateAddressPlayground(), MulticastPlayground()):
        unnamed = [control for control in _controls(widget.widget) if not _name(control)]
        assert not unnamed, f"{type(widget).__name__}: {unnamed}"


def _controls(widget: widgets.Widget) -> list[widgets.Widget]:
    found = []
    for child in getattr(widget, "children", ()):
        found += _controls(child)
    if isinstance(widget, (widgets.Button, widgets.ToggleButton, widgets.Text, widgets.Textarea, widgets.Dropdown,
                           widgets.Checkbox, widgets.IntSlider, widgets.ToggleButtons, widgets.BoundedIntText,
                           widgets.BoundedFloatText)) and widget.layout.display != "none":
        found.append(widget)
    return found


def _name(control: widgets.Widget) -> str:
    """What the browser test checks for real (accessible names in Chromium's tree); here: a text to name it by.

    A button's name is its words (a tooltip is not read for a button that shows an icon font's glyph);
    a field's is its description; toggle buttons are named one by one by their options.
    """
    if isinstance(control, widgets.ToggleButtons):
        return "named" if all(str(label).strip() for label in control._options_labels) else ""
    return (control.description or "").strip()


def test_a_playground_plays_the_frames_of_the_last_action() -> None:
    playground = DuplicateAddressPlayground()
    playground.host.value = "newcomer"
    playground.start_button.click()
    playground.run_button.click()  # the clock run belongs to the start: the defender's answer is part of it
    steps = playground.playback.steps
    assert [step.sent for step in steps] == playground.last_frames() and len(steps) >= 2
    first = steps[0]
    assert first.title.startswith("Frame 1 of") and "newcomer sends ARP gratuitous 172.16.48.123" in first.title
    assert set(first.takers) == {"defender.eth0", "bystander.eth0"}  # a broadcast: every running NIC takes it
    css = playground.playback.highlight.value
    ids = playground.playback.stage.ids
    assert f"#{ids.node('defender')} > path" in css and palette.TAKEN in css
    assert "Taken by:" in playground.playback.details.value


def test_the_multicast_playground_plays_a_send_and_keeps_its_path() -> None:
    playground = MulticastPlayground()
    playground.host.value = "member"
    playground.join_button.click()
    playground.host.value = "sender"
    playground.send_button.click()
    (step,) = [s for s in playground.playback.steps if s.sent is not None and s.sent.ip is not None
               and str(s.sent.ip.dst) == "239.1.2.3"]
    assert "member.eth0" in step.takers and "bystander.eth0" not in step.takers
    assert "<svg" in playground.path.value


def test_playback_without_dot_still_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    net = Network.from_scenario("seed-lan")
    playback = Playback(net)
    assert "<svg" not in playback.drawing.value and "dot" in playback.drawing.value
    playback.show_trace(net.send("nt-host", "172.17.1.1"))
    playback.go_to(3)
    assert "far-host receives it" in playback.details.value


def test_a_playground_redraws_its_network_when_a_host_changes_and_only_then() -> None:
    playground = DuplicateAddressPlayground()
    drawing = playground.playback.drawing.value
    assert "(stopped)" in drawing  # the newcomer is off when the playground opens
    playground.host.value = "newcomer"
    playground.start_button.click()
    started = playground.playback.drawing.value
    assert started != drawing and "(stopped)" not in started
    playground.run_button.click()
    assert "IP disabled" in playground.playback.drawing.value  # the conflict switched the newcomer's IP off
    again = playground.playback.drawing.value
    playground.playback.next_button.click()
    assert playground.playback.drawing.value is again  # stepping never redraws
