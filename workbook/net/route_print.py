"""Read and write the text of `route print` (chapter 1).

Two layouts exist. Windows NT 4.0 printed five columns under "Active Routes:",
and showed an on-link route by writing the interface's own address in the
gateway column::

      Network Address          Netmask  Gateway Address        Interface  Metric
              0.0.0.0          0.0.0.0     172.16.112.1   172.16.112.123       1

Windows since Vista prints ``route print -4`` with ``On-link`` in the gateway
column, and a second section, "Persistent Routes:", listing what `route -p`
stored in the registry.

>>> from workbook.net.route_print import parse_route_print, format_route_print
>>> text = '''
...   Network Address          Netmask  Gateway Address        Interface  Metric
...           0.0.0.0          0.0.0.0     172.16.112.1   172.16.112.123       1
...      172.16.112.0    255.255.255.0   172.16.112.123   172.16.112.123       1
... '''
>>> routes = parse_route_print(text)
>>> print(format_route_print(routes, style="modern"), end="")
===========================================================================
IPv4 Route Table
===========================================================================
Active Routes:
Network Destination        Netmask          Gateway       Interface  Metric
          0.0.0.0          0.0.0.0     172.16.112.1   172.16.112.123      1
     172.16.112.0    255.255.255.0          On-link   172.16.112.123      1
===========================================================================
Persistent Routes:
  None

A line cut short, as two lines of the NT text's own table are, is refused
with the line and the column named:

>>> parse_route_print("224.0.0.  224.0.0.0  172.16.112.123  172.16.112.123  1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbook.errors.RoutePrintError: line 1, column Network Address: '224.0.0.' looks cut off: ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from workbook.errors import RoutePrintError, WorkbookError
from workbook.net.addresses import MASKS, check_host_bits, format_address, parse_address, parse_mask
from workbook.net.routes import Route, RouteOrigin, check_metric

__all__ = ["COLUMNS", "STYLES", "format_route_print", "parse_route_print", "route_print_style"]

#: The five columns of an NT 4.0 table, in order.
COLUMNS = ("Network Address", "Netmask", "Gateway Address", "Interface", "Metric")
#: The layouts this module reads and writes.
STYLES = ("nt4", "modern")

_RULE = "=" * 75
_NT4_HEADER = "  Network Address          Netmask  Gateway Address        Interface  Metric"
_MODERN_HEADER = "Network Destination        Netmask          Gateway       Interface  Metric"
_PERSISTENT_HEADER = "  Network Address          Netmask  Gateway Address  Metric"
_GOOD_LINE = "        127.0.0.0        255.0.0.0        127.0.0.1        127.0.0.1       1"
_ON_LINK = "on-link"
_NAME = re.compile(r"[A-Za-z][\w.:-]*\Z")  # an interface named, not numbered (eth0, Ethernet-2)
_LOOPBACK = parse_address("127.0.0.1")
_NO_INTERFACE = "-"  # a route of a bare table, not yet tied to an interface

# Lines that carry no route: prompts, titles, rules, headers, the interface list.
_SKIP = re.compile(
    r"""\s*(
        =+ | -+
      | .*>\s*route(\.exe)?\b.*          # the prompt and command, e.g. C:\>route print
      | (IPv4\ )?Route\ Table | Active\ Routes: | Interface\ List
      | Network\ (Address|Destination)\s+Netmask.* | Default\ Gateway:.*
      | (0x)?[0-9a-f]+\s*\.\.\..*        # an interface-list row: ' 12...00 dd 01 ...Ethernet'
    )\s*\Z""",
    re.IGNORECASE | re.VERBOSE,
)
_SEED_HEADER = ("network address", "netmask", "gateway address", "interface", "metric")


@dataclass(frozen=True)
class _Field:
    text: str
    line: int
    source: str  # the whole line, for the message


def route_print_style(text: str) -> str:
    """Guess the layout of a `route print` text: 'modern' or 'nt4'."""
    lowered = text.lower() if isinstance(text, str) else ""
    if "on-link" in lowered or "persistent routes:" in lowered or "network destination" in lowered:
        return "modern"
    return "nt4"


def parse_route_print(text: str) -> list[Route]:
    """Parse `route print` output into routes, in the order printed.

    Accepts the NT 4.0 five-column table, the modern ``route print -4``
    layout, and the NT text's own rendering with one value per line. Routes
    whose gateway is the interface's address, ``On-link``, or loopback are
    marked as automatic (the stack built them); rows of "Persistent Routes:"
    are marked persistent; the rest are static.

    Raises :class:`RoutePrintError` naming the line and the column of the
    first value that is not what its column needs.
    """
    if not isinstance(text, str):
        raise RoutePrintError(f"route print text must be a string, not {type(text).__name__}; e.g. {_GOOD_LINE!r}")
    active: list[list[_Field]] = []
    persistent_rows: list[list[_Field]] = []
    section = "active"
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        stripped = line.strip()
        lowered = stripped.lower()
        if lowered == "persistent routes:":
            section = "persistent"
            continue
        if not stripped or lowered == "none" or _SKIP.match(line):
            continue
        if lowered == _SEED_HEADER[0]:  # the NT text's table, one value per line
            number = _read_one_value_per_line(lines, number, active)
            continue
        words = stripped.split()
        fields = [_Field(word, number, line) for word in words]
        wanted = 4 if section == "persistent" else 5
        if len(words) != wanted:
            example = _GOOD_LINE if wanted == 5 else "      192.168.0.0      255.255.0.0    172.16.112.10       1"
            raise RoutePrintError(
                f"line {number}: {line.strip()!r} has {len(words)} value(s), but a route line has {wanted} "
                f"({', '.join(COLUMNS if wanted == 5 else (*COLUMNS[:3], COLUMNS[4]))}); e.g. {example.strip()!r}"
            )
        if section == "persistent":
            persistent_rows.append(fields)
        else:
            active.append(fields)
        _route(fields, persistent=section == "persistent")  # check it now, so errors come in line order
    routes = [_route(fields, persistent=False) for fields in active]
    routes = _mark_persistent(routes, persistent_rows)
    _refuse_duplicates(routes, active + persistent_rows)
    return routes


def _read_one_value_per_line(lines: list[str], number: int, active: list[list[_Field]]) -> int:
    """Read the NT text's rendering: five header lines, then five lines per route."""
    header = [_SEED_HEADER[0]]
    values: list[_Field] = []
    while number < len(lines):
        stripped = lines[number].strip()
        if not stripped:
            number += 1
            continue
        if len(header) < 5:
            if stripped.lower() != _SEED_HEADER[len(header)]:
                raise RoutePrintError(
                    f"line {number + 1}: expected the column title {COLUMNS[len(header)]!r}, found {stripped!r}"
                )
            header.append(stripped.lower())
        elif len(stripped.split()) > 1:
            break  # prose after the table
        else:
            values.append(_Field(stripped, number + 1, stripped))
            if len(values) % 5 == 0:
                _route(values[-5:], persistent=False)
        number += 1
    if len(values) % 5:
        last = values[-1] if values else _Field("", number, "")
        raise RoutePrintError(
            f"line {last.line}: the table ends in the middle of a route: {len(values)} values is not a multiple of "
            f"five ({', '.join(COLUMNS)}); e.g. {_GOOD_LINE.strip()!r}"
        )
    for start in range(0, len(values), 5):
        active.append(values[start:start + 5])
    return number


