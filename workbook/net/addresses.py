"""IPv4 addresses, netmasks and the classful view of them (chapters 1 and 3).

The engine keeps addresses as integers inside and turns text into integers
once, at the edge, with messages a learner can act on. netaddr does the
arithmetic that is worth a library (ranges, CIDR merging, binary views).

>>> parse_address("172.16.112.123")
2886758523
>>> format_address(2886758523)
'172.16.112.123'
>>> address_class("172.16.112.123")
'B'
>>> mask_to_prefixlen("255.255.252.0")
22
>>> bits("255.255.252.0")
'11111111.11111111.11111100.00000000'
"""

from __future__ import annotations

import socket
import struct

import netaddr

from workbook.errors import AddressError, MaskError

__all__ = [
    "ALL_ONES",
    "MASKS",
    "address_class",
    "bits",
    "classful_prefixlen",
    "format_address",
    "is_limited_broadcast",
    "is_loopback",
    "is_multicast",
    "mask_to_prefixlen",
    "parse_address",
    "parse_mask",
    "parse_prefix",
    "prefixlen_to_mask",
]

ALL_ONES = 0xFFFFFFFF
#: MASKS[n] is the netmask of prefix length n, as an integer.
MASKS: tuple[int, ...] = tuple((ALL_ONES << (32 - n)) & ALL_ONES for n in range(33))
_PREFIXLEN_OF_MASK = {mask: n for n, mask in enumerate(MASKS)}

_inet_pton = socket.inet_pton
_AF_INET = socket.AF_INET
_unpack = struct.Struct("!I").unpack


def _why_not_an_address(text: str) -> str:
    parts = text.split(".")
    if len(parts) != 4:
        return f"expected 4 octets, found {len(parts)}" if text.strip() else "it is empty"
    for part in parts:
        if not part.isdigit():
            return f"octet {part!r} is not a decimal number"
        if len(part) > 1 and part[0] == "0":
            return f"octet {part!r} has a leading zero (ambiguous: octal or decimal?)"
        if int(part) > 255:
            return f"octet {part!r} is larger than 255"
    return "it is not a dotted quad"


def parse_address(value: object, what: str = "address", example: str = "172.16.112.123") -> int:
    """Turn a dotted quad (or an int, or a netaddr.IPAddress) into an int.

    ``what`` and ``example`` only shape the error message:

    >>> parse_address("10.1.2", what="gateway", example="172.16.112.1")
    Traceback (most recent call last):
    ...
    workbook.errors.AddressError: gateway '10.1.2' is not an IPv4 address: expected 4 octets, found 3; e.g. 172.16.112.1
    """
    if type(value) is str:
        try:
            return _unpack(_inet_pton(_AF_INET, value))[0]
        except (OSError, ValueError):  # ValueError: an embedded NUL character
            raise AddressError(
                f"{what} {value!r} is not an IPv4 address: {_why_not_an_address(value)}; e.g. {example}"
            ) from None
    if isinstance(value, bool):
        raise AddressError(f"{what} {value!r} is not an IPv4 address; e.g. {example}")
    if isinstance(value, int):
        if 0 <= value <= ALL_ONES:
            return value
        raise AddressError(f"{what} {value!r} is outside 0..{ALL_ONES}; e.g. {example}")
    if isinstance(value, netaddr.IPAddress) and value.version == 4:
        return int(value)
    raise AddressError(f"{what} {value!r} is not an IPv4 address; e.g. {example}")


def format_address(value: int) -> str:
    """The dotted quad of an integer address."""
    return socket.inet_ntoa(struct.pack("!I", value))


def mask_to_prefixlen(mask: object, what: str = "netmask") -> int:
    """The prefix length of a contiguous netmask; a gap in the ones is an error.

    >>> mask_to_prefixlen("255.0.255.0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbook.errors.MaskError: netmask '255.0.255.0' is not contiguous: its bits 11111111.00000000.11111111...
    """
    try:
        value = parse_address(mask, what=what, example="255.255.255.0")
    except AddressError as error:
        raise MaskError(str(error)) from None
    try:
        return _PREFIXLEN_OF_MASK[value]
    except KeyError:
        ones = bin(value).count("1")
        raise MaskError(
            f"{what} {mask!r} is not contiguous: its bits {bits(value)} have a 0 before a 1, "
            f"so it names no prefix; e.g. {format_address(MASKS[ones])} (/{ones})"
        ) from None


