"""Diagrams a notebook shows the same way on every machine.

A :class:`Diagram` is what a chapter cell returns to show a path, a topology or
an exchange of frames. Jupyter asks it for its views and gets:

* the SVG drawn by Graphviz's ``dot``, where ``dot`` runs (and, for front ends that prefer
  HTML, that SVG as an image that shrinks to the column, with the text as its alternative);
* in a browser (JupyterLite's Pyodide kernel, where no program can start), HTML
  that the page turns into the SVG with viz.js (:mod:`workbook.render.browser`);
* elsewhere, the message that says how to install Graphviz, with a text view
  under it, so the lesson goes on without the picture.

>>> from workbook import Network
>>> trace = Network.from_scenario("seed-lan").send("nt-host", "172.17.1.1")
>>> views = path_diagram(trace)._repr_mimebundle_()
>>> sorted(views)
['image/svg+xml', 'text/html', 'text/plain']
>>> "Delivered to far-host." in views["text/plain"]
True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from workbook.render.browser import dot_html, in_browser
from workbook.render.dot import DiagramError, render_svg
from workbook.render.figure import svg_image_html
from workbook.render.palette import DROP

if TYPE_CHECKING:
    import graphviz

    from workbook.sim.frames import Frame
    from workbook.sim.network import Network
    from workbook.sim.trace import PathTrace

__all__ = ["Diagram", "diagram_views", "path_diagram", "register_display", "sequence_diagram", "topology_diagram"]

_ERROR_COLOR = DROP  # the colour every drop and error uses


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>" if text else ""


def diagram_views(graph: Callable[[], graphviz.Digraph], text: str | Callable[[], str] = "") -> dict[str, str]:
    """The views of one diagram: SVG, or HTML the page draws (browser), or the install hint and the text.

    ``graph`` builds the diagram when first needed; ``text`` (or a function
    making it, called only when needed) is its plain-text view.
    """
    built = graph()
    try:
        svg = render_svg(built)
    except DiagramError as error:
        words = text() if callable(text) else text
        if error.dot_source and in_browser():
            return {"text/html": dot_html(error.dot_source, _pre(words)), "text/plain": words or str(error)}
        message = html.escape(str(error))
        return {"text/html": f"<div style='color:{_ERROR_COLOR}'>{message}</div>{_pre(words)}",
                "text/plain": f"{error}\n\n{words}".rstrip()}
    words = text() if callable(text) else text
    return {"image/svg+xml": svg, "text/html": svg_image_html(svg, words),
            "text/plain": words or built.name or "a diagram"}


class Diagram:
    """A diagram that shows itself in Jupyter (see the module's text); ``.views()`` gives its mime bundle."""

    def __init__(self, graph: Callable[[], graphviz.Digraph], text: str | Callable[[], str] = "") -> None:
        self._graph = graph
        self._text = text

    @property
    def graph(self) -> graphviz.Digraph:
        """The :class:`graphviz.Digraph` (its ``.source`` is the DOT text)."""
        return self._graph()

    def views(self) -> dict[str, str]:
        return diagram_views(self._graph, self._text)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return self.views()

    def __repr__(self) -> str:
        text = self._text() if callable(self._text) else self._text
        return text or "<Diagram>"


def path_diagram(trace: PathTrace) -> Diagram:
    """The path of one datagram, hop by hop (the trace's explanation is the text view)."""
    from workbook.render.path import path_graph

    return Diagram(lambda: path_graph(trace), trace.explain)


def topology_diagram(network: Network) -> Diagram:
    """Segments, hosts and routers of a network."""
    from workbook.render.topology import topology_graph

    def text() -> str:
        return "\n".join(f"{name}: " + ", ".join(f"{nic.name} {' '.join(map(str, nic.addresses))} on {nic.segment}"
                                                 for nic in node.interfaces)
                         for name, node in network.nodes.items())

    return Diagram(lambda: topology_graph(network), text)


def sequence_diagram(frames: Iterable[Frame], network: Network | None = None) -> Diagram:
    """Frames in time order between lifelines (an ARP or IGMP exchange); each frame's summary is the text view."""
    from workbook.render.sequence import sequence_graph

    frames = list(frames)
    return Diagram(lambda: sequence_graph(frames, network),
                   lambda: "\n".join(f"{f.time:9.3f} s  {f.summary()}" for f in frames))


def _shown_as(diagram: Callable[[Any], Diagram]) -> Callable[..., dict[str, str]]:
    def _repr_mimebundle_(self: Any, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows this as a diagram (:mod:`workbook.render.display`): SVG, drawn in the page, or text."""
        return diagram(self).views()

    return _repr_mimebundle_


def register_display() -> None:
    """Let Jupyter show every network as its topology and every trace as its path.

    The simulator knows nothing of drawing: importing :mod:`workbook.render`
    (which ``import workbook`` does) installs these views, the way a plotting
    package registers a formatter.
    """
    from workbook.sim.network import Network
    from workbook.sim.trace import PathTrace

    Network._repr_mimebundle_ = _shown_as(topology_diagram)
    PathTrace._repr_mimebundle_ = _shown_as(path_diagram)


register_display()
