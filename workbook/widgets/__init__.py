"""Interactive widgets for the chapters, built on plain ipywidgets 8 (they also run in JupyterLite).

This is the only package that imports ipywidgets. Each widget drives the
engine and shows what it answers: a refused value shows the engine's
:class:`~workbook.errors.WorkbookError` message beside the field; a diagram
falls back to text when Graphviz's ``dot`` is missing.

* :class:`RouteTableEditor` — edit a route table page by page (chapter 1);
* :class:`LookupExplorer` — look a destination up and read why each route won or lost (chapters 1–3);
* :class:`PathExplorer` — send a datagram and watch it cross the network, hop by hop (chapters 0, 2, 4);
* :class:`DuplicateAddressPlayground`, :class:`MulticastPlayground` — gratuitous ARP and IGMP (chapters 4–5);
* :class:`RoutingPlayground` — routers that learn with RIP: fail links, toggle split horizon, watch tables (chapter 6);
* :class:`Playback` — the component those three share: the network drawn once, Back / Play / Next
  lighting up where the datagram (or each frame) is, with its decision, ARP exchange and header fields.

Every control has a name a screen reader reads, the playback works from the
keyboard and steps without motion for readers who ask for reduced motion, and
every diagram comes with its text version.
"""

from workbook.widgets.editor import PAGE_SIZE, RouteTableEditor
from workbook.widgets.lookup import LookupExplorer
from workbook.widgets.path import PathExplorer
from workbook.widgets.playback import Playback
from workbook.widgets.playgrounds import DuplicateAddressPlayground, MulticastPlayground
from workbook.widgets.routing import RoutingPlayground

__all__ = [
    "PAGE_SIZE",
    "DuplicateAddressPlayground",
    "LookupExplorer",
    "MulticastPlayground",
    "PathExplorer",
    "Playback",
    "RouteTableEditor",
    "RoutingPlayground",
]