def prefixlen_to_mask(prefixlen: int) -> str:
    """The dotted netmask of a prefix length: ``prefixlen_to_mask(22)`` is '255.255.252.0'."""
    return format_address(MASKS[_check_prefixlen(prefixlen)])


def _check_prefixlen(prefixlen: object) -> int:
    if isinstance(prefixlen, bool) or not isinstance(prefixlen, int) or not 0 <= prefixlen <= 32:
        raise MaskError(f"prefix length {prefixlen!r} is not a whole number from 0 to 32; e.g. 24")
    return prefixlen


def parse_mask(mask: object) -> int:
    """A netmask given as '255.255.255.0', '/24', '24' or 24 -> prefix length."""
    if isinstance(mask, int) and not isinstance(mask, bool) and mask <= 32:
        return _check_prefixlen(mask)
    if isinstance(mask, str):
        text = mask.strip()
        digits = text[1:] if text.startswith("/") else text
        if digits.isdigit() and len(digits) <= 2:
            return _check_prefixlen(int(digits))
    return mask_to_prefixlen(mask)


def parse_prefix(text: object, what: str = "destination") -> tuple[int, int]:
    """'10.0.0.0/8' (or a netaddr.IPNetwork) -> (network int, prefix length).

    Host bits must be zero: ``10.1.0.0/8`` is rejected, since it names a
    host inside 10.0.0.0/8 rather than the network.
    """
    if isinstance(text, netaddr.IPNetwork):
        text = str(text)
    if not isinstance(text, str) or "/" not in text:
        raise AddressError(f"{what} {text!r} is not a prefix: expected address/length; e.g. 172.16.112.0/24")
    address, _, length = text.partition("/")
    network = parse_address(address.strip(), what=what, example="172.16.112.0/24")
    prefixlen = parse_mask(length.strip())
    check_host_bits(network, prefixlen, what)
    return network, prefixlen


def check_host_bits(network: int, prefixlen: int, what: str = "destination") -> None:
    """Reject a destination whose bits beyond the mask are not zero."""
    if network & ~MASKS[prefixlen] & ALL_ONES:
        good = format_address(network & MASKS[prefixlen])
        from workbook.errors import RouteError

        raise RouteError(
            f"{what} {format_address(network)} has bits set outside its mask "
            f"{format_address(MASKS[prefixlen])} (/{prefixlen}): destination AND mask must equal "
            f"the destination; e.g. {good}/{prefixlen}"
        )


def address_class(address: object) -> str:
    """The class (A to E) an address had before CIDR, from its leading bits.

    A: 0xxxxxxx, B: 10xxxxxx, C: 110xxxxx, D: 1110xxxx (multicast), E: 1111xxxx.
    """
    first = parse_address(address) >> 24
    if first < 128:
        return "A"
    if first < 192:
        return "B"
    if first < 224:
        return "C"
    if first < 240:
        return "D"
    return "E"


#: The classful network prefix of each class. Class D and E have no
#: network/host split; their own block (/4) is the boundary the engine uses,
#: so that 224.0.0.0 mask 224.0.0.0 (a /3) counts as wider than class D.
CLASSFUL_PREFIXLEN = {"A": 8, "B": 16, "C": 24, "D": 4, "E": 4}


def classful_prefixlen(address: object) -> int:
    """The network prefix length of an address's class: 8, 16, 24, or 4 for D and E."""
    return CLASSFUL_PREFIXLEN[address_class(address)]


def is_multicast(address: int) -> bool:
    """True for class D, 224.0.0.0/4 (RFC 1112)."""
    return address >> 28 == 0xE


def is_loopback(address: int) -> bool:
    """True for 127.0.0.0/8."""
    return address >> 24 == 127


def is_limited_broadcast(address: int) -> bool:
    """True for 255.255.255.255."""
    return address == ALL_ONES


def bits(address: object) -> str:
    """The 32 bits of an address in dotted groups of eight (netaddr's binary view)."""
    return netaddr.IPAddress(parse_address(address)).bits()
