"""RIP drawn: who learned what from whom, a table over time, one route's metric everywhere, the links (chapter 6).

Four diagrams, each a pure function of a :class:`~workbook.sim.network.Network` after it ran
(its RIP routers' recorded changes and the RIP frames on the wire); nothing here runs the clock:

* :func:`convergence_graph` — the convergence timeline: one row per update that changed
  something, an arrow from the router that sent it to every router that learned from it,
  labelled with what it learned (and what the update advertised on that link);
* :func:`table_history_graph` — one router's RIP table after each of its changes (a column per moment);
* :func:`metric_history_graph` — one prefix's metric at every router over time: counting to infinity
  climbs 3, 4, 5 ... 16 in it, poison reverse stops it at once;
* :func:`rip_topology_graph` — the routers, their links with interface costs, links that are down,
  routers that are stopped, and each router's RIP version and split-horizon rule.

The changes come from each router's RIP process (:func:`rip_changes`); every change says why it
happened in the engine's own words (``reason``), which the text views repeat.

>>> from workbook.sim import Network
>>> from workbook.sim.topologies import line_of_routers
>>> net = Network.from_dict(line_of_routers(3), personality="linux")
>>> net.run(10)
>>> "R1 learns 10.0.23.0/24 metric 2 via 10.0.12.2" in convergence_text(net)
True
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbook.render import palette
from workbook.render.display import Diagram
from workbook.render.dot import Ids, label, new_digraph, node_style, render_svg
from workbook.render.sequence import time_label
from workbook.sim.network import PROPAGATION_DELAY

if TYPE_CHECKING:
    import graphviz

    from workbook.sim.frames import Frame
    from workbook.sim.network import Network

__all__ = [
    "INFINITY",
    "Moment",
    "Update",
    "convergence_diagram",
    "convergence_dot",
    "convergence_graph",
    "convergence_svg",
    "convergence_text",
    "convergence_updates",
    "metric_history",
    "metric_history_diagram",
    "metric_history_dot",
    "metric_history_graph",
    "metric_history_text",
    "rip_changes",
    "rip_settings",
    "rip_topology_diagram",
    "rip_topology_dot",
    "rip_topology_graph",
    "rip_topology_svg",
    "rip_topology_text",
    "table_history",
    "table_history_diagram",
    "table_history_dot",
    "table_history_graph",
    "table_history_text",
]

#: RIP's "unreachable" metric (RFC 2453 section 3.6): a route at 16 is a route that is gone.
INFINITY = 16
#: An update that arrives this long after it was sent (the simulator's wire delay is 10 µs) still counts as it.
_SAME_UPDATE = 0.001
#: Frames a router sends at one instant (its update on each link) are one update.
_SAME_INSTANT = 1e-9
#: Rows a timeline draws at most: later rows are summarised in one line (the text view has them all).
MAX_ROWS = 40
_CHANGED = palette.HIGHLIGHT
_DOWN = palette.DROP


# Reading the network -------------------------------------------------------------------------------------------------
def rip_changes(net: Network, since: float = 0.0, until: float | None = None) -> list[Any]:
    """Every change of every RIP router's table between ``since`` and ``until``, in time order.

    Each has ``time``, ``router``, ``prefix``, ``old_metric`` (None: new), ``new_metric``
    (None: garbage-collected), ``gateway``, ``interface``, ``neighbour`` (the address whose
    update caused it, or None) and ``reason``.
    """
    changes = []
    for node in net.nodes.values():
        rip = node.protocols.get("rip")
        changes.extend(getattr(rip, "history", ()))
    return [change for change in sorted(changes, key=lambda c: c.time)
            if change.time >= since and (until is None or change.time <= until)]


def rip_settings(net: Network) -> dict[str, dict[str, Any]]:
    """Each RIP router's ``rip`` scenario settings, as its scenario entry writes them (``{}``: the defaults)."""
    settings = {}
    for name, node in net.nodes.items():
        value = node.scenario_keys().get("rip")
        if value is not None:
            settings[name] = dict(value)
    return settings


def _owners(net: Network) -> dict[str, str]:
    """Every address (as text) -> the node that has it."""
    return {str(address.ip): node.name for node in net.nodes.values() for nic in node.interfaces
            for address in nic.addresses}


