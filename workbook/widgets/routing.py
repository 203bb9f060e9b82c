"""RoutingPlayground: routers that learn with RIP; fail links, run the clock, watch tables change (chapter 6).

>>> playground = RoutingPlayground(topology="line")         # R1 - R2 - R3 - R4, each with a LAN
>>> playground.seconds.value = 30
>>> playground.run_button.click()                            # updates flow; tables converge
>>> playground.metric("R1", "192.168.4.0/24")                # three routers away, plus one
4
>>> playground.link.value = "R3.to4"
>>> playground.fail_button.click()                           # R3 notices the carrier loss at once
>>> playground.metric("R3", "192.168.4.0/24")
16

Settings (split horizon, version, personality, timers) describe how the routers were
configured: changing one builds the network again from the start and replays every
action taken since (links failed, clock runs), so a learner can ask "and with poison
reverse?" about the very same story. A setting the engine refuses (RIP version 2 on
NT 4.0's RIP for IP, RIP on NT 3.5) shows its message beside the field, and the last
good network stays.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.render.rip import (
    convergence_graph,
    convergence_text,
    metric_history_graph,
    metric_history_text,
    rip_changes,
    rip_settings,
    rip_topology_text,
    table_history_graph,
    table_history_text,
)
from workbook.sim.frames import Frame
from workbook.sim.network import Network
from workbook.sim.topologies import line_of_routers
from workbook.widgets.common import (
    NetworkFile,
    Observable,
    diagram_html,
    error_label,
    escape,
    html_table,
    load_scenario_file,
    pre,
    scroll_box,
    show_error,
    text_block,
)
from workbook.widgets.playback import Playback
from workbook.widgets.playgrounds import accepting_nics

__all__ = ["PERSONALITIES", "SPLIT_HORIZONS", "TIMERS", "TOPOLOGIES", "RoutingPlayground", "topology"]

#: The topologies to pick from: routers R1..Rn, each with a LAN 192.168.<n>.0/24 (see ``line_of_routers``).
TOPOLOGIES: dict[str, dict[str, Any]] = {
    "line": {"count": 4},
    "ring": {"count": 4, "ring": True},
    "triangle": {"count": 3, "ring": True},
}
LOADED = "loaded scenario"
#: Timers: the RFC's (RFC 2453 section 3.8), or shortened so that a chapter sees convergence in seconds.
TIMERS: dict[str, dict[str, float]] = {
    "short (update 5 s, timeout 30 s, garbage 20 s)": {"update": 5, "timeout": 30, "garbage": 20},
    "RFC 2453 (update 30 s, timeout 180 s, garbage 120 s)": {"update": 30, "timeout": 180, "garbage": 120},
}
SPLIT_HORIZONS = ("off", "simple", "poison-reverse")
#: The stacks a router can run (each personality's RIP comes with its source: workbook.net.personalities).
PERSONALITIES = ("linux", "windows", "nt4", "nt35")
#: RIP frames of the last action played step by step at most (the timeline has every change).
PLAYED_FRAMES = 60
DIAGRAM_HEIGHT = "460px"
TABLE_HEIGHT = "320px"


def topology(name: str, split_horizon: str = "poison-reverse", timers: str | None = None) -> dict[str, Any]:
    """The scenario dict of a named topology ('line', 'ring', 'triangle') with shortened timers by default.

    >>> [r["name"] for r in topology("triangle")["routers"]]
    ['R1', 'R2', 'R3']
    """
    if name not in TOPOLOGIES:
        raise WorkbookError(f"topology {name!r} is not one of {', '.join(TOPOLOGIES)}; e.g. topology('ring')")
    chosen = TIMERS[timers or next(iter(TIMERS))]
    return line_of_routers(**TOPOLOGIES[name], split_horizon=split_horizon, **chosen)


class RoutingPlayground(NetworkFile, Observable):
    """Pick a topology, set each router's RIP, fail and repair links, run the clock, read every table change.

    ``network`` (a :class:`~workbook.sim.Network` with RIP routers) or ``topology`` ('line', 'ring',
    'triangle') chooses the start; ``personality`` is every router's stack for the named topologies.
    """

    def __init__(self, network: Network | None = None, topology: str = "line", personality: str = "linux",
                 seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.actions: list[tuple[str, ...] | tuple[str, float]] = []
        self._since_time, self._since_frame = 0.0, 0
        self._quiet = False
        if network is not None:
            self.base = network.to_dict(include_tables=False)
            self.network = network
            start = LOADED
        else:
            self.base = _named(topology, personality)
            self.network = Network.from_dict(self.base, seed=seed)
            start = topology
        self.error = error_label()
        self.setting_error = error_label()
        self.topology = widgets.Dropdown(options=[*TOPOLOGIES, LOADED], value=start, description="Topology")
        self.timers = widgets.Dropdown(options=list(TIMERS), description="Timers", layout=widgets.Layout(width="420px"))
        self.personality = widgets.Dropdown(options=list(PERSONALITIES), value=self._personality(),
                                            description="Stack")
        self.router = widgets.Dropdown(description="Router")
        self.version = widgets.ToggleButtons(options=[("RIP-1", 1), ("RIP-2", 2)], description="Version",
                                             tooltips=["RFC 1058: classful, broadcast", "RFC 2453: masks, 224.0.0.9"])
        self.split_horizon = widgets.ToggleButtons(options=list(SPLIT_HORIZONS), description="Split horizon",
                                                   tooltips=["advertise every route on every link",
                                                             "leave out routes learned on the link",
                                                             "send them back with metric 16"])
        self.all_routers = widgets.Checkbox(value=True, description="apply to every router", indent=False)
        self.link = widgets.Dropdown(description="Link")
        self.fail_button = widgets.Button(description="Fail link", tooltip="pull this interface's cable")
        self.repair_button = widgets.Button(description="Repair link", tooltip="plug this interface's cable back in")
        self.stop_button = widgets.Button(description="Stop router", tooltip="stop the chosen router")
        self.start_button = widgets.Button(description="Start router", tooltip="start the chosen router again")
        self.seconds = widgets.BoundedFloatText(value=30.0, min=0.0, max=3600.0, step=5.0, description="Seconds",
                                                layout=widgets.Layout(width="170px"))
        self.run_button = widgets.Button(description="Run clock", button_style="primary",
                                         tooltip="let the chosen number of seconds pass")
        self.reset_button = widgets.Button(description="Start over", tooltip="back to time 0, no actions")
        self.prefix = widgets.Dropdown(description="Prefix")
        self.clock = widgets.HTML()
        self.playback = Playback(self.network)
        self.timeline = widgets.HTML()
        self.table_history = widgets.HTML()
        self.metrics = widgets.HTML()
        self.tables = widgets.HTML()
        self.log = widgets.HTML()

        self.fail_button.on_click(lambda _b: self.act(("unplug", self.link.value or "")))
        self.repair_button.on_click(lambda _b: self.act(("plug", self.link.value or "")))
        self.stop_button.on_click(lambda _b: self.act(("stop", self.router.value)))
        self.start_button.on_click(lambda _b: self.act(("start", self.router.value)))
        self.run_button.on_click(lambda _b: self.act(("run", float(self.seconds.value))))
        self.reset_button.on_click(lambda _b: self.start_over())
        self.topology.observe(self._topology_changed, names="value")
        for field in (self.timers, self.personality, self.version, self.split_horizon):
            field.observe(self._setting_changed, names="value")
        self.router.observe(lambda _c: self._show_router(), names="value")
        self.prefix.observe(lambda _c: self._draw_metrics(), names="value")

        views = [("Timeline", self.timeline), ("Table over time", self.table_history),
                 ("One prefix", widgets.VBox([self.prefix, self.metrics])),
                 ("Route tables now", self.tables), ("Event log", self.log)]
        self.views = widgets.Tab(children=[view for _, view in views], titles=tuple(title for title, _ in views))
        self.widget = widgets.VBox([
            widgets.HBox([self.topology, self.personality, self.timers]),
            widgets.HBox([self.router, self.all_routers]),
            widgets.HBox([self.version, self.split_horizon]),
            self.setting_error,
            widgets.HBox([self.link, self.fail_button, self.repair_button, self.stop_button, self.start_button]),
            widgets.HBox([self.seconds, self.run_button, self.reset_button]),
            self.error, self.clock, self.playback.widget, self.views,
        ])
        self._fill_menus()
        self.refresh()

    # What a test or a chapter reads ----------------------------------------------------------------------------------
    def metric(self, router: str, prefix: str) -> int | None:
        """``router``'s RIP metric for ``prefix`` now (16: unreachable; None: no RIP route at all)."""
        metric = None
        for change in rip_changes(self.network):
            if change.router == router and change.prefix == prefix:
                metric = change.new_metric
        return metric

    # Actions ----------------------------------------------------------------------------------------------------------
    def act(self, action: tuple) -> None:
        """Do one action: ``("run", seconds)``, ``("unplug" | "plug", "R2.to3")``, ``("stop" | "start", "R2")``.

        Every action but a clock run starts a new "last action", whose frames the playback steps
        through and whose changes the timeline draws; a run lets the last action go on.
        """
        if action[0] != "run":
            self._since_time, self._since_frame = self.network.now, len(self.network.frames)
        try:
            _apply(self.network, action)
            self.network.run(0)
        except WorkbookError as error:
            show_error(self.error, error)
        else:
            show_error(self.error, None)
            self.actions.append(action)
        self.refresh()
        self._play()

    def start_over(self) -> None:
        """Back to time 0 with the current settings and no actions."""
        self._rebuild(self.base, [])

    # Settings (they rebuild the network and replay the actions) ---------------------------------------------------
    def _topology_changed(self, change: dict) -> None:
        if self._quiet or change["new"] == LOADED:
            return
        base = _named(change["new"], self.personality.value, self.timers.value)
        self._rebuild(base, [], field=self.topology, old=change["old"])

    def _setting_changed(self, change: dict) -> None:
        if self._quiet:
            return
        base = copy.deepcopy(self.base)
        owner = change["owner"]
        routers = [entry for entry in base.get("routers", []) if entry.get("rip") is not None]
        chosen = routers if self.all_routers.value or owner in (self.timers, self.personality) else \
            [entry for entry in routers if entry["name"] == self.router.value]
        for entry in chosen:
            if owner is self.personality:
                entry["personality"] = change["new"]
            elif owner is self.timers:
                entry["rip"].update(TIMERS[change["new"]])
            elif owner is self.version:
                entry["rip"]["version"] = change["new"]
            else:
                entry["rip"]["split_horizon"] = change["new"]
        self._rebuild(base, list(self.actions), field=owner, old=change["old"])

    def _rebuild(self, base: dict[str, Any], actions: list[tuple], field: widgets.Widget | None = None,
                 old: Any = None) -> bool:
        """Build the network from ``base`` and replay ``actions``; on a refusal keep the last good one."""
        try:
            network = Network.from_dict(base, seed=self.seed)
            for action in actions:
                _apply(network, action)
            network.run(0)
        except WorkbookError as error:
            show_error(self.setting_error, error)
            if field is not None:
                self._quiet = True
                try:
                    field.value = old
                finally:
                    self._quiet = False
            return False
        show_error(self.setting_error, None)
        self.base, self.actions, self.network = base, actions, network
        if not actions:
            self._since_time, self._since_frame = 0.0, 0
        self._since_frame = min(self._since_frame, len(network.frames))
        self.playback.use_network(network)
        self._fill_menus()
        self.refresh()
        self._play()
        return True

    def load(self, path: str | Path) -> None:
        """Start from a scenario file (its routers' ``rip`` keys as written there); the clock starts at 0."""
        try:
            data = load_scenario_file(path)
        except WorkbookError as error:
            show_error(self.error, error)
            return
        self._quiet = True
        try:
            self.topology.value = LOADED
        finally:
            self._quiet = False
        if self._rebuild(data, []):
            show_error(self.error, None)
        else:  # the file's fault, not a setting's: its message goes beside the file's actions
            self.error.value, self.setting_error.value = self.setting_error.value, ""

    def _use_network(self, network: Network) -> None:
        self._rebuild(network.to_dict(include_tables=False), [])

    # Drawing ------------------------------------------------------------------------------------------------------
    def _personality(self) -> str:
        names = {getattr(node.personality, "name", "linux") for node in self.network.nodes.values()
                 if node.forwarding}
        name = next(iter(names)) if len(names) == 1 else "linux"
        return name if name in PERSONALITIES else "linux"

    def _fill_menus(self) -> None:
        self._quiet = True
        try:
            routers = list(rip_settings(self.network)) or [n for n, node in self.network.nodes.items()
                                                           if node.forwarding]
            _refill(self.router, routers)
            # Links between routers first (those are the ones worth failing), stub LANs after them.
            links = []
            for name in routers:
                host = self.network.host(name)
                for nic in host.interfaces:
                    if nic.segment is not None:
                        stub = len(self.network.segments[nic.segment].ports) < 2
                        links.append((stub, f"{name}.{nic.name}"))
            _refill(self.link, [link for _, link in sorted(links, key=lambda item: item[0])])
            self.personality.value = self._personality()
        finally:
            self._quiet = False
        self._show_router()

    def _show_router(self) -> None:
        """The version and split-horizon buttons show the chosen router's settings."""
        settings = rip_settings(self.network).get(self.router.value or "", {})
        rule = settings.get("split_horizon", "poison-reverse")
        self._quiet = True
        try:
            self.version.value = int(settings.get("version", 2))
            self.split_horizon.value = rule if isinstance(rule, str) else "poison-reverse"
        finally:
            self._quiet = False
        self._draw_table_history()

    def refresh(self) -> None:
        """Redraw the clock, the diagrams and the tables."""
        net = self.network
        down = [f"{name}.{nic}" for name, node in net.nodes.items() for nic in sorted(node.unplugged)]
        stopped = [name for name, node in net.nodes.items() if not node.running]
        self.clock.value = escape(f"t = {net.now:.3f} s · links down: {', '.join(down) or 'none'} · "
                                  f"stopped: {', '.join(stopped) or 'none'} · actions so far: {len(self.actions)}")
        self.playback.redraw()
        since = self._since_time
        self.timeline.value = scroll_box(diagram_html(lambda: convergence_graph(net, since=since),
                                                      lambda: convergence_text(net, since=since),
                                                      label="convergence timeline of the last action"),
                                         DIAGRAM_HEIGHT, "convergence timeline")
        prefixes = sorted({c.prefix for c in rip_changes(net)}, key=_prefix_key)
        self._quiet = True
        try:
            _refill(self.prefix, prefixes, default=-1)
        finally:
            self._quiet = False
        self._draw_table_history()
        self._draw_metrics()
        self._draw_tables()
        self.log.value = scroll_box(pre("\n".join(str(entry) for entry in net.log) or "(the log is empty)"),
                                    TABLE_HEIGHT, "event log")
        self._notify()

    def _draw_table_history(self) -> None:
        net, router = self.network, self.router.value
        if not router:
            self.table_history.value = "<i>no RIP router in this network</i>"
            return
        self.table_history.value = scroll_box(diagram_html(lambda: table_history_graph(net, router),
                                                           lambda: table_history_text(net, router),
                                                           label=f"{router}'s RIP table over time"),
                                              DIAGRAM_HEIGHT, f"{router}'s table over time")

    def _draw_metrics(self) -> None:
        if self._quiet:
            return
        net, prefix = self.network, self.prefix.value
        if not prefix:
            self.metrics.value = "<i>no route yet</i>"
            return
        self.metrics.value = scroll_box(diagram_html(lambda: metric_history_graph(net, prefix),
                                                     lambda: metric_history_text(net, prefix),
                                                     label=f"metric of {prefix} at each router"),
                                        DIAGRAM_HEIGHT, f"metric of {prefix}")

    def _draw_tables(self) -> None:
        net = self.network
        why: dict[tuple[str, str], str] = {}
        for change in rip_changes(net):
            why[(change.router, change.prefix)] = change.reason
        parts = []
        for name in rip_settings(net) or [n for n, node in net.nodes.items() if node.forwarding]:
            rows = []
            host = net.host(name)
            for route in host.table:
                if route.origin not in ("rip", "automatic"):
                    continue
                prefix = str(route.network)
                if route.origin == "rip":
                    reason = why.get((name, prefix), "")
                elif route.interface in host.unplugged:
                    reason = f"connected on {route.interface}, whose cable is out"
                else:
                    reason = f"connected on {route.interface}"
                rows.append([prefix, route.metric, route.gateway or "on-link", route.interface, route.origin,
                             reason])
            parts.append(html_table(["destination", "metric", "gateway", "interface", "origin", "why"], rows,
                                    caption=f"{name}{'' if net.host(name).running else ' (stopped)'}"))
        self.tables.value = scroll_box(text_block("".join(parts) or "<i>no routers</i>"), TABLE_HEIGHT,
                                       "route tables")

    def _play(self) -> None:
        frames = [f for f in self.network.frames[self._since_frame:] if f.rip is not None][:PLAYED_FRAMES]
        net = self.network
        takers: dict[int, list[str]] = {}

        def taken(frame: Frame) -> list[str]:
            if id(frame) not in takers:
                takers[id(frame)] = accepting_nics(net, frame)
            return takers[id(frame)]

        self.playback.show_frames(frames, taken)

    def text_view(self) -> str:
        """The clock, the links and every RIP change so far."""
        net = self.network
        return (f"t = {net.now:.3f} s\n\n{rip_topology_text(net)}\n\n"
                f"{convergence_text(net)}")


