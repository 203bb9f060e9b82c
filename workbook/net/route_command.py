"""The `route` command, with Windows NT's syntax (chapter 1).

::

    route [-f] [-p] [PRINT | ADD | DELETE | CHANGE] [destination] [MASK netmask] [gateway]
          [METRIC metric] [IF interface]

``-p`` with ADD stores the route in the registry so that it survives a restart
(NT 3.5 forgot even those); ``-f`` first clears every route that goes through a
gateway. MASK defaults to 255.255.255.255, so a route added without one is a
host route: a classic slip the chapter shows. PRINT and DELETE accept ``*``
and ``?`` wildcards in the destination.

>>> from workbook import Host
>>> host = Host.from_scenario("seed-host")
>>> host.route("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRIC 2")
Route('10.0.0.0/8', gateway='172.16.112.9', interface='172.16.112.123', metric=2)
>>> host.route("add 192.168.7.0 172.16.112.9").kind   # no MASK: a host route!
<RouteKind.HOST: 'host'>
>>> [str(r.network) for r in host.route("delete 192.*")]
['192.168.7.0/32']
>>> host.route("add 10.0.0.0 MASK 255.0.0.0 172.16.112.9 METRC 2")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbook.errors.RouteCommandError: route add 10.0.0.0 MASK ... METRC 2: unexpected 'METRC' after the gateway; e.g. ...
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbook.errors import RouteCommandError, WorkbookError
from workbook.net.addresses import format_address, parse_address, parse_mask
from workbook.net.route_table import RouteTable
from workbook.net.routes import METRIC_MAX, Route, RouteOrigin

__all__ = ["ParsedRouteCommand", "parse_route_command", "run_route_command"]

EXAMPLE = "route add 10.0.0.0 MASK 255.0.0.0 172.16.112.1 METRIC 2"
USAGE = "route [-f] [-p] [print|add|delete|change] [destination] [MASK netmask] [gateway] [METRIC n] [IF n]"
COMMANDS = ("print", "add", "delete", "change")
_KEYWORDS = ("mask", "metric", "if")
_WILDCARDS = set("*?")


@dataclass
class ParsedRouteCommand:
    """The parts of one `route` command line, before anything is done."""

    command: str | None = None
    flush: bool = False
    persistent: bool = False
    destination: str | None = None
    mask: str | None = None
    gateway: str | None = None
    metric: int | None = None
    interface: str | None = None


def parse_route_command(command: str) -> ParsedRouteCommand:
    """Split a `route` command line into its parts; raise :class:`RouteCommandError` if malformed.

    >>> parsed = parse_route_command("-p add 10.0.0.0 mask 255.0.0.0 172.16.112.1 metric 3")
    >>> parsed.command, parsed.persistent, parsed.mask, parsed.gateway, parsed.metric
    ('add', True, '255.0.0.0', '172.16.112.1', 3)
    """
    if not isinstance(command, str):
        raise RouteCommandError(f"a route command is text, not {type(command).__name__}; e.g. {EXAMPLE!r}")
    words = command.split()
    if words and words[0].lower() in ("route", "route.exe"):
        words = words[1:]
    parsed = ParsedRouteCommand()
    while words and words[0].startswith("-"):
        flag = words.pop(0).lower()
        if flag == "-f":
            parsed.flush = True
        elif flag == "-p":
            parsed.persistent = True
        elif flag != "-4":
            raise RouteCommandError(f"{flag!r} is not a switch of route: use -f or -p; usage: {USAGE}")
    if not words:
        if parsed.flush:
            return parsed
        raise RouteCommandError(f"no command given; usage: {USAGE}; e.g. {EXAMPLE}")
    verb = words.pop(0).lower()
    if verb not in COMMANDS:
        raise RouteCommandError(
            f"{verb!r} is not a route command: use print, add, delete or change; e.g. {EXAMPLE}"
        )
    parsed.command = verb
    if parsed.persistent and verb not in ("add", "print"):
        raise RouteCommandError(f"-p goes with add (or print), not {verb}; e.g. route -p add 10.0.0.0 MASK 255.0.0.0 "
                                f"172.16.112.1")
    if words and words[0].lower() not in _KEYWORDS:
        parsed.destination = words.pop(0)
    positional_done = False
    while words:
        word = words.pop(0)
        keyword = word.lower()
        if keyword in _KEYWORDS:
            if not words or words[0].lower() in _KEYWORDS:
                raise RouteCommandError(f"{word.upper()} needs a value after it; e.g. {_keyword_example(keyword)}")
            value = words.pop(0)
            if keyword == "mask":
                if parsed.mask is not None:
                    raise RouteCommandError(f"MASK is given twice; give it once, e.g. {EXAMPLE}")
                parsed.mask = value
            elif keyword == "metric":
                parsed.metric = _metric(value)
            else:
                parsed.interface = value
            continue
        if parsed.gateway is None and not positional_done and verb != "print":
            parsed.gateway = word
            positional_done = True
            continue
        where = "after the gateway" if parsed.gateway else f"after {verb}"
        raise RouteCommandError(f"unexpected {word!r} {where}; e.g. {EXAMPLE}")
    if verb in ("add", "change", "delete") and parsed.destination is None:
        raise RouteCommandError(f"route {verb} needs a destination; e.g. {_verb_example(verb)}")
    if verb in ("add", "change") and parsed.gateway is None:
        raise RouteCommandError(f"route {verb} needs a gateway after the destination and mask; "
                                f"e.g. {_verb_example(verb)}")
    if verb != "print" and parsed.destination and _WILDCARDS & set(parsed.destination) and verb != "delete":
        raise RouteCommandError(f"wildcards like {parsed.destination!r} work with print and delete only; "
                                f"e.g. route delete 10.*")
    return parsed


def _metric(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= METRIC_MAX:
        raise RouteCommandError(f"METRIC {value!r} is not a whole number from 1 to {METRIC_MAX}; e.g. METRIC 2")
    return int(value)


def _keyword_example(keyword: str) -> str:
    return {"mask": "MASK 255.255.0.0", "metric": "METRIC 2", "if": "IF 2"}[keyword]


def _verb_example(verb: str) -> str:
    return {
        "add": EXAMPLE,
        "change": "route change 10.0.0.0 MASK 255.0.0.0 172.16.112.1 METRIC 3",
        "delete": "route delete 10.0.0.0",
    }[verb]


def run_route_command(
    table: RouteTable,
    command: str,
    interface_index: Mapping[int, str] | None = None,
    style: str = "nt4",
) -> Any:
    """Run one `route` command on ``table``.

    Returns the added or changed :class:`Route`, the list of deleted (or, for a
    bare ``-f``, flushed) routes, or the printed table for ``print``.
    ``interface_index`` maps the numbers ``IF`` accepts to interface labels.
    Nothing changes when the command is refused (``-f`` included).
    """
    shown = " ".join(command.split()) if isinstance(command, str) else repr(command)
    shown = shown if shown.lower().startswith("route") else f"route {shown}"
    try:
        return _run(table, parse_route_command(command), interface_index or {}, style)
    except WorkbookError as error:
        raise type(error)(f"{shown}: {error}") from None


def _run(table: RouteTable, parsed: ParsedRouteCommand, interface_index: Mapping[int, str], style: str) -> Any:
    interface = None if parsed.interface is None else _interface(table, parsed.interface, interface_index)
    candidate = None
    if parsed.command == "add":
        candidate = _new_route(parsed, interface)
    working = table.copy() if parsed.flush else table  # a refused command changes nothing, -f included
    flushed = working.flush() if parsed.flush else []
    if parsed.command is None:
        result: Any = flushed
    elif parsed.command == "print":
        from workbook.net.route_print import format_route_print

        routes = list(working)
        if parsed.destination:
            routes = [r for r in routes if _matches(r, parsed.destination)]
        result = format_route_print(routes, style=style)
    elif parsed.command == "add":
        assert candidate is not None
        result = working.add(candidate)
    elif parsed.command == "delete":
        result = _delete(working, parsed, interface)
    else:
        result = working.change(
            parsed.destination or "", _mask_or_none(parsed.mask), parsed.gateway, parsed.metric, interface
        )
    if working is not table:
        table.clear()
        for route in working:
            table.add(route, check_gateway=False)
    return result


def _interface(table: RouteTable, value: str, interface_index: Mapping[int, str]) -> str:
    if value.isdigit() or value.lower().startswith("0x"):
        number = int(value, 16) if value.lower().startswith("0x") else int(value)
        if number in interface_index:
            return interface_index[number]
        known = ", ".join(f"{n} ({label})" for n, label in sorted(interface_index.items())) or "none known here"
        raise RouteCommandError(f"IF {value}: no interface has that number; the interfaces are {known}")
    return table.check_interface(value)


def _mask_or_none(mask: str | None) -> str | None:
    if mask is None:
        return None
    parse_mask(mask)
    return mask


def _new_route(parsed: ParsedRouteCommand, interface: str | None) -> Route:
    destination = parsed.destination or ""
    mask = parsed.mask
    if "/" in destination and mask is not None:
        raise RouteCommandError(f"destination {destination!r} has a prefix length and MASK {mask} is given too; "
                                f"give one, e.g. {EXAMPLE}")
    if "/" not in destination and mask is None:
        mask = "255.255.255.255"  # NT's default: a host route
    origin = RouteOrigin.PERSISTENT if parsed.persistent else RouteOrigin.STATIC
    gateway = parsed.gateway
    parse_address(gateway, what="gateway", example="172.16.112.1")
    return Route(destination, netmask=mask, gateway=gateway, interface=interface or "",
                 metric=parsed.metric or 1, origin=origin)


def _matches(route: Route, pattern: str) -> bool:
    if _WILDCARDS & set(pattern):
        return fnmatch.fnmatchcase(format_address(route[0]), pattern)
    return format_address(route[0]) == format_address(parse_address(pattern, what="destination", example="10.0.0.0"))


def _delete(table: RouteTable, parsed: ParsedRouteCommand, interface: str | None) -> list[Route]:
    destination = parsed.destination or ""
    if _WILDCARDS & set(destination):
        doomed = [r for r in table if _matches(r, destination)
                  and (parsed.gateway is None or r[2] == parse_address(parsed.gateway, what="gateway"))
                  and (interface is None or r.interface == interface)]
        if not doomed:
            raise RouteCommandError(f"no route's destination matches {destination!r}; "
                                    f"`route print` lists them, e.g. route delete 10.*")
        for route in doomed:
            table.remove(route)
        return doomed
    return table.delete(destination, _mask_or_none(parsed.mask), parsed.gateway, interface)
