"""Playgrounds for duplicate address detection and multicast: act on hosts, run the clock, read the wire (chapters 4–5).

>>> playground = DuplicateAddressPlayground()              # the dad_lan scenario
>>> playground.host.value = "newcomer"
>>> playground.start_button.click()                         # its gratuitous ARP goes out...
>>> playground.seconds.value = 1
>>> playground.run_button.click()                           # ...and the defender answers
>>> "detected an address conflict for IP address 172.16.48.123" in playground.log.value
True

Each action is the engine's own (``host.start()``, ``host.join(group)``,
``net.run(seconds)``...). The frames table says which NICs accept each frame:
its destination MAC is theirs, broadcast, or a group MAC their NIC listens to.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import ipywidgets as widgets
import netaddr

from workbook.errors import WorkbookError
from workbook.net.addresses import format_address, parse_address
from workbook.net.interfaces import Interface
from workbook.net.multicast import groups_sharing_mac, multicast_mac
from workbook.render import path_graph, sequence_graph
from workbook.render.labels import frame_title
from workbook.render.sequence import time_label
from workbook.sim.frames import BROADCAST_MAC, Frame
from workbook.sim.network import Network
from workbook.sim.node import SimHost
from workbook.sim.pcap import pcap_bytes
from workbook.sim.trace import PathTrace
from workbook.widgets.common import (
    NetworkFile,
    Observable,
    diagram_html,
    error_label,
    escape,
    html_table,
    pre,
    scroll_box,
    show_error,
    text_block,
)
from workbook.widgets.playback import Playback

__all__ = ["DuplicateAddressPlayground", "MulticastPlayground", "accepting_nics", "free_address", "multicast_lan"]

#: Frames listed in the table when it shows them all (the most recent ones), and drawn in the sequence diagram.
FRAMES_SHOWN = 200
SEQUENCE_SHOWN = 30
#: The frames table and the exchange diagram scroll inside boxes this tall: the playground keeps its size.
TABLE_HEIGHT = "320px"
DIAGRAM_HEIGHT = "480px"
LAST_ACTION, ALL_FRAMES = "last action", "all, newest first"


def accepting_nics(network: Network, frame: Frame) -> list[str]:
    """The NICs (``host.nic``) on the frame's segment whose filter takes it, as the hosts stand now.

    A NIC takes a frame sent to its own MAC, to broadcast, or to a group MAC
    it listens to (one per joined group; a multicast router listens to all).
    A stopped host or an unplugged cable takes nothing.
    """
    taken = []
    for host, nic in network.segments[frame.segment].ports:
        if (host.name, nic.name) == (frame.sender, frame.interface):
            continue
        if not host.running or nic.name in host.unplugged:
            continue
        destination = frame.eth_dst
        if destination in (nic.mac, BROADCAST_MAC) or (
            frame.is_multicast and (host.querier is not None or destination in host.nic_filter(nic))
        ):
            taken.append(f"{host.name}.{nic.name}")
    return taken


def multicast_lan() -> Network:
    """Chapter 5's LAN (scenario ``multicast-lan``): a sender, a member, a bystander and an IGMP querier."""
    return Network.from_scenario("multicast-lan")


