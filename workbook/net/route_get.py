"""A host's answer to "how would you send to D?" (chapter 2).

Where :class:`~workbook.net.decision.LookupDecision` is about one table,
:class:`RouteGet` is about a whole host: which interface, which gateway,
which *source address*, and what kind of destination it is — the questions
Linux answers with ``ip route get``. With an ``input_interface`` it answers
for a datagram that *arrived* there (``ip route get D from S iif X``):
delivered locally, forwarded, or refused.

Like a decision, a RouteGet is a value: later edits never change it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import netaddr

from workbook.net.decision import LookupDecision
from workbook.net.routes import Route

__all__ = ["REASONS", "DestinationKind", "RouteGet"]

#: Why a datagram cannot be routed, as ``ip route get`` reports it (the errno's text, lower case).
REASONS = {
    "network unreachable": "Network is unreachable",  # ENETUNREACH: no route (or a throw route)
    "host unreachable": "No route to host",  # EHOSTUNREACH: an unreachable route; not a router
    "invalid argument": "Invalid argument",  # EINVAL: a blackhole route; a martian; rp_filter
    "permission denied": "Permission denied",  # EACCES: a prohibit route
}


class DestinationKind(enum.StrEnum):
    """What the host will do with the datagram."""

    UNICAST = "unicast"  # send it to one other host, maybe through a gateway
    LOCAL = "local"  # it is addressed to this host: loop it back
    BROADCAST = "broadcast"  # every host on a link
    MULTICAST = "multicast"  # a host group (RFC 1112)
    UNREACHABLE = "unreachable"  # no route: ICMP destination unreachable


@dataclass(frozen=True)
class RouteGet:
    """How one host would send a datagram to ``destination``.

    ``interface`` is the outgoing interface's *name* (``None`` when
    unreachable), ``gateway`` the router the frame is addressed to (``None``
    when the destination is on-link, or for broadcast and multicast, whose
    frames go straight to a group address), ``source`` the source address the
    datagram carries.
    """

    host: str
    personality: str
    destination: netaddr.IPAddress
    kind: DestinationKind
    interface: str | None
    gateway: netaddr.IPAddress | None
    source: netaddr.IPAddress | None
    route: Route | None = None
    lookup: LookupDecision | None = None
    notes: tuple[str, ...] = field(default=())
    source_interface: str | None = None
    #: For ``unreachable``: one of :data:`REASONS` ("network unreachable", ...).
    reason: str | None = None
    #: The interface the datagram arrived on, for a forwarding decision; None for one this host sends.
    input_interface: str | None = None

    @property
    def reachable(self) -> bool:
        return self.kind is not DestinationKind.UNREACHABLE

    @property
    def next_hop(self) -> netaddr.IPAddress | None:
        """Whose hardware address the frame is sent to (None when unreachable)."""
        if not self.reachable:
            return None
        return self.gateway or self.destination

    @property
    def leaves_with_foreign_source(self) -> bool:
        """True when the datagram leaves one NIC carrying another NIC's address (KB Q175396).

        A firewall that checks source addresses calls such a datagram spoofed.
        """
        return (
            self.reachable
            and self.kind is not DestinationKind.LOCAL
            and self.source_interface is not None
            and self.interface is not None
            and self.source_interface != self.interface
        )

    def explain(self) -> str:
        """The host's reasoning, step by step, then the table's own explanation."""
        verb = "sending to" if self.input_interface is None else f"receiving on {self.input_interface} for"
        head = f"{self.host} ({self.personality}) {verb} {self.destination}: "
        if not self.reachable:
            head += f"unreachable ({self.reason or 'network unreachable'})."
        else:
            via = f"via gateway {self.gateway}" if self.gateway else "directly (no gateway)"
            head += f"{self.kind.value}, out of {self.interface} {via}, source {self.source}."
        lines = [head, *(f"  • {note}" for note in self.notes)]
        if self.leaves_with_foreign_source:
            lines.append(
                f"  • The datagram leaves {self.interface} with the address of {self.source_interface}: "
                "a filter that checks sources may call it spoofed."
            )
        if self.lookup is not None:
            lines.append(self.lookup.explain())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "personality": self.personality,
            "destination": str(self.destination),
            "kind": self.kind.value,
            "interface": self.interface,
            "gateway": None if self.gateway is None else str(self.gateway),
            "source": None if self.source is None else str(self.source),
            "route": None if self.route is None else self.route.as_dict(),
            "notes": list(self.notes),
            "reason": self.reason,
            "input_interface": self.input_interface,
        }

    def __repr__(self) -> str:
        arrived = "" if self.input_interface is None else f" iif {self.input_interface}"
        if not self.reachable:
            return f"<RouteGet {self.destination}{arrived}: unreachable ({self.reason or 'network unreachable'})>"
        via = f" via {self.gateway}" if self.gateway else ""
        return f"<RouteGet {self.kind.value} {self.destination}{via} dev {self.interface} src {self.source}{arrived}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.explain())
