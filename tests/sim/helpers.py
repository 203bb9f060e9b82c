"""Small builders the simulation tests share."""

from __future__ import annotations

from typing import Any

from workbook.sim import Network


def lan(*hosts: dict[str, Any], routers: tuple[dict[str, Any], ...] = (), segments: tuple[str, ...] = ("lan",),
        **kwargs: Any) -> Network:
    """A network from host and router dicts (segments default to one 'lan')."""
    return Network.from_dict({"segments": [{"name": s} for s in segments], "hosts": list(hosts),
                              "routers": list(routers)}, **kwargs)


def host(name: str, address: str, segment: str = "lan", gateway: str | None = None, **extra: Any) -> dict[str, Any]:
    nic: dict[str, Any] = {"name": "eth0", "segment": segment, "addresses": [address]}
    if gateway:
        nic["gateway"] = gateway
    return {"name": name, "interfaces": [nic], **extra}


def ip_frames(frames: list) -> list:
    return [f for f in frames if f.ip is not None]


def arp_frames(frames: list) -> list:
    return [f for f in frames if f.arp is not None]
