"""Send a datagram through a network and watch it move, hop by hop (chapters 0, 2 and 4).

>>> from workbook import Network
>>> explorer = PathExplorer(Network.from_scenario("seed-lan"))
>>> explorer.sender.value, explorer.destination.value = "nt-host", "172.17.1.1"
>>> explorer.send_button.click()
>>> [hop.node for hop in explorer.trace.hops]
['nt-host', 'router', 'far-host']
>>> explorer.hop.value = 2                                 # hops count from 1, as the text does
>>> "00-DD-02-00-00-09" in explorer.hop_details.value     # the router's frame to the far host
True

At every hop the MAC addresses are new; the IP addresses never change and
the TTL goes down by one at each router. The network is drawn once
(:class:`~workbook.widgets.playback.Playback`); Back, Play and Next move the
datagram across it.
"""

from __future__ import annotations

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.render import path_graph
from workbook.sim.network import Network
from workbook.sim.trace import PathTrace
from workbook.widgets.common import (
    NetworkFile,
    Observable,
    diagram_html,
    disclosure,
    error_label,
    escape,
    show_error,
    text_block,
)
from workbook.widgets.playback import Playback

__all__ = ["PathExplorer"]

ANY = "ANY (0.0.0.0)"


class PathExplorer(NetworkFile, Observable):
    """Pick a sender, a bound source (or ANY) and a destination; Send; step through the hops."""

    def __init__(self, network: Network, sender: str | None = None, destination: str = "") -> None:
        super().__init__()
        self.network = network
        self.trace: PathTrace | None = None
        names = list(network.nodes)
        self.sender = widgets.Dropdown(options=names, value=sender or (names[0] if names else None),
                                       description="From")
        self.source = widgets.Dropdown(description="Bound to", layout=widgets.Layout(width="260px"))
        self.destination = widgets.Text(value=destination, description="To", placeholder="172.17.1.1",
                                        continuous_update=False)
        self.ttl = widgets.BoundedIntText(value=64, min=1, max=255, description="TTL",
                                          layout=widgets.Layout(width="140px"))
        self.send_button = widgets.Button(description="Send", button_style="primary",
                                          tooltip="send one datagram from the sender to the destination")
        self.error = error_label()
        self.summary = widgets.HTML()
        self.playback = Playback(network)
        self.hop = self.playback.position
        self.hop_details = self.playback.details
        self.diagram = widgets.HTML()
        self.sender.observe(lambda _c: self._fill_sources(), names="value")
        self.send_button.on_click(lambda _b: self.send())
        self._fill_sources()
        self.widget = widgets.VBox([
            widgets.HBox([self.sender, self.source]),
            widgets.HBox([self.destination, self.ttl, self.send_button]),
            self.error, self.summary, self.playback.widget,
            disclosure("The whole path in one diagram", self.diagram),
        ])

    def _fill_sources(self) -> None:
        if self.sender.value is None:
            return
        host = self.network.host(self.sender.value)
        self.source.options = [ANY, *(str(address) for address in host.addresses)]
        self.source.value = ANY
        self.ttl.value = host.personality.default_ttl  # each stack starts datagrams at its own TTL

    def send(self) -> PathTrace | None:
        """Send one datagram, draw its path and play it from its first hop."""
        if not self.destination.value.strip() or self.sender.value is None:
            return None
        source = None if self.source.value in (None, ANY) else self.source.value
        try:
            trace = self.network.send(self.sender.value, self.destination.value.strip(), source=source,
                                      ttl=self.ttl.value)
        except WorkbookError as error:
            show_error(self.error, error)
            return None
        show_error(self.error, None)
        self.trace = trace
        self.summary.value = text_block(f"<b>{escape(trace.explain().splitlines()[-1])}</b> {escape(repr(trace))}")
        self.diagram.value = diagram_html(lambda: path_graph(trace), trace.explain)
        self.playback.show_trace(trace)
        self._notify()
        return trace

    def _use_network(self, network: Network) -> None:
        self.network, self.trace = network, None
        self.sender.options = list(network.nodes)
        self._fill_sources()
        self.playback.use_network(network)
        self.summary.value = self.diagram.value = ""

    def text_view(self) -> str:
        """The last datagram's path, hop by hop."""
        return self.trace.explain() if self.trace is not None else "choose a sender and a destination, then Send"