def _rip_responses(net: Network) -> list[Frame]:
    return [frame for frame in net.frames if frame.rip is not None and frame.rip.command == 2]


def _metric(value: int | None) -> str:
    if value is None:
        return "gone"
    return "16 (unreachable)" if value >= INFINITY else str(value)


def _seconds(time: float) -> str:
    return time_label(time)


def _column_time(time: float) -> str:
    """A moment as a table column names it: to the hundredth of a second (the columns' order says the rest)."""
    return f"{time:.2f} s"


def _entry_text(entry: Any) -> str:
    mask = getattr(entry, "mask", None)
    prefix = f"{entry.address}/{mask.netmask_bits()}" if mask is not None and hasattr(mask, "netmask_bits") \
        else str(entry.address)
    return f"{prefix} {entry.metric}"


# The convergence timeline ---------------------------------------------------------------------------------------------
@dataclass
class Update:
    """One row of the timeline: an update a router sent (or a local event) and the changes it caused.

    ``sender`` is the router whose update taught the changes; ``local`` rows hold what routers
    did on their own at one instant (a connected network, a link going down, a timeout, a
    garbage collection), and their ``sender`` is the first of those routers.
    ``advertised`` maps each link (``interface``) the update went out on to its entries' text.
    """

    time: float
    sender: str
    local: bool
    changes: list[Any] = field(default_factory=list)
    advertised: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The row as sentences: who learned what, from whom."""
        out = []
        for change in self.changes:
            if change.new_metric is None:
                what = f"{change.router} forgets {change.prefix} (garbage-collected)"
            elif change.old_metric is None and change.gateway is None:
                what = f"{change.router} has {change.prefix} directly connected on {change.interface}"
            elif change.new_metric >= INFINITY:
                what = f"{change.router} marks {change.prefix} unreachable (metric 16)"
            elif change.old_metric is None:
                what = f"{change.router} learns {change.prefix} metric {change.new_metric} via {change.gateway}"
            else:
                what = (f"{change.router} changes {change.prefix} from metric {_metric(change.old_metric)} to "
                        f"{change.new_metric} via {change.gateway}")
            out.append(what)
        return out


def convergence_updates(net: Network, prefix: str | None = None, since: float = 0.0,
                        until: float | None = None) -> list[Update]:
    """The rows of the convergence timeline: each update (or local event) and what it changed, in time order.

    A change caused by a neighbour's update is put with the RIP response that neighbour
    sent last before it; changes with no neighbour (a connected network, a lost carrier,
    a timeout, a garbage collection) are rows of their own router.
    """
    owners = _owners(net)
    responses = _rip_responses(net)
    rows: dict[tuple, Update] = {}
    for change in rip_changes(net, since, until):
        if prefix is not None and change.prefix != prefix:
            continue
        if change.neighbour is None:  # events at one instant on any routers (start-up, a cable pulled) share a row
            key = ("local", round(change.time, 9))
            row = rows.setdefault(key, Update(change.time, change.router, True))
        else:
            # The update that taught it left the neighbour one wire delay before the change.
            sent = [f for f in responses if str(f.ip.src) == change.neighbour
                    and change.time - _SAME_UPDATE <= f.time <= change.time - PROPAGATION_DELAY + _SAME_INSTANT]
            sender = owners.get(change.neighbour, change.neighbour)
            when = sent[-1].time if sent else change.time
            key = ("update", sender, round(when, 9))
            row = rows.get(key)
            if row is None:
                row = rows[key] = Update(when, sender, False)
                for frame in responses:
                    if frame.sender == sender and abs(frame.time - when) <= _SAME_INSTANT:
                        row.advertised.setdefault(frame.interface, []).extend(
                            _entry_text(e) for e in frame.rip.entries)
        row.changes.append(change)
    return sorted(rows.values(), key=lambda row: row.time)


def convergence_text(net: Network, prefix: str | None = None, since: float = 0.0, until: float | None = None) -> str:
    """The timeline as text: one block per update, a line per change (the diagram's text version)."""
    blocks = []
    for row in convergence_updates(net, prefix, since, until):
        head = f"{_seconds(row.time)}: " + (f"at {', '.join(dict.fromkeys(c.router for c in row.changes))}"
                                            if row.local else f"update from {row.sender}")
        lines = [head]
        lines += [f"  sent on {nic}: {', '.join(entries) or 'nothing'}" for nic, entries in row.advertised.items()]
        lines += [f"  {line}" for line in row.lines()]
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or "no RIP router changed its table in this time"


def _routers(net: Network) -> list[str]:
    return list(rip_settings(net)) or [name for name, node in net.nodes.items() if node.forwarding]


def convergence_graph(net: Network, prefix: str | None = None, since: float = 0.0, until: float | None = None,
                      max_rows: int = MAX_ROWS) -> graphviz.Digraph:
    """The convergence timeline as a :class:`graphviz.Digraph`: time runs down, a column per router.

    On each row, the router that sent the update holds a box with what it advertised on
    each link (``prefix metric``; 16 is a poisoned route); an arrow runs to each router
    that changed its table because of it, whose box says what it learned.
    """
    routers = _routers(net)
    updates = convergence_updates(net, prefix, since, until)
    hidden = len(updates) - max_rows if len(updates) > max_rows else 0
    updates = updates[:max_rows]
    for row in updates:  # a router that is not a RIP router (yet) still gets a column if it appears
        for name in [row.sender, *(c.router for c in row.changes)]:
            if name not in routers:
                routers.append(name)
    graph = new_digraph("convergence", rankdir="TB", ranksep="0.3", nodesep="0.35")
    columns = Ids("c")
    with graph.subgraph() as rank:
        rank.attr(rank="same")
        rank.node("t0", label="time", shape="plaintext")
        for name in routers:
            rank.node(f"{columns[name]}r0", label=label(name), **node_style("router"))
        for left, right in itertools.pairwise(["t0", *(f"{columns[n]}r0" for n in routers)]):
            rank.edge(left, right, style="invis")
    for number, row in enumerate(updates, start=1):
        changed: dict[str, list[str]] = {}
        for change, line in zip(row.changes, row.lines(), strict=True):
            changed.setdefault(change.router, []).append(line.removeprefix(f"{change.router} "))
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            rank.node(f"t{number}", label=label(_seconds(row.time)), shape="plaintext")
            for name in routers:
                node = f"{columns[name]}r{number}"
                if name == row.sender and not row.local:
                    sent = [f"{nic}: {', '.join(entries) or '(nothing)'}" for nic, entries in row.advertised.items()]
                    lines = [f"{name} sends"] + sent + [f"· {line}" for line in changed.get(name, [])]
                    rank.node(node, label=label(lines), shape="box", style="filled", fillcolor=palette.NOW_FILL,
                              color=palette.NOW, fontcolor=palette.DATAGRAM)
                elif name in changed:
                    rank.node(node, label=label(changed[name]), shape="note", style="filled", fillcolor=_CHANGED)
                else:
                    rank.node(node, label="", shape="point", width="0.03", color=palette.MUTED)
            for left, right in itertools.pairwise([f"t{number}", *(f"{columns[n]}r{number}" for n in routers)]):
                rank.edge(left, right, style="invis")
        if not row.local:
            for name in changed:
                if name != row.sender:
                    graph.edge(f"{columns[row.sender]}r{number}", f"{columns[name]}r{number}", color=palette.NOW,
                               constraint="false")
    rows = len(updates) + 1
    for number in range(rows - 1):
        graph.edge(f"t{number}", f"t{number + 1}", style="invis", weight="100")
        for name in routers:
            graph.edge(f"{columns[name]}r{number}", f"{columns[name]}r{number + 1}", style="dashed",
                       color=palette.MUTED, arrowhead="none", weight="100")
    if hidden:
        graph.node("more", label=label(f"… and {hidden} more update(s): see the text version"), shape="plaintext")
        graph.edge(f"t{rows - 1}", "more", style="invis")
    if not updates:
        graph.node("none", label=label("no RIP router changed its table in this time"), shape="plaintext")
    return graph


def convergence_dot(net: Network, prefix: str | None = None, since: float = 0.0, until: float | None = None) -> str:
    """The DOT text of :func:`convergence_graph` (needs no Graphviz program)."""
    return convergence_graph(net, prefix, since, until).source


def convergence_svg(net: Network, prefix: str | None = None, since: float = 0.0, until: float | None = None) -> str:
    """The convergence timeline as SVG; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(convergence_graph(net, prefix, since, until))


# Tables over time ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Moment:
    """A router's RIP table right after it changed at ``time``: prefix -> (metric, gateway or None, interface)."""

    time: float
    routes: dict[str, tuple[int, str | None, str]]
    changed: frozenset[str]
    reasons: tuple[str, ...]


def table_history(net: Network, router: str, since: float = 0.0, until: float | None = None) -> list[Moment]:
    """``router``'s RIP table after each moment it changed (changes at one instant make one moment)."""
    state: dict[str, tuple[int, str | None, str]] = {}
    moments: list[Moment] = []
    mine = [c for c in rip_changes(net, 0.0, until) if c.router == router]
    for time, group in itertools.groupby(mine, key=lambda c: round(c.time, 9)):
        group = list(group)
        for change in group:
            if change.new_metric is None:
                state.pop(change.prefix, None)
            else:
                state[change.prefix] = (change.new_metric, change.gateway, change.interface)
        if time >= since:
            moments.append(Moment(group[0].time, dict(state), frozenset(c.prefix for c in group),
                                  tuple(c.reason for c in group)))
    return moments


def _prefix_key(prefix: str) -> tuple[int, ...]:
    address, _, length = prefix.partition("/")
    return (*(int(part) for part in address.split(".")), int(length or 32))


def _html_table(header: Sequence[str], rows: Sequence[tuple[str, Sequence[tuple[str, bool]]]], title: str) -> str:
    """A Graphviz HTML-like label: a title row, a header row, then rows of (text, highlighted) cells."""
    def cell(text: str, shade: bool = False, bold: bool = False) -> str:
        colour = f' BGCOLOR="{_CHANGED}"' if shade else ""
        body = html.escape(text).replace("\n", "<BR/>") or " "
        return f"<TD{colour}>{'<B>' + body + '</B>' if bold else body}</TD>"

    width = len(header)
    lines = ['<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">',
             f'<TR><TD COLSPAN="{width}"><B>{html.escape(title)}</B></TD></TR>',
             "<TR>" + "".join(cell(h, bold=True) for h in header) + "</TR>"]
    for head, cells in rows:
        lines.append("<TR>" + cell(head, bold=True) + "".join(cell(t, s) for t, s in cells) + "</TR>")
    lines.append("</TABLE>")
    return "<" + "".join(lines) + ">"


def _route_text(route: tuple[int, str | None, str] | None) -> str:
    if route is None:
        return "–"
    metric, gateway, interface = route
    if metric >= INFINITY:
        return "16 (unreachable)"
    return f"{metric} on {interface}" if gateway is None else f"{metric} via {gateway}"


def table_history_graph(net: Network, router: str, since: float = 0.0, until: float | None = None,
                        max_columns: int = 12) -> graphviz.Digraph:
    """``router``'s RIP table over time: a column per moment it changed, a row per prefix; changed cells shaded.

    With more moments than ``max_columns``, the last ones are drawn (the text version has them all).
    """
    moments = table_history(net, router, since, until)[-max_columns:]
    prefixes = sorted({p for m in moments for p in m.routes} | {p for m in moments for p in m.changed},
                      key=_prefix_key)
    header = ["prefix", *(_column_time(m.time) for m in moments)]
    rows = [(p, [(_route_text(m.routes.get(p)), p in m.changed) for m in moments]) for p in prefixes]
    graph = new_digraph("table_history", rankdir="LR")
    title = f"{router}'s RIP table over time (metric via gateway; shaded: changed at that moment)"
    if not moments:
        graph.node("table", label=label(f"{router}'s RIP table did not change in this time"), shape="plaintext")
    else:
        graph.node("table", label=_html_table(header, rows, title), shape="plaintext")
    return graph


def table_history_text(net: Network, router: str, since: float = 0.0, until: float | None = None) -> str:
    """:func:`table_history` as text: each moment, its table, and why it changed."""
    blocks = []
    for moment in table_history(net, router, since, until):
        lines = [f"{_seconds(moment.time)}:"]
        for reason in moment.reasons:
            lines.append(f"  because {reason}")
        for prefix in sorted(moment.routes, key=_prefix_key):
            mark = "*" if prefix in moment.changed else " "
            lines.append(f"  {mark} {prefix:<18} {_route_text(moment.routes[prefix])}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or f"{router}'s RIP table did not change in this time"


def table_history_dot(net: Network, router: str, since: float = 0.0, until: float | None = None) -> str:
    """The DOT text of :func:`table_history_graph`."""
    return table_history_graph(net, router, since, until).source


# One prefix everywhere ---------------------------------------------------------------------------------------------
def metric_history(net: Network, prefix: str, since: float = 0.0, until: float | None = None
                   ) -> list[tuple[float, dict[str, int | None], frozenset[str]]]:
    """``prefix``'s metric at every RIP router after each moment any of them changed it.

    Each item is (time, router -> metric or None where it has no route, routers that changed then).
    """
    state: dict[str, int | None] = dict.fromkeys(_routers(net))
    out = []
    changes = [c for c in rip_changes(net, 0.0, until) if c.prefix == prefix]
    for time, group in itertools.groupby(changes, key=lambda c: round(c.time, 9)):
        group = list(group)
        for change in group:
            state[change.router] = change.new_metric
        if time >= since:
            out.append((group[0].time, dict(state), frozenset(c.router for c in group)))
    return out


def metric_history_graph(net: Network, prefix: str, since: float = 0.0, until: float | None = None,
                         max_rows: int = MAX_ROWS) -> graphviz.Digraph:
    """``prefix``'s metric at each router over time (a row per moment, a column per router; changes shaded).

    Counting to infinity reads as a staircase climbing to 16; the rows after ``max_rows`` are left out.
    """
    history = metric_history(net, prefix, since, until)
    routers = list(dict.fromkeys(r for _, state, _ in history for r in state)) or _routers(net)
    shown = history[:max_rows]
    rows = [(_column_time(time), [("–" if state.get(r) is None else _metric(state[r]), r in changed) for r in routers])
            for time, state, changed in shown]
    if len(history) > max_rows:
        rows.append((f"+{len(history) - max_rows} more", [("…", False) for _ in routers]))
    graph = new_digraph("metric_history", rankdir="LR")
    if not history:
        graph.node("table", label=label(f"no router changed its route to {prefix} in this time"), shape="plaintext")
    else:
        title = f"metric of {prefix} at each router (– no route; shaded: changed then)"
        graph.node("table", label=_html_table(["time", *routers], rows, title), shape="plaintext")
    return graph


def metric_history_text(net: Network, prefix: str, since: float = 0.0, until: float | None = None) -> str:
    """:func:`metric_history` as text, a line per moment."""
    lines = []
    for time, state, changed in metric_history(net, prefix, since, until):
        cells = ", ".join(f"{r} {'–' if m is None else m}{'*' if r in changed else ''}" for r, m in state.items())
        lines.append(f"{_column_time(time):>10}  {cells}")
    return "\n".join(lines) or f"no router changed its route to {prefix} in this time"


def metric_history_dot(net: Network, prefix: str, since: float = 0.0, until: float | None = None) -> str:
    """The DOT text of :func:`metric_history_graph`."""
    return metric_history_graph(net, prefix, since, until).source


# The topology with costs ---------------------------------------------------------------------------------------
def _rule(settings: dict[str, Any], interface: str) -> str:
    rule = settings.get("split_horizon", "poison-reverse")
    if isinstance(rule, dict):
        rule = rule.get(interface, "poison-reverse")
    return str(rule)


def _router_lines(name: str, node: Any, settings: dict[str, Any] | None) -> list[str]:
    lines = [name]
    if not node.running:
        lines.append("(stopped)")
    if settings is not None:
        rule = settings.get("split_horizon", "poison-reverse")
        rule_text = "per link" if isinstance(rule, dict) else {"off": "no split horizon", "simple": "split horizon",
                                                                  "poison-reverse": "poison reverse"}.get(rule, rule)
        version = settings.get("version")
        lines.append(f"RIP{'v' + str(version) if version else ''}, {rule_text}")
    return lines


def rip_topology_graph(net: Network, rankdir: str = "LR") -> graphviz.Digraph:
    """Routers, segments and links: each link labelled with interface, address and RIP cost; down links dashed.

    A router's box names its RIP version and split-horizon rule (or "per link", each link then
    says its own); a stopped router says so. Hosts are drawn too, unshaded.
    """
    settings = rip_settings(net)
    graph = new_digraph("rip_topology", rankdir=rankdir)
    nodes, segments = Ids("n"), Ids("s")
    for name in net.segments:
        graph.node(segments[name], label=label(name), **node_style("segment"))
    for name, node in net.nodes.items():
        mine = settings.get(name)
        graph.node(nodes[name], label=label(_router_lines(name, node, mine)),
                   **node_style("router" if node.forwarding else "host"),
                   **({} if node.running else {"style": "dashed,filled", "color": _DOWN}))
        wired = [nic for nic in node.interfaces if nic.segment is not None and not getattr(nic, "loopback", False)]
        for number, nic in enumerate(wired):
            lines = [nic.name, *(str(address) for address in nic.addresses)]
            attrs: dict[str, str] = {"dir": "none"}
            if mine is not None:
                talks = mine.get("interfaces")
                if talks is not None and nic.name not in talks:
                    lines.append("no RIP")
                else:
                    lines.append(f"cost {dict(mine.get('cost') or {}).get(nic.name, 1)}")
                    if isinstance(mine.get("split_horizon"), dict):
                        lines.append(_rule(mine, nic.name))
            if nic.name in node.unplugged:
                lines.append("DOWN (unplugged)")
                attrs.update(style="dashed", color=_DOWN, fontcolor=_DOWN)
            ends = (segments[nic.segment], nodes[name])
            if node.forwarding and number:
                ends = ends[::-1]
            graph.edge(*ends, label=label(lines), **attrs)
    return graph


def rip_topology_text(net: Network) -> str:
    """Each router's links as text: interface, addresses, segment, cost, state."""
    settings = rip_settings(net)
    lines = []
    for name, node in net.nodes.items():
        mine = settings.get(name)
        head = ", ".join(_router_lines(name, node, mine))
        links = []
        for nic in node.interfaces:
            if nic.segment is None:
                continue
            cost = "" if mine is None else f" cost {dict(mine.get('cost') or {}).get(nic.name, 1)}"
            state = " DOWN" if nic.name in node.unplugged else ""
            links.append(f"{nic.name} {' '.join(map(str, nic.addresses))} on {nic.segment}{cost}{state}")
        lines.append(f"{head}: " + "; ".join(links))
    return "\n".join(lines)


def rip_topology_dot(net: Network, rankdir: str = "LR") -> str:
    """The DOT text of :func:`rip_topology_graph`."""
    return rip_topology_graph(net, rankdir).source


def rip_topology_svg(net: Network, rankdir: str = "LR") -> str:
    """The RIP topology as SVG; :class:`~workbook.render.dot.DiagramError` when ``dot`` is missing."""
    return render_svg(rip_topology_graph(net, rankdir))


# Diagrams a chapter cell shows ------------------------------------------------------------------------------------
def convergence_diagram(net: Network, prefix: str | None = None, since: float = 0.0, until: float | None = None
                        ) -> Diagram:
    """The convergence timeline as a :class:`~workbook.render.display.Diagram` (its text: every change, why)."""
    return Diagram(lambda: convergence_graph(net, prefix, since, until),
                   lambda: convergence_text(net, prefix, since, until))


def table_history_diagram(net: Network, router: str, since: float = 0.0, until: float | None = None) -> Diagram:
    """One router's RIP table over time as a :class:`~workbook.render.display.Diagram`."""
    return Diagram(lambda: table_history_graph(net, router, since, until),
                   lambda: table_history_text(net, router, since, until))


def metric_history_diagram(net: Network, prefix: str, since: float = 0.0, until: float | None = None) -> Diagram:
    """One prefix's metric at every router over time as a :class:`~workbook.render.display.Diagram`."""
    return Diagram(lambda: metric_history_graph(net, prefix, since, until),
                   lambda: metric_history_text(net, prefix, since, until))


def rip_topology_diagram(net: Network) -> Diagram:
    """The routers, links, costs and link states as a :class:`~workbook.render.display.Diagram`."""
    return Diagram(lambda: rip_topology_graph(net), lambda: rip_topology_text(net))
