"""UDP as a node's transport: ports, and what is bound to them (RFC 768).

A datagram for UDP carries a :class:`~workbook.sim.frames.UdpDatagram`:
source port, destination port, data. The node's UDP layer hands it to
whatever is bound to the destination port: a protocol that declares
``udp_ports`` (a routing protocol on 520, a BOOTP relay on 67), or an
application bound with :meth:`Udp.bind`. A datagram for a port nobody
bound is delivered to the host and goes no further.

>>> from workbook import Network
>>> net = Network.from_scenario("seed-lan")
>>> heard = []
>>> net.host("far-host").protocols["udp"].bind(5000, lambda packet, interface, trace: heard.append(packet.udp))
>>> trace = net.send("nt-host", "172.17.1.1", dst_port=5000, payload=b"hello")
>>> heard
[UdpDatagram(src_port=49152, dst_port=5000, payload=b'hello')]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbook.errors import SimulationError
from workbook.ledger import Source, constant
from workbook.sim.frames import IPProtocol, UdpDatagram
from workbook.sim.stack import NodeServices, Protocol

if TYPE_CHECKING:
    from workbook.sim.frames import IPv4Packet
    from workbook.sim.trace import PathTrace

__all__ = ["EPHEMERAL_PORT", "Handler", "Udp", "check_port"]

#: The source port a simulated socket sends from when none is given: the first of IANA's dynamic range.
EPHEMERAL_PORT = constant("UDP: first port of the dynamic (ephemeral) range", 49152, Source.rfc(6335, "6"))
#: What a bound port calls: ``handler(packet, interface, trace)``.
Handler = Callable[["IPv4Packet", str, "PathTrace | None"], Any]


def check_port(port: object, what: str = "port") -> int:
    """A port number 0-65535, or a :class:`SimulationError` that shows one."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 0xFFFF:
        raise SimulationError(f"{what} {port!r} must be a whole number from 0 to 65535; e.g. 520 (RIP)")
    return port


class Udp(Protocol):
    """One node's UDP: the table of bound ports."""

    name = "udp"
    ip_protocols = (IPProtocol.UDP,)

    def __init__(self, node: NodeServices) -> None:
        super().__init__(node)
        self.ports: dict[int, Handler] = {}

    def bind(self, port: int, handler: Handler) -> None:
        """Let ``handler(packet, interface, trace)`` receive every datagram for ``port``."""
        check_port(port)
        if port in self.ports:
            raise SimulationError(f"UDP port {port} of {self.node.name!r} is already bound; unbind it first")
        self.ports[port] = handler

    def unbind(self, port: int) -> None:
        self.ports.pop(port, None)

    def send(self, destination: int, dst_port: int, data: Any = None, src_port: int = EPHEMERAL_PORT,
             source: int | None = None, ttl: int | None = None, trace: PathTrace | None = None) -> PathTrace:
        """Route and send one UDP datagram; returns its trace."""
        datagram = UdpDatagram(check_port(src_port, "source port"), check_port(dst_port, "destination port"), data)
        return self.node.send_datagram(destination, datagram, IPProtocol.UDP, source=source, ttl=ttl, trace=trace)

    def datagram_received(self, packet: IPv4Packet, interface: str, trace: PathTrace | None) -> None:
        udp = packet.udp
        handler = None if udp is None else self.ports.get(udp.dst_port)
        if handler is not None:
            handler(packet, interface, trace)
