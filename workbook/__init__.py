"""IP Workbook: a faithful, explainable simulation of the IP layer for teaching.

>>> import workbook as wb
>>> table = wb.RouteTable([wb.Route("0.0.0.0/0", gateway="10.0.0.1", interface="eth0"),
...                        wb.Route("10.0.0.0/8", interface="eth0")])
>>> table.lookup("192.0.2.7").gateway
IPAddress('10.0.0.1')
"""

import workbook.render  # noqa: F401  (lets Jupyter show networks and traces as diagrams; graphviz loads lazily)
from workbook.errors import WorkbookError
from workbook.net import (
    Candidate,
    DestinationKind,
    Disagreement,
    Host,
    Interface,
    LookupDecision,
    Route,
    RouteGet,
    RouteKind,
    RouteOrigin,
    RouteTable,
    RouteType,
    Socket,
    Strategy,
    address_class,
    aggregate,
    bits,
    check_supernet,
    classful_prefixlen,
    covering_prefix,
    covers,
    find_disagreements,
    get_personality,
    is_valid_supernet,
    seed_supernet_example,
)
from workbook.net.multicast import group_scope, groups_sharing_mac, is_forwardable, multicast_mac
from workbook.sim import Network, PathTrace

__version__ = "0.1.0"

__all__ = [
    "Candidate",
    "DestinationKind",
    "Disagreement",
    "Host",
    "Interface",
    "LookupDecision",
    "Network",
    "PathTrace",
    "Route",
    "RouteGet",
    "RouteKind",
    "RouteOrigin",
    "RouteTable",
    "RouteType",
    "Socket",
    "Strategy",
    "WorkbookError",
    "address_class",
    "aggregate",
    "bits",
    "check_supernet",
    "classful_prefixlen",
    "covering_prefix",
    "covers",
    "find_disagreements",
    "get_personality",
    "group_scope",
    "groups_sharing_mac",
    "is_forwardable",
    "is_valid_supernet",
    "multicast_mac",
    "seed_supernet_example",
]
