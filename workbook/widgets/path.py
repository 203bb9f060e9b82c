"""Send a datagram through a network and step through its hops (chapter 4).

>>> from workbook import Network
>>> explorer = PathExplorer(Network.from_scenario("seed-lan"))
>>> explorer.sender.value, explorer.destination.value = "nt-host", "172.17.1.1"
>>> explorer.send_button.click()
>>> [hop.node for hop in explorer.trace.hops]
['nt-host', 'router', 'far-host']
>>> explorer.hop.value = 1
>>> "00-DD-02-00-00-09" in explorer.hop_details.value     # the router's frame to the far host
True

At every hop the MAC addresses are new; the IP addresses never change and
the TTL goes down by one at each router.
"""

from __future__ import annotations

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.render import path_graph
from workbook.sim.network import Network
from workbook.sim.trace import Hop, PathTrace
from workbook.widgets.common import (
    NetworkFile,
    Observable,
    diagram_html,
    error_label,
    escape,
    html_table,
    pre,
    show_error,
)

__all__ = ["PathExplorer", "hop_html"]

ANY = "ANY (0.0.0.0)"


def hop_html(hop: Hop, number: int, total: int) -> str:
    """One hop for the learner: what the node did, its frame (MACs, ethertype, TTL), ARP and route decision."""
    parts = [f"<b>Hop {number + 1} of {total}: {escape(hop.node)} — {escape(hop.outcome.value)}</b>"]
    if hop.drop_reason is not None:
        parts.append(f"<div style='color:#D55E00'>dropped: {escape(hop.drop_reason.value)}</div>")
    rows: list[list[object]] = [["IP", f"{hop.ip.src} → {hop.ip.dst}", f"TTL {hop.ip.ttl}"]]
    if hop.in_interface:
        rows.append(["arrived on", hop.in_interface, ""])
    if hop.interface and hop.outcome.value in ("sent", "forwarded"):
        rows.append(["left by", hop.interface, ""])
    frame = hop.frame
    if frame is not None:
        rows.append(["frame", f"{frame.eth_src} → {frame.eth_dst}",
                     f"ethertype 0x{frame.ethertype:04X} on {frame.segment}"])
    parts.append(html_table(["", "", ""], rows))
    if hop.arp is not None:
        arp_lines = [hop.arp.explain()]
        arp_lines += [f"  request: {request.summary()}" for request in hop.arp.requests]
        if hop.arp.reply is not None:
            arp_lines.append(f"  reply:   {hop.arp.reply.summary()}")
        parts.append(pre("\n".join(arp_lines)))
    if hop.decision is not None:  # a host's RouteGet, or a router's table lookup
        parts.append(pre(hop.decision.explain()))
    if hop.detail:
        parts.append(f"<div>{escape(hop.detail)}</div>")
    return "".join(parts)


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
        self.send_button = widgets.Button(description="Send", button_style="primary")
        self.error = error_label()
        self.summary = widgets.HTML()
        self.diagram = widgets.HTML()
        self.hop = widgets.IntSlider(min=0, max=0, description="Hop", disabled=True, continuous_update=True)
        self.hop_details = widgets.HTML()
        self.sender.observe(lambda _c: self._fill_sources(), names="value")
        self.send_button.on_click(lambda _b: self.send())
        self.hop.observe(lambda _c: self._show_hop(), names="value")
        self._fill_sources()
        self.widget = widgets.VBox([
            widgets.HBox([self.sender, self.source]),
            widgets.HBox([self.destination, self.ttl, self.send_button]),
            self.error, self.summary, self.diagram, self.hop, self.hop_details,
        ])

    def _fill_sources(self) -> None:
        if self.sender.value is None:
            return
        host = self.network.host(self.sender.value)
        self.source.options = [ANY, *(str(address) for address in host.addresses)]
        self.source.value = ANY

    def send(self) -> PathTrace | None:
        """Send one datagram and draw its path; the hop slider then steps through it."""
        source = None if self.source.value in (None, ANY) else self.source.value
        try:
            trace = self.network.send(self.sender.value, self.destination.value.strip(), source=source,
                                      ttl=self.ttl.value)
        except WorkbookError as error:
            show_error(self.error, error)
            return None
        show_error(self.error, None)
        self.trace = trace
        self.summary.value = escape(repr(trace))
        self.diagram.value = diagram_html(lambda: path_graph(trace), trace.explain)
        self.hop.max = max(len(trace.hops) - 1, 0)
        self.hop.disabled = len(trace.hops) < 2
        if self.hop.value == 0:
            self._show_hop()
        else:
            self.hop.value = 0
        self._notify()
        return trace

    def _show_hop(self) -> None:
        if self.trace is None or not self.trace.hops:
            self.hop_details.value = ""
            return
        hops = self.trace.hops
        index = min(self.hop.value, len(hops) - 1)
        self.hop_details.value = hop_html(hops[index], index, len(hops))

    def _use_network(self, network: Network) -> None:
        self.network, self.trace = network, None
        self.sender.options = list(network.nodes)
        self._fill_sources()
        self.summary.value = self.diagram.value = self.hop_details.value = ""

    def text_view(self) -> str:
        """The last datagram's path, hop by hop."""
        return self.trace.explain() if self.trace is not None else "choose a sender and a destination, then Send"
