"""Traces, topologies and frame exchanges drawn as diagrams: DOT text, :class:`graphviz.Digraph` or SVG.

Three families, each in three forms:

* ``*_graph(...)`` returns a :class:`graphviz.Digraph` (displays itself in Jupyter);
* ``*_dot(...)`` returns DOT text and needs no Graphviz program;
* ``*_svg(...)`` returns SVG text; :class:`DiagramError` if Graphviz's ``dot`` is missing.

and ``*_diagram(...)`` returns a :class:`Diagram` for a notebook cell to show: SVG where
``dot`` runs, drawn by the page in a browser (JupyterLite), and otherwise the install
hint with a text view (:mod:`workbook.render.display`).

:func:`topology_graph` draws a :class:`~workbook.sim.network.Network`;
:func:`path_graph` draws one datagram's :class:`~workbook.sim.trace.PathTrace`;
:func:`sequence_graph` draws frames (``trace.frames``, ``net.frames_on("lan")``) in time order;
:mod:`workbook.render.rip` draws RIP (chapter 6): :func:`convergence_diagram` (who learned what from
whom, update by update), :func:`table_history_diagram`, :func:`metric_history_diagram`, :func:`rip_topology_diagram`.
:mod:`workbook.render.playback` draws a topology once with ids and lights up one step of a trace on it
with CSS; :mod:`workbook.render.figure` makes a drawing fit its column and carry its text version;
:mod:`workbook.render.palette` holds the colours, each readable as text (4.5:1).

The model (:mod:`workbook.net`, :mod:`workbook.sim`) never imports this
package or graphviz; ``PathTrace`` and ``Network`` import it lazily to show
themselves in Jupyter. Importing this package does not import graphviz either:
each function imports it when it first builds a graph.
"""

from workbook.render.dhcp import dhcp_sequence_diagram, dhcp_sequence_dot, dhcp_sequence_graph, dhcp_sequence_svg
from workbook.render.display import Diagram, path_diagram, sequence_diagram, topology_diagram
from workbook.render.dot import DiagramError
from workbook.render.path import path_dot, path_graph, path_svg
from workbook.render.rip import (
    convergence_diagram,
    convergence_dot,
    convergence_graph,
    metric_history_diagram,
    rip_topology_diagram,
    table_history_diagram,
)
from workbook.render.sequence import sequence_dot, sequence_graph, sequence_svg
from workbook.render.topology import topology_dot, topology_graph, topology_svg

__all__ = [
    "Diagram",
    "DiagramError",
    "convergence_diagram",
    "convergence_dot",
    "convergence_graph",
    "dhcp_sequence_diagram",
    "dhcp_sequence_dot",
    "dhcp_sequence_graph",
    "dhcp_sequence_svg",
    "metric_history_diagram",
    "path_diagram",
    "path_dot",
    "path_graph",
    "path_svg",
    "rip_topology_diagram",
    "sequence_diagram",
    "sequence_dot",
    "sequence_graph",
    "sequence_svg",
    "table_history_diagram",
    "topology_diagram",
    "topology_dot",
    "topology_graph",
    "topology_svg",
]
