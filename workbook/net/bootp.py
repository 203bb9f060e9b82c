"""BOOTP and DHCP messages: the fields a relay agent and a server read, and their bytes on the wire (chapter 6).

A DHCP message is a BOOTP message (RFC 951) whose vendor field starts with
the magic cookie 99.130.83.99 and carries options (RFC 2132); option 53 says
which DHCP message it is (RFC 2131 §3.1). A relay agent (RFC 1542 §4.1)
touches only two fields: ``giaddr``, which it fills with the address of the
interface the request arrived on when it is still zero, and ``hops``, which
it increments.

>>> import netaddr
>>> discover = BootpMessage.discover(xid=0x3903F326, chaddr=netaddr.EUI("00-DD-01-0F-7A-B5"), broadcast=True)
>>> discover.summary()
'DHCP Discover - Transaction ID 0x3903f326'
>>> relayed = discover.relayed(netaddr.IPAddress("10.0.1.1"))
>>> str(relayed.giaddr), relayed.hops
('10.0.1.1', 1)
>>> BootpMessage.decode(relayed.encode()) == relayed
True

Field names are RFC 951's, as Wireshark shows them; ``options`` maps each
option code to its decoded value (addresses as ``netaddr.IPAddress``,
times and sizes as ``int``, anything else as ``bytes``).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import netaddr

from workbook.errors import WorkbookError
from workbook.ledger import Source, constant

__all__ = [
    "BOOTP_MIN_LENGTH",
    "BROADCAST_FLAG",
    "CLIENT_PORT",
    "MAGIC_COOKIE",
    "SERVER_PORT",
    "BootpError",
    "BootpMessage",
    "BootpOp",
    "DhcpMessageType",
    "Option",
    "options_from",
]

SERVER_PORT = constant("BOOTP/DHCP: the server's (and relay agent's) UDP port, bootps", 67, Source.rfc(951, "3"))
CLIENT_PORT = constant("BOOTP/DHCP: the client's UDP port, bootpc", 68, Source.rfc(951, "3"))
MAGIC_COOKIE = constant("DHCP: the first four octets of the options field", bytes([99, 130, 83, 99]),
                        Source.rfc(2131, "3"))
BROADCAST_FLAG = constant("DHCP: the flags field's leftmost bit asks for a broadcast reply", 0x8000,
                          Source.rfc(2131, "2", note="figure 2, the BROADCAST (B) flag"))
BOOTP_MIN_LENGTH = constant("BOOTP: the shortest message (a 64-octet vendor field)", 300,
                            Source.rfc(951, "3", note="236 fixed octets and a 64-octet vend field; "
                                                      "RFC 1542 §2.1 keeps the 300-octet minimum"))
_FIXED = struct.Struct("!BBBBIHH4s4s4s4s16s64s128s")  # op .. file: 236 octets
_ZERO = netaddr.IPAddress(0)


class BootpError(WorkbookError):
    """A BOOTP message that cannot be built or decoded."""


class BootpOp(enum.IntEnum):
    """The op field: who speaks (RFC 951 §3)."""

    BOOTREQUEST = 1
    BOOTREPLY = 2


class DhcpMessageType(enum.IntEnum):
    """Option 53: which DHCP message this is (RFC 2132 §9.6)."""

    DISCOVER = 1
    OFFER = 2
    REQUEST = 3
    DECLINE = 4
    ACK = 5
    NAK = 6
    RELEASE = 7
    INFORM = 8


class Option(enum.IntEnum):
    """The options the workbook reads (RFC 2132); others travel as bytes."""

    PAD = 0
    SUBNET_MASK = 1
    ROUTER = 3
    DNS = 6
    HOSTNAME = 12
    BROADCAST_ADDRESS = 28
    REQUESTED_ADDRESS = 50
    LEASE_TIME = 51
    MESSAGE_TYPE = 53
    SERVER_ID = 54
    PARAMETER_REQUEST_LIST = 55
    MAX_MESSAGE_SIZE = 57
    RENEWAL_TIME = 58
    REBINDING_TIME = 59
    CLIENT_ID = 61
    END = 255


_ADDRESS_OPTIONS = {Option.SUBNET_MASK, Option.BROADCAST_ADDRESS, Option.REQUESTED_ADDRESS, Option.SERVER_ID}
_ADDRESS_LIST_OPTIONS = {Option.ROUTER, Option.DNS}
_TIME_OPTIONS = {Option.LEASE_TIME, Option.RENEWAL_TIME, Option.REBINDING_TIME}


def _decode_option(code: int, data: bytes) -> Any:
    if code == Option.MESSAGE_TYPE and len(data) == 1:
        try:
            return DhcpMessageType(data[0])
        except ValueError:
            return data
    if code in _ADDRESS_OPTIONS and len(data) == 4:
        return netaddr.IPAddress(int.from_bytes(data, "big"))
    if code in _ADDRESS_LIST_OPTIONS and data and len(data) % 4 == 0:
        return tuple(netaddr.IPAddress(int.from_bytes(data[i:i + 4], "big")) for i in range(0, len(data), 4))
    if code in _TIME_OPTIONS and len(data) == 4:
        return int.from_bytes(data, "big")
    if code == Option.MAX_MESSAGE_SIZE and len(data) == 2:
        return int.from_bytes(data, "big")
    if code == Option.PARAMETER_REQUEST_LIST:
        return tuple(data)
    return bytes(data)


def _encode_option(code: int, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if code == Option.MESSAGE_TYPE:
        return bytes([int(value)])
    if isinstance(value, netaddr.IPAddress):
        return value.packed
    if isinstance(value, tuple | list) and all(isinstance(v, netaddr.IPAddress) for v in value):
        return b"".join(v.packed for v in value)
    if code == Option.MAX_MESSAGE_SIZE:
        return int(value).to_bytes(2, "big")
    if code == Option.PARAMETER_REQUEST_LIST:
        return bytes(value)
    if isinstance(value, int):
        return int(value).to_bytes(4, "big")
    if isinstance(value, str):
        return value.encode("ascii")
    raise BootpError(f"option {code} value {value!r} cannot be encoded; give bytes, e.g. b'\\x01'")


def _address(value: object, what: str) -> netaddr.IPAddress:
    try:
        return netaddr.IPAddress(value, version=4)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise BootpError(f"{what} {value!r} is not an IPv4 address; e.g. '10.0.1.1'") from None


@dataclass(frozen=True, slots=True)
class BootpMessage:
    """One BOOTP/DHCP message (RFC 951 §3, RFC 2131 §2). Immutable: a relay makes a changed copy.

    ``option_list`` keeps the options in wire order as ``(code, value)``
    pairs; :attr:`options` reads them as a dict.
    """

    op: BootpOp
    xid: int
    chaddr: netaddr.EUI
    hops: int = 0
    secs: int = 0
    flags: int = 0
    ciaddr: netaddr.IPAddress = _ZERO
    yiaddr: netaddr.IPAddress = _ZERO
    siaddr: netaddr.IPAddress = _ZERO
    giaddr: netaddr.IPAddress = _ZERO
    sname: bytes = b""
    file: bytes = b""
    option_list: tuple[tuple[int, Any], ...] = ()
    htype: int = 1
    hlen: int = 6

    # Building -------------------------------------------------------------------------------
    @classmethod
    def discover(cls, xid: int, chaddr: netaddr.EUI, broadcast: bool = False,
                 extra: Iterable[tuple[int, Any]] = ()) -> BootpMessage:
        """A client's DHCPDISCOVER (RFC 2131 §4.4.1): ciaddr zero, asking for any server's offer."""
        return cls(BootpOp.BOOTREQUEST, xid, chaddr, flags=BROADCAST_FLAG if broadcast else 0,
                   option_list=((Option.MESSAGE_TYPE, DhcpMessageType.DISCOVER), *extra))

    @classmethod
    def request(cls, offer: BootpMessage, broadcast: bool = False,
                extra: Iterable[tuple[int, Any]] = ()) -> BootpMessage:
        """The client's DHCPREQUEST for ``offer`` (RFC 2131 §4.3.2, SELECTING state).

        It is broadcast again so that every server hears which offer was taken:
        the chosen server's identifier and the offered address go in options 54 and 50.
        """
        return cls(BootpOp.BOOTREQUEST, offer.xid, offer.chaddr, flags=BROADCAST_FLAG if broadcast else 0,
                   option_list=((Option.MESSAGE_TYPE, DhcpMessageType.REQUEST),
                                (Option.REQUESTED_ADDRESS, offer.yiaddr),
                                (Option.SERVER_ID, offer.options.get(Option.SERVER_ID, _ZERO)), *extra))

    def relayed(self, giaddr: netaddr.IPAddress) -> BootpMessage:
        """This request as a relay agent sends it on (RFC 1542 §4.1.1): hops + 1, ``giaddr`` set if it was zero."""
        return replace(self, hops=self.hops + 1, giaddr=self.giaddr if int(self.giaddr) else giaddr)

    # Reading --------------------------------------------------------------------------------
    @property
    def options(self) -> dict[int, Any]:
        """Option code → decoded value, e.g. ``{53: DhcpMessageType.OFFER, 54: IPAddress('10.0.2.9')}``."""
        return dict(self.option_list)

    @property
    def message_type(self) -> DhcpMessageType | None:
        """Option 53 (None for a plain BOOTP message)."""
        value = self.options.get(Option.MESSAGE_TYPE)
        return value if isinstance(value, DhcpMessageType) else None

    @property
    def broadcast(self) -> bool:
        """Is the BROADCAST flag set (the client cannot take unicast before it has an address)?"""
        return bool(self.flags & BROADCAST_FLAG)

    @property
    def server_id(self) -> netaddr.IPAddress | None:
        return self.options.get(Option.SERVER_ID)

    @property
    def requested_address(self) -> netaddr.IPAddress | None:
        return self.options.get(Option.REQUESTED_ADDRESS)

    @property
    def subnet_mask(self) -> netaddr.IPAddress | None:
        return self.options.get(Option.SUBNET_MASK)

    @property
    def router(self) -> netaddr.IPAddress | None:
        """The first router of option 3, if any."""
        routers = self.options.get(Option.ROUTER)
        return routers[0] if isinstance(routers, tuple) and routers else None

    @property
    def lease_time(self) -> int | None:
        return self.options.get(Option.LEASE_TIME)

    def summary(self) -> str:
        """One line in Wireshark's words, e.g. 'DHCP Offer - Transaction ID 0x3903f326'."""
        kind = self.message_type
        what = f"DHCP {kind.name.title()}" if kind is not None else f"BOOTP {self.op.name.title()}"
        text = f"{what} - Transaction ID {self.xid:#010x}"
        if self.hops or int(self.giaddr):
            text += f" (giaddr {self.giaddr}, hops {self.hops})"
        return text

    # Wire format -----------------------------------------------------------------------------
    def encode(self) -> bytes:
        """The message as a UDP payload, padded to BOOTP's 300 octets (Wireshark decodes it)."""
        options = b""
        if self.option_list:
            parts = [MAGIC_COOKIE]
            for code, value in self.option_list:
                data = _encode_option(int(code), value)
                if len(data) > 255:
                    raise BootpError(f"option {int(code)} is {len(data)} octets long; at most 255 fit")
                parts.append(bytes([int(code), len(data)]) + data)
            parts.append(bytes([Option.END]))
            options = b"".join(parts)
        chaddr = self.chaddr.packed if isinstance(self.chaddr, netaddr.EUI) else bytes(self.chaddr)
        fixed = _FIXED.pack(int(self.op), self.htype, self.hlen, self.hops, self.xid & 0xFFFFFFFF, self.secs,
                            self.flags, self.ciaddr.packed, self.yiaddr.packed, self.siaddr.packed,
                            self.giaddr.packed, chaddr, self.sname, self.file)
        return (fixed + options).ljust(BOOTP_MIN_LENGTH, b"\0")

    __bytes__ = encode

    @classmethod
    def decode(cls, data: bytes) -> BootpMessage:
        """A message from the bytes of a UDP payload (a capture, or :meth:`encode`)."""
        if len(data) < _FIXED.size:
            raise BootpError(f"a BOOTP message has at least {_FIXED.size} octets; this one has {len(data)}")
        (op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname,
         file) = _FIXED.unpack_from(data)
        if op not in (1, 2):
            raise BootpError(f"op {op} is neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY)")
        options: list[tuple[int, Any]] = []
        rest = data[_FIXED.size:]
        if rest[:4] == MAGIC_COOKIE:
            position = 4
            while position < len(rest):
                code = rest[position]
                if code == Option.END:
                    break
                if code == Option.PAD:
                    position += 1
                    continue
                length = rest[position + 1]
                value = rest[position + 2:position + 2 + length]
                options.append((_known(code), _decode_option(code, value)))
                position += 2 + length
        address = netaddr.IPAddress
        return cls(BootpOp(op), xid, netaddr.EUI(chaddr[:6].hex()) if hlen == 6 else chaddr[:hlen], hops, secs, flags,
                   address(int.from_bytes(ciaddr, "big")), address(int.from_bytes(yiaddr, "big")),
                   address(int.from_bytes(siaddr, "big")), address(int.from_bytes(giaddr, "big")),
                   sname.rstrip(b"\0"), file.rstrip(b"\0"), tuple(options), htype, hlen)

    def fields(self) -> dict[str, Any]:
        """Every header field and option as plain values: what a comparison with a capture checks."""
        return {"op": int(self.op), "htype": self.htype, "hlen": self.hlen, "hops": self.hops, "xid": self.xid,
                "flags": self.flags, "ciaddr": str(self.ciaddr), "yiaddr": str(self.yiaddr),
                "siaddr": str(self.siaddr), "giaddr": str(self.giaddr), "chaddr": str(self.chaddr),
                "message_type": None if self.message_type is None else self.message_type.name,
                "options": {int(code): _plain(value) for code, value in self.option_list}}


def _known(code: int) -> int:
    try:
        return Option(code)
    except ValueError:
        return code


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, netaddr.IPAddress):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def options_from(mapping: Mapping[int, Any]) -> tuple[tuple[int, Any], ...]:
    """Option pairs from a mapping, in the mapping's order."""
    return tuple((_known(int(code)), value) for code, value in mapping.items())
