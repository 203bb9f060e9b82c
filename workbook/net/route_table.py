"""A route table and its lookups (chapter 1; supernets in chapter 3).

>>> from workbook import RouteTable, Route
>>> table = RouteTable([
...     Route("0.0.0.0/0", gateway="172.16.112.1", interface="172.16.112.123"),
...     Route("172.16.112.0/24", gateway="172.16.112.123", interface="172.16.112.123"),
... ])
>>> table.lookup("172.17.1.1").next_hop
IPAddress('172.16.112.1')
>>> table.lookup("172.16.112.122").next_hop
IPAddress('172.16.112.122')

Inside, routes are grouped by prefix length in dictionaries keyed by the
network number, so a lookup tries each length present, longest first: at most
33 dictionary probes, whatever the size of the table. To skip lengths that
cannot match, a longest-prefix lookup first looks at the /16 block of the
address: it tries only the lengths longer than /16 that have a route in that
block, then falls back on the block's best route of /16 or shorter. A bulk
load works that out for every block at once; after single edits a block is
worked out again the first time it is looked up.

Every lookup returns a :class:`~workbook.net.decision.LookupDecision` that
keeps an immutable view of the table as it was (one shared view per version
of the table), so old decisions stay true after edits.
"""

from __future__ import annotations

import bisect
import functools
import gc
import socket
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import netaddr

from workbook.errors import (
    AddressError,
    DuplicateRouteError,
    GatewayError,
    InterfaceError,
    RouteError,
    RouteNotFoundError,
)
from workbook.net.addresses import (
    ALL_ONES,
    CLASSFUL_PREFIXLEN,
    MASKS,
    format_address,
    parse_address,
    parse_mask,
    parse_prefix,
)
from workbook.net.decision import CLASSIC_STEPS, LookupDecision, Strategy, TableView
from workbook.net.routes import Route, RouteOrigin, RouteType

if TYPE_CHECKING:
    import numpy

__all__ = ["Disagreement", "RouteTable", "find_disagreements"]

_inet_pton = socket.inet_pton
_AF_INET = socket.AF_INET
_pton_ipv4 = functools.partial(socket.inet_pton, socket.AF_INET)
_unpack = struct.Struct("!I").unpack


def _strategy(value: Strategy | str) -> Strategy:
    try:
        return Strategy(value)
    except ValueError:
        raise RouteError(f"strategy {value!r} is unknown; use 'classic' or 'longest-prefix'") from None


def _classful_of_first_octet() -> tuple[int, ...]:
    return tuple(CLASSFUL_PREFIXLEN["ABCDE"[(o >= 128) + (o >= 192) + (o >= 224) + (o >= 240)]] for o in range(256))


_CLASSFUL = _classful_of_first_octet()
_new_decision = tuple.__new__
_NOTHING_EXCLUDED: frozenset[Route] = frozenset()
_LONGEST = Strategy.LONGEST_PREFIX  # an Enum member read from its class costs a lookup of its own
_EVERY_BLOCK_FROM = 4096  # routes in a bulk load from which every /16 block is worked out at once