class _Playground(NetworkFile, Observable):
    """Host buttons, the clock, the playback of the last action's frames and the views of the wire."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.network = network
        self._accepted: dict[int, list[str]] = {}
        self._since = len(network.frames)  # the frames of the last action start here
        self.host = widgets.Dropdown(options=list(network.nodes), description="Host")
        self.start_button = widgets.Button(description="Start", tooltip="start the chosen host")
        self.stop_button = widgets.Button(description="Stop", tooltip="stop the chosen host")
        self.unplug_button = widgets.Button(description="Unplug", tooltip="pull the chosen host's cable")
        self.plug_button = widgets.Button(description="Plug in", tooltip="plug the chosen host's cable back in")
        for button, action in ((self.start_button, "start"), (self.stop_button, "stop"),
                               (self.unplug_button, "unplug"), (self.plug_button, "plug")):
            button.on_click(lambda _b, action=action: self.act(lambda: getattr(self.selected, action)()))
        self.seconds = widgets.BoundedFloatText(value=5.0, min=0.0, max=3600.0, step=1.0, description="Seconds",
                                                layout=widgets.Layout(width="170px"))
        self.run_button = widgets.Button(description="Run clock", tooltip="let the chosen number of seconds pass")
        # Running the clock lets the last action go on (timers, replies): its frames still belong to that action.
        self.run_button.on_click(lambda _b: self.act(lambda: self.network.run(self.seconds.value), mark=False))
        self.error = error_label()
        self.clock = widgets.HTML()
        self.playback = Playback(network)
        self.frame_filter = widgets.ToggleButtons(options=[LAST_ACTION, ALL_FRAMES], value=LAST_ACTION, tooltips=[
                                                      "only the frames the last action put on the wire",
                                                      "every frame so far, the newest at the top"])
        self.frame_filter.observe(lambda _c: self.refresh(), names="value")
        self.frames = widgets.HTML()
        self.download = widgets.HTML()
        self.sequence = widgets.HTML()
        self.arp_caches = widgets.HTML()
        self.log = widgets.HTML()

    @property
    def selected(self) -> SimHost:
        """The host chosen in the menu."""
        return self.network.host(self.host.value)

    def act(self, action: Callable[[], object], mark: bool = True) -> None:
        """Run one engine action; show its message if it is refused; redraw and play the frames it caused.

        ``mark`` starts a new action (a host's start, a join, a send); without it the frames join the last one.
        """
        if mark:
            self._since = len(self.network.frames)
        try:
            action()
            self.network.run(0)  # what the action sets off at this very moment (an IGMPv3 report) shows at once
        except WorkbookError as error:
            show_error(self.error, error)
        else:
            show_error(self.error, None)
        self.refresh()
        numbers = {id(frame): index for index, frame in enumerate(self.last_frames(), start=self._since)}
        self.playback.show_frames(self.last_frames(), lambda frame: self._takers(numbers[id(frame)]))

    def last_frames(self) -> list[Frame]:
        """The frames of the last action (a start, a join, a send...) and of the clock run since."""
        return self.network.frames[self._since:]

    def _takers(self, index: int) -> list[str]:
        """The NICs that took frame number ``index`` of the network (worked out once, as the hosts stood then)."""
        if index not in self._accepted:
            self._accepted[index] = accepting_nics(self.network, self.network.frames[index])
        return self._accepted[index]

    def refresh(self) -> None:
        """Redraw the clock, frames, sequence diagram, ARP caches and logs."""
        net = self.network
        states = ", ".join(f"{h.name}: {'running' if h.running else 'stopped'}"
                           + (f", unplugged {','.join(sorted(h.unplugged))}" if h.unplugged else "")
                           + (f", IP disabled on {','.join(sorted(h.disabled))}" if h.disabled else "")
                           for h in net.nodes.values())
        self.clock.value = escape(f"t = {net.now:.3f} s · {states}")
        self.playback.redraw()  # a stopped host, a pulled cable or a new address shows on the drawing
        self._draw_frames()
        recent = self.last_frames()[-SEQUENCE_SHOWN:]
        text = "\n".join(f"{time_label(f.time):>16}  {f.summary()}" for f in recent)
        self.sequence.value = scroll_box(diagram_html(lambda: sequence_graph(recent, net), text), DIAGRAM_HEIGHT,
                                         "the last action's frames in time order") if recent else \
            "<i>no frames since the last action</i>"
        self.arp_caches.value = "".join(
            f"<b>{escape(h.name)}</b>{pre(h.arp_cache.format())}" for h in net.nodes.values())
        lines = [str(entry) for entry in net.log]
        lines += [f"pop-up: {note}" for h in net.nodes.values() for note in h.notifications]
        self.log.value = scroll_box(pre("\n".join(lines) or "(the log is empty)"), TABLE_HEIGHT, "event log")
        self._notify()

    def _draw_frames(self) -> None:
        net = self.network
        if self.frame_filter.value == LAST_ACTION:
            numbers = list(range(self._since, len(net.frames)))
            caption = f"{len(numbers)} frame(s) of the last action, in the order they were sent"
        else:
            numbers = list(range(len(net.frames) - 1, max(len(net.frames) - FRAMES_SHOWN, 0) - 1, -1))
            caption = f"All {len(net.frames)} frames, the newest first" + (
                f" (the last {FRAMES_SHOWN} shown)" if len(net.frames) > FRAMES_SHOWN else "")
        rows = []
        for index in numbers:
            frame = net.frames[index]
            # Seconds with the decimals they need (a table column must stay narrow; the diagram says "+ 10 µs").
            seconds = f"{frame.time:.6f}".rstrip("0").rstrip(".")
            rows.append([index + 1, seconds, f"{frame.sender}.{frame.interface}", frame.eth_src,
                         frame.eth_dst, frame_title(frame), ", ".join(self._takers(index)) or "none"])
        table = html_table(["#", "time (s)", "sent by", "source MAC", "destination MAC", "what", "NICs that take it"],
                           rows, wrap_columns=frozenset({5, 6}), caption=caption)
        self.frames.value = scroll_box(table, TABLE_HEIGHT, "frames")
        chosen = [net.frames[index] for index in sorted(numbers)]
        self.download.value = pcap_link(chosen, "playground-frames.pcap") if chosen else ""

    def _use_network(self, network: Network) -> None:
        """The clock of a loaded network starts again at 0."""
        self.network, self._accepted, self._since = network, {}, 0
        self.host.options = list(network.nodes)
        self.playback.use_network(network)
        self.refresh()

    def _views(self, *extra: tuple[str, widgets.Widget]) -> widgets.Tab:
        views = [("Frames", widgets.VBox([self.frame_filter, self.frames, self.download])),
                 ("Exchange", self.sequence), *extra, ("ARP caches", self.arp_caches), ("Event log", self.log)]
        return widgets.Tab(children=[view for _, view in views], titles=tuple(title for title, _ in views))

    def text_view(self) -> str:
        """The clock, the last frames and the event log."""
        net = self.network
        frames = "\n".join(f"{f.time:9.3f} s  {f.summary()}" for f in net.frames[-FRAMES_SHOWN:])
        log = "\n".join(str(entry) for entry in net.log) or "(the log is empty)"
        return f"t = {net.now:.3f} s\n\nframes:\n{frames or '(none yet)'}\n\nevent log:\n{log}"


def pcap_link(frames: list[Frame], filename: str) -> str:
    """A link that saves ``frames`` as a pcap file (Wireshark opens it); the file travels inside the link."""
    data = base64.b64encode(pcap_bytes(frames)).decode("ascii")
    return (f"<a download='{escape(filename)}' href='data:application/vnd.tcpdump.pcap;base64,{data}'>"
            f"⤓ Download these {len(frames)} frame(s) as a pcap file (for Wireshark)</a>")


def free_address(network: Network, nic: Interface) -> str | None:
    """An address on ``nic``'s network that no NIC of ``network`` uses, with its prefix length (or None)."""
    if not nic.addresses:
        return None
    cidr = nic.addresses[0].cidr
    used = {int(address.ip) for node in network.nodes.values() for other in node.interfaces
            for address in other.addresses}
    own = int(nic.addresses[0].ip)
    free = (int(candidate) for candidate in cidr.iter_hosts() if int(candidate) not in used)
    # The first free address after the NIC's own reads as "the next one"; else the first free one.
    chosen = next((value for value in free if value > own), None)
    if chosen is None:
        chosen = next((int(c) for c in cidr.iter_hosts() if int(c) not in used), None)
    return None if chosen is None else f"{netaddr.IPAddress(chosen)}/{cidr.prefixlen}"


class DuplicateAddressPlayground(_Playground):
    """Gratuitous ARP and address conflicts (NT 4.0, or RFC 5227 probes on newer stacks).

    Start the newcomer of ``dad_lan`` (configured with the defender's address)
    and read the conflict in the log; give it another address and start it again.
    """

    def __init__(self, network: Network | None = None) -> None:
        super().__init__(network if network is not None else Network.from_scenario("dad_lan"))
        self.address = widgets.Text(description="Address", continuous_update=False)
        self.address_button = widgets.Button(description="Set address",
                                             tooltip="give the chosen host's first NIC this address")
        self.address_button.on_click(lambda _b: self.set_address())
        self.address_error = error_label()
        self.host.observe(lambda _c: self._suggest_address(), names="value")
        self._suggest_address()
        self.widget = widgets.VBox([
            widgets.HBox([self.host, self.start_button, self.stop_button, self.unplug_button, self.plug_button]),
            widgets.HBox([self.address, self.address_button, self.seconds, self.run_button]),
            self.address_error, self.error, self.clock, self.playback.widget, self._views(),
        ])
        self.refresh()

    def _suggest_address(self) -> None:
        nic = self.selected.interfaces[0]
        example = free_address(self.network, nic)
        self.address.placeholder = example or "172.16.48.124/24"

    def set_address(self) -> None:
        """Replace the first address of the host's first NIC; it is announced when the host next starts.

        Without a prefix length the NIC keeps its own (``172.16.48.124`` on a /24 LAN means
        ``172.16.48.124/24``); a refused address keeps the old one and says why beside the field,
        with a free address of this LAN as the example.
        """
        host = self.selected
        nic = host.interfaces[0]
        text = self.address.value.strip()
        example = free_address(self.network, nic) or "172.16.48.124/24"
        try:
            parse_address(text.partition("/")[0], what="address", example=example.partition("/")[0])
            if "/" not in text and nic.addresses:
                text = f"{text}/{nic.addresses[0].prefixlen}"
            new = Interface(nic.name, addresses=[text]).addresses[0]  # the engine checks the prefix length
        except WorkbookError as error:
            show_error(self.address_error, f"{error} (on this LAN, e.g. {example})")
            return
        show_error(self.address_error, None)
        if nic.addresses:
            nic.addresses[0] = new
        else:
            nic.addresses.append(new)
        self.network.log_event(host, f"(playground) {nic.name} configured with {new}; start the host to use it")
        self._suggest_address()
        self.refresh()


class MulticastPlayground(_Playground):
    """Join and leave groups, send to a group, watch IGMP and which NICs take which frames.

    Two groups whose low 23 bits agree share one MAC: a member of 239.1.2.3
    also takes frames for 224.129.2.3, and its IP layer drops them.
    """

    def __init__(self, network: Network | None = None) -> None:
        super().__init__(network if network is not None else multicast_lan())
        self.trace: PathTrace | None = None
        self.group = widgets.Text(value="239.1.2.3", description="Group", continuous_update=False)
        self.join_button = widgets.Button(description="Join", tooltip="the chosen host joins the group")
        self.leave_button = widgets.Button(description="Leave", tooltip="the chosen host leaves the group")
        self.send_button = widgets.Button(description="Send to group", button_style="primary",
                                          tooltip="the chosen host sends one datagram to the group")
        self.join_button.on_click(lambda _b: self.act(lambda: self.selected.join(self.group.value.strip())))
        self.leave_button.on_click(lambda _b: self.act(lambda: self.selected.leave(self.group.value.strip())))
        self.send_button.on_click(lambda _b: self.act(self._send))
        self.groups = widgets.HTML()
        self.path = widgets.HTML("<i>no datagram sent to a group yet</i>")
        self.group.observe(lambda _c: self.refresh(), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.host, self.start_button, self.stop_button, self.unplug_button, self.plug_button]),
            widgets.HBox([self.group, self.join_button, self.leave_button, self.send_button]),
            widgets.HBox([self.seconds, self.run_button]),
            self.error, self.clock, self.groups, self.playback.widget, self._views(("Last send's path", self.path)),
        ])
        self.refresh()

    def _send(self) -> None:
        self.trace = trace = self.network.send(self.host.value, self.group.value.strip())
        self.path.value = diagram_html(lambda: path_graph(trace), trace.explain)

    def refresh(self) -> None:
        super().refresh()
        rows = []
        for host in self.network.nodes.values():
            for nic in host.interfaces:
                joined = sorted(host.groups.get(nic.name, ()))
                rows.append([f"{host.name}.{nic.name}",
                             ", ".join(format_address(g) for g in joined) or "none",
                             "every group (multicast router)" if host.querier is not None else
                             ", ".join(sorted(str(mac) for mac in host.nic_filter(nic))) or "none"])
        table = html_table(["NIC", "groups joined", "group MACs the NIC takes"], rows,
                           wrap_columns=frozenset({1, 2}))
        try:
            group = self.group.value.strip()
            mac = multicast_mac(group)
            sharing = [str(g) for g in groups_sharing_mac(group)]
            note = (f"{group} → MAC {mac}, shared by {len(sharing)} groups, e.g. "
                    f"{', '.join(g for g in sharing[:4] if g != group)}")
        except WorkbookError as error:
            note = str(error)
        self.groups.value = text_block(table + escape(note))

