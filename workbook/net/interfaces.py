"""Network interfaces: a name, a MAC address and one or more IPv4 addresses (chapter 2).

>>> nic = Interface("eth0", mac="00-DD-01-0F-7A-B5", addresses=["172.16.112.123/24"])
>>> str(nic.primary_address), str(nic.networks[0])
('172.16.112.123', '172.16.112.0/24')
>>> nic.owns("172.16.112.123"), nic.on_link("172.16.112.9"), nic.on_link("172.17.1.1")
(True, True, False)

NT 4.0's control panel took five addresses per card; more could be typed
into the registry. :attr:`Interface.needs_registry` says when a card is past
that limit. NetBIOS over TCP/IP bound only the card's first address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import netaddr

from workbook.errors import AddressError, InterfaceError
from workbook.net.addresses import MASKS, format_address, parse_address, parse_mask

__all__ = ["CONTROL_PANEL_ADDRESS_LIMIT", "Interface", "parse_mac"]

# Six octets with dashes or colons, three dotted groups of four, or twelve bare hex digits
# (netaddr alone would also read '00-DD-01' as a MAC, with zeros filled in).
_MAC_FORMS = re.compile(r"([0-9A-Fa-f]{2}[-:]){5}[0-9A-Fa-f]{2}|([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12}")

#: How many addresses NT 4.0's network control panel accepted per card.
CONTROL_PANEL_ADDRESS_LIMIT = 5


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


def _parse_interface_address(value: object, interface: str) -> netaddr.IPNetwork:
    """'172.16.112.123/24', or {'address': ..., 'netmask': ...} -> IPNetwork (address kept)."""
    what = f"address of interface {interface!r}"
    if isinstance(value, dict):
        text, mask = value.get("address"), value.get("netmask", value.get("prefixlen"))
    elif isinstance(value, str) and "/" in value:
        text, _, mask = value.partition("/")
    else:
        raise AddressError(f"{what} {value!r} has no netmask; e.g. '172.16.112.123/24'")
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
        for address in addresses:
            self.add_address(address)

    def add_address(self, address: object) -> netaddr.IPNetwork:
        """Add one more address (with its mask) to this interface."""
        network = address if isinstance(address, netaddr.IPNetwork) else _parse_interface_address(address, self.name)
        if any(network.ip == existing.ip for existing in self.addresses):
            raise AddressError(f"address {network.ip} is already on interface {self.name!r}")
        self.addresses.append(network)
        return network

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
        data["addresses"] = [str(a) for a in self.addresses]
        if self.metric is not None:
            data["metric"] = self.metric
        if self.segment is not None:
            data["segment"] = self.segment
        return data

    def __repr__(self) -> str:
        addresses = ", ".join(str(a) for a in self.addresses)
        return f"<Interface {self.name} {self.mac or ''} [{addresses}]>"
