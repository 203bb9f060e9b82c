"""The protocols every simulated node runs, in the order they start: one registration line each.

To add a protocol, write its module (a :class:`~workbook.sim.stack.Protocol`
subclass) and add one line here; ``docs/adding-a-protocol.md`` walks through
an example.
"""

from workbook.sim.arp import Arp
from workbook.sim.icmp import Icmp
from workbook.sim.igmp import Igmp
from workbook.sim.rip import Rip
from workbook.sim.stack import PROTOCOLS
from workbook.sim.udp import Udp

__all__ = ["PROTOCOLS"]

PROTOCOLS.register(Arp)
PROTOCOLS.register(Icmp)
PROTOCOLS.register(Udp)
PROTOCOLS.register(Igmp)
PROTOCOLS.register(Rip)
