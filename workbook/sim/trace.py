"""The story of one datagram: a :class:`PathTrace` of :class:`Hop` values (chapter 4).

Each hop is one node's part: the routing decision it made from its own
table, the ARP exchange it needed, the frame it put on the wire (new MAC
addresses at every hop) and the IP header inside (the same addresses end to
end, one TTL less per router). A trace ends *delivered*, or *dropped* with a
:class:`DropReason`: a drop is data to look at, not an exception.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import netaddr

from workbook.net.decision import LookupDecision
from workbook.net.route_get import RouteGet
from workbook.sim.frames import Frame, IcmpMessage, IPv4Packet

__all__ = ["ArpResolution", "DropReason", "Hop", "Outcome", "PathTrace"]


class Outcome(enum.StrEnum):
    """What a node did with the datagram."""

    SENT = "sent"  # the first host put it on a wire
    FORWARDED = "forwarded"  # a router sent it on
    DELIVERED = "delivered"  # it reached a host it was addressed to
    DROPPED = "dropped"


class DropReason(enum.StrEnum):
    """Why a datagram died. Compare with strings or members: ``trace.drop_reason == "ttl expired"``."""

    NO_ROUTE = "no route"
    TTL_EXPIRED = "ttl expired"
    ARP_NO_ANSWER = "arp got no answer"
    SPOOFED_SOURCE = "anti-spoofing filter"
    NOT_FOR_THIS_HOST = "not for this host"
    STRONG_HOST = "strong host model"
    IP_DISABLED = "ip disabled"
    UNPLUGGED = "unplugged"
    NOT_A_MEMBER = "not a group member"
    NO_MULTICAST = "no multicast support"
    NO_RECEIVER = "no receiver"
    DISCARDED = "discarded"  # taken in, then thrown away by the protocol it was for (a relay past its hops limit)


@dataclass
class ArpResolution:
    """How a node learned the hardware address of the next hop: a cache hit, or requests and a reply."""

    next_hop: netaddr.IPAddress
    interface: str
    cache_hit: bool
    mac: netaddr.EUI | None = None
    requests: list[Frame] = field(default_factory=list)
    reply: Frame | None = None

    @property
    def answered(self) -> bool:
        return self.mac is not None

    def explain(self) -> str:
        if self.cache_hit:
            return f"ARP cache hit: {self.next_hop} is at {self.mac}"
        if self.reply is not None:
            tries = f" after {len(self.requests)} requests" if len(self.requests) > 1 else ""
            return f"ARP: asked who has {self.next_hop} on {self.interface}; {self.mac} answered{tries}"
        if self.requests:
            return f"ARP: asked {len(self.requests)} times who has {self.next_hop} on {self.interface}; no answer"
        return f"ARP: resolving {self.next_hop} on {self.interface}"


@dataclass
class Hop:
    """One node's part in a datagram's journey.

    ``interface`` is where the datagram left the node (or, for the last hop,
    where it arrived); ``in_interface`` where it arrived (None at the
    sender); ``ip`` the header as this node sent it on (TTL already
    decremented) or as it arrived at the last hop.
    """

    node: str
    time: float
    ip: IPv4Packet
    outcome: Outcome
    interface: str | None = None
    in_interface: str | None = None
    decision: RouteGet | LookupDecision | None = None
    arp: ArpResolution | None = None
    frame: Frame | None = None
    drop_reason: DropReason | None = None
    detail: str = ""

    @property
    def dropped(self) -> bool:
        return self.outcome is Outcome.DROPPED

    def drop(self, reason: DropReason, detail: str) -> None:
        self.outcome = Outcome.DROPPED
        self.drop_reason = reason
        self.detail = detail

    def explain(self) -> str:
        where = f" on {self.in_interface}" if self.in_interface else ""
        head = f"{self.node}{where}: {self.outcome.value}"
        if self.interface and self.outcome in (Outcome.SENT, Outcome.FORWARDED):
            head += f" out of {self.interface}"
        head += f" (TTL {self.ip.ttl})"
        lines = [head]
        if isinstance(self.decision, RouteGet) and self.decision.route is not None:
            rule = self.decision.lookup.rule if self.decision.lookup else ""
            lines.append(f"    route: {self.decision.route} — {rule}")
        if self.arp is not None:
            lines.append(f"    {self.arp.explain()}")
        if self.frame is not None:
            lines.append(f"    frame: {self.frame.eth_src} → {self.frame.eth_dst} on {self.frame.segment}")
        if self.detail:
            lines.append(f"    {self.detail}")
        return "\n".join(lines)


class PathTrace:
    """Everything that happened to one datagram, in order.

    ``hops`` follow the datagram itself; ``frames`` are every frame its
    journey put on a wire (ARP included) in time order; ``icmp`` is the
    ICMP error or redirect a node sent back about it, whose own journey is
    ``replies[0]``.
    """

    def __init__(self, sender: str, parent: PathTrace | None = None) -> None:
        self.sender = sender
        self.parent = parent
        self.datagram: IPv4Packet | None = None
        self.hops: list[Hop] = []
        self.replies: list[PathTrace] = []
        self.icmp: IcmpMessage | None = None
        self.pending = 0
        self._frames: list[Frame] = []

    # Built by the simulator ---------------------------------------------------
    @property
    def root(self) -> PathTrace:
        trace = self
        while trace.parent is not None:
            trace = trace.parent
        return trace

    def record_frame(self, frame: Frame) -> None:
        self._frames.append(frame)

    def record_frame_once(self, frame: Frame) -> None:
        """Record ``frame`` unless this trace already holds it (an ARP reply several datagrams waited for)."""
        if not any(seen is frame for seen in self._frames):
            self._frames.append(frame)

    @property
    def busy(self) -> bool:
        return self.pending > 0 or any(reply.busy for reply in self.replies)

    # Read by learners, renderers and tests -------------------------------------
    @property
    def frames(self) -> list[Frame]:
        """Every frame put on a wire for this datagram, ARP and ICMP replies included, in time order."""
        frames = list(self._frames)
        for reply in self.replies:
            frames += reply.frames
        return sorted(frames, key=lambda f: f.time)

    def write_pcap(self, path: str | Path) -> Path:
        """Write this trace's frames as a pcap file for Wireshark."""
        from workbook.sim.pcap import write_pcap

        return write_pcap(self.frames, path)

    @property
    def delivered(self) -> bool:
        return any(h.outcome is Outcome.DELIVERED for h in self.hops)

    @property
    def receivers(self) -> list[str]:
        """The nodes the datagram was delivered to (several for broadcast and multicast)."""
        return [h.node for h in self.hops if h.outcome is Outcome.DELIVERED]

    @property
    def drop(self) -> Hop | None:
        """The hop where the datagram died (None when it was delivered or is still travelling)."""
        if self.delivered:
            return None
        for hop in reversed(self.hops):
            if hop.dropped:
                return hop
        return None

    @property
    def drop_reason(self) -> DropReason | None:
        """Why the datagram was not delivered; None when it was."""
        if self.delivered:
            return None
        hop = self.drop
        if hop is not None:
            return hop.drop_reason
        return DropReason.NO_RECEIVER if self.hops else None

    @property
    def routers(self) -> list[str]:
        """The routers the datagram went through, in order (a name twice means a loop).

        A router counts when it forwarded the datagram, or when the TTL ran out there (only routers
        decrement it); a multicast router that copies it out of several interfaces counts once per copy.
        """
        return [h.node for h in self.hops if h.outcome is Outcome.FORWARDED or h.drop_reason is DropReason.TTL_EXPIRED]

    def explain(self) -> str:
        """The journey, hop by hop, as a teacher would tell it."""
        if self.datagram is None:
            return f"{self.sender}: nothing was sent"
        lines = [f"{self.datagram.summary()} from {self.sender}:"]
        lines += [hop.explain() for hop in self.hops]
        if self.delivered:
            lines.append(f"Delivered to {', '.join(self.receivers)}.")
        elif self.drop_reason is not None:
            drop = self.drop
            lines.append(f"Dropped: {self.drop_reason.value}" + (f" at {drop.node}" if drop else "") + ".")
        if self.icmp is not None:
            lines.append(f"ICMP back to the sender: {self.icmp.summary()}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for tests and autograders."""
        return {
            "sender": self.sender,
            "datagram": None if self.datagram is None else self.datagram.summary(),
            "delivered": self.delivered,
            "drop_reason": None if self.drop_reason is None else self.drop_reason.value,
            "hops": [
                {
                    "node": h.node,
                    "in_interface": h.in_interface,
                    "interface": h.interface,
                    "outcome": h.outcome.value,
                    "ttl": h.ip.ttl,
                    "eth_src": None if h.frame is None else str(h.frame.eth_src),
                    "eth_dst": None if h.frame is None else str(h.frame.eth_dst),
                    "detail": h.detail,
                }
                for h in self.hops
            ],
            "icmp": None if self.icmp is None else self.icmp.summary(),
        }

    def __repr__(self) -> str:
        state = "delivered" if self.delivered else f"dropped ({self.drop_reason})" if self.drop_reason else "open"
        what = self.datagram.summary() if self.datagram else "nothing"
        return f"<PathTrace {what}: {len(self.hops)} hops, {state}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.explain())
