"""The simulation: datagrams crossing segments and routers on a simulated clock (chapters 4 and 5).

Like :mod:`workbook.net`, nothing here imports Jupyter, ipywidgets or
graphviz; :mod:`workbook.render` draws what this package records.
"""

from workbook.sim.arp import ArpCache, ArpEntry
from workbook.sim.clock import Clock
from workbook.sim.frames import ArpPacket, Frame, IcmpMessage, IgmpMessage, IPv4Packet
from workbook.sim.network import LogEntry, Network, Segment
from workbook.sim.node import SimHost
from workbook.sim.trace import ArpResolution, DropReason, Hop, Outcome, PathTrace

__all__ = [
    "ArpCache",
    "ArpEntry",
    "ArpPacket",
    "ArpResolution",
    "Clock",
    "DropReason",
    "Frame",
    "Hop",
    "IPv4Packet",
    "IcmpMessage",
    "IgmpMessage",
    "LogEntry",
    "Network",
    "Outcome",
    "PathTrace",
    "Segment",
    "SimHost",
]