def _address(field: _Field, column: str) -> int:
    try:
        return parse_address(field.text, what=column)
    except WorkbookError as error:
        raise _field_error(field, column, str(error)) from None


def _field_error(field: _Field, column: str, why: str) -> RoutePrintError:
    if re.fullmatch(r"(\d{1,3}\.){1,3}", field.text) or re.fullmatch(r"(\d{1,3}\.){1,2}\d{1,3}", field.text):
        whole = field.text.rstrip(".") + ".0" * (3 - field.text.rstrip(".").count("."))
        why = (f"{field.text!r} looks cut off: an address has four numbers, e.g. {whole}; "
               f"the line reads {field.source.strip()!r}")
    return RoutePrintError(f"line {field.line}, column {column}: {why}")


def _route(fields: list[_Field], *, persistent: bool) -> Route:
    if len(fields) == 5:
        destination, mask, gateway, interface, metric = fields
    else:
        destination, mask, gateway, metric = fields
        interface = None
    network = _address(destination, COLUMNS[0])
    try:
        prefixlen = parse_mask(mask.text)
    except WorkbookError as error:
        raise _field_error(mask, COLUMNS[1], str(error)) from None
    try:
        check_host_bits(network, prefixlen)
    except WorkbookError as error:
        raise _field_error(destination, COLUMNS[0], str(error)) from None
    on_link = gateway.text.lower() == _ON_LINK
    gateway_value = None if on_link else _address(gateway, COLUMNS[2])
    label = ""
    if interface is not None and interface.text != _NO_INTERFACE:
        label = interface.text
        if not _NAME.match(label):
            label = format_address(_address(interface, COLUMNS[3]))
    if metric.text.lower() == "default":
        metric_value = 1
    else:
        try:
            metric_value = check_metric(metric.text)
        except WorkbookError as error:
            raise _field_error(metric, COLUMNS[4], str(error)) from None
    if persistent:
        origin = RouteOrigin.PERSISTENT
    elif on_link or gateway.text == label or gateway_value == _LOOPBACK:
        origin = RouteOrigin.AUTOMATIC
    else:
        origin = RouteOrigin.STATIC
    return Route._trusted(network, prefixlen, gateway_value, label, metric_value, origin)


