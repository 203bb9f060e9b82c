"""Hints for wrong answers, derived from the engine's own explanations (never the answer itself)."""

from __future__ import annotations

from workbook.net.decision import LookupDecision, Strategy

__all__ = ["lookup_hint"]


def _next_hop_of(route, destination) -> str:
    return str(destination) if route.on_link else str(route.gateway)


def lookup_hint(decision: LookupDecision, answer: str) -> str:
    """Why the route whose next hop the student gave did not win (or did not match) for this decision.

    >>> from workbook import Route, RouteTable
    >>> table = RouteTable([Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0"),
    ...                     Route("10.0.0.0/8", interface="eth0"),
    ...                     Route("10.1.0.0/16", gateway="10.0.0.9", interface="eth0")])
    >>> lookup_hint(table.lookup("10.1.2.3"), "10.0.0.1")
    'you chose 0.0.0.0/0 (it matches), but a longer prefix matches too: /0 is shorter than the chosen /16'
    """
    destination = decision.destination
    chosen = [c for c in decision.candidates if _next_hop_of(c.route, destination) == answer]
    if not chosen:
        return (f"no route of the table sends {destination} to {answer}; AND the destination with each route's "
                "mask and compare with its network")
    candidate = chosen[0]
    route = candidate.route
    if not candidate.matched:
        return f"you chose {route.network}, but it does not match: {candidate.reason.removeprefix('no match: ')}"
    if candidate.won:  # same next hop as the winner, a different answer only when the winner is on-link
        return "that route is right, but an on-link route's next hop is the destination itself"
    if decision.strategy is Strategy.LONGEST_PREFIX:
        reason = candidate.reason.split(", but ", 1)[-1] if ", but " in candidate.reason else candidate.reason
        if route.prefixlen < decision.route.prefixlen:
            return f"you chose {route.network} (it matches), but a longer prefix matches too: {reason}"
        return f"you chose {route.network}, but {reason}"
    if route.prefixlen > decision.route.prefixlen:
        return (f"you chose {route.network}, the longest match, but this question asks for the classic search "
                f"order (host → subnet → network → default): {candidate.reason}")
    return f"you chose {route.network}: {candidate.reason}"
