"""Topologies a chapter, a widget and an exercise start from: scenario dicts, no simulation.

Chapter 6 and the :class:`~workbook.widgets.RoutingPlayground` build their RIP networks from
:func:`line_of_routers`.

>>> from workbook.sim import Network
>>> net = Network.from_dict(line_of_routers(3, update=5, timeout=30, garbage=20), personality="linux")
>>> net.run(20)
>>> sorted(str(r.network) for r in net.host("R1").table if r.origin == "rip")
['10.0.23.0/24', '192.168.2.0/24', '192.168.3.0/24']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbook.errors import ScenarioError

__all__ = ["line_of_routers"]


def line_of_routers(count: int = 3, *, split_horizon: str = "poison-reverse", version: int = 2,
                    update: float = 30, timeout: float = 180, garbage: float = 120,
                    triggered_min_interval: float | Sequence[float] = (1, 5), ring: bool = False,
                    costs: dict[tuple[int, int], int] | None = None, personality: str | None = None
                    ) -> dict[str, Any]:
    """A scenario dict: routers R1..R<count> in a line (or a ring), each with a stub LAN, all running RIP.

    Routers i < j that are neighbours share segment ``l<i><j>`` (10.0.<i><j>.0/24, router i is
    .<i>, on interface ``to<j>``); router i's own LAN ``lan<i>`` is 192.168.<i>.0/24 on interface
    ``lan``. ``costs`` gives a link ``(i, j)`` a cost on both of its ends.

    >>> data = line_of_routers(3)
    >>> [r["name"] for r in data["routers"]], data["segments"][0]
    (['R1', 'R2', 'R3'], {'name': 'l12'})
    """
    if not 2 <= count <= 9:
        raise ScenarioError(f"a line of {count!r} routers cannot be built; give 2 to 9, e.g. line_of_routers(3)")
    links = [(i, i + 1) for i in range(1, count)]
    if ring and count >= 3:
        links.append((count, 1))
    costs = costs or {}
    links = [(min(a, b), max(a, b)) for a, b in links]
    segments = [{"name": f"l{a}{b}"} for a, b in links] + [{"name": f"lan{i}"} for i in range(1, count + 1)]
    routers = []
    for i in range(1, count + 1):
        mine = [(a, b) for a, b in links if i in (a, b)]
        lower = [(a, b) for a, b in mine if min(a, b) < i]
        higher = [(a, b) for a, b in mine if min(a, b) == i]
        lan = {"name": "lan", "segment": f"lan{i}", "addresses": [f"192.168.{i}.1/24"]}
        interfaces: list[dict[str, Any]] = []
        cost = {}
        # Links to lower-numbered routers first, then the LAN, then the others: a line is drawn as a line.
        for link in [*lower, None, *higher]:
            if link is None:
                interfaces.append(lan)
                continue
            a, b = link
            other = b if i == a else a
            interfaces.append({"name": f"to{other}", "segment": f"l{a}{b}", "addresses": [f"10.0.{a}{b}.{i}/24"]})
            amount = costs.get((a, b), costs.get((b, a), 1))
            if amount != 1:
                cost[f"to{other}"] = amount
        rip: dict[str, Any] = {"version": version, "split_horizon": split_horizon, "update": update,
                               "timeout": timeout, "garbage": garbage,
                               "triggered_min_interval": list(triggered_min_interval)
                               if isinstance(triggered_min_interval, Sequence) else triggered_min_interval}
        if cost:
            rip["cost"] = cost
        entry: dict[str, Any] = {"name": f"R{i}", "interfaces": interfaces, "rip": rip}
        if personality is not None:
            entry["personality"] = personality
        routers.append(entry)
    return {"segments": segments, "routers": routers}
