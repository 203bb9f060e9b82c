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

__all__ = ["TopologyIds", "topology_dot", "topology_graph", "topology_svg"]


#: More hosts and routers than this, and the diagram runs top to bottom so it stays readable at page width.
LARGE_NETWORK = 8


class TopologyIds:
    """The SVG ids of a topology diagram's parts, so that a page can light up one node or one NIC's link.

    Ids are short and made of letters, digits and underscores only (``prefix`` + ``n0``, ``s1``, ``n0l1``), so
    any host or NIC name is safe in DOT and in a CSS selector. A link (one NIC's line to its segment) is drawn from the
    segment to the node, or, for a router's second and later NICs, from the node to the segment:
    :meth:`toward_node` says which, so that a highlight can run in the direction a frame travels.

    >>> from workbook.sim import Network
    >>> ids = TopologyIds(Network.from_scenario("seed_lan"), prefix="t1_")
    >>> ids.node("router"), ids.segment("far"), ids.link("router", "far0"), ids.toward_node("router", "far0")
    ('t1_n3', 't1_s1', 't1_n3l1', False)
    """

    def __init__(self, net: Network, prefix: str = "") -> None:
        self.prefix = prefix
        self._nodes, self._segments = Ids("n"), Ids("s")
        for name in net.segments:  # numbered in the network's order, as the drawing lists them
            self._segments[name]
        self._links: dict[tuple[str, str], tuple[str, bool]] = {}
        for node in net.nodes.values():
            node_id = self._nodes[node.name]
            wired = [nic for nic in node.interfaces if nic.segment is not None and not getattr(nic, "loopback", False)]
            for number, nic in enumerate(wired):
                # Hosts hang to the right of their segment; a router sits between its first segment and the
                # others, so a chain of routers is drawn as a chain.
                self._links[(node.name, nic.name)] = (f"{node_id}l{number}", not (node.forwarding and number))

    def node(self, name: str) -> str:
        return self.prefix + self._nodes[name]

    def segment(self, name: str) -> str:
        return self.prefix + self._segments[name]

    def link(self, node: str, nic: str) -> str:
        """The id of the line from ``node``'s NIC ``nic`` to its segment (KeyError for an unwired NIC)."""
        return self.prefix + self._links[(node, nic)][0]

    def has_link(self, node: str, nic: str | None) -> bool:
        return (node, nic) in self._links

    def toward_node(self, node: str, nic: str) -> bool:
        """True when the link is drawn from the segment to the node (a frame the node sends runs against it)."""
        return self._links[(node, nic)][1]


def topology_graph(net: Network, rankdir: str | None = None, ids: TopologyIds | None = None) -> graphviz.Digraph:
    """The topology of ``net`` as a :class:`graphviz.Digraph` (``rankdir`` 'LR' or 'TB' overrides the layout).

    With ``ids``, every node, segment and link carries that id in the SVG (see :class:`TopologyIds`).
    """
    if rankdir is None:
        rankdir = "TB" if len(net.nodes) > LARGE_NETWORK else "LR"
    graph = new_digraph("topology", rankdir=rankdir)
    names = ids if ids is not None else TopologyIds(net)

    def svg_id(element: str) -> dict[str, str]:
        return {"id": element} if ids is not None else {}

    for name in net.segments:
        graph.node(names.segment(name), label=label(name), **node_style("segment"), **svg_id(names.segment(name)))
    for node in net.nodes.values():
        router = bool(node.forwarding)
        state = [] if node.running else ["(stopped)"]
        graph.node(names.node(node.name), label=label([node.name, *state]),
                   **node_style("router" if router else "host"), **svg_id(names.node(node.name)))
        for nic in node.interfaces:
            if not names.has_link(node.name, nic.name):
                continue
            lines = [nic.name, *(str(address) for address in nic.addresses)]
            if nic.mac is not None:
                lines.append(str(nic.mac))
            attrs = {"dir": "none", **svg_id(names.link(node.name, nic.name))}
            if nic.name in node.unplugged:
                lines.append("unplugged")
                attrs.update(style="dashed", color="#999999")
            elif nic.name in node.disabled:
                lines.append("IP disabled")
                attrs.update(style="dashed")
            ends = (names.segment(nic.segment), names.node(node.name))
            if not names.toward_node(node.name, nic.name):
                ends = ends[::-1]
            graph.edge(*ends, label=label(lines), **attrs)
    return graph


def topology_dot(net: Network, rankdir: str | None = None) -> str:
    """The DOT text of :func:`topology_graph` (needs no Graphviz program)."""
    return topology_graph(net, rankdir).source


def topology_svg(net: Network, rankdir: str | None = None) -> str:
    """The topology drawn as SVG text; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(topology_graph(net, rankdir))
