"""The pure model of the IP layer: addresses, routes, route tables, hosts.

Nothing in here imports Jupyter, ipywidgets or graphviz; renderers and
widgets build on it, never the other way round.
"""

from workbook.net.addresses import address_class, bits, classful_prefixlen, parse_address
from workbook.net.cidr import (
    Aggregation,
    Coverage,
    CoveringPrefix,
    SupernetCheck,
    aggregate,
    check_supernet,
    covering_prefix,
    covers,
    is_valid_supernet,
    seed_supernet_example,
)
from workbook.net.decision import Candidate, LookupDecision, Strategy, TableView
from workbook.net.host import Host, Socket
from workbook.net.interfaces import Interface
from workbook.net.personalities import get_personality
from workbook.net.route_get import DestinationKind, RouteGet
from workbook.net.route_table import Disagreement, RouteTable, find_disagreements
from workbook.net.routes import Route, RouteKind, RouteOrigin, RouteType

__all__ = [
    "Aggregation",
    "Candidate",
    "Coverage",
    "CoveringPrefix",
    "DestinationKind",
    "Disagreement",
    "Host",
    "Interface",
    "LookupDecision",
    "Route",
    "RouteGet",
    "RouteKind",
    "RouteOrigin",
    "RouteTable",
    "RouteType",
    "Socket",
    "Strategy",
    "SupernetCheck",
    "TableView",
    "address_class",
    "aggregate",
    "bits",
    "check_supernet",
    "classful_prefixlen",
    "covering_prefix",
    "covers",
    "find_disagreements",
    "get_personality",
    "is_valid_supernet",
    "parse_address",
    "seed_supernet_example",
]
