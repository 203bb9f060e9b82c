"""Look a destination up and see why each route won or lost, bit by bit (chapters 1–3).

>>> from workbook import Host
>>> explorer = LookupExplorer(Host.from_scenario("seed-host"), destination="172.17.1.1")
>>> explorer.decision.next_hop
IPAddress('172.16.112.1')
>>> explorer.strategy.value = "longest-prefix"
>>> explorer.decision.strategy.value
'longest-prefix'

Given a :class:`~workbook.widgets.editor.RouteTableEditor`, the explorer looks
at the table being edited and redraws after every edit.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.net.addresses import MASKS, bits, format_address
from workbook.net.decision import Candidate, LookupDecision, Strategy
from workbook.net.host import Host
from workbook.net.personalities import PERSONALITIES
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.route_table import RouteTable
from workbook.render import path_graph
from workbook.render.dot import DROP_COLOR, label, new_digraph, node_style, render_svg
from workbook.sim.network import Network
from workbook.sim.trace import PathTrace
from workbook.widgets.common import (
    Observable,
    diagram_html,
    error_label,
    escape,
    html_table,
    show_error,
    text_block,
)
from workbook.widgets.editor import RouteTableEditor
from workbook.widgets.scenario import host_scenario

__all__ = ["LookupExplorer", "bits_html", "decision_graph", "decision_svg"]

#: Above this many routes the explanation lists every matching route but only a few of the others.
FULL_EXPLANATION_LIMIT = 200
NON_MATCHING_SHOWN = 8
BITS_SHOWN = 4


def bits_html(address: object, prefixlen: int) -> str:
    """The 32 bits of ``address`` with the first ``prefixlen`` (the ones the mask keeps) underlined.

    >>> bits_html("10.1.2.3", 9)
    '<u>00001010.0</u>0000001.00000010.00000011'
    """
    text = bits(address)
    cut = seen = 0
    for index, character in enumerate(text):
        if seen == prefixlen:
            break
        seen += character != "."
        cut = index + 1
    return f"<u>{text[:cut]}</u>{text[cut:]}" if cut else text


def decision_graph(decision: LookupDecision, sender: str = "this host") -> Any:
    """A small diagram of one decision: sender → interface → gateway (or the destination itself)."""
    graph = new_digraph("decision")
    graph.node("sender", label(sender), **node_style("host"))
    destination = str(decision.destination)
    if decision.route is None:
        graph.node("drop", label(["✗ no route", destination]), shape="plaintext", fontcolor=DROP_COLOR)
        graph.edge("sender", "drop", style="dashed", color=DROP_COLOR)
        return graph
    route_words = [f"route {decision.route.network}", decision.rule, f"out of {decision.interface}"]
    if decision.gateway is None:
        graph.node("dst", label([destination, "on-link"]), **node_style("host"))
        graph.edge("sender", "dst", label=label(route_words))
    else:
        graph.node("gw", label(["gateway", str(decision.gateway)]), **node_style("router"))
        graph.node("dst", label(destination), **node_style("host"))
        graph.edge("sender", "gw", label=label(route_words))
        graph.edge("gw", "dst", style="dashed", label=label("its own table decides"))
    return graph


def decision_svg(decision: LookupDecision, sender: str = "this host") -> str:
    """:func:`decision_graph` as SVG text (needs Graphviz's ``dot``)."""
    return render_svg(decision_graph(decision, sender))


class LookupExplorer(Observable):
    """Type a destination; see the winning route, every candidate and why, the bits, and where it goes.

    ``source`` is a :class:`Host` (a personality menu appears), a :class:`RouteTable`,
    a :class:`RouteTableEditor` (followed live), or a :class:`Network` with
    ``host`` naming the sender (the diagram is then the datagram's real path).
    ``editor`` links an editor to any of those, so each edit redraws this view.
    """

    def __init__(self, source: Host | RouteTable | RouteTableEditor | Network, host: str | None = None,
                 destination: str = "172.17.1.1", editor: RouteTableEditor | None = None) -> None:
        super().__init__()
        self.editor: RouteTableEditor | None = source if isinstance(source, RouteTableEditor) else editor
        self.network: Network | None = source if isinstance(source, Network) else None
        self._host: Host | None = source if isinstance(source, Host) else None
        self._table: RouteTable | None = source if isinstance(source, RouteTable) else None
        if self.network is not None:
            if host is None:
                raise TypeError("LookupExplorer(network, host=...) needs the name of the sending host")
            self._host = self.network.host(host)
        self.decision: LookupDecision | None = None
        self._shown_candidates: list[Candidate] = []
        self.trace: PathTrace | None = None

        self.destination = widgets.Text(value=destination, description="Destination", continuous_update=False)
        self.strategy = widgets.ToggleButtons(options=[("classic (the text)", "classic"),
                                                       ("longest prefix", "longest-prefix")],
                                              value=self.table.strategy.value,
                                              tooltips=["the NT text's order: host, subnet, network, default",
                                                        "the longest matching prefix, then the lowest metric"])
        self.personality = widgets.Dropdown(options=list(PERSONALITIES), description="Stack",
                                            layout=widgets.Layout(width="200px"))
        if self.host is not None:
            self.personality.value = self.host.personality.name
        self.personality.layout.display = "" if self._offers_personality() else "none"
        self.error = error_label()
        self.summary = widgets.HTML()
        self.candidates = widgets.HTML()
        self.bits = widgets.HTML()
        self.diagram = widgets.HTML()
        self.destination.observe(lambda _c: self.refresh(), names="value")
        self.strategy.observe(lambda _c: self.refresh(), names="value")
        self.personality.observe(lambda change: self.set_personality(change["new"]), names="value")
        if self.editor is not None:
            self.editor.on_change(lambda _editor: self.refresh())
        self.widget = widgets.VBox([
            widgets.HBox([self.destination, self.strategy, self.personality]),
            self.error, self.summary, self.candidates, self.bits, self.diagram,
        ])
        self.refresh()

    # What is looked at ---------------------------------------------------------------------------
    @property
    def host(self) -> Host | None:
        if self.editor is not None and self.network is None and self._table is None:
            return self.editor.host
        return self._host

    @property
    def table(self) -> RouteTable:
        if self.editor is not None and self.network is None and self._host is None and self._table is None:
            return self.editor.table
        if self._table is not None:
            return self._table
        assert self.host is not None
        return self.host.table

    def _offers_personality(self) -> bool:
        return self.network is None and self.host is not None

    def set_personality(self, name: str) -> None:
        """Rebuild the host as stack ``name`` builds it (hand-made routes kept), then look up again."""
        host = self.host
        if host is None or host.personality.name == name:
            return
        try:
            rebuilt = Host.from_dict(host_scenario(host), personality=name)
        except WorkbookError as error:
            show_error(self.error, error)
            return
        if self.editor is not None and self.editor.host is host:
            self._host = None
            self.editor.edit(rebuilt)  # the editor notifies us
        else:
            self._host = rebuilt
        self.personality.value = name
        self.strategy.value = rebuilt.personality.strategy.value
        self.refresh()

    # Drawing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Look the destination up again and redraw everything."""
        try:
            self.decision = self.table.lookup(self.destination.value.strip(), strategy=self.strategy.value)
        except WorkbookError as error:
            show_error(self.error, error)
            return
        show_error(self.error, None)
        decision = self.decision
        self.summary.value = text_block(self._summary(decision))
        candidates = self._candidates(decision)
        shown = html_table(
            ["", "destination", "netmask", "gateway", "interface", "metric", "why"],
            [[_mark(c), f"{c.route.destination}/{c.route.prefixlen}", c.route.netmask,
              c.route.gateway or "On-link", c.route.interface, c.route.metric, c.reason] for c in candidates],
            highlight=lambda index: candidates[index].won,
        )
        self._shown_candidates = candidates
        hidden = len(self.table) - len(candidates)
        more = f"<div>… and {hidden:,} more routes that do not match</div>" if hidden > 0 else ""
        self.candidates.value = shown + more
        self.bits.value = self._bits(decision, [c for c in candidates if c.matched])
        self.diagram.value = self._diagram(decision)
        self._notify()

    def _summary(self, decision: LookupDecision) -> str:
        """The decision in one line, then what the whole host does, each labelled with the rule that decided.

        When the strategy chosen above is not the host's own (a *lens*: e.g. the
        text's classic order on a host that matches the longest prefix), the
        first line says what that order *would* pick and the second what the host
        itself sends: the two can differ without seeming to contradict.
        """
        host = self.host
        whole = None
        if host is not None and self.network is None:
            try:
                whole = host.route_get(str(decision.destination))
            except WorkbookError as error:
                return f"<b>{escape(_decision_words(decision))}</b><br>{escape(error)}"
        if whole is None:
            own = self.table.strategy
            if decision.strategy is own:
                return f"<b>{escape(decision.destination)} → {escape(_decision_words(decision))}</b>"
            first = f"{STRATEGY_WORDS[decision.strategy].capitalize()} would pick: {_decision_words(decision)}"
            theirs = self.table.lookup(decision.destination, strategy=own)
            second = (f"That order is a lens here: the table's own order is {STRATEGY_WORDS[own]}, which picks "
                      f"{_decision_words(theirs)}.")
            return f"<b>{escape(first)}</b><br>{escape(second)}"
        own = whole.lookup.strategy if whole.lookup is not None else host.personality.strategy
        name = host.personality.name
        if decision.strategy is own:
            first = f"{decision.destination} → {_decision_words(decision)}"
            second = (f"The {name} host itself looks up the same way ({STRATEGY_WORDS[own]}); with its local "
                      f"addresses and source choice it answers: {whole!r}")
        else:
            first = f"{STRATEGY_WORDS[decision.strategy].capitalize()} would pick: {_decision_words(decision)}"
            same = "the same next hop" if whole.next_hop == decision.next_hop else "a different next hop"
            sends = f"sends via {_whole_words(whole)} ({same})" if whole.reachable else \
                "finds no route: for it the destination is unreachable"
            second = (f"That order is a lens here, not this host's rule: the {name} host itself uses "
                      f"{STRATEGY_WORDS[own]} and {sends}. {whole!r}")
        return f"<b>{escape(first)}</b><br>{escape(second)}"

    def _candidates(self, decision: LookupDecision) -> list[Candidate]:
        table = self.table
        if len(table) <= FULL_EXPLANATION_LIMIT:
            return decision.candidates
        # Every matching route decides; of the others a few show what "no match" means.
        # A table of just those makes the same decision, with the same reasons.
        matching = set(table.matching(decision.destination))
        chosen, others = [], 0
        for route in table:
            if route in matching:
                chosen.append(route)
            elif others < NON_MATCHING_SHOWN:
                chosen.append(route)
                others += 1
        return RouteTable(chosen, strategy=decision.strategy).lookup(decision.destination).candidates

    def _bits(self, decision: LookupDecision, matched: list[Candidate]) -> str:
        destination = int(decision.destination)
        matched = sorted(matched, key=lambda c: not c.won)[:BITS_SHOWN]
        if not matched:
            return ""
        blocks = []
        for candidate in matched:
            route = candidate.route
            n = route.prefixlen
            rows = [
                ("destination", decision.destination, bits_html(destination, n)),
                (f"AND mask /{n}", route.netmask, bits_html(MASKS[n], n)),
                ("=", format_address(destination & MASKS[n]), bits_html(destination & MASKS[n], n)),
                ("route", route.destination, bits_html(int(route.destination), n) + "  ✓ equal: a match"),
            ]
            lines = "\n".join(f"{escape(name):<16}{escape(address)!s:<17}{value}" for name, address, value in rows)
            title = "winner" if candidate.won else "also matches"
            blocks.append(f"<div><b>{escape(title)}: {escape(route.network)}</b>"
                          f"<pre style='margin:0;font-size:12px'>{lines}</pre></div>")
        return "".join(blocks)

    def _diagram(self, decision: LookupDecision) -> str:
        if self.network is not None and self.host is not None:
            try:
                self.trace = self.network.send(self.host.name, str(decision.destination))
            except WorkbookError as error:
                return f"<div>{escape(error)}</div>"
            trace = self.trace
            return diagram_html(lambda: path_graph(trace), trace.explain)
        sender = self.host.name if self.host is not None else "this host"
        return diagram_html(lambda: decision_graph(decision, sender), self._fallback_text)

    def _fallback_text(self) -> str:
        """The explanation as text, for when there is no diagram (the candidates shown above, not all 10 000)."""
        decision = self.decision
        assert decision is not None
        if len(self.table) <= FULL_EXPLANATION_LIMIT:
            return decision.explain()
        lines = [f"  {_mark(c)} {c.route}: {c.reason}" for c in self._shown_candidates]
        return "\n".join([f"Destination {decision.destination}, strategy {decision.strategy.value}:", *lines,
                          f"Decision: {decision.route.network if decision.route else 'no route'} ({decision.rule})"])

    def text_view(self) -> str:
        """The decision and its explanation."""
        return self.decision.explain() if self.decision is not None else "type a destination to look up"


#: How the summary names each strategy.
STRATEGY_WORDS = {
    Strategy.CLASSIC: "the text's classic order (host, subnet, network, default)",
    Strategy.LONGEST_PREFIX: "longest-prefix match",
}


def _decision_words(decision: LookupDecision) -> str:
    if decision.route is None:
        return "no route matches: destination unreachable"
    via = "on-link (straight to the destination)" if decision.gateway is None else f"via gateway {decision.gateway}"
    return (f"route {decision.route.network} ({decision.rule}), out of {decision.interface}, {via}; "
            f"next hop {decision.next_hop}")


def _whole_words(whole: RouteGet) -> str:
    if whole.kind is not DestinationKind.UNICAST:
        return f"{whole.interface} as {whole.kind.value}"
    return f"gateway {whole.gateway} on {whole.interface}" if whole.gateway is not None else \
        f"{whole.destination} directly on {whole.interface}"


def _mark(candidate: Candidate) -> str:
    return "→" if candidate.won else ("✓" if candidate.matched else "✗")