def _mark_persistent(routes: list[Route], rows: list[list[_Field]]) -> list[Route]:
    """Mark active routes listed under "Persistent Routes:"; keep the others as inactive persistent routes."""
    result = list(routes)
    for fields in rows:
        stored = _route(fields, persistent=True)
        for position, route in enumerate(result):
            same_gateway = route[2] == stored[2] or (stored[2] is None and route.on_link)
            if route[:2] == stored[:2] and same_gateway and route.origin is not RouteOrigin.PERSISTENT:
                result[position] = Route._trusted(*route[:5], RouteOrigin.PERSISTENT, *route[6:])
                break
        else:
            result.append(stored)  # stored in the registry, not active now (no interface)
    return result


def _refuse_duplicates(routes: list[Route], rows: list[list[_Field]]) -> None:
    seen: dict[tuple, int] = {}
    for route, fields in zip(routes, rows, strict=False):
        key = route[:4]
        if key in seen:
            raise RoutePrintError(
                f"line {fields[0].line}: the route {route} is printed twice (first on line {seen[key]}); "
                f"a table holds each destination, mask, gateway and interface once"
            )
        seen[key] = fields[0].line


def format_route_print(routes: Iterable[Route], style: str = "nt4") -> str:
    """Print routes as `route print` does, in the 'nt4' or the 'modern' layout.

    Like Windows, it lists routes in order of destination, then mask; routes
    to the same destination and mask keep the order they were installed in.
    """
    routes = sorted(routes, key=lambda route: (route[0], route[1]))
    if style == "nt4":
        lines = ["Active Routes:", "", _NT4_HEADER]
        lines += [_row(r, nt4=True) for r in routes]
        return "\n".join(lines) + "\n"
    if style == "modern":
        active = [r for r in routes if r.interface or not r.persistent]
        stored = [r for r in routes if r.persistent]
        lines = [_RULE, "IPv4 Route Table", _RULE, "Active Routes:", _MODERN_HEADER]
        lines += [_row(r, nt4=False) for r in active]
        lines += [_RULE, "Persistent Routes:"]
        if stored:
            lines.append(_PERSISTENT_HEADER)
            lines += [
                f" {format_address(r[0]):>16} {format_address(MASKS[r[1]]):>16} {_gateway_text(r, False):>16} "
                f"{r.metric:>6}"
                for r in stored
            ]
        else:
            lines.append("  None")
        return "\n".join(lines) + "\n"
    raise RoutePrintError(f"style {style!r} is not one of {', '.join(map(repr, STYLES))}; e.g. style='modern'")


def _gateway_text(route: Route, nt4: bool) -> str:
    if nt4:
        if route[2] is not None:
            return format_address(route[2])
        if route.interface and not _NAME.match(route.interface):
            return route.interface  # NT wrote the interface's own address for an on-link route
        return "On-link"
    return "On-link" if route.on_link else format_address(route[2])


def _row(route: Route, *, nt4: bool) -> str:
    interface = route.interface or _NO_INTERFACE
    cells = (format_address(route[0]), format_address(MASKS[route[1]]), _gateway_text(route, nt4), interface)
    return "".join(f" {cell:>16}" for cell in cells) + f" {route.metric:>{7 if nt4 else 6}}"
