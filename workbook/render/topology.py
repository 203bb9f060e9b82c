"""A network drawn as hosts, routers and the segments between them (chapter 4).

Each host or router is a box (routers shaded), each segment an ellipse, and
each NIC a line from its node to its segment labelled with the interface
name, its addresses and its MAC:

>>> from workbook.sim import Network
>>> net = Network.from_scenario("seed_lan")
>>> text = topology_dot(net)
>>> "lan0\\\\n172.16.112.1/24\\\\n00-DD-01-00-00-01" in text
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.render.dot import Ids, label, new_digraph, node_style, render_svg

if TYPE_CHECKING:
    import graphviz

    from workbook.sim.network import Network

__all__ = ["topology_dot", "topology_graph", "topology_svg"]


#: More hosts and routers than this, and the diagram runs top to bottom so it stays readable at page width.
LARGE_NETWORK = 8


def topology_graph(net: Network, rankdir: str | None = None) -> graphviz.Digraph:
    """The topology of ``net`` as a :class:`graphviz.Digraph` (``rankdir`` 'LR' or 'TB' overrides the layout)."""
    if rankdir is None:
        rankdir = "TB" if len(net.nodes) > LARGE_NETWORK else "LR"
    graph = new_digraph("topology", rankdir=rankdir)
    nodes, segments = Ids("n"), Ids("s")
    for name in net.segments:
        graph.node(segments[name], label=label(name), **node_style("segment"))
    for node in net.nodes.values():
        router = bool(node.forwarding)
        state = [] if node.running else ["(stopped)"]
        graph.node(nodes[node.name], label=label([node.name, *state]), **node_style("router" if router else "host"))
        for nic in node.interfaces:
            if getattr(nic, "loopback", False) or nic.segment is None:
                continue
            lines = [nic.name, *(str(address) for address in nic.addresses)]
            if nic.mac is not None:
                lines.append(str(nic.mac))
            attrs = {"dir": "none"}
            if nic.name in node.unplugged:
                lines.append("unplugged")
                attrs.update(style="dashed", color="#999999")
            elif nic.name in node.disabled:
                lines.append("IP disabled")
                attrs.update(style="dashed")
            # Hosts hang to the right of their segment; a router sits between its first segment and the others,
            # so a chain of routers is drawn as a chain.
            first = nic is next(n for n in node.interfaces if n.segment is not None and not n.loopback)
            ends = (segments[nic.segment], nodes[node.name])
            if router and not first:
                ends = ends[::-1]
            graph.edge(*ends, label=label(lines), **attrs)
    return graph


def topology_dot(net: Network, rankdir: str | None = None) -> str:
    """The DOT text of :func:`topology_graph` (needs no Graphviz program)."""
    return topology_graph(net, rankdir).source


def topology_svg(net: Network, rankdir: str | None = None) -> str:
    """The topology drawn as SVG text; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(topology_graph(net, rankdir))