class RouteTable:
    """An ordered collection of routes that answers "where does this datagram go?".

    ``strategy`` is the default for :meth:`lookup`: ``"longest-prefix"`` (what
    every stack does) or ``"classic"`` (the NT text's host → subnet → network
    → default mnemonic, a lens for chapter 1).

    ``local`` is another table searched together with this one, as Linux
    searches its local table (this host's own and broadcast addresses) with
    the main one: the longest prefix wins across both, and at equal length the
    local entry. ``layer`` names the table in explanations ("local").
    """

    def __init__(
        self,
        routes: Iterable[Route] = (),
        strategy: Strategy | str = Strategy.LONGEST_PREFIX,
        *,
        local: RouteTable | None = None,
        layer: str = "",
    ) -> None:
        self._strategy = _strategy(strategy)
        self._local = local
        self.layer = layer
        self._view: TableView | None = None
        # (view, block probes) while a plain longest-prefix lookup needs nothing else: no local table, no
        # interface passed over, the table's own strategy longest prefix. Any change resets it.
        self._fast: tuple[TableView, dict[int, Any]] | None = None
        self._passed_over: dict[str, str] = {}
        self._routes: list[Route] = []
        # prefix length -> {network: Route, or a list of routes ordered by (metric, installation)}
        self._by_length: dict[int, dict[int, Route | list[Route]]] = {}
        self._lengths: list[int] = []  # present prefix lengths, longest first
        self._batch_index: tuple[Any, Any] | None = None
        # /16 block -> bit n set when a route of length n > 16 lies in the block (removals leave the bit:
        # a spare probe just misses); and, filled in by lookups, /16 block -> (the (mask, bucket) probes
        # for those lengths, longest first; the best route of length <= 16 covering the block).
        self._long_lengths: dict[int, int] = {}
        self._block_probes: dict[int, tuple[tuple[tuple[int, dict[int, Any]], ...], Route | None]] = {}
        for route in routes:
            self.add(route, check_gateway=False)

    # Building ---------------------------------------------------------------
    @classmethod
    def from_prefixes(
        cls,
        prefixes: Iterable[str | tuple[str, str | None]],
        interface: str = "eth0",
        metric: int = 1,
        origin: RouteOrigin | str = RouteOrigin.PROTOCOL,
    ) -> RouteTable:
        """Bulk-load many routes: each item is 'a.b.c.d/len' or ('a.b.c.d/len', gateway).

        Checks each prefix (and gateway) but not gateway reachability, which a
        table without interfaces cannot know. Builds a million routes in seconds.
        """
        table = cls()
        # A million new tuples would wake the cyclic garbage collector again and
        # again to scan them all; none of them can be part of a cycle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            table._load(prefixes, interface, metric, RouteOrigin(origin))
        finally:
            if collecting:
                gc.enable()
        return table

    def _load(
        self, prefixes: Iterable[str | tuple[str, str | None]], interface: str, metric: int, origin: RouteOrigin
    ) -> None:
        routes, index, trusted = self._routes, self._index, Route._trusted
        self._edited()
        gateways: dict[str, int] = {}  # few distinct next hops: parse each once
        for item in prefixes:
            prefix, gateway = (item, None) if type(item) is str else item
            try:  # the common 'a.b.c.d/nn' form, checked inline for speed
                text, _, length = prefix.partition("/")
                network = _unpack(_inet_pton(_AF_INET, text))[0]
                prefixlen = int(length) if length.isdigit() and len(length) <= 2 else 99
                if prefixlen > 32 or network & ~MASKS[prefixlen] & ALL_ONES:
                    raise ValueError(prefix)
            except (OSError, ValueError, TypeError, AttributeError):
                network, prefixlen = parse_prefix(prefix)  # other notations, or the precise error
            if gateway is not None:
                hop = gateways.get(gateway)
                if hop is None:
                    hop = gateways[gateway] = parse_address(gateway, what="gateway")
                gateway = hop
            route = trusted(network, prefixlen, gateway, interface, metric, origin)
            index(route)
            routes.append(route)
        self._fill_all_blocks()

    def add(self, route: Route, *, check_gateway: bool = True, check_duplicate: bool = True,
            prepend: bool = False) -> Route:
        """Install a route; refuse an exact duplicate or an unreachable gateway.

        A duplicate is the same destination, mask, gateway and interface. Two
        routes to one prefix through different gateways may coexist: the lower
        metric wins, and at equal metric the one installed first, unless a
        route was added with ``prepend`` (Linux's ``ip route prepend``), which
        puts it before the others of its metric. A stack with rules of its own
        for what counts as the same route (Linux) checks them itself and passes
        ``check_duplicate=False``.
        """
        if not isinstance(route, Route):
            raise RouteError(f"{route!r} is not a Route; e.g. Route('10.0.0.0/8', gateway='172.16.112.1')")
        if check_gateway and not route.on_link:
            route = self._with_interface(route)
        if check_duplicate:
            for other in self._group(route._network, route._prefixlen):
                if other[:4] == route[:4]:
                    raise DuplicateRouteError(
                        f"route {route} is already in the table (as {other}); "
                        f"use `route change` to alter its metric or gateway"
                    )
        self._index(route, prepend)
        self._routes.append(route)
        return route

    def _edited(self) -> None:
        """Forget everything worked out from the old contents (decisions keep their own view)."""
        self._view = None
        self._fast = None
        self._batch_index = None

    @property
    def strategy(self) -> Strategy:
        """The default strategy of :meth:`lookup`."""
        return self._strategy

    @strategy.setter
    def strategy(self, value: Strategy | str) -> None:
        self._strategy = _strategy(value)
        self._fast = None

    @property
    def local(self) -> RouteTable | None:
        """Linux's local table, searched together with this one (None for other stacks)."""
        return self._local

    @local.setter
    def local(self, table: RouteTable | None) -> None:
        self._local = table
        self._fast = None

    def _index(self, route: Route, prepend: bool = False) -> None:
        self._edited()
        prefixlen = route._prefixlen
        bucket = self._by_length.get(prefixlen)
        if bucket is None:
            bucket = self._by_length[prefixlen] = {}
            bisect.insort(self._lengths, prefixlen, key=lambda n: -n)
            self._block_probes.clear()
        if prefixlen > 16:
            block = route._network >> 16
            self._long_lengths[block] = self._long_lengths.get(block, 0) | (1 << prefixlen)
            if self._block_probes:
                self._block_probes.pop(block, None)
        elif self._block_probes:
            self._block_probes.clear()  # a short route may change the fallback of many blocks
        current = bucket.get(route._network)
        if current is None:
            bucket[route._network] = route
        else:
            group = current if type(current) is list else [current]
            metrics = [r.metric for r in group]
            place = bisect.bisect_left if prepend else bisect.bisect_right
            group.insert(place(metrics, route.metric), route)
            bucket[route._network] = group

    def group(self, network: int, prefixlen: int) -> list[Route]:
        """The routes to one prefix, in the order lookups try them (lowest metric first)."""
        return self._group(network, prefixlen)

    def _group(self, network: int, prefixlen: int) -> list[Route]:
        bucket = self._by_length.get(prefixlen)
        found = None if bucket is None else bucket.get(network)
        if found is None:
            return []
        return list(found) if type(found) is list else [found]

    def _with_interface(self, route: Route) -> Route:
        """Check that the gateway lies on an interface; fill in the interface if missing."""
        on_link = self.connected_networks()
        if not on_link:
            return route  # a table without interfaces cannot judge its gateways
        gateway = route._gateway
        assert gateway is not None
        reachable = [(prefixlen, interface) for network, prefixlen, interface in on_link
                     if gateway & MASKS[prefixlen] == network
                     and (not route.interface or interface == route.interface)]
        if not reachable:
            example = _example_gateway(on_link)
            where = f"interface {route.interface!r}" if route.interface else "any interface"
            raise GatewayError(
                f"gateway {format_address(gateway)} is not on {where} of this table "
                f"(its on-link networks are {_list_networks(on_link)}); e.g. {example}"
            )
        if route.interface:
            return route
        return Route._trusted(*route[:3], max(reachable)[1], *route[4:])

    def connected_networks(self) -> list[tuple[int, int, str]]:
        """(network, prefix length, interface) of every on-link unicast route shorter than /32.

        These are the networks a gateway can be on. Class D and E routes
        (multicast, limited broadcast) do not count.
        """
        return [
            (r._network, r._prefixlen, r.interface)
            for r in self._routes
            if r.on_link and r._prefixlen < 32 and r._network < 0xE0000000
        ]

    def interfaces(self) -> list[str]:
        """The names (or addresses) in the interface column, in order of first use."""
        return list(dict.fromkeys(r.interface for r in self._routes))

    def check_interface(self, interface: str) -> str:
        """Refuse an interface the table has never heard of."""
        known = self.interfaces()
        if known and interface not in known:
            raise InterfaceError(
                f"interface {interface!r} is unknown here; this table's interfaces are {', '.join(known)}"
            )
        return interface

    # Removing and changing --------------------------------------------------
    def select(
        self,
        destination: str,
        netmask: str | int | None = None,
        gateway: str | None = None,
        interface: str | None = None,
    ) -> list[Route]:
        """The routes to ``destination`` (optionally narrowed by mask, gateway, interface)."""
        if "/" in destination:
            network, prefixlen = parse_prefix(destination)
        else:
            network = parse_address(destination, what="destination", example="10.0.0.0")
            prefixlen = None if netmask is None else parse_mask(netmask)
        wanted_gateway = None if gateway is None else parse_address(gateway, what="gateway")
        return [
            r for r in self._routes
            if r._network == network
            and (prefixlen is None or r._prefixlen == prefixlen)
            and (wanted_gateway is None or r._gateway == wanted_gateway)
            and (interface is None or r.interface == interface)
        ]

    def remove(self, route: Route) -> None:
        """Remove one route, given exactly."""
        try:
            self._routes.remove(route)
        except ValueError:
            raise RouteNotFoundError(f"route {route} is not in the table") from None
        bucket = self._by_length[route._prefixlen]
        group = self._group(route._network, route._prefixlen)
        group.remove(route)
        if not group:
            del bucket[route._network]
            if not bucket:
                del self._by_length[route._prefixlen]
                self._lengths.remove(route._prefixlen)
        else:
            bucket[route._network] = group if len(group) > 1 else group[0]
        self._edited()
        if route._prefixlen > 16 and route._prefixlen in self._by_length:
            self._block_probes.pop(route._network >> 16, None)
        else:
            self._block_probes.clear()

    def delete(
        self,
        destination: str,
        netmask: str | int | None = None,
        gateway: str | None = None,
        interface: str | None = None,
    ) -> list[Route]:
        """`route delete`: remove every route to ``destination`` (narrowed as in :meth:`select`)."""
        doomed = self.select(destination, netmask, gateway, interface)
        if not doomed:
            raise RouteNotFoundError(
                f"no route to {destination}"
                + (f" mask {netmask}" if netmask is not None else "")
                + (f" via {gateway}" if gateway is not None else "")
                + f" in the table; `route print` lists them, e.g. `route delete {self._example_destination()}`"
            )
        for route in doomed:
            self.remove(route)
        return doomed

    def change(
        self,
        destination: str,
        netmask: str | int | None = None,
        gateway: str | None = None,
        metric: int | None = None,
        interface: str | None = None,
    ) -> Route:
        """`route change`: give the one route to ``destination`` a new gateway, metric or interface."""
        routes = self.select(destination, netmask)
        if gateway is not None and len(routes) > 1:
            routes = self.select(destination, netmask, gateway) or routes
        if not routes:
            raise RouteNotFoundError(
                f"no route to {destination} to change; `route add` creates one, "
                f"e.g. `route change {self._example_destination()} MASK 255.0.0.0 172.16.112.1 METRIC 2`"
            )
        if len(routes) > 1:
            raise RouteError(
                f"{len(routes)} routes go to {destination}: {'; '.join(map(str, routes))}; "
                f"name the mask and gateway of the one to change"
            )
        old = routes[0]
        changes: dict[str, Any] = {}
        if gateway is not None:
            changes["gateway"] = gateway
        if metric is not None:
            changes["metric"] = metric
        if interface is not None:
            changes["interface"] = self.check_interface(interface)
        new = old.replace(**changes)
        position = self._routes.index(old)
        self.remove(old)
        try:
            new = self.add(new)
        except RouteError:
            self._index(old)
            self._routes.append(old)
            self._routes.insert(position, self._routes.pop())
            raise
        self._routes.insert(position, self._routes.pop())
        self._edited()
        return new

    def flush(self) -> list[Route]:
        """`route -f`: clear every gateway entry (a route through a router), keep on-link ones."""
        doomed = [r for r in self._routes if not r.on_link]
        for route in doomed:
            self.remove(route)
        return doomed

    def clear(self) -> None:
        """Remove every route."""
        self._routes.clear()
        self._by_length.clear()
        self._lengths.clear()
        self._edited()
        self._long_lengths.clear()
        self._block_probes.clear()

    def _example_destination(self) -> str:
        return format_address(self._routes[0]._network) if self._routes else "10.0.0.0"

    # Passing over routes ---------------------------------------------------------
    @property
    def passed_over(self) -> dict[str, str]:
        """Interfaces whose routes lookups skip, each with the reason (a copy)."""
        return dict(self._passed_over)

    def pass_over(self, interfaces: dict[str, str]) -> None:
        """Make lookups skip routes through these interfaces (label -> why), e.g. a link without carrier.

        Routes of type ``local`` are never skipped: they belong to the host,
        not to the link.
        """
        self._passed_over = dict(interfaces)
        self._edited()

    # Looking up -------------------------------------------------------------
    def view(self) -> TableView:
        """An immutable picture of the table now (the same object until the next edit)."""
        view = self._view
        if view is None:
            view = self._view = TableView(tuple(self._routes), tuple(self._passed_over.items()), self.layer)
        return view

    def lookup(
        self,
        destination: object,
        strategy: Strategy | str | None = None,
        *,
        where: Callable[[Route], bool] | None = None,
        why_not: str = "excluded",
    ) -> LookupDecision:
        """Where does a datagram to ``destination`` go? Returns a :class:`LookupDecision`.

        ``strategy`` defaults to the table's own; 'longest-prefix' takes the
        longest matching prefix, then the lowest metric; 'classic' is the NT
        text's mnemonic host → subnet → network → default, a lens.

        ``where`` restricts the routes considered (a strong-host send may use
        only routes through the interface that owns its source address);
        ``why_not`` is the reason the explanation gives for the others.
        """
        if type(destination) is str:
            try:
                address = _unpack(_inet_pton(_AF_INET, destination))[0]
            except (OSError, ValueError):
                address = parse_address(destination, what="destination")
        else:
            address = parse_address(destination, what="destination")
        fast = self._fast
        if fast is not None and where is None and (strategy is None or strategy is _LONGEST):
            entry = fast[1].get(address >> 16) or self._fill_block(address >> 16)
            for mask, bucket in entry[0]:
                found = bucket.get(address & mask)
                if found is not None:
                    route = found[0] if type(found) is list else found
                    break
            else:
                route = entry[1]
            return _new_decision(LookupDecision, (fast[0], address, _LONGEST, route, None, _NOTHING_EXCLUDED, ""))
        chosen = self._strategy if strategy is None else _strategy(strategy)
        view = self.view()
        if where is None and self._local is None and not self._passed_over:
            if self._strategy is Strategy.LONGEST_PREFIX:
                self._fast = (view, self._block_probes)
            route = self._longest_prefix(address) if chosen is Strategy.LONGEST_PREFIX else self._classic(address)
            return _new_decision(LookupDecision, (view, address, chosen, route, None, _NOTHING_EXCLUDED, ""))
        return self._layered_lookup(address, chosen, view, where, why_not)

    def _layered_lookup(self, address: int, strategy: Strategy, view: TableView,
                        where: Callable[[Route], bool] | None, why_not: str) -> LookupDecision:
        """A lookup that skips routes (a filter, interfaces passed over) or also searches a local table."""
        route, excluded = self._search(address, strategy, where)
        local = self._local
        local_view = None
        if local is not None:
            local_view = local.view()
            local_route, local_excluded = local._search(address, strategy, where)
            excluded |= local_excluded
            if local_route is not None and (route is None or _beats(local_route, route, strategy)):
                route = local_route
        return LookupDecision(view, address, strategy, route, local_view, frozenset(excluded),
                              why_not if where is not None else "")

    def _search(self, address: int, strategy: Strategy, where: Callable[[Route], bool] | None,
                link_state: bool = True) -> tuple[Route | None, set[Route]]:
        """The first usable route, longest prefix first and in each group's order; and the routes ``where``
        kept out. ``link_state=False`` considers routes through passed-over interfaces too."""
        by_length = self._by_length
        passed_over = self._passed_over if link_state else {}
        found: Route | None = None
        excluded: set[Route] = set()
        for prefixlen in self._lengths:
            network = address & MASKS[prefixlen]
            group = by_length[prefixlen].get(network)
            if group is None:
                continue
            if strategy is Strategy.CLASSIC and 0 < prefixlen < _CLASSFUL[network >> 24]:
                continue  # a supernet: the mnemonic has no step for it
            for route in group if type(group) is list else (group,):
                if where is not None and not where(route):
                    excluded.add(route)
                elif found is None and (route.interface not in passed_over or route.route_type is RouteType.LOCAL):
                    found = route
            if found is not None and where is None:
                break
        return found, excluded

    def _longest_prefix(self, address: int) -> Route | None:
        entry = self._block_probes.get(address >> 16) or self._fill_block(address >> 16)
        for mask, bucket in entry[0]:
            found = bucket.get(address & mask)
            if found is not None:
                return found[0] if type(found) is list else found
        return entry[1]

    def _fill_block(self, block: int) -> tuple[tuple[tuple[int, dict[int, Any]], ...], Route | None]:
        """The probes for one /16 block: its lengths over /16, and the best route of /16 or shorter."""
        by_length, bits, first = self._by_length, self._long_lengths.get(block, 0), block << 16
        probes = tuple((MASKS[n], by_length[n]) for n in self._lengths if n > 16 and bits >> n & 1)
        fallback = None
        for prefixlen in self._lengths:
            if prefixlen <= 16:
                found = by_length[prefixlen].get(first & MASKS[prefixlen])
                if found is not None:
                    fallback = found[0] if type(found) is list else found
                    break
        entry = self._block_probes[block] = (probes, fallback)
        return entry

    def _fill_all_blocks(self) -> None:
        """Work out the /16 blocks now, so that a first pass over fresh addresses is as fast as the next.

        A big table (a bulk load of thousands of routes) gets all 65 536 blocks; a small one only those
        holding a route longer than /16, the others being worked out when first looked up. Blocks share
        their list of probes when they hold the same lengths.
        """
        by_length, lengths, long_lengths = self._by_length, self._lengths, self._long_lengths
        short = [(MASKS[n], by_length[n]) for n in lengths if n <= 16]
        shared: dict[int, tuple[tuple[int, dict[int, Any]], ...]] = {0: ()}
        probes_of = self._block_probes
        blocks = range(1 << 16) if len(self._routes) >= _EVERY_BLOCK_FROM else long_lengths
        for block in blocks:
            bits = long_lengths.get(block, 0)
            probes = shared.get(bits)
            if probes is None:
                probes = shared[bits] = tuple((MASKS[n], by_length[n]) for n in lengths if n > 16 and bits >> n & 1)
            first = block << 16
            fallback = None
            for mask, bucket in short:
                found = bucket.get(first & mask)
                if found is not None:
                    fallback = found[0] if type(found) is list else found
                    break
            probes_of[block] = (probes, fallback)

    def _classic(self, address: int) -> Route | None:
        # Every route in one bucket entry shares its destination, hence its kind.
        by_length = self._by_length
        for prefixlen in self._lengths:
            network = address & MASKS[prefixlen]
            found = by_length[prefixlen].get(network)
            if found is not None and (prefixlen == 0 or prefixlen >= _CLASSFUL[network >> 24]):
                return found[0] if type(found) is list else found
        return None

    def longest_prefix_match(self, destination: object) -> Route | None:
        """Just the winning route by longest prefix, then metric (no decision object)."""
        return self._longest_prefix(parse_address(destination, what="destination"))

    def matching(self, destination: object, where: Any = None) -> list[Route]:
        """Every route whose destination matches, in table order; ``where`` filters further."""
        address = parse_address(destination, what="destination")
        return [r for r in self._routes if address & MASKS[r._prefixlen] == r._network and (where is None or where(r))]

    def lookup_many(self, destinations: Iterable[str] | Sequence[int] | numpy.ndarray) -> list[Route | None]:
        """Longest-prefix lookups of a whole batch of destinations at once (needs NumPy).

        The first call builds an interval index: the address space cut at every
        route boundary, each piece labelled with its winning route; a batch is
        then one binary search per address, done by NumPy. It answers from this
        table's own rows: a local table searched with it, or interfaces passed
        over, are :meth:`lookup`'s business.
        """
        import numpy as np

        if self._batch_index is None:
            self._batch_index = self._build_batch_index()
        bounds, route_of_piece = self._batch_index
        if isinstance(destinations, np.ndarray):
            if destinations.size and (destinations.min() < 0 or destinations.max() > ALL_ONES):
                raise AddressError(f"destinations must be 32-bit addresses (0 to {ALL_ONES}); e.g. 2886758523")
            addresses = destinations.astype(np.uint32, copy=False)
        else:
            items = destinations if isinstance(destinations, list) else list(destinations)
            if items and type(items[0]) is str:
                try:
                    packed = b"".join(map(_pton_ipv4, items))
                except (OSError, TypeError, ValueError):
                    packed = b"".join(struct.pack("!I", parse_address(t, what="destination")) for t in items)
                addresses = np.frombuffer(packed, dtype=">u4").astype(np.uint32)
            else:
                addresses = np.fromiter((parse_address(a, what="destination") for a in items), dtype=np.uint32)
        positions = np.searchsorted(bounds, addresses, side="right") - 1
        return route_of_piece[positions].tolist()

    def _build_batch_index(self) -> tuple[Any, Any]:
        import numpy as np

        routes: list[Route | None] = [None]
        starts_by_length = []
        for prefixlen in sorted(self._lengths):
            bucket = self._by_length[prefixlen]
            starts = np.fromiter(bucket.keys(), dtype=np.int64, count=len(bucket))
            first_id = len(routes)
            routes.extend(v[0] if type(v) is list else v for v in bucket.values())
            starts_by_length.append((prefixlen, starts, np.arange(first_id, len(routes), dtype=np.int32)))
        edges = [np.zeros(1, dtype=np.int64)]
        for prefixlen, starts, _ in starts_by_length:
            edges += [starts, starts + (1 << (32 - prefixlen))]
        bounds = np.unique(np.concatenate(edges))
        bounds = bounds[bounds <= ALL_ONES]
        winners = np.zeros(len(bounds), dtype=np.int32)
        # Paint pieces shortest prefix first, so longer prefixes overwrite them;
        # prefixes of one length never overlap, so each paint is one scatter.
        for prefixlen, starts, ids in starts_by_length:
            low = np.searchsorted(bounds, starts)
            high = np.searchsorted(bounds, starts + (1 << (32 - prefixlen)))
            counts = high - low
            total = int(counts.sum())
            ends = np.cumsum(counts)
            positions = np.arange(total) + np.repeat(low - (ends - counts), counts)
            winners[positions] = np.repeat(ids, counts)
        # One object array from piece to Route: a batch then costs one gather, no Python loop.
        route_of_piece = np.fromiter(routes, dtype=object, count=len(routes))[winners]
        return bounds.astype(np.uint32), route_of_piece

    # Comparing the two strategies (chapter 1's key lesson) -------------------
    def disagreements(self) -> list[Disagreement]:
        """Where the NT text's mnemonic (the classic lens) and longest prefix pick different routes."""
        return find_disagreements(self)

    # Container protocol ------------------------------------------------------
    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)

    def __contains__(self, route: object) -> bool:
        return isinstance(route, Route) and route in self._group(route._network, route._prefixlen)

    def __getitem__(self, index: int) -> Route:
        return self._routes[index]

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes, in the order they were installed."""
        return tuple(self._routes)

    def copy(self) -> RouteTable:
        """A copy with the same routes, group order, local table and passed-over interfaces."""
        twin = RouteTable(strategy=self._strategy, local=self._local, layer=self.layer)
        twin._routes = list(self._routes)
        twin._by_length = {n: {k: list(v) if type(v) is list else v for k, v in bucket.items()}
                           for n, bucket in self._by_length.items()}
        twin._lengths = list(self._lengths)
        twin._long_lengths = dict(self._long_lengths)
        twin._passed_over = dict(self._passed_over)
        return twin

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RouteTable):
            return NotImplemented
        return self._routes == other._routes

    def __repr__(self) -> str:
        return f"<RouteTable: {len(self)} routes, strategy {self.strategy.value}>"

    # route print and the route command live in their own modules --------------
    @classmethod
    def from_route_print(cls, text: str, strategy: Strategy | str | None = None) -> RouteTable:
        """Parse the text of `route print` (NT 4.0 five columns, or modern `route print -4`).

        The strategy defaults to longest prefix, what the stacks that print
        either layout do; ``strategy="classic"`` looks at it through the NT
        text's mnemonic instead.
        """
        from workbook.net.route_print import parse_route_print

        return cls(parse_route_print(text), strategy=Strategy.LONGEST_PREFIX if strategy is None else strategy)

    def to_route_print(self, style: str = "nt4") -> str:
        """Print the table as `route print` would: style 'nt4' or 'modern'."""
        from workbook.net.route_print import format_route_print

        return format_route_print(self._routes, style=style)

    def route(self, command: str) -> Any:
        """Run a `route` command (the words after `route`), e.g. 'add 10.0.0.0 MASK 255.0.0.0 172.16.112.1'.

        Returns what the command returns: the added or changed route, the
        deleted routes, or the printed table for 'print'.
        """
        from workbook.net.route_command import run_route_command

        return run_route_command(self, command)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_route_print("modern"))


def _beats(local: Route, main: Route, strategy: Strategy) -> bool:
    """Does the local table's ``local`` route win over the main table's ``main``?

    The kernel keeps both tables in one trie: the longer prefix wins, and at
    equal length the local entry. Through the classic lens, the earlier step wins.
    """
    if strategy is Strategy.CLASSIC:
        return _classic_step(local) <= _classic_step(main)
    return local._prefixlen >= main._prefixlen


def _classic_step(route: Route) -> int:
    return CLASSIC_STEPS.get(route.kind, len(CLASSIC_STEPS) + 1)


@dataclass(frozen=True)
class Disagreement:
    """A stretch of destinations where the NT text's mnemonic (the classic lens) and longest prefix part ways."""

    destinations: list[netaddr.IPNetwork]
    classic: Route | None
    longest_prefix: Route | None

    @property
    def first(self) -> netaddr.IPAddress:
        """The first destination of the stretch."""
        return netaddr.IPAddress(self.destinations[0].first)

    @property
    def last(self) -> netaddr.IPAddress:
        """The last destination of the stretch."""
        return netaddr.IPAddress(self.destinations[-1].last)

    @property
    def size(self) -> int:
        """How many destinations the stretch holds."""
        return sum(network.size for network in self.destinations)

    def __str__(self) -> str:
        where = str(self.destinations[0]) if len(self.destinations) == 1 else f"{self.first} – {self.last}"
        return (f"{where} ({self.size:,} addresses): the text's mnemonic (classic) → {self.classic or 'no route'}; "
                f"longest prefix → {self.longest_prefix or 'no route'}")


