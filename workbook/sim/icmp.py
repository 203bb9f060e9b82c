"""ICMP as a node's protocol: errors back to a sender, redirects, and echo (chapter 4).

Routers and hosts call :meth:`Icmp.send_error` when a datagram dies (no
route, TTL expired, no ARP answer) or when a better first hop exists (a
redirect); no error is ever sent about an ICMP error, nor about a multicast
or broadcast datagram (RFC 1122 3.2.2). An echo request gets an echo reply
carrying the same data.

Redirects (chapter 6): a router that forwards a datagram back out of the
interface it came in on redirects the sender, if ``redirects`` is on and the
sender is its neighbour (:meth:`Icmp.redirect`). A host installs a host route
through the better gateway only if it does not forward, ``accept_redirects``
is on, the redirect comes from its current first hop and names a usable
gateway (:meth:`Icmp.redirect_refused` says why not, in the host's log):

>>> from workbook import Network
>>> net = Network.from_scenario("redirect-lan")
>>> [net.send("pc", "10.9.0.5").routers for _ in range(2)]
[['r1', 'r2'], ['r2']]
>>> net = Network.from_scenario("redirect-lan", personality="linux")
>>> [net.send("pc", "10.9.0.5").routers for _ in range(3)]
[['r1', 'r2'], ['r1', 'r2'], ['r2']]

Linux takes the redirect only once it knows the new gateway's MAC: the first
one makes it ask by ARP (``tests/kernel/test_redirects.py`` observes it).

>>> net = Network.from_scenario("seed-lan")
>>> trace = net.ping("nt-host", "172.17.1.1")
>>> trace.replies[0].datagram.summary()
'172.17.1.1 → 172.16.112.123 TTL 128 Echo (ping) reply'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import netaddr

from workbook.net.addresses import ALL_ONES, MASKS, format_address, is_multicast
from workbook.net.routes import Route, RouteOrigin
from workbook.sim.frames import IcmpMessage, IcmpType, IPProtocol
from workbook.sim.stack import Protocol, ScenarioKey
from workbook.sim.trace import PathTrace

if TYPE_CHECKING:
    from workbook.net.interfaces import Interface
    from workbook.sim.frames import IPv4Packet

__all__ = ["Icmp"]


class Icmp(Protocol):
    """One node's ICMP: it reports errors, sends redirects (a router, unless turned off) and answers pings."""

    name = "icmp"
    ip_protocols = (IPProtocol.ICMP,)
    keys = (
        ScenarioKey("redirects", example=False, default=lambda node: node.personality.sends_redirects, kind=bool,
                    help="a router sends ICMP redirects (Linux: net.ipv4.conf.*.send_redirects)"),
        ScenarioKey("accept_redirects", example=False, default=lambda node: node.personality.accepts_redirects,
                    kind=bool, omit_when_default=True,
                    help="a host changes its routes on an ICMP redirect (Linux: net.ipv4.conf.*.accept_redirects; "
                         "NT and Windows: EnableICMPRedirect)"),
    )

    def send_error(self, about: IPv4Packet, icmp_type: IcmpType, code: int, trace: PathTrace | None,
                   gateway: int | None = None) -> None:
        """Tell the sender of ``about`` what went wrong (or, for a redirect, of a better first hop)."""
        if about.icmp is not None and about.icmp.is_error:
            return
        if is_multicast(int(about.dst)) or int(about.dst) == ALL_ONES or int(about.src) == 0:
            return
        message = IcmpMessage(icmp_type, code, None if gateway is None else netaddr.IPAddress(gateway),
                              about.header())
        child = PathTrace(self.node.name, parent=trace) if trace is not None else PathTrace(self.node.name)
        if trace is not None:
            trace.icmp = message
            trace.replies.append(child)
        self.node.send_datagram(int(about.src), message, IPProtocol.ICMP, trace=child)

    def redirect(self, about: IPv4Packet, gateway: int, trace: PathTrace | None, nic: Interface | None = None
                 ) -> None:
        """A router forwards ``about`` back out of ``nic``, where it came in, to ``gateway``: tell the sender.

        Only with ``redirects`` on, and only when the sender is a neighbour: on the next hop's subnet (RFC 1812
        §5.2.7.2), or anywhere on the link for Linux (``redirect_send_rule``).
        """
        if not self.redirects:
            return
        source = int(about.src)
        if nic is not None:
            if self.node.personality.redirect_send_rule == "source on the link":
                if not nic.on_link(source):
                    return
            elif not any(int(a.ip) & MASKS[a.prefixlen] == source & MASKS[a.prefixlen] == gateway & MASKS[a.prefixlen]
                         for a in nic.addresses):
                return
        self.send_error(about, IcmpType.REDIRECT, 1, trace, gateway=gateway)

    def datagram_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        icmp = packet.icmp
        if icmp is None:
            return
        node = self.node
        if icmp.type is IcmpType.REDIRECT and icmp.gateway is not None and icmp.original:
            self._learn_redirect(packet, icmp, interface)
        elif icmp.is_error and icmp.original is not None:
            node.log_event(f"ICMP from {packet.src}: {icmp.summary()} "
                           f"(about {icmp.original.src} → {icmp.original.dst})")
        if icmp.type is IcmpType.ECHO_REQUEST and interface != "lo":
            reply = IcmpMessage(IcmpType.ECHO_REPLY, 0, None, packet.header(), icmp.data)
            child = PathTrace(node.name, parent=trace) if trace is not None else PathTrace(node.name)
            if trace is not None:
                trace.replies.append(child)
            node.send_datagram(int(packet.src), reply, IPProtocol.ICMP, source=int(packet.dst), trace=child)

    def redirect_refused(self, sender: int, icmp: IcmpMessage, interface: str) -> str | None:
        """Why this node ignores a redirect from ``sender`` that arrived on ``interface``; None when it takes it.

        RFC 1122 §3.2.2.2 and §3.3.1.2 for a host: only from the current first hop for the destination, only
        for a new gateway on the subnet the redirect came through; a router (forwarding on) never takes one
        (RFC 1812 §5.2.7.2). Linux (``redirect_gateway_rule`` 'known neighbour', its default shared_media) asks
        instead that the new gateway be a unicast address whose MAC it already knows.
        """
        node = self.node
        destination, gateway = int(icmp.original.dst), int(icmp.gateway)
        if node.forwarding:
            return f"{node.name} forwards (a router): it does not take redirects"
        if not self.accept_redirects:
            return "accept_redirects is off"
        if interface == "lo":
            return "it came from this host itself"
        decision = node.route_get(format_address(destination))
        first_hop = None if not decision.reachable or decision.next_hop is None else int(decision.next_hop)
        if first_hop != sender or decision.interface != interface:
            return (f"it comes from {format_address(sender)}, not from the current first hop for "
                    f"{format_address(destination)} ({'none' if first_hop is None else format_address(first_hop)})")
        if gateway == sender:
            return "the new gateway is the router that sent it"
        if gateway == 0 or gateway == ALL_ONES or is_multicast(gateway) or node.owner_of(gateway) is not None:
            return f"{format_address(gateway)} cannot be a gateway"
        nic = node.interface(interface)
        if any(gateway == int(a.broadcast) for a in nic.addresses if a.prefixlen < 31):
            return f"{format_address(gateway)} is the subnet broadcast address, not a gateway"
        if node.personality.redirect_gateway_rule == "on-link":
            if not nic.on_link(gateway):
                return f"the new gateway {format_address(gateway)} is not on the subnet of {interface}"
            return None
        arp = node.protocols["arp"]
        if arp.cache.lookup(interface, gateway) is None:
            arp.solicit(nic, gateway)
            return (f"the MAC of the new gateway {format_address(gateway)} is not known yet: "
                    f"{node.name} asks for it by ARP and takes the next redirect")
        return None

    def _learn_redirect(self, packet: IPv4Packet, icmp: IcmpMessage, interface: str) -> None:
        node = self.node
        destination, gateway = int(icmp.original.dst), int(icmp.gateway)
        refused = self.redirect_refused(int(packet.src), icmp, interface)
        if refused is not None:
            node.log_event(f"ICMP redirect from {packet.src} for {format_address(destination)} ignored: {refused}")
            return
        nic = node.interface(interface)
        route = Route(format_address(destination), netmask=32, gateway=format_address(gateway),
                      interface=node.personality.interface_label(nic, gateway),
                      metric=node.personality.configured_metric(nic, None), origin=RouteOrigin.REDIRECT)
        node.install_route(route)
        node.log_event(f"ICMP redirect: {format_address(destination)} is now reached "
                       f"via {format_address(gateway)}")
