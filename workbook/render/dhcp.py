"""A DHCP exchange through a relay agent as a sequence diagram: client, relay, server; both segments (chapter 6).

One lifeline per node that took part (the client, each relay agent, each
server), one arrow per BOOTP/DHCP frame in time order. Each arrow says on
which segment the frame travelled, which of the four messages it is, the
IP addresses it went between, and the two fields a relay agent changes:
``giaddr`` and ``hops``.

>>> from workbook import Network
>>> net = Network.from_scenario("dhcp-relay")
>>> text = dhcp_sequence_dot(net)
>>> text.index("lan: DISCOVER") < text.index("core: DISCOVER") < text.index("core: OFFER") < text.index("lan: ACK")
True
>>> "giaddr 10.0.1.1, hops 1" in text
True
>>> print(dhcp_sequence_text(net).splitlines()[1])
   8.600 s  lan   pc → router            DISCOVER  0.0.0.0 → 255.255.255.255  giaddr 0.0.0.0, hops 0, flags 0x0000
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.render.dot import DATAGRAM_COLOR, REPLY_COLOR, label, node_style, render_svg
from workbook.render.sequence import draw_arrow, lifeline_grid

if TYPE_CHECKING:
    import graphviz

    from workbook.render.display import Diagram
    from workbook.sim.frames import Frame
    from workbook.sim.network import Network

__all__ = ["dhcp_frames", "dhcp_sequence_diagram", "dhcp_sequence_dot", "dhcp_sequence_graph",
           "dhcp_sequence_svg", "dhcp_sequence_text"]



def dhcp_frames(net: Network, xid: int | None = None) -> list[Frame]:
    """The BOOTP/DHCP frames of ``net`` (of one transaction, when ``xid`` is given), in time order."""
    frames = [f for f in net.frames if f.bootp is not None and (xid is None or f.bootp.xid == xid)]
    return sorted(frames, key=lambda f: f.time)


def _receiver(net: Network, frame: Frame) -> str:
    """Who took ``frame``: the owner of its MAC, or, for a broadcast, the relay or server on the segment."""
    segment = net.segments[frame.segment]
    if not frame.is_broadcast:
        for host, nic in segment.ports:
            if nic.mac == frame.eth_dst:
                return host.name
        return str(frame.eth_dst)
    takers = [host.name for host, _ in segment.ports if host.name != frame.sender
              and (host.protocols["bootps"].relay is not None or host.protocols["bootps"].server is not None
                   if frame.bootp.op == 1 else host.protocols["bootpc"].leases)]
    return ", ".join(dict.fromkeys(takers)) or f"everyone on {frame.segment}"


def _rows(net: Network, xid: int | None) -> list[tuple[Frame, str, str]]:
    return [(frame, frame.sender, _receiver(net, frame)) for frame in dhcp_frames(net, xid)]


def _words(frame: Frame) -> list[str]:
    bootp = frame.bootp
    kind = bootp.message_type.name if bootp.message_type is not None else bootp.op.name
    lines = [f"{frame.segment}: {kind}", f"{frame.ip.src} → {frame.ip.dst}",
             f"giaddr {bootp.giaddr}, hops {bootp.hops}"]
    if int(bootp.yiaddr):
        lines.append(f"yiaddr {bootp.yiaddr}")
    if bootp.broadcast:
        lines.append("BROADCAST flag")
    return lines


def dhcp_sequence_graph(net: Network, xid: int | None = None) -> graphviz.Digraph:
    """The DHCP frames of ``net`` (or of transaction ``xid``) as a sequence diagram."""
    rows = _rows(net, xid)
    lifelines: list[str] = []
    for _, source, target in rows:
        for name in (source, target):
            if name not in lifelines:
                lifelines.append(name)
    heads = []
    for name in lifelines:
        segments = sorted({nic.segment for nic in net.nodes[name].interfaces}) if name in net.nodes else []
        heads.append((label([name, " | ".join(segments)]), node_style("host")))
    graph = lifeline_grid("dhcp", [frame.time for frame, _, _ in rows], heads, ranksep="0.3", nodesep="1.2")
    for row, (frame, source, target) in enumerate(rows, start=1):
        color = DATAGRAM_COLOR if frame.bootp.op == 1 else REPLY_COLOR
        draw_arrow(graph, row, lifelines.index(source), lifelines.index(target), label(_words(frame)), color)
    return graph


def dhcp_sequence_dot(net: Network, xid: int | None = None) -> str:
    """The DOT text of :func:`dhcp_sequence_graph` (needs no Graphviz program)."""
    return dhcp_sequence_graph(net, xid).source


def dhcp_sequence_svg(net: Network, xid: int | None = None) -> str:
    """The diagram as SVG; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(dhcp_sequence_graph(net, xid))


def dhcp_sequence_text(net: Network, xid: int | None = None) -> str:
    """The same exchange as lines of text: time, segment, who to whom, message, addresses, giaddr and hops."""
    lines = ["    time  seg   from → to              message   addresses                  relay fields"]
    for frame, source, target in _rows(net, xid):
        bootp = frame.bootp
        kind = bootp.message_type.name if bootp.message_type is not None else bootp.op.name
        lines.append(f"{frame.time:8.3f} s  {frame.segment:<5} {source + ' → ' + target:<22} {kind:<9} "
                     f"{str(frame.ip.src) + ' → ' + str(frame.ip.dst):<26} giaddr {bootp.giaddr}, "
                     f"hops {bootp.hops}, flags {bootp.flags:#06x}")
    return "\n".join(lines)


def dhcp_sequence_diagram(net: Network, xid: int | None = None) -> Diagram:
    """A :class:`~workbook.render.display.Diagram` of the exchange for a notebook cell (text view included)."""
    from workbook.render.display import Diagram

    return Diagram(lambda: dhcp_sequence_graph(net, xid), lambda: dhcp_sequence_text(net, xid))
