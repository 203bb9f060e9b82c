"""Hypothesis strategies for addresses, routes and tables, shared by the engine's tests."""

from __future__ import annotations

from hypothesis import strategies as st

from workbook import Route, RouteTable
from workbook.net.addresses import MASKS

addresses = st.integers(min_value=0, max_value=0xFFFFFFFF)
interfaces = st.sampled_from(["eth0", "eth1", "eth2"])


@st.composite
def routes(draw: st.DrawFn, max_metric: int = 3) -> Route:
    """A route with a random prefix (host bits cleared), gateway, interface and a small metric."""
    prefixlen = draw(st.integers(0, 32))
    network = draw(addresses) & MASKS[prefixlen]
    gateway = draw(st.one_of(st.none(), addresses))
    return Route._trusted(network, prefixlen, gateway, draw(interfaces), draw(st.integers(1, max_metric)))


@st.composite
def tables(draw: st.DrawFn, min_size: int = 0, max_size: int = 25) -> RouteTable:
    """A table of distinct routes; many share prefixes so that metric and order ties happen."""
    pool = draw(st.lists(routes(), min_size=1, max_size=8))
    chosen = draw(st.lists(st.sampled_from(pool) | routes(), min_size=min_size, max_size=max_size))
    table = RouteTable()
    for route in chosen:
        if route[:4] not in {r[:4] for r in table}:
            table.add(route, check_gateway=False)
    return table


def destinations_for(table: RouteTable) -> st.SearchStrategy[int]:
    """Addresses at route edges (first, last, one outside) or anywhere."""
    edges = [a for r in table for a in (r.first_address, r.last_address, r.first_address - 1, r.last_address + 1)]
    edges = [a for a in edges if 0 <= a <= 0xFFFFFFFF]
    return st.sampled_from(edges) | addresses if edges else addresses
