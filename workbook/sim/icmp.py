"""ICMP as a node's protocol: errors back to a sender, redirects, and echo (chapter 4).

Routers and hosts call :meth:`Icmp.send_error` when a datagram dies (no
route, TTL expired, no ARP answer) or when a better first hop exists (a
redirect); no error is ever sent about an ICMP error, nor about a multicast
or broadcast datagram (RFC 1122 3.2.2). A host that receives a redirect
installs a host route through the better gateway; an echo request gets an
echo reply carrying the same data.

>>> from workbook import Network
>>> net = Network.from_scenario("seed-lan")
>>> trace = net.ping("nt-host", "172.17.1.1")
>>> trace.replies[0].datagram.summary()
'172.17.1.1 → 172.16.112.123 TTL 128 Echo (ping) reply'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import netaddr

from workbook.net.addresses import ALL_ONES, format_address, is_multicast
from workbook.net.routes import Route, RouteOrigin
from workbook.sim.frames import IcmpMessage, IcmpType, IPProtocol
from workbook.sim.stack import Protocol, ScenarioKey
from workbook.sim.trace import PathTrace

if TYPE_CHECKING:
    from workbook.sim.frames import IPv4Packet

__all__ = ["Icmp"]


class Icmp(Protocol):
    """One node's ICMP: it reports errors, sends redirects (a router, unless turned off) and answers pings."""

    name = "icmp"
    ip_protocols = (IPProtocol.ICMP,)
    keys = (
        ScenarioKey("redirects", example=False, default=True, kind=bool,
                    help="a router sends ICMP redirects (Linux: net.ipv4.conf.*.send_redirects)"),
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

    def redirect(self, about: IPv4Packet, gateway: int, trace: PathTrace | None) -> None:
        """A router forwarded ``about`` back out of the interface it came in on: tell the sender (if allowed)."""
        if self.redirects:
            self.send_error(about, IcmpType.REDIRECT, 1, trace, gateway=gateway)

    def datagram_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        icmp = packet.icmp
        if icmp is None:
            return
        node = self.node
        if icmp.type is IcmpType.REDIRECT and icmp.gateway is not None and icmp.original:
            self._learn_redirect(icmp)
        elif icmp.is_error and icmp.original is not None:
            node.log_event(f"ICMP from {packet.src}: {icmp.summary()} "
                           f"(about {icmp.original.src} → {icmp.original.dst})")
        if icmp.type is IcmpType.ECHO_REQUEST and interface != "lo":
            reply = IcmpMessage(IcmpType.ECHO_REPLY, 0, None, packet.header(), icmp.data)
            child = PathTrace(node.name, parent=trace) if trace is not None else PathTrace(node.name)
            if trace is not None:
                trace.replies.append(child)
            node.send_datagram(int(packet.src), reply, IPProtocol.ICMP, source=int(packet.dst), trace=child)

    def _learn_redirect(self, icmp: IcmpMessage) -> None:
        node = self.node
        destination, gateway = int(icmp.original.dst), int(icmp.gateway)
        for nic in node.interfaces:
            if nic.on_link(gateway):
                route = Route(format_address(destination), netmask=32, gateway=format_address(gateway),
                              interface=node.personality.interface_label(nic, gateway),
                              metric=node.personality.configured_metric(nic, None), origin=RouteOrigin.REDIRECT)
                node.install_route(route)
                node.log_event(f"ICMP redirect: {format_address(destination)} is now reached "
                               f"via {format_address(gateway)}")
                return
