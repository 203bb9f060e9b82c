"""A datagram's journey drawn left to right: nodes, the segments between them, one labelled arrow per hop (chapter 4).

Each arrow from a node to a segment is one frame: its number in the
journey, the interface it left by, its source and destination MAC (new at
every hop), the TTL in the IP header and how the next hop's MAC was learned.
Arrows from a segment to a node say where the frame came in. A drop is drawn
as a red dashed arrow to a "✗ reason" marker; ICMP messages sent back about
the datagram (``trace.replies``) are drawn in blue.

>>> from workbook.sim import Network
>>> net = Network.from_scenario("seed_lan")
>>> text = path_dot(net.send("nt-host", "172.18.0.1"))
>>> "00-DD-01-0F-7A-B5 → 00-DD-01-00-00-01" in text, "✗ no route" in text
(True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.render.dot import (
    DATAGRAM_COLOR,
    DROP_COLOR,
    REPLY_COLOR,
    Ids,
    label,
    new_digraph,
    node_style,
    render_svg,
)
from workbook.render.labels import arp_title, ip_title, mac_line
from workbook.sim.trace import ArpResolution, DropReason, Hop, Outcome, PathTrace

if TYPE_CHECKING:
    import graphviz

    from workbook.sim.frames import Frame

__all__ = ["path_dot", "path_graph", "path_svg"]

#: Drops that happen in a router's forwarding step: they mark the node as a router even if it forwarded nothing.
LONG_PATH = 8

_ROUTER_DROPS = {DropReason.NO_ROUTE, DropReason.TTL_EXPIRED, DropReason.SPOOFED_SOURCE}


def path_graph(trace: PathTrace, rankdir: str | None = None) -> graphviz.Digraph:
    """The journey of ``trace`` (and of the ICMP replies about it) as a :class:`graphviz.Digraph`.

    The path runs left to right; a journey of more than :data:`LONG_PATH` hops runs top to bottom
    instead, so that a notebook scaling it to the page width keeps its labels readable.
    ``rankdir`` ('LR' or 'TB') overrides the choice.
    """
    traces = _with_replies(trace)
    if rankdir is None:
        rankdir = "TB" if len(trace.hops) > LONG_PATH else "LR"
    routers = {hop.node for t in traces for hop in t.hops
               if hop.outcome is Outcome.FORWARDED or (hop.in_interface and hop.drop_reason in _ROUTER_DROPS)}
    dropped_at = {hop.node for t in traces for hop in t.hops if hop.dropped}
    graph = new_digraph("path", rankdir=rankdir, labelloc="t", label=label(_title(trace)))
    nodes, segments = Ids("n"), Ids("s")

    def node(name: str) -> str:
        if name not in nodes:
            attrs = node_style("router" if name in routers else "host")
            if name in dropped_at:
                attrs.update(color=DROP_COLOR, penwidth="2")
            graph.node(nodes[name], label=label(name), **attrs)
        return nodes[name]

    def segment(name: str) -> str:
        if name not in segments:
            graph.node(segments[name], label=label(name), **node_style("segment"))
        return segments[name]

    node(trace.sender)
    markers = 0
    for number, current in enumerate(traces):
        reply = number > 0
        color = REPLY_COLOR if reply else DATAGRAM_COLOR
        # Replies run against the main journey: they must not pull the layout around.
        common = {"color": color, "fontcolor": color} | ({"constraint": "false", "style": "bold"} if reply else {})
        prefix = "ICMP " if reply else ""
        sent: list[tuple[int, Frame]] = []
        for step, hop in enumerate(current.hops, start=1):
            here = node(hop.node)
            if hop.in_interface:
                incoming = _incoming(sent, hop)
                if incoming is not None:
                    sent_as, frame = incoming
                    words = [f"{prefix}{sent_as}. in {hop.in_interface}"]
                    if hop.outcome is Outcome.DELIVERED:
                        words.append("delivered")
                    graph.edge(segment(frame.segment), here, label=label(words), **common)
            if hop.frame is not None:
                lines = [f"{prefix}{step}. out {hop.interface or hop.frame.interface}"]
                if step == 1 and current.datagram is not None:
                    lines.insert(0, ip_title(current.datagram))
                lines += [mac_line(hop.frame), f"TTL {hop.frame.ip.ttl if hop.frame.ip else hop.ip.ttl}"]
                if hop.arp is not None:
                    lines.append(_arp_words(hop.arp))
                graph.edge(here, segment(hop.frame.segment), label=label(lines), **common)
                sent.append((step, hop.frame))
            if hop.dropped:
                markers += 1
                _draw_drop(graph, here, hop, f"x{markers}", segment)
    return graph


def path_dot(trace: PathTrace, rankdir: str | None = None) -> str:
    """The DOT text of :func:`path_graph` (needs no Graphviz program)."""
    return path_graph(trace, rankdir).source


def path_svg(trace: PathTrace, rankdir: str | None = None) -> str:
    """The journey drawn as SVG text; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(path_graph(trace, rankdir))


def _with_replies(trace: PathTrace) -> list[PathTrace]:
    traces = [trace]
    for reply in trace.replies:
        traces += _with_replies(reply)
    return traces


def _title(trace: PathTrace) -> list[str]:
    if trace.datagram is None:
        return [f"{trace.sender}: nothing was sent"]
    if trace.delivered:
        outcome = f"delivered to {', '.join(dict.fromkeys(trace.receivers))}"
    elif trace.drop_reason is not None:
        drop = trace.drop
        outcome = f"dropped: {trace.drop_reason.value}" + (f" at {drop.node}" if drop else "")
    else:
        outcome = "still travelling"
    return [f"{trace.datagram.summary()} from {trace.sender}", outcome]


def _incoming(sent: list[tuple[int, Frame]], hop: Hop) -> tuple[int, Frame] | None:
    """The frame that brought the datagram to ``hop`` (with its step): the last one put on a wire before it arrived."""
    earlier = [(step, frame) for step, frame in sent if frame.time < hop.time]
    return earlier[-1] if earlier else (sent[-1] if sent else None)


def _arp_words(arp: ArpResolution) -> str:
    if arp.cache_hit:
        return f"ARP cache: {arp.next_hop} is-at {arp.mac}"
    if arp.mac is not None:
        tries = f" ({len(arp.requests)} requests)" if len(arp.requests) > 1 else ""
        return f"ARP: {arp.next_hop} is-at {arp.mac}{tries}"
    return f"ARP who-has {arp.next_hop}: no answer"


def _draw_drop(graph: graphviz.Digraph, here: str, hop: Hop, marker: str, segment) -> None:
    reason = hop.drop_reason.value if hop.drop_reason is not None else "dropped"
    style = {"color": DROP_COLOR, "fontcolor": DROP_COLOR, "style": "dashed", "penwidth": "1.5"}
    arp = hop.arp
    if arp is not None and not arp.answered and arp.requests:
        # The broadcasts that went unanswered: one arrow for all of them.
        first = arp.requests[0]
        lines = [f"{len(arp.requests)} × {arp_title(first.arp)}" if first.arp else "ARP request",
                 mac_line(first), "no answer"]
        graph.edge(here, segment(first.segment), label=label(lines), **style)
    graph.node(marker, label=label(f"✗ {reason}"), shape="plaintext", fontcolor=DROP_COLOR)
    graph.edge(here, marker, label=label(_wrap(hop.detail)), **style)


def _wrap(text: str, width: int = 36) -> list[str]:
    """Short lines, so a long drop detail does not stretch the diagram."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