def _named(name: str, personality: str, timers: str | None = None) -> dict[str, Any]:
    data = topology(name, timers=timers)
    for entry in data["routers"]:
        entry["personality"] = personality
    return data


def _apply(network: Network, action: tuple) -> None:
    kind = action[0]
    if kind == "run":
        network.run(float(action[1]))
        return
    if kind in ("unplug", "plug"):
        router, _, nic = str(action[1]).partition(".")
        if not nic:
            raise WorkbookError(f"link {action[1]!r} names no interface; pick one like 'R2.to3' (router.interface)")
        host = network.host(router)
        if nic not in [interface.name for interface in host.interfaces]:
            names = [interface.name for interface in host.interfaces]
            raise WorkbookError(f"{router} has no interface {nic!r}; its interfaces: {', '.join(names)}; "
                                f"e.g. {router}.{names[0]}")
        getattr(host, kind)(nic)
        return
    if kind in ("stop", "start"):
        getattr(network.host(action[1]), kind)()
        return
    raise WorkbookError(f"action {action!r} is not one the playground knows; e.g. ('run', 30) or "
                        "('unplug', 'R2', 'to3')")


def _refill(menu: widgets.Dropdown, options: list[str], default: int = 0) -> None:
    """New options for ``menu``, keeping its choice when still offered (ipywidgets 8 would leave it empty)."""
    keep = menu.value
    menu.options = options
    if keep in options:
        menu.value = keep
    elif options:
        menu.value = options[default]


def _prefix_key(prefix: str) -> tuple[int, ...]:
    address, _, length = prefix.partition("/")
    return (*(int(part) for part in address.split(".")), int(length or 32))

