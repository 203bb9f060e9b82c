"""What every diagram shares: label escaping, one look for hosts, routers and segments, and turning DOT into SVG.

The diagrams are built as :class:`graphviz.Digraph` objects; their DOT text
needs only the ``graphviz`` Python package, while SVG needs Graphviz's ``dot``
program. When ``dot`` is missing, :func:`render_svg` raises
:class:`DiagramError`, whose message says how to install it and whose
``dot_source`` keeps the DOT text (paste it into any Graphviz viewer):

>>> error = DiagramError("no dot", dot_source="digraph { a -> b }")
>>> error.dot_source
'digraph { a -> b }'
>>> isinstance(error, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from workbook.errors import WorkbookError
from workbook.render import palette

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "INSTALL_HINT",
    "DiagramError",
    "Ids",
    "label",
    "new_digraph",
    "node_style",
    "render_svg",
]

INSTALL_HINT = (
    "install Graphviz, which provides it: on Debian/Ubuntu `sudo apt install graphviz`, "
    "on macOS `brew install graphviz`, on Windows `winget install graphviz` "
    "(then restart the Jupyter kernel so the new PATH is seen)"
)

FONT = "Helvetica"
FONTSIZE = "10"
EDGE_FONTSIZE = "9"

#: Colours chosen to stay apart for colour-blind readers and readable as text (:mod:`workbook.render.palette`).
DATAGRAM_COLOR = palette.DATAGRAM
REPLY_COLOR = palette.REPLY
DROP_COLOR = palette.DROP
ARP_COLOR = palette.ARP
IGMP_COLOR = palette.IGMP

_HOST = {"shape": "box", "style": "rounded,filled", "fillcolor": palette.WHITE}
_ROUTER = {"shape": "box", "style": "filled", "fillcolor": palette.ROUTER_FILL, "penwidth": "1.5"}
_SEGMENT = {"shape": "ellipse", "style": "filled", "fillcolor": palette.SEGMENT_FILL, "color": palette.SEGMENT_LINE}


class DiagramError(WorkbookError):
    """A diagram cannot be drawn as SVG, usually because Graphviz's ``dot`` program is not installed.

    ``dot_source`` holds the DOT text that could not be rendered.
    """

    def __init__(self, message: str, dot_source: str = "") -> None:
        super().__init__(message)
        self.dot_source = dot_source


def _graphviz() -> Any:
    # Imported here so that `import workbook.render` stays cheap and the core never pulls graphviz in.
    import graphviz

    return graphviz


def new_digraph(name: str, rankdir: str = "LR", **graph_attr: str) -> graphviz.Digraph:
    """An empty directed graph with the workbook's fonts and spacing."""
    graphviz = _graphviz()
    attrs = {"rankdir": rankdir, "fontname": FONT, "fontsize": FONTSIZE, "nodesep": "0.3", "ranksep": "0.45",
             "newrank": "true"}
    attrs.update(graph_attr)
    return graphviz.Digraph(
        name=name,
        graph_attr=attrs,
        node_attr={"fontname": FONT, "fontsize": FONTSIZE, "margin": "0.08,0.04"},
        edge_attr={"fontname": FONT, "fontsize": EDGE_FONTSIZE, "arrowsize": "0.7"},
    )


def label(lines: str | Iterable[str]) -> str:
    """DOT label text from one or more lines: backslashes kept literal, lines centred.

    >>> label(["eth0", r"C:\\temp"])
    'eth0\\\\nC:\\\\\\\\temp'
    """
    if isinstance(lines, str):
        lines = [lines]
    text = "\\n".join(line.replace("\\", "\\\\") for line in lines if line != "")
    # nohtml: a name written like <this> must stay text, not become an HTML-like label.
    return _graphviz().nohtml(text)


def node_style(kind: str) -> dict[str, str]:
    """Attributes for a 'host', 'router' or 'segment' node."""
    return dict({"host": _HOST, "router": _ROUTER, "segment": _SEGMENT}[kind])


class Ids:
    """Short DOT identifiers (n0, n1, s0, …) for names, so any host name is safe in DOT.

    >>> ids = Ids("n")
    >>> ids["router"], ids["far-host"], ids["router"]
    ('n0', 'n1', 'n0')
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._ids: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = f"{self.prefix}{len(self._ids)}"
        return self._ids[name]

    def __contains__(self, name: object) -> bool:
        return name in self._ids

    def __iter__(self):
        return iter(self._ids)


def render_svg(graph: graphviz.Digraph) -> str:
    """SVG text for ``graph``, drawn by Graphviz's ``dot``; :class:`DiagramError` when ``dot`` is missing."""
    graphviz = _graphviz()
    try:
        return graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as error:
        raise DiagramError(f"cannot draw the diagram: Graphviz's `dot` program was not found; {INSTALL_HINT}. "
                           f"The DOT text is in this error's .dot_source.", dot_source=graph.source) from error
    except OSError as error:  # e.g. Pyodide in a browser, where no program can be started
        raise DiagramError(f"cannot draw the diagram: this Python cannot run Graphviz's `dot` ({error}). "
                           f"The DOT text is in this error's .dot_source.", dot_source=graph.source) from error
    except graphviz.CalledProcessError as error:
        stderr = (error.stderr or b"").decode("utf-8", "replace").strip() if isinstance(error.stderr, bytes) \
            else str(error.stderr or "").strip()
        raise DiagramError(f"Graphviz's `dot` could not draw the diagram: {stderr or error}",
                           dot_source=graph.source) from error
