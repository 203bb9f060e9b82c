"""What every stack personality shares (chapter 2).

A personality is a real stack's way of building automatic routes, choosing
among routes and choosing a source address. The engine has three:
``nt4`` (the seed texts), ``windows`` (Vista and later) and ``linux``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import netaddr

from workbook.net.addresses import ALL_ONES, MASKS, is_loopback, is_multicast
from workbook.net.decision import Strategy
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.routes import Route

if TYPE_CHECKING:
    from workbook.net.host import Host
    from workbook.net.interfaces import Interface

__all__ = ["Personality"]


class Personality:
    """The behaviour of one TCP/IP stack. Subclasses fill in the details."""

    name: ClassVar[str]
    title: ClassVar[str]
    strategy: ClassVar[Strategy]
    #: "weak" or "strong" end system, RFC 1122 3.3.4.2.
    host_model: ClassVar[str]
    route_print_style: ClassVar[str] = "nt4"
    persistent_routes_survive_restart: ClassVar[bool] = True
    default_metric: ClassVar[int] = 1
    #: True when the interface column of a route holds an address (Windows), False for a name (Linux).
    names_interfaces_by_address: ClassVar[bool] = True

    # Building the tables ------------------------------------------------------
    def interface_label(self, interface: Interface, near: int | None = None) -> str:
        """How this stack's route table names ``interface``: by its name or by an address.

        ``near``, when given, picks the interface's address on the same subnet.
        """
        if not self.names_interfaces_by_address:
            return interface.name
        address = interface.address_on_link_with(near) if near is not None else None
        address = address or interface.primary_address
        return interface.name if address is None else str(address)

    def automatic_routes(self, host: Host) -> list[Route]:
        """The routes the stack installs by itself when it starts."""
        raise NotImplementedError

    def local_routes(self, host: Host) -> list[Route]:
        """Routes of a separate local table (Linux); none elsewhere."""
        return []

    def configured_metric(self, interface: Interface, metric: int | None) -> int:
        """The metric a configured route gets in the table."""
        return self.default_metric if metric is None else metric

    def default_gateway_metric(self, interface: Interface) -> int:
        """The metric of the default route made from an interface's "Default Gateway" setting."""
        return self.default_metric

    def automatic_route_order(self, routes: list[Route]) -> list[Route]:
        """The order in which the stack installs its automatic and configured routes."""
        return routes

    # Answering ----------------------------------------------------------------
    def route_get(self, host: Host, destination: int, source: int | None) -> RouteGet:
        raise NotImplementedError

    @staticmethod
    def classify(host: Host, destination: int) -> DestinationKind:
        """Local, broadcast, multicast or unicast, from the host's own addresses."""
        if is_loopback(destination) or host.owner_of(destination) is not None:
            return DestinationKind.LOCAL
        if destination == ALL_ONES:
            return DestinationKind.BROADCAST
        if is_multicast(destination):
            return DestinationKind.MULTICAST
        for interface in host.interfaces:
            for address in interface.addresses:
                if address.prefixlen < 31 and destination == int(address.broadcast):
                    return DestinationKind.BROADCAST
        return DestinationKind.UNICAST

    @staticmethod
    def unreachable(host: Host, destination: int, notes: tuple[str, ...], lookup: object = None) -> RouteGet:
        return RouteGet(
            host=host.name,
            personality=host.personality.name,
            destination=netaddr.IPAddress(destination),
            kind=DestinationKind.UNREACHABLE,
            interface=None,
            gateway=None,
            source=None,
            lookup=lookup,  # type: ignore[arg-type]
            notes=notes,
        )

    @staticmethod
    def same_subnet_address(interface: Interface, address: int) -> int | None:
        for own in interface.addresses:
            if int(own.ip) & MASKS[own.prefixlen] == address & MASKS[own.prefixlen]:
                return int(own.ip)
        return None

    def __repr__(self) -> str:
        return f"<Personality {self.name}: {self.title}>"
