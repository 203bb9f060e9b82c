"""Topologies the simulation tests share, built as scenario dicts."""

from __future__ import annotations

import random
from typing import Any


def _router(name: str, left: tuple[str, str], right: tuple[str, str], routes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "interfaces": [
            {"name": "left", "segment": left[0], "addresses": [left[1]]},
            {"name": "right", "segment": right[0], "addresses": [right[1]]},
        ],
        "routes": routes,
    }


def chain(routers: int, personality: str = "nt4") -> dict[str, Any]:
    """host a (10.0.0.2) — r1 — … — rN — host b (10.0.N.3).

    Link i is 10.0.i.0/24; a router's left end is .254 (.1 on net0), its right end .1.
    """
    last = routers
    hosts = [
        {"name": "a", "interfaces": [{"name": "eth0", "segment": "net0", "addresses": ["10.0.0.2/24"],
                                      "gateway": "10.0.0.1"}]},
        {"name": "b", "interfaces": [{"name": "eth0", "segment": f"net{last}", "addresses": [f"10.0.{last}.3/24"],
                                      "gateway": f"10.0.{last}.254" if last else "10.0.0.1"}]},
    ]
    chain_routers = []
    for i in range(1, routers + 1):
        left_address = "10.0.0.1/24" if i == 1 else f"10.0.{i - 1}.254/24"
        routes = []
        if i < routers:
            routes.append({"destination": f"10.0.{last}.0/24", "gateway": f"10.0.{i}.254"})
        if i > 1:
            routes.append({"destination": "10.0.0.0/24", "gateway": f"10.0.{i - 1}.1" if i > 2 else "10.0.1.1"})
        chain_routers.append(_router(f"r{i}", (f"net{i - 1}", left_address), (f"net{i}", f"10.0.{i}.1/24"), routes))
    # Router i's right end is 10.0.i.1 and router i+1's left end 10.0.i.254: fix the way back.
    for i, router in enumerate(chain_routers, start=1):
        for route in router["routes"]:
            if route["destination"] == "10.0.0.0/24":
                route["gateway"] = f"10.0.{i - 1}.1"
    if routers:
        hosts[1]["interfaces"][0]["gateway"] = f"10.0.{last}.1"
    return {"personality": personality, "segments": [{"name": f"net{i}"} for i in range(routers + 1)],
            "hosts": hosts, "routers": chain_routers}


def random_routers(rng: random.Random, personality: str = "nt4") -> dict[str, Any]:
    """Routers on a ring of links with random (often looping) routes; host h on link 0, maybe target t."""
    count = rng.randint(2, 5)

    def address(router: int, link: int) -> str:
        return f"10.{link}.0.{router + 10}"

    routers = []
    for i in range(count):
        left, right = (i - 1) % count, i
        neighbours = [((i - 1) % count, left), ((i + 1) % count, right)]
        routes = []
        for destination in rng.sample(["172.16.0.0/12", "172.17.0.0/16", "172.17.1.0/24", "0.0.0.0/0"],
                                      rng.randint(0, 3)):
            neighbour, link = rng.choice(neighbours)
            if neighbour != i:
                routes.append({"destination": destination, "gateway": address(neighbour, link)})
        routers.append(_router(f"r{i}", (f"link{left}", f"{address(i, left)}/24"),
                               (f"link{right}", f"{address(i, right)}/24"), routes))
    if count == 2:  # both routers share both links: give the second pair its own addresses
        routers[1]["interfaces"][1]["addresses"] = [f"10.1.0.{1 + 20}/24"]
    hosts = [{"name": "h", "interfaces": [{"name": "eth0", "segment": "link0", "addresses": ["10.0.0.2/24"],
                                           "gateway": address(1 % count, 0) if count > 1 else None}]}]
    if rng.random() < 0.7:
        hosts.append({"name": "t", "interfaces": [{"name": "eth0", "segment": f"link{rng.randrange(count)}",
                                                   "addresses": ["172.17.1.1/16"]}]})
    return {"personality": personality, "segments": [{"name": f"link{i}"} for i in range(count)],
            "hosts": hosts, "routers": routers}
