"""What a route lookup decided, and why (chapter 1).

A :class:`LookupDecision` is the answer to "where does a datagram to D go?":
the winning route, the next hop and the interface. Its explanation, every
route considered and the reason it won or lost, is computed only when asked
for (``.candidates`` or ``.explain()``), so plain lookups stay fast.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.net.addresses import MASKS, format_address
from workbook.net.routes import Route, RouteKind

if TYPE_CHECKING:
    from workbook.net.route_table import RouteTable

__all__ = ["CLASSIC_STEPS", "Candidate", "LookupDecision", "Strategy"]


class Strategy(enum.StrEnum):
    """How a table picks among matching routes."""

    #: The NT text's search order: host, then subnet, then network, then default.
    CLASSIC = "classic"
    #: Longest matching prefix, then lowest metric, then first installed (RFC 1812 5.2.4.3).
    LONGEST_PREFIX = "longest-prefix"


#: The classic search order, step by step. A supernet has no step.
CLASSIC_STEPS: dict[RouteKind, int] = {
    RouteKind.HOST: 1,
    RouteKind.SUBNET: 2,
    RouteKind.NETWORK: 3,
    RouteKind.DEFAULT: 4,
}


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


class LookupDecision:
    """The result of ``RouteTable.lookup``: a route (or none) and the reasoning.

    >>> from workbook import RouteTable, Route
    >>> table = RouteTable([Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0"),
    ...                     Route("10.0.0.0/8", interface="eth0")])
    >>> decision = table.lookup("10.1.2.3")
    >>> decision.route.prefixlen, decision.next_hop, decision.rule
    (8, IPAddress('10.1.2.3'), 'longest prefix')
    """

    __slots__ = ("_candidates", "_destination", "route", "strategy", "table", "where", "why_not")

    def __init__(
        self,
        table: RouteTable,
        destination: int,
        strategy: Strategy,
        route: Route | None,
        where: Callable[[Route], bool] | None = None,
        why_not: str = "",
    ) -> None:
        self.table = table
        self._destination = destination
        self.strategy = strategy
        self.route = route
        self.where = where
        self.why_not = why_not
        self._candidates: list[Candidate] | None = None

    @property
    def destination(self) -> netaddr.IPAddress:
        return netaddr.IPAddress(self._destination)

    @property
    def reachable(self) -> bool:
        """False when no route matched: the datagram cannot be sent."""
        return self.route is not None

    @property
    def gateway(self) -> netaddr.IPAddress | None:
        """The router the datagram is handed to, or None when on-link (or unreachable)."""
        if self.route is None or self.route.on_link:
            return None
        return self.route.gateway

    @property
    def next_hop(self) -> netaddr.IPAddress | None:
        """Whose MAC address the frame carries: the gateway, or the destination itself when on-link."""
        if self.route is None:
            return None
        return self.gateway or netaddr.IPAddress(self._destination)

    @property
    def interface(self) -> str | None:
        """The interface column of the winning route."""
        return None if self.route is None else self.route.interface

    # The explanation ---------------------------------------------------------
    def _matching(self) -> list[Route]:
        destination, where = self._destination, self.where
        return [
            r for r in self.table
            if destination & MASKS[r._prefixlen] == r._network and (where is None or where(r))
        ]

    @property
    def rule(self) -> str:
        """The rule that decided: 'only match', 'longest prefix', 'lowest metric', 'installed first',
        or for the classic order 'classic step N (kind)'; 'no route' when nothing matched."""
        route = self.route
        if route is None:
            return "no route"
        if self.strategy is Strategy.CLASSIC:
            return f"classic step {CLASSIC_STEPS[route.kind]} ({route.kind.value} route)"
        matching = self._matching()
        if len(matching) == 1:
            return "only match"
        same_length = [r for r in matching if r._prefixlen == route._prefixlen]
        if len(same_length) == 1:
            return "longest prefix"
        if sum(r.metric == route.metric for r in same_length) == 1:
            return "lowest metric"
        return "installed first"

    @property
    def candidates(self) -> list[Candidate]:
        """Every route of the table, in table order, with whether it matched and why it won or lost."""
        if self._candidates is None:
            self._candidates = [self._judge(route) for route in self.table]
        return self._candidates

    def _judge(self, route: Route) -> Candidate:
        destination = self._destination
        winner = self.route
        matched = destination & MASKS[route._prefixlen] == route._network
        if not matched:
            return Candidate(
                route, False, False, f"no match: {_and_line(destination, route)}, not {format_address(route._network)}"
            )
        if self.where is not None and not self.where(route):
            return Candidate(route, True, False, f"matches, but not considered: {self.why_not}")
        length = f"/{route._prefixlen}"
        if route is winner or route == winner:
            if self.strategy is Strategy.CLASSIC:
                step = CLASSIC_STEPS[route.kind]
                reason = f"matches ({_and_line(destination, route)}): chosen at step {step}, {route.kind.value} routes"
            else:
                reason = f"matches ({_and_line(destination, route)}): chosen, {self.rule} ({length})"
            return Candidate(route, True, True, reason)
        assert winner is not None
        if self.strategy is Strategy.CLASSIC:
            kind = route.kind
            if kind is RouteKind.SUPERNET:
                return Candidate(route, True, False, (
                    f"matches, but it is a supernet route ({length} is shorter than its class): "
                    "the host → subnet → network → default order has no step for it"
                ))
            step, winning_step = CLASSIC_STEPS[kind], CLASSIC_STEPS[winner.kind]
            if step > winning_step:
                return Candidate(route, True, False, (
                    f"matches, but it is a {kind.value} route (step {step}); the search stopped at "
                    f"step {winning_step}, {winner.kind.value} routes"
                ))
        return Candidate(route, True, False, _tie_reason(route, winner))

    def explain(self) -> str:
        """The decision as a short text a teacher would write on the board."""
        lines = [f"Destination {self.destination}, strategy {self.strategy.value}:"]
        for candidate in self.candidates:
            mark = "→" if candidate.won else ("✓" if candidate.matched else "✗")
            lines.append(f"  {mark} {candidate.route}: {candidate.reason}")
        if self.route is None:
            lines.append("No route matches: the datagram cannot be sent (destination unreachable).")
        else:
            via = "on-link, straight to the destination" if self.gateway is None else f"to gateway {self.gateway}"
            lines.append(
                f"Decision: {self.route.network} ({self.rule}) — out through {self.interface}, {via}."
            )
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

    def __repr__(self) -> str:
        if self.route is None:
            return f"<LookupDecision {self.destination}: no route>"
        return f"<LookupDecision {self.destination} → {self.route} ({self.rule})>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the explanation
        printer.text(self.explain())


def _tie_reason(route: Route, winner: Route) -> str:
    if route._prefixlen < winner._prefixlen:
        return f"matches, but /{route._prefixlen} is shorter than the chosen /{winner._prefixlen}"
    if route._prefixlen > winner._prefixlen:  # only the classic order can pass over a longer prefix
        return f"matches with /{route._prefixlen}, longer than the chosen /{winner._prefixlen}"
    if route.metric > winner.metric:
        return f"matches with /{route._prefixlen} too, but its metric {route.metric} is higher than {winner.metric}"
    return f"matches with /{route._prefixlen} and metric {route.metric} too, but the chosen route was installed first"
