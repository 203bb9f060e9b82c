"""What a route lookup decided, and why (chapter 1).

A :class:`LookupDecision` is the answer to "where does a datagram to D go?":
the winning route, the next hop and the interface. It is a *value*: it holds
an immutable :class:`TableView` of the table as the lookup saw it, so a later
edit of the table, an ICMP redirect or a routing protocol never changes an
old decision's ``rule``, ``candidates`` or ``explain()``:

>>> from workbook import RouteTable, Route
>>> table = RouteTable([Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0")])
>>> before = table.lookup("10.1.2.3")
>>> _ = table.add(Route("10.0.0.0/8", interface="eth0"))
>>> before.route.prefixlen, table.lookup("10.1.2.3").route.prefixlen
(0, 8)
>>> len(before.candidates), len(table.lookup("10.1.2.3").candidates)
(1, 2)

The explanation, every route considered and the reason it won or lost, is
worked out only when asked for (``.candidates`` or ``.explain()``), from that
view, so plain lookups stay fast.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import netaddr

from workbook.net.addresses import MASKS, format_address
from workbook.net.routes import Route, RouteKind, RouteType

__all__ = ["CLASSIC_STEPS", "Candidate", "LookupDecision", "Strategy", "TableView"]


class Strategy(enum.StrEnum):
    """How a lookup picks among matching routes."""

    #: The NT text's mnemonic: host, then subnet, then network, then default. A *lens* on any
    #: table for chapter 1's argument; no stack's code searches this way (Microsoft documented
    #: longest prefix, then metric, for its own stacks).
    CLASSIC = "classic"
    #: Longest matching prefix, then lowest metric, then first in the table (RFC 1812 5.2.4.3).
    LONGEST_PREFIX = "longest-prefix"


#: How explanations name the classic lens.
CLASSIC_MNEMONIC = "the NT text's host → subnet → network → default mnemonic"

#: The classic search order, step by step. A supernet has no step.
CLASSIC_STEPS: dict[RouteKind, int] = {
    RouteKind.HOST: 1,
    RouteKind.SUBNET: 2,
    RouteKind.NETWORK: 3,
    RouteKind.DEFAULT: 4,
}


class TableView:
    """A route table as it was at one moment: its routes, and which interfaces lookups passed over.

    Tables hand out one view per version (a new one after any edit), so a
    decision keeps what it saw for the price of one reference.
    """

    __slots__ = ("layer", "passed_over", "routes")

    def __init__(self, routes: tuple[Route, ...], passed_over: tuple[tuple[str, str], ...] = (),
                 layer: str = "") -> None:
        self.routes = routes
        #: (interface label, why) pairs: routes through these interfaces are skipped by lookups.
        self.passed_over = passed_over
        #: "local" for Linux's local table, "" for a host's only (or main) table.
        self.layer = layer

    def passed_over_reason(self, route: Route) -> str | None:
        """Why lookups pass over ``route`` (its interface is down or has no carrier), or None."""
        for label, why in self.passed_over:
            if route.interface == label:
                return why
        return None

    def __len__(self) -> int:
        return len(self.routes)

    def __repr__(self) -> str:
        return f"<TableView {self.layer or 'table'}: {len(self.routes)} routes>"


@dataclass(frozen=True)
class Candidate:
    """One route as the lookup saw it: did it match, and why it won or lost."""

    route: Route
    matched: bool
    won: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"route": self.route.as_dict(), "matched": self.matched, "won": self.won, "reason": self.reason}


def _and_line(destination: int, route: Route) -> str:
    masked = destination & MASKS[route.prefixlen]
    return (
        f"{format_address(destination)} AND {format_address(MASKS[route.prefixlen])} "
        f"= {format_address(masked)}"
    )


class LookupDecision(tuple):
    """The result of ``RouteTable.lookup``: a route (or none) and the reasoning, as a value.

    >>> from workbook import RouteTable, Route
    >>> table = RouteTable([Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0"),
    ...                     Route("10.0.0.0/8", interface="eth0")])
    >>> decision = table.lookup("10.1.2.3")
    >>> decision.route.prefixlen, decision.next_hop, decision.rule
    (8, IPAddress('10.1.2.3'), 'longest prefix')
    """

    # A tuple underneath (view, destination, strategy, route, local view, excluded, why not): a million
    # lookups build a million decisions, and a tuple is the cheapest immutable record Python has.
    __slots__ = ()

    def __new__(
        cls,
        view: TableView,
        destination: int,
        strategy: Strategy,
        route: Route | None,
        local: TableView | None = None,
        excluded: frozenset[Route] = frozenset(),
        why_not: str = "",
    ) -> LookupDecision:
        return tuple.__new__(cls, (view, destination, strategy, route, local, excluded, why_not))

    view: TableView = property(itemgetter(0), doc="The table as this lookup saw it.")  # type: ignore[assignment]
    _destination: int = property(itemgetter(1))  # type: ignore[assignment]
    strategy: Strategy = property(itemgetter(2), doc="classic or longest-prefix.")  # type: ignore[assignment]
    route: Route | None = property(itemgetter(3), doc="The winning route, or None.")  # type: ignore[assignment]
    local: TableView | None = property(itemgetter(4), doc="Linux's local table, searched with the main one.")  # type: ignore[assignment]
    excluded: frozenset[Route] = property(itemgetter(5), doc="Matching routes a filter kept out (strong host).")  # type: ignore[assignment]
    why_not: str = property(itemgetter(6), doc="Why the filter kept them out.")  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return (LookupDecision, tuple(self))

    @property
    def destination(self) -> netaddr.IPAddress:
        return netaddr.IPAddress(self._destination)

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes of the table when the lookup was made (the local table's first, if any)."""
        local = self.local
        return self.view.routes if local is None else local.routes + self.view.routes

    @property
    def rejected(self) -> bool:
        """True when the winner is a reject route (unreachable, blackhole, prohibit, throw)."""
        return self.route is not None and self.route.route_type.rejects

    @property
    def reachable(self) -> bool:
        """False when no route matched, or a reject route did: the datagram cannot be sent."""
        return self.route is not None and not self.route.route_type.rejects

    @property
    def gateway(self) -> netaddr.IPAddress | None:
        """The router the datagram is handed to, or None when on-link (or unreachable)."""
        route = self.route
        if route is None or route.on_link or route.route_type.rejects:
            return None
        return route.gateway

    @property
    def next_hop(self) -> netaddr.IPAddress | None:
        """Whose MAC address the frame carries: the gateway, or the destination itself when on-link."""
        if not self.reachable:
            return None
        return self.gateway or netaddr.IPAddress(self._destination)

    @property
    def interface(self) -> str | None:
        """The interface column of the winning route."""
        return None if self.route is None or self.route.route_type.rejects else self.route.interface

    # The explanation ---------------------------------------------------------
    def _skip_reason(self, route: Route, view: TableView) -> str | None:
        """Why a matching route was not considered at all, or None."""
        if route in self.excluded:
            return f"matches, but not considered: {self.why_not}"
        why = view.passed_over_reason(route)
        return None if why is None else f"matches, but passed over: {why}"

    def _considered(self) -> list[tuple[Route, TableView]]:
        """The matching routes the lookup could choose from, with the view each belongs to."""
        destination = self._destination
        found = []
        for view in (self.local, self.view):
            if view is None:
                continue
            for r in view.routes:
                if destination & MASKS[r._prefixlen] == r._network and self._skip_reason(r, view) is None:
                    found.append((r, view))
        return found

    def _in_local(self, route: Route) -> bool:
        local = self.local
        return local is not None and route.route_type in (RouteType.LOCAL, RouteType.BROADCAST) and route in \
            local.routes

    @property
    def rule(self) -> str:
        """The rule that decided: 'only match', 'longest prefix', 'local table first', 'lowest metric',
        'installed first', 'prepended', or for the classic lens 'classic step N (kind)'; 'no route' when
        nothing matched."""
        route = self.route
        if route is None:
            return "no route"
        if self.strategy is Strategy.CLASSIC:
            return f"classic step {CLASSIC_STEPS[route.kind]} ({route.kind.value} route)"
        considered = self._considered()
        if len(considered) == 1:
            return "only match"
        winner_view = self.local if self._in_local(route) else self.view
        same_length = [(r, v) for r, v in considered if r._prefixlen == route._prefixlen]
        if len(same_length) == 1:
            return "longest prefix"
        if winner_view is self.local:
            return "local table first"
        group = [r for r, v in same_length if v is winner_view]
        if sum(r.metric == route.metric for r in group) == 1:
            return "lowest metric"
        order = winner_view.routes
        ties = [r for r in group if r.metric == route.metric]
        return "installed first" if all(order.index(route) <= order.index(r) for r in ties) else "prepended"

    @property
    def candidates(self) -> list[Candidate]:
        """Every route of the table (the local table's first), in table order, with whether it matched
        and why it won or lost."""
        found = []
        for view in (self.local, self.view):
            if view is not None:
                found += [self._judge(route, view) for route in view.routes]
        return found

    def _judge(self, route: Route, view: TableView) -> Candidate:
        destination = self._destination
        winner = self.route
        matched = destination & MASKS[route._prefixlen] == route._network
        if not matched:
            return Candidate(
                route, False, False, f"no match: {_and_line(destination, route)}, not {format_address(route._network)}"
            )
        skipped = self._skip_reason(route, view)
        if skipped is not None:
            return Candidate(route, True, False, skipped)
        length = f"/{route._prefixlen}"
        if route is winner or (route == winner and (view is self.local) == self._in_local(winner)):
            if self.strategy is Strategy.CLASSIC:
                step = CLASSIC_STEPS[route.kind]
                reason = f"matches ({_and_line(destination, route)}): chosen at step {step}, {route.kind.value} routes"
            else:
                reason = f"matches ({_and_line(destination, route)}): chosen, {self.rule} ({length})"
            if route.route_type.rejects:
                reason += f"; a {route.route_type.value} route refuses the datagram"
            return Candidate(route, True, True, reason)
        if self.strategy is Strategy.CLASSIC:
            kind = route.kind
            if kind is RouteKind.SUPERNET:
                return Candidate(route, True, False, (
                    f"matches, but it is a supernet route ({length} is shorter than its class): "
                    "the host → subnet → network → default mnemonic has no step for it"
                ))
            assert winner is not None  # only the mnemonic leaves a matching route without a winner
            step, winning_step = CLASSIC_STEPS[kind], CLASSIC_STEPS[winner.kind]
            if step > winning_step:
                return Candidate(route, True, False, (
                    f"matches, but it is a {kind.value} route (step {step}); the search stopped at "
                    f"step {winning_step}, {winner.kind.value} routes"
                ))
        assert winner is not None
        if self.local is not None:
            winner_local = self._in_local(winner)
            if (view is self.local) != winner_local:
                return Candidate(route, True, False, _layer_reason(route, winner, winner_local))
        return Candidate(route, True, False, _tie_reason(route, winner))

    def explain(self) -> str:
        """The decision as a short text a teacher would write on the board."""
        head = f"Destination {self.destination}, strategy {self.strategy.value}"
        if self.strategy is Strategy.CLASSIC:
            head += f" ({CLASSIC_MNEMONIC}, a lens: no stack searches this way)"
        if self.local is not None:
            head += "; the local table and the main table searched as one"
        lines = [head + ":"]
        for candidate in self.candidates:
            mark = "→" if candidate.won else ("✓" if candidate.matched else "✗")
            lines.append(f"  {mark} {candidate.route}: {candidate.reason}")
        route = self.route
        if route is None:
            lines.append("No route matches: the datagram cannot be sent (destination unreachable).")
        elif route.route_type.rejects:
            lines.append(f"Decision: {route.network} ({self.rule}) — a {route.route_type.value} route: "
                         "the datagram is refused.")
        else:
            via = "on-link, straight to the destination" if self.gateway is None else f"to gateway {self.gateway}"
            if route.gateway_is_own:
                via += f" (its gateway {route.gateway} is this host's own address)"
            lines.append(f"Decision: {route.network} ({self.rule}) — out through {self.interface}, {via}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The decision and its explanation as plain data."""
        return {
            "destination": str(self.destination),
            "strategy": self.strategy.value,
            "route": None if self.route is None else self.route.as_dict(),
            "next_hop": None if self.next_hop is None else str(self.next_hop),
            "interface": self.interface,
            "rule": self.rule,
            "candidates": [c.as_dict() for c in self.candidates],
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LookupDecision):
            return NotImplemented
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        if self.route is None:
            return f"<LookupDecision {self.destination}: no route>"
        return f"<LookupDecision {self.destination} → {self.route} ({self.rule})>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the explanation
        printer.text(self.explain())


def _layer_reason(route: Route, winner: Route, winner_local: bool) -> str:
    if winner_local:
        return (f"matches with /{route._prefixlen}, but the local table's /{winner._prefixlen} entry wins: "
                "the kernel searches both tables as one, the longest prefix first and, at equal length, "
                "the local entry")
    return (f"matches with /{route._prefixlen}, but the main table's /{winner._prefixlen} is longer "
            "(the local and main tables are searched as one, longest prefix first)")


def _tie_reason(route: Route, winner: Route) -> str:
    if route._prefixlen < winner._prefixlen:
        return f"matches, but /{route._prefixlen} is shorter than the chosen /{winner._prefixlen}"
    if route._prefixlen > winner._prefixlen:  # only the classic lens can pass over a longer prefix
        return f"matches with /{route._prefixlen}, longer than the chosen /{winner._prefixlen}"
    if route.metric > winner.metric:
        return f"matches with /{route._prefixlen} too, but its metric {route.metric} is higher than {winner.metric}"
    return (f"matches with /{route._prefixlen} and metric {route.metric} too, but the chosen route comes first "
            "(installed first, or prepended)")
