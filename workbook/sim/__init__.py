"""The simulation: datagrams crossing segments and routers on a simulated clock (chapters 4 and 5).

Each node runs the protocols of :mod:`workbook.sim.protocols` (ARP, ICMP,
UDP, IGMP) through one seam, :mod:`workbook.sim.stack`. Like
:mod:`workbook.net`, nothing here imports Jupyter, ipywidgets or graphviz,
nor anything of :mod:`workbook.render`, which draws what this package
records (and registers how Jupyter shows networks and traces).
"""

from workbook.sim.arp_cache import ArpCache, ArpEntry
from workbook.sim.clock import Clock
from workbook.sim.frames import (
    ArpPacket,
    Frame,
    GroupRecord,
    IcmpMessage,
    IgmpMessage,
    IPv4Packet,
    RecordType,
    UdpDatagram,
)
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
    "GroupRecord",
    "Hop",
    "IPv4Packet",
    "IcmpMessage",
    "IgmpMessage",
    "LogEntry",
    "Network",
    "Outcome",
    "PathTrace",
    "RecordType",
    "Segment",
    "SimHost",
    "UdpDatagram",
]
