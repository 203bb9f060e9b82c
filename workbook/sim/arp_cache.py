"""A host's ARP cache: IP address → hardware address, per interface, ageing on the simulated clock (chapter 4).

>>> from netaddr import EUI, IPAddress
>>> cache = ArpCache(lifetime=120)
>>> cache.learn("eth0", IPAddress("172.16.112.1"), EUI("00-DD-01-00-00-01"), now=0.0)
>>> str(cache.lookup("eth0", IPAddress("172.16.112.1"), now=60.0))
'00-DD-01-00-00-01'
>>> cache.lookup("eth0", IPAddress("172.16.112.1"), now=200.0) is None
True

NT 4.0 forgot an entry two minutes after it was made (``ArpCacheLife``).
Linux and Windows since Vista run *neighbour unreachability detection* (RFC
4861 section 7.3, applied to ARP; KB 949589): an entry confirmed by an answer
is ``reachable`` for 15–45 s (``lifetime``, the mean, here), then ``stale``;
it stays in the cache. Using a stale entry sends at once and, unless the
neighbour is confirmed meanwhile, asks it again by unicast 5 s later
(:class:`~workbook.sim.arp.Arp` does the asking):

>>> nud = ArpCache(lifetime=30, unreachability_detection=True)
>>> nud.learn("eth0", IPAddress("10.0.0.7"), EUI("02-00-00-00-00-07"), now=0.0)
>>> nud.state("eth0", IPAddress("10.0.0.7"), now=10.0), nud.state("eth0", IPAddress("10.0.0.7"), now=40.0)
('reachable', 'stale')
>>> str(nud.lookup("eth0", IPAddress("10.0.0.7"), now=4000.0))
'02-00-00-00-00-07'

The cache follows RFC 826's rule: a request *updates* an entry the host
already has for its sender, but only *creates* one when the request is
addressed to this host.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import netaddr

from workbook.net.addresses import parse_address
from workbook.net.interfaces import parse_mac

__all__ = ["DELAY", "PROBE", "REACHABLE", "STALE", "ArpCache", "ArpEntry"]

#: The states of an entry under neighbour unreachability detection (RFC 4861 7.3.2), as `ip neigh` names them.
REACHABLE, STALE, DELAY, PROBE = "reachable", "stale", "delay", "probe"


@dataclass(frozen=True)
class ArpEntry:
    """One entry. ``expires_at`` is when it is forgotten (None: a static entry, `arp -s`), or, under
    unreachability detection, when it stops being reachable; ``state`` is empty without detection."""

    interface: str
    ip: netaddr.IPAddress
    mac: netaddr.EUI
    learned_at: float
    expires_at: float | None
    state: str = ""

    @property
    def type(self) -> str:
        return "static" if self.expires_at is None else "dynamic"


class ArpCache:
    """The ARP entries of one host."""

    def __init__(self, lifetime: float = 120.0, clock: object = None, unreachability_detection: bool = False,
                 keeps_failed: bool = False) -> None:
        self.lifetime = lifetime
        self.clock = clock  # anything with a ``now``; lookups without ``now=`` use it
        self.unreachability_detection = unreachability_detection
        self.keeps_failed = keeps_failed
        self._entries: dict[tuple[str, int], ArpEntry] = {}
        self._failed: set[tuple[str, int]] = set()  # addresses nobody answered for, kept without a MAC (Linux)

    def _now(self, now: float | None) -> float:
        if now is not None:
            return now
        return float(getattr(self.clock, "now", 0.0))

    def learn(self, interface: str, ip: netaddr.IPAddress, mac: netaddr.EUI, now: float | None = None,
              confirmed: bool = True) -> None:
        """Add or refresh an entry (a static entry is never overwritten by ARP).

        Under unreachability detection an entry is ``reachable`` when ``confirmed`` (an answer), else
        ``stale``; news that only repeats the MAC an entry has does not make it stale.
        """
        now = self._now(now)
        key = (interface, int(ip))
        old = self._entries.get(key)
        if old is not None and old.expires_at is None:
            return
        self._failed.discard(key)
        if not self.unreachability_detection:
            self._entries[key] = ArpEntry(interface, netaddr.IPAddress(int(ip)), mac, now, now + self.lifetime)
            return
        if not confirmed and old is not None and old.mac == mac:
            return
        state, until = (REACHABLE, now + self.lifetime) if confirmed else (STALE, now)
        self._entries[key] = ArpEntry(interface, netaddr.IPAddress(int(ip)), mac, now, until, state)

    def update(self, interface: str, ip: netaddr.IPAddress, mac: netaddr.EUI, now: float | None = None,
               confirmed: bool = True) -> bool:
        """Refresh an entry only if one exists (RFC 826's merge step), a failed one included; True if it did."""
        entry = self.lookup(interface, ip, now)
        if entry is None and (interface, int(ip)) not in self._failed:
            return False
        self.learn(interface, ip, mac, now, confirmed)
        return True

    def state(self, interface: str, ip: netaddr.IPAddress | int, now: float | None = None) -> str | None:
        """``reachable``, ``stale``, ``delay``, ``probe``, ``static`` (or '' without detection), None if unknown."""
        if self.lookup(interface, ip, now) is None:
            return None
        entry = self._entries[(interface, int(ip))]
        if entry.expires_at is None:
            return "static"
        if entry.state == REACHABLE and entry.expires_at <= self._now(now):
            entry = self._entries[(interface, int(ip))] = replace(entry, state=STALE)
        return entry.state

    def mark(self, interface: str, ip: netaddr.IPAddress | int, state: str) -> None:
        """Put an entry in ``state`` (``delay`` when a stale entry is used, ``probe`` while it is asked again)."""
        key = (interface, int(ip))
        self._entries[key] = replace(self._entries[key], state=state)

    def fail(self, interface: str, ip: netaddr.IPAddress | int) -> None:
        """Nobody answered for ``ip``: forget its MAC. With ``keeps_failed`` (Linux's FAILED state) the address
        stays known without one, so a later ARP packet from it fills it in as RFC 826's merge step does."""
        self._entries.pop((interface, int(ip)), None)
        if self.keeps_failed:
            self._failed.add((interface, int(ip)))

    def add_static(self, interface: str, ip: object, mac: object) -> None:
        """A permanent entry, as `arp -s` makes: it never ages, and ARP traffic never overwrites it."""
        address = parse_address(ip, what="address", example="172.16.112.1")
        hardware = parse_mac(mac, interface)
        self._entries[(interface, address)] = ArpEntry(interface, netaddr.IPAddress(address), hardware, 0.0, None)

    def lookup(self, interface: str, ip: netaddr.IPAddress | int, now: float | None = None) -> netaddr.EUI | None:
        """The MAC for ``ip`` on ``interface``, or None when unknown or aged out."""
        now = self._now(now)
        key = (interface, int(ip))
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= now and not entry.state:
            del self._entries[key]
            return None
        return entry.mac

    def forget(self, interface: str | None = None) -> None:
        """Drop every dynamic entry (of one interface, or all): what `arp -d *` does."""
        for key, entry in list(self._entries.items()):
            if entry.expires_at is not None and (interface is None or key[0] == interface):
                del self._entries[key]
        self._failed = {key for key in self._failed if interface is not None and key[0] != interface}

    def entries(self, now: float | None = None) -> list[ArpEntry]:
        """The entries still alive at ``now`` (default: the clock's time), by interface and address."""
        now = self._now(now)
        alive = [e for e in self._entries.values() if e.expires_at is None or e.expires_at > now or e.state]
        return sorted(alive, key=lambda e: (e.interface, int(e.ip)))

    def __contains__(self, ip: object) -> bool:
        return self.get(ip) is not None

    def get(self, ip: object, now: float | None = None) -> netaddr.EUI | None:
        """The MAC recorded for ``ip`` on any interface, or None when unknown or aged out."""
        value = int(ip) if isinstance(ip, int | netaddr.IPAddress) else int(netaddr.IPAddress(str(ip)))
        for entry in self.entries(now):
            if int(entry.ip) == value:
                return entry.mac
        return None

    def __len__(self) -> int:
        return len(self.entries())

    def format(self, now: float | None = None) -> str:
        """The cache as `arp -a` prints it."""
        lines = []
        for interface in sorted({e.interface for e in self.entries(now)}):
            lines.append(f"Interface: {interface}")
            lines.append(f"  {'Internet Address':<21}{'Physical Address':<21}Type")
            for entry in self.entries(now):
                if entry.interface == interface:
                    lines.append(f"  {entry.ip!s:<21}{str(entry.mac).lower():<21}{entry.type}")
        return "\n".join(lines) if lines else "No ARP Entries Found."

    def __repr__(self) -> str:
        return f"<ArpCache {len(self)} entries>"
