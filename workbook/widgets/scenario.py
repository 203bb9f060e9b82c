"""Hosts and tables as scenario dicts, including the routes a learner added by hand (chapters 1 and 2).

:meth:`Host.to_dict` returns a host's *configuration*; routes typed into the
editor or added with ``host.route("add ...")`` are not part of it. These
helpers add them, so a saved scenario reloads into the same table:

>>> from workbook import Host
>>> host = Host.from_scenario("seed-host")
>>> _ = host.route("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRIC 2")
>>> data = host_scenario(host)
>>> [r["destination"] for r in data["routes"]]
['10.0.0.0/8']
>>> Host.from_dict(data).table.lookup("10.1.1.1").next_hop
IPAddress('172.16.112.9')
"""

from __future__ import annotations

from typing import Any

from workbook.errors import ScenarioError, WorkbookError
from workbook.net.host import Host
from workbook.net.route_table import RouteTable
from workbook.net.routes import Route, RouteOrigin
from workbook.net.schema import ROUTE, SAVED_ROUTE, TABLE, at

__all__ = ["host_scenario", "table_from_scenario", "table_scenario"]


def _configured(host: Host) -> set[Route]:
    """The routes the host's configuration alone builds (what a restart would give)."""
    return set(Host.from_dict(host.to_dict(), personality=host.personality).table)


def host_scenario(host: Host) -> dict[str, Any]:
    """``host.to_dict()`` plus every route in its table that its configuration does not build."""
    data = host.to_dict()
    built = _configured(host)
    specs = list(data.get("routes") or [])
    for route in host.table:
        if route in built or route.origin is RouteOrigin.AUTOMATIC:
            continue
        try:
            nic = host.interface(route.interface)
        except WorkbookError:
            continue
        # The stack adds its interface metric to a configured route's (Windows); store the configured one.
        metric = route.metric - host.personality.configured_metric(nic, 0)
        specs.append(ROUTE.saving({
            "destination": f"{route.destination}/{route.prefixlen}",
            "gateway": None if route.gateway is None else str(route.gateway),
            "interface": route.interface,
            "metric": max(metric, 0),
            "origin": route.origin.value,
        }))
    if specs:
        data["routes"] = specs
    return data


def table_scenario(table: RouteTable) -> dict[str, Any]:
    """A bare table as a scenario dict: its strategy and its routes (the schema's ``table`` kind)."""
    return TABLE.saving({"strategy": table.strategy.value, "routes": [route.as_dict() for route in table]})


def table_from_scenario(data: dict[str, Any]) -> RouteTable:
    """The table :func:`table_scenario` wrote; an error names the entry, e.g. ``routes[2]: ...``.

    >>> table_from_scenario({"routes": [{"destination": "10.0.0.0/8", "gateway": "172.16.112.1", "colour": 1}]})
    Traceback (most recent call last):
    ...
    workbook.errors.ScenarioError: routes[0]: route has unknown key(s) 'colour'; allowed: destination, ...
    """
    TABLE.check(data, "a table scenario")
    routes = data.get("routes")
    if not isinstance(routes, list):
        raise ScenarioError("a table scenario needs 'routes': a list of route dicts, e.g. "
                            "[{'destination': '10.0.0.0/8', 'gateway': '172.16.112.1'}]")
    built = []
    for number, spec in enumerate(routes):
        with at("routes", number):
            SAVED_ROUTE.check(spec, "route")
            try:
                built.append(Route(**spec))
            except TypeError as error:
                raise ScenarioError(f"route {spec!r}: {error}") from None
    return RouteTable(built, strategy=data.get("strategy", "longest-prefix"))