def find_disagreements(table: RouteTable) -> list[Disagreement]:
    """Every destination range where the NT text's mnemonic (``classic``) and ``longest-prefix`` differ.

    The mnemonic host → subnet → network → default is a lens: it agrees with
    longest prefix until a route is shorter than its class (a supernet, such
    as NT's own 224.0.0.0 mask 224.0.0.0 multicast row).

    Cuts the address space at every route's first and last-plus-one address;
    inside each piece both strategies are constant, so one address a piece
    decides it. Neighbouring pieces with the same pair of winners are merged.
    """
    edges = {0}
    for route in table:
        edges.add(route.first_address)
        if route.last_address < ALL_ONES:
            edges.add(route.last_address + 1)
    cuts = sorted(edges)
    found: list[tuple[int, int, Route | None, Route | None]] = []
    for index, start in enumerate(cuts):
        end = cuts[index + 1] - 1 if index + 1 < len(cuts) else ALL_ONES
        classic, longest = table._classic(start), table._longest_prefix(start)
        if classic == longest:
            continue
        if found and found[-1][1] == start - 1 and found[-1][2:] == (classic, longest):
            found[-1] = (found[-1][0], end, classic, longest)
        else:
            found.append((start, end, classic, longest))
    return [
        Disagreement(netaddr.iprange_to_cidrs(netaddr.IPAddress(start), netaddr.IPAddress(end)), classic, longest)
        for start, end, classic, longest in found
    ]


def _list_networks(on_link: list[tuple[int, int, str]]) -> str:
    shown = [f"{format_address(n)}/{p} on {i}" for n, p, i in on_link[:4]]
    return ", ".join(shown) + (" …" if len(on_link) > 4 else "")


def _example_gateway(on_link: list[tuple[int, int, str]]) -> str:
    network, prefixlen, interface = max(on_link, key=lambda item: item[1])
    gateway = network + 1 if prefixlen < 31 else network
    return f"{format_address(gateway)} for {format_address(network)}/{prefixlen} on {interface}"

