"""Watch a datagram cross the topology hop by hop, or the frames of one action one by one (chapters 0, 4, 5).

:class:`Playback` is a component other widgets embed (:class:`~workbook.widgets.PathExplorer`,
the playgrounds): the network is drawn once, and Back / Play / Next (or the
Step slider) light up where the datagram is, the wire its frame arrived on
and the wire it leaves on. Beside the drawing each step shows the node's
decision (the route and why), its ARP exchange, and the frame's header fields
as they arrived and as they left: new MAC addresses at every hop, one TTL less
at every router.

>>> from workbook import Network
>>> net = Network.from_scenario("seed-lan")
>>> playback = Playback(net)
>>> playback.show_trace(net.send("nt-host", "172.17.1.1"))
>>> playback.position.value, playback.position.label
(1, '1. Hop 1 of 3: nt-host sends it')
>>> playback.next_button.click()
>>> print(playback.step.title)
Hop 2 of 3: router forwards it
>>> "TTL" in playback.details.value and "127 (one less)" in playback.details.value
True

Play runs in the page (an ipywidgets ``Play`` timer, hidden, behind an
accessible Play button); for a reader whose system asks for reduced motion
the Play button is hidden and the marching dashes stand still: step only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import ipywidgets as widgets

from workbook.net.decision import LookupDecision
from workbook.net.route_get import RouteGet
from workbook.render import palette
from workbook.render.figure import explanation_html
from workbook.render.labels import frame_title
from workbook.render.playback import Stage, Step, frame_steps, trace_steps
from workbook.sim.frames import Frame
from workbook.sim.network import Network
from workbook.sim.trace import PathTrace
from workbook.widgets.common import Observable, diagram_html, escape, html_table, text_block

__all__ = ["PLAY_INTERVAL", "Playback", "decision_summary", "header_rows", "step_html"]

#: Milliseconds between two steps while playing.
PLAY_INTERVAL = 1500
_NOTHING = "nothing to play yet"

# Hidden Play button and a note instead, for readers whose system asks for reduced motion.
_STYLESHEET = """<style>
.wbk-reduced-note {display:none}
@media (prefers-reduced-motion: reduce) {
  .wbk-play {display:none !important}
  .wbk-reduced-note {display:block !important}
}
</style>"""


def decision_summary(decision: RouteGet | LookupDecision | None) -> str:
    """One line: the route a node chose and the rule that chose it, where the frame goes and (for a host) the source.

    >>> from workbook import Host
    >>> print(decision_summary(Host.from_scenario("seed-host").route_get("172.17.1.1")))
    route 0.0.0.0/0 (only match); out of eth0 to gateway 172.16.112.1, source 172.16.112.123
    """
    if decision is None:
        return ""
    lookup = decision.lookup if isinstance(decision, RouteGet) else decision
    if decision.route is None:
        return f"no route to {decision.destination}"
    rule = f" ({lookup.rule})" if lookup is not None else ""
    via = f"to gateway {decision.gateway}" if decision.gateway is not None else "straight to the destination (on-link)"
    text = f"route {decision.route.network}{rule}; out of {decision.interface} {via}"
    if isinstance(decision, RouteGet) and decision.source is not None:
        text += f", source {decision.source}"
    return text


def _ethertype(value: int) -> str:
    return {0x0800: "0x0800 (IPv4)", 0x0806: "0x0806 (ARP)"}.get(value, f"0x{value:04X}")


def _frame_fields(frame: Frame) -> list[tuple[str, str]]:
    fields = [("Ethernet source", str(frame.eth_src)), ("Ethernet destination", str(frame.eth_dst)),
              ("EtherType", _ethertype(frame.ethertype)), ("wire", frame.segment)]
    if frame.ip is not None:
        fields += [("IP source", str(frame.ip.src)), ("IP destination", str(frame.ip.dst)),
                   ("TTL", str(frame.ip.ttl)), ("carries", frame_title(frame))]
    elif frame.arp is not None:
        arp = frame.arp
        fields += [("ARP sender", f"{arp.sender_ip} at {arp.sender_mac}"),
                   ("ARP target", f"{arp.target_ip} at {arp.target_mac}"), ("carries", frame_title(frame))]
    return fields


def header_rows(received: Frame | None, sent: Frame | None) -> list[tuple[str, str, str, bool]]:
    """(field, as it arrived, as it left, changed?) for every header field of the two frames.

    A field the node rewrote reads "(new)" after its value, and a TTL one less
    "(one less)": the change is said in words, not by colour alone.
    """
    arrived = dict(_frame_fields(received)) if received is not None else {}
    left = dict(_frame_fields(sent)) if sent is not None else {}
    rows = []
    for name in dict.fromkeys([*arrived, *left]):
        before, after = arrived.get(name, ""), left.get(name, "")
        changed = bool(before and after and before != after)
        if changed and name == "TTL" and int(after) == int(before) - 1:
            after += " (one less)"
        elif changed:
            after += " (new)"
        rows.append((name, before or "—", after or "—", changed))
    return rows


def step_html(step: Step) -> str:
    """What a learner reads at one step: the title, the header fields, the decision and why, the ARP exchange."""
    # "Hop 2 of 3" says it all, unless ICMP messages coming back make more steps than hops.
    count = "" if f" of {step.total}" in step.title.split(":")[0] else f"Step {step.number} of {step.total} · "
    parts = [f"<div style='font-weight:bold'>{count}{escape(step.title)}</div>"]
    hop = step.hop
    if hop is not None and hop.dropped:
        reason = hop.drop_reason.value if hop.drop_reason is not None else "dropped"
        parts.append(f"<div style='color:{palette.DROP};font-weight:bold'>✗ dropped: {escape(reason)}</div>")
    rows = header_rows(step.received, step.sent)
    if rows:
        changed = [row[3] for row in rows]
        parts.append(html_table(["header field", "as it arrived", "as it left"], [row[:3] for row in rows],
                                highlight=lambda index: changed[index], wrap_columns=frozenset({1, 2}),
                                caption="The frame" if hop is None else "The frame, in and out"))
    if step.takers or step.journey == "frames":
        taken = ", ".join(step.takers) or "no NIC (no one listens to that MAC)"
        parts.append(f"<div><b>Taken by:</b> {escape(taken)}</div>")
    if hop is not None:
        if hop.decision is not None:
            parts.append(f"<div><b>Decision:</b> {escape(decision_summary(hop.decision))}</div>")
        if hop.arp is not None:
            lines = [hop.arp.explain(), *(f"  request: {r.summary()}" for r in hop.arp.requests)]
            if hop.arp.reply is not None:
                lines.append(f"  reply:   {hop.arp.reply.summary()}")
            parts.append(f"<div><b>ARP</b></div>{explanation_html(chr(10).join(lines))}")
        if hop.detail:
            parts.append(f"<div>{escape(hop.detail)}</div>")
        if hop.decision is not None:
            parts.append("<details><summary>Every route the node considered, and why</summary>"
                         f"{explanation_html(hop.decision.explain())}</details>")
    return text_block("".join(parts))


class Playback(Observable):
    """A topology drawn once, and Back / Play / Next through the steps of a trace or of some frames.

    :meth:`show_trace` plays one datagram hop by hop (and the ICMP sent back
    about it); :meth:`show_frames` plays frames one by one, with the NICs that
    took each. ``position`` is a menu of the steps by name, valued from 1 (the step shown).
    """

    def __init__(self, network: Network, interval: int = PLAY_INTERVAL) -> None:
        super().__init__()
        self.steps: list[Step] = []
        self._filling = False
        self.stylesheet = widgets.HTML(_STYLESHEET, layout=widgets.Layout(display="none"))
        self.highlight = widgets.HTML(layout=widgets.Layout(display="none"))
        self.drawing = widgets.HTML()
        self.details = widgets.HTML()
        # Words, not icons: an icon font's glyph is what a screen reader would read as the button's name.
        self.back_button = widgets.Button(description="Back", tooltip="the step before",
                                          layout=widgets.Layout(width="90px"))
        self.play_button = widgets.ToggleButton(description="Play", tooltip="play every step in turn",
                                                layout=widgets.Layout(width="90px"))
        self.play_button.add_class("wbk-play")
        self.next_button = widgets.Button(description="Next", tooltip="the next step",
                                          layout=widgets.Layout(width="90px"))
        # A menu of the steps by name (a native select: screen readers and keyboards know it), valued from 1.
        self.position = widgets.Dropdown(options=[(_NOTHING, 1)], value=1, description="Step", disabled=True,
                                         layout=widgets.Layout(width="480px"))
        self.timer = widgets.Play(value=0, min=0, max=0, interval=interval, show_repeat=False,
                                  layout=widgets.Layout(display="none"))
        #: Links that live in the page: playing needs no round trip to the kernel between two steps.
        self.links = [widgets.jslink((self.timer, "value"), (self.position, "index")),
                      widgets.jslink((self.play_button, "value"), (self.timer, "playing"))]
        self.reduced_note = widgets.HTML("<i>Your system asks for reduced motion: step with Back and Next.</i>")
        self.reduced_note.add_class("wbk-reduced-note")
        self.back_button.on_click(lambda _b: self.go_to(self.position.value - 1))
        self.next_button.on_click(lambda _b: self.go_to(self.position.value + 1))
        self.position.observe(lambda _c: self._show(), names="value")
        self.play_button.observe(lambda _c: self._label_play_button(), names="value")
        self.controls = widgets.HBox([self.back_button, self.play_button, self.next_button, self.position,
                                      self.timer])
        self.widget = widgets.VBox([self.stylesheet, self.highlight, self.controls, self.reduced_note,
                                    self.drawing, self.details])
        self.widget.add_class("wbk-playback")
        self.use_network(network)

    # What is played ------------------------------------------------------------------------------
    def use_network(self, network: Network) -> None:
        """Draw ``network`` (once) and forget the steps shown."""
        self.network = network
        self.stage = Stage(network)
        self._draw()
        self._use_steps([])

    def redraw(self) -> None:
        """Draw the network again if it changed (a host stopped, a cable pulled, a new address); steps stay."""
        stage = Stage(self.network, prefix=self.stage.prefix)
        if stage.graph.source != self.stage.graph.source:
            self.stage = stage
            self._draw()

    def _draw(self) -> None:
        names = ", ".join(self.network.nodes)
        self.drawing.value = diagram_html(lambda: self.stage.graph, f"the network: {names}", text_version=False)

    def show_trace(self, trace: PathTrace) -> None:
        """Play ``trace``: one step per hop, then the hops of the ICMP messages sent back about it."""
        self._use_steps(trace_steps(trace))

    def show_frames(self, frames: Iterable[Frame], takers: Callable[[Frame], Sequence[str]]) -> None:
        """Play ``frames`` one by one; ``takers(frame)`` names the NICs that took each (``host.nic``)."""
        self._use_steps(frame_steps(frames, takers))

    @property
    def step(self) -> Step | None:
        """The step shown now (None before anything was played)."""
        return self.steps[self.position.value - 1] if self.steps else None

    def go_to(self, number: int) -> None:
        """Show step ``number`` (counted from 1; clamped to the steps there are)."""
        if self.steps:
            self.position.value = min(max(number, 1), len(self.steps))

    def _use_steps(self, steps: list[Step]) -> None:
        self.play_button.value = False
        self.steps = steps
        self._filling = True
        try:
            self.position.options = [(f"{s.number}. {s.title}", s.number) for s in steps] or \
                [(_NOTHING, 1)]
            self.position.value = 1
            # Widen before moving, narrow after: the timer's value must stay inside min..max at every moment.
            self.timer.max = max(self.timer.max, len(steps) - 1, 0)
            self.timer.value = 0
            self.timer.max = max(len(steps) - 1, 0)
        finally:
            self._filling = False
        self.position.disabled = len(steps) < 2
        for button in (self.back_button, self.play_button, self.next_button):
            button.disabled = len(steps) < 2
        self._show()

    # Drawing -------------------------------------------------------------------------------------
    def _show(self) -> None:
        if self._filling:
            return
        step = self.step
        self.highlight.value = f"<style>{self.stage.css(step)}</style>" if step is not None else ""
        self.details.value = step_html(step) if step is not None else f"<i>{_NOTHING}</i>"
        if step is not None:
            self.back_button.disabled = step.number == 1
            self.next_button.disabled = step.number == step.total
        self._notify()

    def _label_play_button(self) -> None:
        self.play_button.description = "Pause" if self.play_button.value else "Play"

    def text_view(self) -> str:
        """Every step's title."""
        return "\n".join(step.title for step in self.steps) or "nothing to play yet"
