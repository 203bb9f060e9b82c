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

from collections.abc import Callable

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.net.addresses import format_address
from workbook.net.interfaces import Interface
from workbook.net.multicast import groups_sharing_mac, multicast_mac
from workbook.render import path_graph, sequence_graph
from workbook.sim.frames import BROADCAST_MAC, Frame
from workbook.sim.network import Network
from workbook.sim.node import SimHost
from workbook.sim.trace import PathTrace
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

__all__ = ["DuplicateAddressPlayground", "MulticastPlayground", "accepting_nics", "multicast_lan"]

#: Frames listed in the table (the most recent ones) and drawn in the sequence diagram.
FRAMES_SHOWN = 40
SEQUENCE_SHOWN = 30


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
    """Host buttons, the clock, and the views of the wire shared by both playgrounds."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.network = network
        self._accepted: dict[int, list[str]] = {}
        self._since = len(network.frames)  # the sequence diagram shows frames from the last action on
        self.host = widgets.Dropdown(options=list(network.nodes), description="Host")
        self.start_button = widgets.Button(description="Start")
        self.stop_button = widgets.Button(description="Stop")
        self.unplug_button = widgets.Button(description="Unplug")
        self.plug_button = widgets.Button(description="Plug in")
        for button, action in ((self.start_button, "start"), (self.stop_button, "stop"),
                               (self.unplug_button, "unplug"), (self.plug_button, "plug")):
            button.on_click(lambda _b, action=action: self.act(lambda: getattr(self.selected, action)()))
        self.seconds = widgets.BoundedFloatText(value=5.0, min=0.0, max=3600.0, step=1.0, description="Seconds",
                                                layout=widgets.Layout(width="170px"))
        self.run_button = widgets.Button(description="Run clock")
        self.run_button.on_click(lambda _b: self.act(lambda: self.network.run(self.seconds.value), mark=False))
        self.error = error_label()
        self.clock = widgets.HTML()
        self.frames = widgets.HTML()
        self.sequence = widgets.HTML()
        self.arp_caches = widgets.HTML()
        self.log = widgets.HTML()

    @property
    def selected(self) -> SimHost:
        """The host chosen in the menu."""
        return self.network.host(self.host.value)

    def act(self, action: Callable[[], object], mark: bool = True) -> None:
        """Run one engine action; show its message if it is refused; redraw."""
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

    def refresh(self) -> None:
        """Redraw the clock, frames, sequence diagram, ARP caches and logs."""
        net = self.network
        states = ", ".join(f"{h.name}: {'running' if h.running else 'stopped'}"
                           + (f", unplugged {','.join(sorted(h.unplugged))}" if h.unplugged else "")
                           + (f", IP disabled on {','.join(sorted(h.disabled))}" if h.disabled else "")
                           for h in net.nodes.values())
        self.clock.value = escape(f"t = {net.now:.3f} s · {states}")
        first = max(len(net.frames) - FRAMES_SHOWN, 0)
        rows = []
        for index in range(first, len(net.frames)):
            frame = net.frames[index]
            if index not in self._accepted:
                self._accepted[index] = accepting_nics(net, frame)
            rows.append([index + 1, f"{frame.time:.3f}", f"{frame.sender}.{frame.interface}", frame.eth_src,
                         frame.eth_dst, f"0x{frame.ethertype:04X}", frame.protocol, _inner(frame),
                         ", ".join(self._accepted[index]) or "none"])
        self.frames.value = html_table(
            ["#", "time", "sent by", "src MAC", "dst MAC", "ethertype", "protocol", "what", "NICs that take it"],
            rows)
        recent = net.frames[max(self._since, len(net.frames) - SEQUENCE_SHOWN):]
        text = "\n".join(f.summary() for f in recent)
        self.sequence.value = diagram_html(lambda: sequence_graph(recent, net), text) if recent else \
            "<i>no frames since the last action</i>"
        self.arp_caches.value = "".join(
            f"<b>{escape(h.name)}</b>{pre(h.arp_cache.format())}" for h in net.nodes.values())
        lines = [str(entry) for entry in net.log]
        lines += [f"pop-up: {note}" for h in net.nodes.values() for note in h.notifications]
        self.log.value = pre("\n".join(lines) or "(the log is empty)")
        self._notify()

    def _use_network(self, network: Network) -> None:
        """The clock of a loaded network starts again at 0."""
        self.network, self._accepted, self._since = network, {}, 0
        self.host.options = list(network.nodes)
        self.refresh()

    def _views(self) -> widgets.Tab:
        return widgets.Tab(children=[self.frames, self.sequence, self.arp_caches, self.log],
                           titles=("Frames", "Exchange", "ARP caches", "Event log"))

    def text_view(self) -> str:
        """The clock, the last frames and the event log."""
        net = self.network
        frames = "\n".join(f"{f.time:9.3f} s  {f.summary()}" for f in net.frames[-FRAMES_SHOWN:])
        log = "\n".join(str(entry) for entry in net.log) or "(the log is empty)"
        return f"t = {net.now:.3f} s\n\nframes:\n{frames or '(none yet)'}\n\nevent log:\n{log}"


class DuplicateAddressPlayground(_Playground):
    """Gratuitous ARP and address conflicts (NT 4.0, or RFC 5227 probes on newer stacks).

    Start the newcomer of ``dad_lan`` (configured with the defender's address)
    and read the conflict in the log; give it another address and start it again.
    """

    def __init__(self, network: Network | None = None) -> None:
        super().__init__(network if network is not None else Network.from_scenario("dad_lan"))
        self.address = widgets.Text(placeholder="172.16.48.124/24", description="Address",
                                    continuous_update=False)
        self.address_button = widgets.Button(description="Set address")
        self.address_button.on_click(lambda _b: self.act(self._set_address, mark=False))
        self.address_error = error_label()
        self.widget = widgets.VBox([
            widgets.HBox([self.host, self.start_button, self.stop_button, self.unplug_button, self.plug_button]),
            widgets.HBox([self.address, self.address_button, self.seconds, self.run_button]),
            self.error, self.clock, self._views(),
        ])
        self.refresh()

    def _set_address(self) -> None:
        """Replace the first address of the host's first NIC; it is announced when the host next starts."""
        host = self.selected
        nic = host.interfaces[0]
        new = Interface(nic.name, addresses=[self.address.value.strip()]).addresses[0]  # the engine checks it
        if nic.addresses:
            nic.addresses[0] = new
        else:
            nic.addresses.append(new)
        self.network.log_event(host, f"(playground) {nic.name} configured with {new}; start the host to use it")


class MulticastPlayground(_Playground):
    """Join and leave groups, send to a group, watch IGMP and which NICs take which frames.

    Two groups whose low 23 bits agree share one MAC: a member of 239.1.2.3
    also takes frames for 224.129.2.3, and its IP layer drops them.
    """

    def __init__(self, network: Network | None = None) -> None:
        super().__init__(network if network is not None else multicast_lan())
        self.trace: PathTrace | None = None
        self.group = widgets.Text(value="239.1.2.3", description="Group", continuous_update=False)
        self.join_button = widgets.Button(description="Join")
        self.leave_button = widgets.Button(description="Leave")
        self.send_button = widgets.Button(description="Send to group", button_style="primary")
        self.join_button.on_click(lambda _b: self.act(lambda: self.selected.join(self.group.value.strip())))
        self.leave_button.on_click(lambda _b: self.act(lambda: self.selected.leave(self.group.value.strip())))
        self.send_button.on_click(lambda _b: self.act(self._send))
        self.groups = widgets.HTML()
        self.path = widgets.HTML()
        self.group.observe(lambda _c: self.refresh(), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.host, self.start_button, self.stop_button, self.unplug_button, self.plug_button]),
            widgets.HBox([self.group, self.join_button, self.leave_button, self.send_button]),
            widgets.HBox([self.seconds, self.run_button]),
            self.error, self.clock, self.groups, self.path, self._views(),
        ])
        self.refresh()

    def _send(self) -> None:
        self.trace = trace = self.network.send(self.host.value, self.group.value.strip())
        self.path.value = diagram_html(lambda: path_graph(trace)) + pre(trace.explain())

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
        table = html_table(["NIC", "groups joined", "group MACs the NIC takes"], rows)
        try:
            group = self.group.value.strip()
            mac = multicast_mac(group)
            sharing = [str(g) for g in groups_sharing_mac(group)]
            note = (f"{group} → MAC {mac}, shared by {len(sharing)} groups, e.g. "
                    f"{', '.join(g for g in sharing[:4] if g != group)}")
        except WorkbookError as error:
            note = str(error)
        self.groups.value = table + escape(note)


def _inner(frame: Frame) -> str:
    if frame.arp is not None:
        return frame.arp.summary()
    return frame.ip.summary() if frame.ip is not None else ""
