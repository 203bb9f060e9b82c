"""Network interfaces: a name, a MAC address and one or more IPv4 addresses (chapter 2).

>>> nic = Interface("eth0", mac="00-DD-01-0F-7A-B5", addresses=["172.16.112.123/24"])
>>> str(nic.primary_address), str(nic.networks[0])
('172.16.112.123', '172.16.112.0/24')
>>> nic.owns("172.16.112.123"), nic.on_link("172.16.112.9"), nic.on_link("172.17.1.1")
(True, True, False)

NT 4.0's control panel took five addresses per card; more could be typed
into the registry. :attr:`Interface.needs_registry` says when a card is past
that limit. NetBIOS over TCP/IP bound only the card's first address.

An address may also be a dict, for the options Linux models (``ip addr add
... scope link noprefixroute``); a link can be administratively down
(``up=False``) or lack a carrier (``carrier=False``, a cable pulled):

>>> nic = Interface("eth1", addresses=[{"address": "10.0.0.5/24", "scope": "link", "noprefixroute": True}])
>>> nic.scope_of("10.0.0.5"), nic.has_prefix_route("10.0.0.5")
('link', False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import netaddr

from workbook.errors import AddressError, InterfaceError
from workbook.net.addresses import MASKS, format_address, parse_address, parse_mask
from workbook.net.schema import ADDRESS, at

__all__ = ["ADDRESS_SCOPES", "CONTROL_PANEL_ADDRESS_LIMIT", "Interface", "parse_mac"]

# Six octets with dashes or colons, three dotted groups of four, or twelve bare hex digits
# (netaddr alone would also read '00-DD-01' as a MAC, with zeros filled in).
_MAC_FORMS = re.compile(r"([0-9A-Fa-f]{2}[-:]){5}[0-9A-Fa-f]{2}|([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12}")

#: How many addresses NT 4.0's network control panel accepted per card.
CONTROL_PANEL_ADDRESS_LIMIT = 5

#: The scopes an address can have (`ip addr add ... scope`): global (the default), link, host.
ADDRESS_SCOPES = ("global", "link", "host")


def parse_mac(value: object, interface: str | None = None) -> netaddr.EUI:
    """A unicast Ethernet address in a common notation (dashes, colons or dots), e.g. 00-DD-01-0F-7A-B5."""
    where = "" if interface is None else f" of interface {interface!r}"
    if isinstance(value, netaddr.EUI):
        value = str(value)
    if not isinstance(value, str) or not _MAC_FORMS.fullmatch(value.strip()):
        raise InterfaceError(f"MAC address {value!r}{where} is not an Ethernet address; e.g. 00-DD-01-0F-7A-B5")
    mac = netaddr.EUI(value.strip())
    if mac.words[0] & 1:
        raise InterfaceError(
            f"MAC address {value!r}{where} is a group (multicast) address: its first octet is odd; "
            f"a NIC needs a unicast one, e.g. 00-DD-01-0F-7A-B5"
        )
    return mac


def _parse_interface_address(value: object, interface: str, bare_prefixlen: int | None = None) -> netaddr.IPNetwork:
    """'172.16.112.123/24', or {'address': ..., 'netmask': ...} -> IPNetwork (address kept).

    ``bare_prefixlen`` is the prefix length an address written without one
    gets (32 on Linux, as `ip addr add` reads it); None refuses such an address.
    """
    what = f"address of interface {interface!r}"
    if isinstance(value, dict):
        ADDRESS.check(value, f"address {value!r} of interface {interface!r}")
        text, mask = value.get("address"), value.get("netmask", value.get("prefixlen"))
        if mask is None and isinstance(text, str) and "/" in text:
            text, _, mask = text.partition("/")
    elif isinstance(value, str):
        text, _, mask = value.partition("/")
        mask = mask if "/" in value else None
    else:
        text, mask = value, None
    if mask is None:
        if bare_prefixlen is None:
            raise AddressError(f"{what} {value!r} has no netmask; e.g. '172.16.112.123/24'")
        mask = bare_prefixlen
    address = parse_address(text.strip() if isinstance(text, str) else text, what=what, example="172.16.112.123/24")
    prefixlen = parse_mask(mask.strip() if isinstance(mask, str) else mask)
    if prefixlen < 31 and address in (address & MASKS[prefixlen], address | (~MASKS[prefixlen] & 0xFFFFFFFF)):
        raise AddressError(
            f"{what} {value!r} is the network or broadcast address of its subnet, not a host address; "
            f"e.g. {format_address((address & MASKS[prefixlen]) + 1)}/{prefixlen}"
        )
    if address >> 28 >= 0xE or address >> 24 == 0:
        raise AddressError(f"{what} {value!r} is not a unicast host address; e.g. '172.16.112.123/24'")
    return netaddr.IPNetwork((address, prefixlen))


def _address_options(value: object, interface: str) -> tuple[str, bool]:
    """The scope and noprefixroute of an address dict (global and False for a plain string)."""
    if not isinstance(value, dict):
        return "global", False
    scope = value.get("scope", "global")
    if scope not in ADDRESS_SCOPES:
        raise AddressError(
            f"scope {scope!r} of address {value.get('address')!r} on interface {interface!r} is not one of "
            f"{', '.join(map(repr, ADDRESS_SCOPES))}; e.g. 'link'"
        )
    noprefixroute = value.get("noprefixroute", False)
    if not isinstance(noprefixroute, bool):
        raise AddressError(
            f"noprefixroute {noprefixroute!r} of address {value.get('address')!r} on interface {interface!r} "
            f"must be true or false; e.g. true"
        )
    return scope, noprefixroute


def _check_flag(value: object, key: str, interface: str) -> bool:
    if not isinstance(value, bool):
        raise InterfaceError(f"{key} {value!r} of interface {interface!r} must be true or false; e.g. false")
    return value


def _check_interface_metric(metric: object, interface: str) -> int:
    if isinstance(metric, bool) or not isinstance(metric, int) or not 0 <= metric <= 9999:
        raise InterfaceError(f"metric {metric!r} of interface {interface!r} is not a whole number from 0 to 9999; "
                             f"e.g. 25")
    return metric


class Interface:
    """A NIC (or the loopback) of a host: name, MAC, addresses in configuration order.

    The first address is the *primary* one; Windows names the interface by it
    in `route print`, and NetBIOS over TCP/IP uses only it.
    """

    def __init__(
        self,
        name: str,
        mac: object = None,
        addresses: Iterable[object] = (),
        index: int = 0,
        metric: int | None = None,
        segment: str | None = None,
        loopback: bool = False,
        up: bool = True,
        carrier: bool = True,
        bare_prefixlen: int | None = None,
        weakhostsend: bool = False,
        weakhostreceive: bool = False,
    ) -> None:
        if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name.strip()):
            raise InterfaceError(f"interface name {name!r} must be a word without spaces; e.g. 'eth0'")
        self.name = name.strip()
        self.mac = None if mac is None else parse_mac(mac, self.name)
        self.addresses: list[netaddr.IPNetwork] = []
        self.index = index
        self.metric = None if metric is None else _check_interface_metric(metric, self.name)
        if segment is not None and (not isinstance(segment, str) or not segment.strip()):
            raise InterfaceError(f"segment {segment!r} of interface {self.name!r} must be a name; e.g. 'lan'")
        self.segment = segment
        self.loopback = loopback
        #: Administratively up (`ip link set up`); a down link keeps its addresses but routes nothing.
        self.up = _check_flag(up, "up", self.name)
        #: The link has a carrier (a cable, a peer that is up).
        self.carrier = _check_flag(carrier, "carrier", self.name)
        #: Windows since Vista: this interface may send a datagram whose source belongs to another interface
        #: (``netsh interface ipv4 set interface NAME weakhostsend=enabled``; strong host when off, the default).
        self.weakhostsend = _check_flag(weakhostsend, "weakhostsend", self.name)
        #: Windows since Vista: this interface takes datagrams for another interface's address (weakhostreceive).
        self.weakhostreceive = _check_flag(weakhostreceive, "weakhostreceive", self.name)
        self._scopes: dict[int, str] = {}
        self._no_prefix_route: set[int] = set()
        self.bare_prefixlen = bare_prefixlen
        for number, address in enumerate(addresses):
            with at("addresses", number):
                self.add_address(address)

    def add_address(self, address: object) -> netaddr.IPNetwork:
        """Add one more address (with its mask) to this interface.

        ``address`` is '10.0.0.5/24', or a dict with ``address`` and the
        options ``scope`` ('global', 'link', 'host') and ``noprefixroute``.
        """
        if isinstance(address, netaddr.IPNetwork):
            network, (scope, noprefixroute) = address, ("global", False)
        else:
            network = _parse_interface_address(address, self.name, self.bare_prefixlen)
            scope, noprefixroute = _address_options(address, self.name)
        if any(network.ip == existing.ip for existing in self.addresses):
            raise AddressError(f"address {network.ip} is already on interface {self.name!r}")
        self.addresses.append(network)
        if scope != "global":
            self._scopes[int(network.ip)] = scope
        if noprefixroute:
            self._no_prefix_route.add(int(network.ip))
        return network

    def remove_address(self, address: object) -> netaddr.IPNetwork:
        """Take one address off this interface (its options go with it)."""
        value = parse_address(address, what=f"address of interface {self.name!r}")
        for position, network in enumerate(self.addresses):
            if int(network.ip) == value:
                del self.addresses[position]  # not list.remove: IPNetworks of one subnet compare equal
                self._scopes.pop(value, None)
                self._no_prefix_route.discard(value)
                return network
        raise AddressError(f"address {format_address(value)} is not on interface {self.name!r}; its addresses are "
                           f"{', '.join(str(a) for a in self.addresses) or 'none'}")

    def reorder(self, order: list[int]) -> None:
        """Put the addresses in this order (Linux keeps them as its address list has them)."""
        position = {address: index for index, address in enumerate(order)}
        self.addresses.sort(key=lambda network: position[int(network.ip)])

    def scope_of(self, address: object) -> str:
        """The scope of one of this interface's addresses: 'global', 'link' or 'host'."""
        return self._scopes.get(parse_address(address), "global")

    def has_prefix_route(self, address: object) -> bool:
        """False when the address was added with ``noprefixroute``: no route to its subnet comes with it."""
        return parse_address(address) not in self._no_prefix_route

    @property
    def primary_address(self) -> netaddr.IPAddress | None:
        """The first configured address (None when the interface has none)."""
        return self.addresses[0].ip if self.addresses else None

    @property
    def networks(self) -> list[netaddr.IPNetwork]:
        """The subnets this interface is directly attached to, in address order, without repeats."""
        return list(dict.fromkeys(address.cidr for address in self.addresses))

    @property
    def needs_registry(self) -> bool:
        """True when NT 4.0's control panel could not hold all these addresses."""
        return len(self.addresses) > CONTROL_PANEL_ADDRESS_LIMIT

    @property
    def netbios_address(self) -> netaddr.IPAddress | None:
        """The one address NetBIOS over TCP/IP binds to on this card: the first."""
        return self.primary_address

    def owns(self, address: object) -> bool:
        """Is ``address`` one of this interface's own addresses?"""
        value = parse_address(address)
        return any(int(a.ip) == value for a in self.addresses)

    def on_link(self, address: object) -> bool:
        """Is ``address`` inside one of this interface's subnets?"""
        value = parse_address(address)
        return any(int(a.ip) & MASKS[a.prefixlen] == value & MASKS[a.prefixlen] for a in self.addresses)

    def address_on_link_with(self, address: object) -> netaddr.IPAddress | None:
        """The first own address whose subnet holds ``address``, if any."""
        value = parse_address(address)
        for a in self.addresses:
            if int(a.ip) & MASKS[a.prefixlen] == value & MASKS[a.prefixlen]:
                return a.ip
        return None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.mac is not None:
            data["mac"] = str(self.mac)
        data["addresses"] = [self._address_as_data(a) for a in self.addresses]
        if self.metric is not None:
            data["metric"] = self.metric
        if self.segment is not None:
            data["segment"] = self.segment
        if not self.up:
            data["up"] = False
        if not self.carrier:
            data["carrier"] = False
        if self.weakhostsend:
            data["weakhostsend"] = True
        if self.weakhostreceive:
            data["weakhostreceive"] = True
        return data

    def _address_as_data(self, address: netaddr.IPNetwork) -> str | dict[str, Any]:
        value = int(address.ip)
        if value not in self._scopes and value not in self._no_prefix_route:
            return str(address)
        data: dict[str, Any] = {"address": str(address)}
        if value in self._scopes:
            data["scope"] = self._scopes[value]
        if value in self._no_prefix_route:
            data["noprefixroute"] = True
        return data

    def __repr__(self) -> str:
        addresses = ", ".join(str(a) for a in self.addresses)
        return f"<Interface {self.name} {self.mac or ''} [{addresses}]>"
