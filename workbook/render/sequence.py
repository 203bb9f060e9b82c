"""Frames as a sequence diagram: one lifeline per node, one arrow per frame, time running down (chapters 4 and 5).

An ARP exchange, an IGMP report and the query that prompted it, or a ping
and its reply read best in the order they happened. Frames to a broadcast or
multicast MAC go to a lifeline standing for everyone on their segment:

>>> from workbook.sim import Network
>>> net = Network.from_scenario("seed_lan")
>>> trace = net.send("nt-host", "172.17.1.1")
>>> text = sequence_dot(trace.frames)
>>> text.index("ARP who-has 172.16.112.1 tell 172.16.112.123") < text.index("ARP 172.16.112.1 is-at")
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from workbook.render.dot import (
    ARP_COLOR,
    DATAGRAM_COLOR,
    IGMP_COLOR,
    REPLY_COLOR,
    label,
    new_digraph,
    node_style,
    render_svg,
)
from workbook.render.labels import frame_title, mac_line

if TYPE_CHECKING:
    import graphviz

    from workbook.sim.frames import Frame
    from workbook.sim.network import Network

__all__ = ["draw_arrow", "lifeline_grid", "sequence_dot", "sequence_graph", "sequence_svg", "time_label"]

_LIFELINE = {"style": "dashed", "color": "#AAAAAA", "arrowhead": "none", "weight": "100"}


def sequence_graph(frames: Iterable[Frame], net: Network | None = None) -> graphviz.Digraph:
    """``frames`` (e.g. ``trace.frames`` or ``net.frames_on("lan")``) in time order as a :class:`graphviz.Digraph`.

    The sender of each frame is known from the frame; its receiver from the
    destination MAC: a node seen sending from that MAC, or, with ``net``, the
    node that owns it. An unknown MAC gets a lifeline of its own.
    """
    frames = sorted(frames, key=lambda frame: frame.time)
    owners = _mac_owners(frames, net)
    lifelines: list[str] = []

    def lifeline(name: str) -> int:
        if name not in lifelines:
            lifelines.append(name)
        return lifelines.index(name)

    arrows = []
    for frame in frames:
        source = lifeline(frame.sender or owners.get(str(frame.eth_src), str(frame.eth_src)))
        if frame.is_multicast:
            what = "broadcast" if frame.is_broadcast else "multicast"
            target = lifeline(f"everyone on {frame.segment} ({what})")
        else:
            target = lifeline(owners.get(str(frame.eth_dst), str(frame.eth_dst)))
        arrows.append((frame, source, target))

    heads = [(label(name), node_style("segment" if name.startswith("everyone on ") else "host")) for name in lifelines]
    graph = lifeline_grid("sequence", [frame.time for frame, _, _ in arrows], heads, ranksep="0.25", nodesep="0.6")
    for row, (frame, source, target) in enumerate(arrows, start=1):
        color = _color(frame)
        draw_arrow(graph, row, source, target, label([frame_title(frame), mac_line(frame)]), color)
    return graph


def lifeline_grid(name: str, times: list[float], heads: list[tuple[str, dict[str, str]]], ranksep: str,
                  nodesep: str) -> graphviz.Digraph:
    """A sequence diagram's frame: a time column and one dashed lifeline per head, one row per time.

    ``heads`` are the lifelines' (label, node style); arrows go on rows 1.. with :func:`draw_arrow`.
    The DHCP diagram (:mod:`workbook.render.dhcp`) draws on the same grid.
    """
    graph = new_digraph(name, rankdir="TB", ranksep=ranksep, nodesep=nodesep, splines="false")
    rows = len(times) + 1
    for row in range(rows):
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            if row == 0:
                rank.node("t0", label="time", shape="plaintext")
            else:
                rank.node(f"t{row}", label=time_label(times[row - 1]), shape="plaintext")
            for index, (head, style) in enumerate(heads):
                if row == 0:
                    rank.node(f"p{index}r0", label=head, **style)
                else:
                    rank.node(f"p{index}r{row}", label="", shape="point", width="0.03", color="#AAAAAA")
            # Invisible links keep the lifelines in the same left-to-right order on every row.
            order = [f"t{row}"] + [f"p{index}r{row}" for index in range(len(heads))]
            for left, right in itertools.pairwise(order):
                rank.edge(left, right, style="invis")
    for row in range(rows - 1):
        graph.edge(f"t{row}", f"t{row + 1}", style="invis", weight="100")
        for index in range(len(heads)):
            graph.edge(f"p{index}r{row}", f"p{index}r{row + 1}", **_LIFELINE)
    return graph


def draw_arrow(graph: graphviz.Digraph, row: int, source: int, target: int, words: str, color: str) -> None:
    """One message's arrow on ``row``, from lifeline ``source`` to lifeline ``target``, labelled ``words``.

    dot bends a labelled edge between two points of one rank that are not
    neighbours (it routes the edge through its label, above the row): so an
    arrow that crosses other lifelines is drawn as a chain of short edges
    between neighbouring lifelines, straight, the words on the sender's piece.
    It is written left to right with the arrowhead turned round where needed,
    so dot keeps the lifelines' order.
    """
    left, right = sorted((source, target))
    style = {"color": color, "fontcolor": color, "constraint": "false"}
    if left == right:  # a message to itself (a loop): a plain edge, dot draws it as a loop
        graph.edge(f"p{left}r{row}", f"p{right}r{row}", label=words, **style)
        return
    labelled = left if source < target else right - 1
    for column in range(left, right):
        attrs = dict(style)
        if column == labelled:
            attrs["label"] = words
        if source < target:
            attrs["arrowhead"] = "normal" if column == right - 1 else "none"
        else:
            attrs.update(dir="back", arrowtail="normal" if column == left else "none")
        graph.edge(f"p{column}r{row}", f"p{column + 1}r{row}", **attrs)


def time_label(seconds: float) -> str:
    """A frame's time as a learner reads it: milliseconds at most, and what comes after as microseconds.

    >>> time_label(3.0), time_label(0.5), time_label(1.2345), time_label(3.00003)
    ('3 s', '0.5 s', '1.234 s + 500 µs', '3 s + 30 µs')
    """
    whole_ms = math.floor(round(seconds * 1000, 6))
    rest_us = round((seconds * 1000 - whole_ms) * 1000)
    if rest_us == 1000:
        whole_ms, rest_us = whole_ms + 1, 0
    text = f"{whole_ms / 1000:.3f}".rstrip("0").rstrip(".") + " s"
    return f"{text} + {rest_us} µs" if rest_us else text


def sequence_dot(frames: Iterable[Frame], net: Network | None = None) -> str:
    """The DOT text of :func:`sequence_graph` (needs no Graphviz program)."""
    return sequence_graph(frames, net).source


def sequence_svg(frames: Iterable[Frame], net: Network | None = None) -> str:
    """The sequence diagram as SVG text; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(sequence_graph(frames, net))


def _mac_owners(frames: list[Frame], net: Network | None) -> dict[str, str]:
    owners: dict[str, str] = {}
    if net is not None:
        for node in net.nodes.values():
            for nic in node.interfaces:
                if nic.mac is not None:
                    owners.setdefault(str(nic.mac), node.name)
    for frame in frames:
        if frame.sender:
            owners.setdefault(str(frame.eth_src), frame.sender)
    return owners


def _color(frame: Frame) -> str:
    if frame.arp is not None:
        return ARP_COLOR
    if frame.igmp is not None:
        return IGMP_COLOR
    if frame.icmp is not None:
        return REPLY_COLOR
    return DATAGRAM_COLOR
