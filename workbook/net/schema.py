"""The scenario schema: every key a scenario file may hold, declared once (chapters 1 to 5).

A scenario is nested mappings of a few *kinds*: a network holds segments,
hosts and routers; a host holds interfaces, routes and sysctl settings; an
interface holds addresses. Each kind is a :class:`Kind` here, a tuple of
:class:`Field` values (name, example, meaning). The loaders
(:meth:`Host.from_dict <workbook.net.host.Host.from_dict>`,
:meth:`Network.from_dict <workbook.sim.network.Network.from_dict>`, the
widgets' ``load``) refuse a key their kind does not declare, and the savers
(``to_dict``, the widgets' ``save``) write only declared keys, so the kinds
below are the whole format; ``docs/scenario-format.md`` is generated from
them by ``python docs/make_scenario_format.py`` (a test checks it is up to date).

>>> HOST.names() >= {"name", "interfaces", "routes", "sysctl"}
True
>>> HOST.check({"name": "h", "interfaces": [], "colour": "red"}, "host")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbook.errors.ScenarioError: host has unknown key(s) 'colour'; allowed: forwarding, interfaces, name, ...

An error found inside a scenario names where, as a path into the file:

>>> with at("hosts", 2), at("interfaces", 0):
...     INTERFACE.check({"nmae": "eth0"}, "interface")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbook.errors.ScenarioError: hosts[2].interfaces[0]: interface has unknown key(s) 'nmae'; allowed: ...

How to add a key
----------------
* **A key of the configuration** (host, interface, address, route, sysctl;
  read by :mod:`workbook.net`): add one :class:`Field` to its kind below (its
  example, its meaning, ``saved=False`` if ``to_dict`` never writes it back,
  ``only_some_stacks`` with the value that changes nothing if only some
  personalities model it). The loader then accepts it, the docs list it; the
  code that gives it meaning (``Host.from_dict``/``to_dict``) reads and
  writes it.
* **A key of the simulation** (how a protocol behaves on a node): declare a
  :class:`~workbook.sim.stack.ScenarioKey` in the protocol's ``keys``, as
  ARP, ICMP and IGMP do. A key with ``level="interface"`` sits in each
  interface entry instead (e.g. ``dhcp: true``); the protocol gets a mapping
  of interface names to values. :mod:`workbook.sim` plugs every registered
  protocol's keys into :data:`NODE` and :data:`NODE_INTERFACE` (see
  :meth:`Kind.plug`), so registering the protocol is the whole change: its
  keys are checked, saved, refused when unknown and documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workbook.errors import ScenarioError, WorkbookError

__all__ = [
    "ADDRESS",
    "HOST",
    "INTERFACE",
    "KINDS",
    "NETWORK",
    "NODE",
    "NODE_INTERFACE",
    "ROUTE",
    "SAVED_ROUTE",
    "SEGMENT",
    "SYSCTL",
    "TABLE",
    "Field",
    "Kind",
    "at",
    "format_path",
    "markdown",
    "optional_keys",
]


#: How many plugs exist (a kind recomputes its list of version calls when this changes).
_PLUGS = [0]


@dataclass(frozen=True)
class Field:
    """One key of a kind: its name, a valid example value, and what it means.

    ``required`` keys must be present; ``saved`` is False for a key the
    loader reads but ``to_dict`` writes in another form (an address's
    ``netmask`` comes back inside ``address``). ``only_some_stacks`` marks a
    key only some personalities model: every stack accepts ``neutral`` (the
    value that changes nothing), the others refuse any other value.
    ``declared_by`` names the protocol that declares a simulation key.
    """

    name: str
    example: Any
    help: str
    required: bool = False
    saved: bool = True
    only_some_stacks: bool = False
    neutral: Any = None
    declared_by: str = ""


@dataclass
class Kind:
    """A mapping of a scenario (a host, an interface, ...): the keys it may hold.

    ``base`` is a kind whose keys this one has too (a network's node is a
    host plus the simulation's keys); :meth:`plug` adds keys declared
    elsewhere (the simulator's protocols).
    """

    name: str
    title: str
    fields: tuple[Field, ...]
    example: dict[str, Any]
    base: Kind | None = None
    _plugs: list[tuple[Callable[[], Iterable[Field]], Callable[[], object]]] = field(default_factory=list,
                                                                                     repr=False)
    _cache: tuple[tuple[object, ...], dict[str, Any]] | None = field(default=None, repr=False)
    _calls: tuple[int, tuple[Callable[[], object], ...]] | None = field(default=None, repr=False)

    def plug(self, provider: Callable[[], Iterable[Field]], version: Callable[[], object] | None = None) -> None:
        """Add the keys ``provider()`` returns to this kind.

        ``version()`` returns an object that stays the same (``is``) while the
        provider's answer does (the simulator gives its protocol table's key
        tuple); without it, the provider is asked every time.
        """
        self._plugs.append((provider, version or object))
        self._cache = None
        _PLUGS[0] += 1  # kinds built on this one ask for its versions afresh

    def _version_calls(self) -> tuple[Callable[[], object], ...]:
        return (*(self.base._version_calls() if self.base else ()), *(version for _, version in self._plugs))

    def _versions(self) -> tuple[object, ...]:
        calls = self._calls
        if calls is None or calls[0] != _PLUGS[0]:
            calls = self._calls = (_PLUGS[0], self._version_calls())
        return tuple(version() for version in calls[1])

    def _known(self) -> dict[str, Any]:
        """The fields and their name sets, computed again only when a plugged provider's version changes."""
        cache = self._cache
        if cache is not None and not cache[0]:
            return cache[1]  # nothing plugged anywhere: the declarations alone
        versions = self._versions()
        if cache is not None and len(cache[0]) == len(versions) and all(
                a is b for a, b in zip(cache[0], versions, strict=True)):
            return cache[1]
        plugged = tuple(f for provider, _ in self._plugs for f in provider())
        own = (*self.fields, *plugged)
        every = (*(self.base.all_fields() if self.base else ()), *own)
        known = {"own": own, "all": every, "plugged": frozenset(f.name for f in plugged),
                 "names": frozenset(f.name for f in every),
                 "saved": frozenset(f.name for f in every if f.saved),
                 "required": frozenset(f.name for f in every if f.required)}
        self._cache = (versions, known)
        return known

    def own_fields(self) -> tuple[Field, ...]:
        """The declared fields and the plugged ones, without the base's."""
        return self._known()["own"]

    def plugged_names(self) -> frozenset[str]:
        """The names of the plugged keys (the simulation's, on :data:`NODE`)."""
        return self._known()["plugged"]

    def all_fields(self) -> tuple[Field, ...]:
        """Every key of the kind: the base's, then its own, then the plugged ones."""
        return self._known()["all"]

    def names(self) -> frozenset[str]:
        """The keys the loader accepts."""
        return self._known()["names"]

    def saved_names(self) -> frozenset[str]:
        """The keys a saver may write."""
        return self._known()["saved"]

    def required(self) -> frozenset[str]:
        return self._known()["required"]

    def get(self, name: str) -> Field:
        """The field called ``name`` (KeyError when the kind lacks it)."""
        for item in self.all_fields():
            if item.name == name:
                return item
        raise KeyError(name)

    def check(self, data: object, what: str) -> dict[str, Any]:
        """``data`` if it is a mapping with only known keys and every required one; else a ScenarioError.

        ``what`` names the entry in the message (``"interface of host 'h'"``).
        """
        if not isinstance(data, dict):
            raise ScenarioError(f"{what} must be a mapping, not {data!r}; e.g. {self.example!r}")
        known = self._known()
        allowed = known["names"]
        if data.keys() <= allowed and known["required"] <= data.keys():
            return data
        unknown = sorted(set(data) - allowed, key=str)
        if unknown:
            raise ScenarioError(f"{what} has unknown key(s) {', '.join(map(repr, unknown))}; allowed: "
                                f"{', '.join(sorted(allowed))}; e.g. {self.example!r}")
        missing = sorted(known["required"] - set(data))
        if missing:
            raise ScenarioError(f"{what} lacks {', '.join(map(repr, missing))}; e.g. {self.example!r}")
        return data

    def saving(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` unchanged, once every key is one this kind saves (a saver's own mistake otherwise)."""
        if data.keys() <= self.saved_names():
            return data
        stray = set(data) - self.saved_names()
        if stray:
            raise AssertionError(f"a {self.name} would be saved with undeclared key(s) {sorted(stray)}; "
                                 f"declare them in workbook.net.schema")
        return data


# Where in a scenario an error was found ------------------------------------------------------------
def format_path(parts: Iterable[str | int]) -> str:
    """``('hosts', 2, 'interfaces', 0)`` -> ``'hosts[2].interfaces[0]'``.

    >>> format_path(["hosts", 2, "interfaces", 0, "addresses", 1])
    'hosts[2].interfaces[0].addresses[1]'
    """
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class at:
    """Prefix a :class:`WorkbookError` raised inside with where it happened: ``hosts[2].interfaces[0]: ...``.

    Nested uses build one path; the error keeps its type and attributes
    (``scenario_path`` holds the parts). A class, not a generator: loaders
    enter one for every entry they read.
    """

    __slots__ = ("parts",)

    def __init__(self, *parts: str | int) -> None:
        self.parts = parts

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> bool:
        if isinstance(error, WorkbookError):
            _locate(error, self.parts)
        return False


def _locate(error: WorkbookError, parts: tuple[str | int, ...]) -> None:
    inner = getattr(error, "scenario_path", ())
    message = getattr(error, "scenario_message", None)
    if message is None:
        message = str(error.args[0]) if error.args else str(error)
    path = (*parts, *inner)
    error.scenario_path = path  # type: ignore[attr-defined]
    error.scenario_message = message  # type: ignore[attr-defined]
    error.args = (f"{format_path(path)}: {message}", *error.args[1:])


# The kinds ------------------------------------------------------------------------------------------
_LINUX = "modelled by the linux personality only; others accept"

SEGMENT = Kind("segment", "Segment (in a network's `segments`)", (
    Field("name", "lan", "the segment's name, which interfaces give as their `segment`", required=True),
), example={"name": "lan"})

ADDRESS = Kind("address", "Address (an entry of an interface's `addresses`, when written as a mapping)", (
    Field("address", "10.0.0.5/24", "the address and its prefix length (or a netmask after the slash)",
          required=True),
    Field("netmask", "255.255.255.0", "the netmask, when `address` has none; saved inside `address`", saved=False),
    Field("prefixlen", 24, "the prefix length, when `address` has none; saved inside `address`", saved=False),
    Field("scope", "link", f"`ip addr add ... scope`: global, link or host; {_LINUX} global",
          only_some_stacks=True, neutral="global"),
    Field("noprefixroute", True, f"`ip addr add ... noprefixroute`: no route to the subnet; {_LINUX} false",
          only_some_stacks=True, neutral=False),
), example={"address": "10.0.0.5/24", "scope": "link"})

INTERFACE = Kind("interface", "Interface (an entry of a host's `interfaces`)", (
    Field("name", "eth0", "the interface's name, unique on its host", required=True),
    Field("mac", "00-DD-01-0F-7A-B5", "its Ethernet address (dashes, colons or dots); a network gives one if "
          "left out"),
    Field("addresses", ["172.16.112.123/24"], "its IPv4 addresses, texts like '10.0.0.5/24' or address mappings; "
          "NT reads only the first for NetBIOS"),
    Field("gateway", "172.16.112.1", "the Default Gateway of the interface's settings"),
    Field("metric", 25, "the interface metric (0-9999) Windows adds to its routes'"),
    Field("segment", "lan", "the network segment the cable goes to (required in a network)"),
    Field("up", False, f"administratively up (`ip link set ... down` makes it false); {_LINUX} true",
          only_some_stacks=True, neutral=True),
    Field("carrier", False, f"the cable carries a signal; {_LINUX} true", only_some_stacks=True, neutral=True),
    Field("weakhostsend", True, "`netsh interface ipv4 set interface ... weakhostsend=enabled`: send with a source "
          "address of another interface; only the windows personality models it; false", only_some_stacks=True,
          neutral=False),
    Field("weakhostreceive", True, "`netsh interface ipv4 set interface ... weakhostreceive=enabled`: accept "
          "datagrams for another interface's address; only the windows personality models it; false",
          only_some_stacks=True, neutral=False),
), example={"name": "eth0", "addresses": ["172.16.112.123/24"], "gateway": "172.16.112.1"})

ROUTE = Kind("route", "Route (an entry of a host's `routes`: configured, installed at every start)", (
    Field("destination", "10.0.0.0/8", "the destination network (with /length, or with `netmask`)", required=True),
    Field("netmask", "255.0.0.0", "the destination's netmask, when `destination` has no /length"),
    Field("gateway", "172.16.112.9", "the next router; none for a route straight onto the link"),
    Field("interface", "eth0", "the interface the route leaves through (found from the gateway if left out)"),
    Field("metric", 2, "the route's metric (Windows adds the interface's)"),
    Field("source", "172.16.112.123", "the preferred source address (`ip route ... src`)"),
    Field("origin", "persistent", "how the route came: static, persistent, redirect, ..."),
    Field("type", "blackhole", f"unicast, unreachable, blackhole, prohibit or throw; {_LINUX} unicast",
          only_some_stacks=True, neutral="unicast"),
    Field("onlink", True, f"`ip route ... onlink`: the gateway is on the link, whatever the subnets; {_LINUX} "
          "false", only_some_stacks=True, neutral=False),
    Field("how", "append", f"`ip route add`, `append` or `prepend`; {_LINUX} add", only_some_stacks=True,
          neutral="add"),
), example={"destination": "10.0.0.0/8", "gateway": "172.16.112.9", "metric": 2})

SAVED_ROUTE = Kind("saved route", "Saved route (an entry of a host's `table` or `persistent_routes`, "
                   "as `Route.as_dict()` writes it)", (
    Field("destination", "10.0.0.0/8", "the destination network with its /length", required=True),
    Field("gateway", "172.16.112.9", "the next router, or none"),
    Field("interface", "eth0", "the interface column (NT and Windows: the interface's address)"),
    Field("metric", 2, "the metric as the table holds it"),
    Field("origin", "static", "how the route came: automatic, static, persistent, redirect, ..."),
    Field("route_type", "unicast", "unicast, or a reject type (unreachable, blackhole, prohibit, throw)"),
    Field("preferred_source", "172.16.112.123", "the preferred source address, or none"),
    Field("onlink", False, "whether the gateway was declared on the link"),
    Field("gateway_is_own", False, "whether the gateway is one of the host's own addresses"),
), example={"destination": "10.0.0.0/8", "gateway": "172.16.112.9", "interface": "eth0", "metric": 2})

SYSCTL = Kind("sysctl", "Sysctl (a host's `sysctl` mapping: the kernel settings the linux personality models)", (
    Field("forwarding", 1, "net.ipv4.ip_forward: forward datagrams for others (a router); every stack knows "
          "this one as the host's `forwarding`, which is how it is saved", saved=False, only_some_stacks=True,
          neutral=None),
    Field("rp_filter", 2, "reverse-path filtering: 0 off, 1 strict, 2 loose (RFC 3704)", only_some_stacks=True,
          neutral=None),
    Field("ignore_routes_with_linkdown", 1, "skip routes through an interface without carrier",
          only_some_stacks=True, neutral=None),
    Field("promote_secondaries", 1, "keep the secondary addresses when the primary is deleted",
          only_some_stacks=True, neutral=None),
    Field("arp_ignore", 1, "1: answer an ARP request only for an address of the interface it came in on",
          only_some_stacks=True, neutral=None),
    Field("arp_announce", 2, "2: an ARP request carries the outgoing interface's own address as its sender",
          only_some_stacks=True, neutral=None),
), example={"rp_filter": 2})

HOST = Kind("host", "Host (a scenario for one host, e.g. `Host.from_dict`)", (
    Field("name", "nt-host", "the host's name", required=True),
    Field("personality", "nt4", "the stack: nt35, nt4, windows or linux (default nt4)"),
    Field("interfaces", [INTERFACE.example], "its interfaces, each an interface mapping", required=True),
    Field("routes", [ROUTE.example], "configured routes, each a route mapping"),
    Field("forwarding", True, "the host forwards datagrams for others: a router"),
    Field("sysctl", SYSCTL.example, "kernel settings, a sysctl mapping (linux)"),
    Field("persistent_routes", [SAVED_ROUTE.example], "routes added with `route -p add`, as saved routes"),
    Field("table", [SAVED_ROUTE.example], "the route table as it was saved (a learner's edits), as saved routes; "
          "read only by the same personality"),
), example={"name": "nt-host", "interfaces": [INTERFACE.example]})

NODE_INTERFACE = Kind("node interface", "Interface of a node in a network (an interface mapping, plus the "
                      "simulation's interface keys)", (), example={**INTERFACE.example, "segment": "lan"},
                      base=INTERFACE)

NODE = Kind("node", "Host or router in a network (an entry of `hosts` or `routers`: a host mapping whose "
            "interfaces name a segment, plus the simulation's keys; a router forwards unless it says "
            "`forwarding: false`)", (), example={"name": "a", "interfaces": [NODE_INTERFACE.example]}, base=HOST)

NETWORK = Kind("network", "Network (a scenario for `Network.from_dict`)", (
    Field("name", "seed-lan", "a name for the scenario (not saved)", saved=False),
    Field("personality", "nt4", "every node's stack unless its entry names one (default nt4)"),
    Field("seed", 0, "the seed of the network's random numbers (not saved: a loader may give its own)",
          saved=False),
    Field("segments", [SEGMENT.example], "the segments, each a segment mapping", required=True),
    Field("hosts", [NODE.example], "the hosts, each a node mapping"),
    Field("routers", [{"name": "r", "interfaces": [{"name": "lan0", "segment": "lan",
                                                    "addresses": ["172.16.112.1/24"]}]}],
          "the routers, each a node mapping; `to_dict` puts every forwarding node here"),
), example={"segments": [SEGMENT.example], "hosts": [NODE.example]})

TABLE = Kind("table", "Table (a bare route table, as the route table editor saves one without a host)", (
    Field("strategy", "longest-prefix", "how the table chooses: longest-prefix or classic"),
    Field("routes", [SAVED_ROUTE.example], "its routes, as saved routes", required=True),
), example={"strategy": "longest-prefix", "routes": [SAVED_ROUTE.example]})

#: Every kind, in the order the documentation lists them.
KINDS: tuple[Kind, ...] = (NETWORK, SEGMENT, NODE, NODE_INTERFACE, HOST, INTERFACE, ADDRESS, ROUTE, SYSCTL,
                           SAVED_ROUTE, TABLE)


def optional_keys() -> dict[str, dict[str, tuple[Any, Any]]]:
    """The keys only some stacks model, by kind: ``{kind: {key: (neutral value, example)}}``.

    >>> optional_keys()["route"]["type"]
    ('unicast', 'blackhole')
    """
    return {kind.name: {f.name: (f.neutral, f.example) for f in kind.fields if f.only_some_stacks}
            for kind in (ROUTE, ADDRESS, INTERFACE, SYSCTL)}


# The documentation -------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    import json

    return json.dumps(value).replace("|", "\\|")


def markdown() -> str:
    """``docs/scenario-format.md``: every kind and key, from the declarations above and the plugged ones."""
    lines = ["# The scenario format", "",
             "<!-- Generated by `python docs/make_scenario_format.py` from "
             "workbook/net/schema.py and the protocols' ScenarioKeys; do not edit by hand. -->", "",
             "A scenario file (YAML or JSON) is nested mappings of the kinds below. A loader refuses a key its "
             "kind does not list, naming the keys it knows; an error names where it was found, as a path such as "
             "`hosts[2].interfaces[0].addresses[1]`. Examples are written as JSON (valid YAML too).", ""]
    for kind in KINDS:
        lines += [f"## {kind.title}", ""]
        if kind.base is not None:
            lines += [f"Every key of *{kind.base.title.split(' (')[0]}*, and:", ""]
        own = kind.own_fields()
        if own:
            lines += ["| key | required | example | meaning |", "|---|---|---|---|"]
            for item in own:
                meaning = item.help + ("" if not item.declared_by else " (the simulated node's own key)"
                                       if item.declared_by == "node" else f" (declared by the `{item.declared_by}` "
                                       f"protocol)")
                lines.append(f"| `{item.name}` | {'yes' if item.required else ''} | `{_cell(item.example)}` | "
                             f"{meaning} |")
        else:
            lines.append("(no further keys)")
        lines += ["", f"Example: `{_cell(kind.example)}`", ""]
    return "\n".join(lines).rstrip() + "\n"
