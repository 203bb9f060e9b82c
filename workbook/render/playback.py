"""Step-through playback: a datagram, or one action's frames, moving across a topology drawn once (chapters 0, 4, 5).

A :class:`Stage` draws a network's topology once, with an id on every node,
segment and NIC link (:class:`~workbook.render.topology.TopologyIds`). A
playback is a list of :class:`Step` values; :meth:`Stage.css` returns the few
lines of CSS that light up one step on the drawing: the node that holds the
datagram, the wire its frame arrived on, and the wire it leaves on, whose
dashes march the way the frame travels (still, for a reader who asked for
reduced motion). Stepping changes only that CSS: the drawing stays put, in
Jupyter (SVG from ``dot``) and in JupyterLite (SVG from viz.js) alike.

>>> from workbook.sim import Network
>>> net = Network.from_scenario("seed_lan")
>>> steps = trace_steps(net.send("nt-host", "172.17.1.1"))
>>> [step.title for step in steps]
['Hop 1 of 3: nt-host sends it', 'Hop 2 of 3: router forwards it', 'Hop 3 of 3: far-host receives it']
>>> str(steps[1].received.eth_dst), str(steps[1].sent.eth_dst)      # the router rewrote the MACs
('00-DD-01-00-00-01', '00-DD-02-00-00-09')
>>> stage = Stage(net, prefix="demo_")
>>> css = stage.css(steps[1])
>>> "#demo_n3 >" in css and "#demo_n3l1 > path" in css           # the router, and its far0 link
True
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbook.render import palette
from workbook.render.dot import render_svg
from workbook.render.labels import frame_title
from workbook.render.sequence import time_label
from workbook.render.topology import TopologyIds, topology_graph
from workbook.sim.trace import Hop, Outcome, PathTrace

if TYPE_CHECKING:
    import graphviz

    from workbook.sim.frames import Frame
    from workbook.sim.network import Network

__all__ = ["MARCH_SECONDS", "Stage", "Step", "frame_steps", "trace_steps"]

#: How long the dashes on a wire take to move by one dash: the frame's "speed" on the drawing.
MARCH_SECONDS = 0.8
_DASH, _GAP = 8, 5

_VERBS = {Outcome.SENT: "sends it", Outcome.FORWARDED: "forwards it", Outcome.DELIVERED: "receives it"}


@dataclass(frozen=True)
class Step:
    """One moment of a playback: who acts, the frame that came in, the frame that goes out.

    In a trace's playback ``hop`` is the node's :class:`~workbook.sim.trace.Hop`
    (its decision, ARP exchange and drop); in a frames playback ``takers``
    names the NICs (``host.nic``) whose filter took the frame.
    """

    number: int
    total: int
    title: str
    node: str
    hop: Hop | None = None
    received: Frame | None = None
    sent: Frame | None = None
    takers: tuple[str, ...] = ()
    journey: str = "datagram"

    @property
    def dropped(self) -> bool:
        return self.hop is not None and self.hop.dropped


def _journeys(trace: PathTrace) -> list[tuple[str, PathTrace]]:
    journeys = [("datagram" if trace.parent is None else "ICMP reply", trace)]
    for reply in trace.replies:
        journeys += _journeys(reply)
    return journeys


def trace_steps(trace: PathTrace) -> list[Step]:
    """One step per hop of ``trace``, then one per hop of each ICMP message sent back about it."""
    drafts: list[tuple[str, str, Hop, Frame | None]] = []
    for journey, current in _journeys(trace):
        sent_before: list[Frame] = []
        count = len(current.hops)
        for number, hop in enumerate(current.hops, start=1):
            received = None
            if hop.in_interface:
                earlier = [frame for frame in sent_before if frame.time < hop.time]
                received = earlier[-1] if earlier else (sent_before[-1] if sent_before else None)
            verb = f"drops it ({hop.drop_reason.value})" if hop.dropped and hop.drop_reason else \
                _VERBS.get(hop.outcome, hop.outcome.value)
            where = "Hop" if journey == "datagram" else "ICMP back to the sender, hop"
            drafts.append((journey, f"{where} {number} of {count}: {hop.node} {verb}", hop, received))
            if hop.frame is not None:
                sent_before.append(hop.frame)
    total = len(drafts)
    return [Step(number, total, title, hop.node, hop=hop, received=received, sent=hop.frame, journey=journey)
            for number, (journey, title, hop, received) in enumerate(drafts, start=1)]


def frame_steps(frames: Iterable[Frame], takers: Callable[[Frame], Sequence[str]]) -> list[Step]:
    """One step per frame, in time order; ``takers(frame)`` names the NICs (``host.nic``) that took it."""
    ordered = sorted(frames, key=lambda frame: frame.time)
    total = len(ordered)
    return [Step(number, total, f"Frame {number} of {total}, at {time_label(frame.time)}: {frame.sender} sends "
                                f"{frame_title(frame)}",
                 frame.sender, sent=frame, takers=tuple(takers(frame)), journey="frames")
            for number, frame in enumerate(ordered, start=1)]


class Stage:
    """A network's topology drawn once, with ids, and the CSS that lights up one :class:`Step` on it.

    ``prefix`` starts every id (a fresh random one by default), so that many
    stages can share one page.
    """

    def __init__(self, net: Network, prefix: str | None = None) -> None:
        self.prefix = prefix if prefix is not None else f"wbk{secrets.token_hex(4)}_"
        self.ids = TopologyIds(net, self.prefix)
        self.graph: graphviz.Digraph = topology_graph(net, ids=self.ids)

    def svg(self) -> str:
        """The drawing as SVG text (needs Graphviz's ``dot``)."""
        return render_svg(self.graph)

    def css(self, step: Step | None) -> str:
        """The CSS that lights up ``step`` (nothing for None)."""
        if step is None:
            return ""
        rules: list[str] = []
        moving: list[str] = []

        def node(name: str, stroke: str, fill: str) -> None:
            selector = f"#{self.ids.node(name)}"
            # Outline and fill only: bold words would outgrow the box that dot sized for them.
            rules.append(f"{selector} > path, {selector} > polygon, {selector} > ellipse "
                         f"{{stroke:{stroke};stroke-width:3px;fill:{fill}}}")

        def link(name: str, nic: str, colour: str, outward: bool | None) -> None:
            """A NIC's wire; ``outward`` True/False makes its dashes run from/to the node, None keeps it still."""
            if not self.ids.has_link(name, nic):
                return
            selector = f"#{self.ids.link(name, nic)}"
            rules.append(f"{selector} > path {{stroke:{colour};stroke-width:3px}}")
            rules.append(f"{selector} text {{fill:{colour};font-weight:bold}}")
            if outward is not None:
                # The path runs from the edge's tail to its head; dashes moving forward follow it.
                along = outward != self.ids.toward_node(name, nic)
                rules.append(f"{selector} > path {{stroke-dasharray:{_DASH} {_GAP};"
                             f"animation:{self.prefix}march {MARCH_SECONDS}s linear infinite"
                             f"{'' if along else ' reverse'}}}")
                moving.append(f"{selector} > path")

        if step.received is not None and step.hop is not None:
            link(step.node, step.hop.in_interface or "", palette.NOW, None)
        if step.sent is not None:
            link(step.sent.sender, step.sent.interface, palette.NOW, True)
            segment = f"#{self.ids.segment(step.sent.segment)}"
            rules.append(f"{segment} > ellipse {{stroke:{palette.NOW};stroke-width:3px}}")
        for taker in step.takers:
            name, _, nic = taker.partition(".")
            node(name, palette.TAKEN, palette.TAKEN_FILL)
            link(name, nic, palette.TAKEN, False)
        if step.dropped:
            node(step.node, palette.DROP, palette.DROP_FILL)
        else:
            node(step.node, palette.NOW, palette.NOW_FILL)
        if moving:
            rules.append(f"@keyframes {self.prefix}march {{to {{stroke-dashoffset:-{_DASH + _GAP}}}}}")
            rules.append(f"@media (prefers-reduced-motion: reduce) {{{', '.join(moving)} {{animation:none}}}}")
        return "\n".join(rules)
