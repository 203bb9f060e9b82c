"""IP multicast addresses and how they reach the wire (chapter 5).

A class D address (224.0.0.0/4) names a *group*, not a host. On Ethernet the
group is carried in a MAC address built by RFC 1112's recipe: the fixed
prefix 01-00-5E, one zero bit, then the **low 23 bits** of the group address.
A group address has 28 variable bits, so 5 bits are thrown away and
2**5 = 32 groups share every multicast MAC: a network card filtering on the
MAC lets all 32 in, and the IP layer must drop the ones it did not join.

>>> multicast_mac("224.0.0.1")
EUI('01-00-5E-00-00-01')
>>> multicast_mac("239.128.0.1") == multicast_mac("224.0.0.1")
True
>>> len(groups_sharing_mac("224.0.0.1"))
32
>>> group_scope("224.0.0.5")
'link-local'
>>> is_forwardable("224.0.0.5"), is_forwardable("239.1.2.3")
(False, True)
"""

from __future__ import annotations

import enum

import netaddr

from workbook.errors import AddressError
from workbook.net.addresses import format_address, is_multicast, parse_address

__all__ = [
    "ALL_HOSTS",
    "ALL_ROUTERS",
    "MULTICAST_MAC_PREFIX",
    "ConformanceLevel",
    "IgmpTimers",
    "group_scope",
    "groups_sharing_mac",
    "is_forwardable",
    "multicast_mac",
    "parse_group",
]

#: 224.0.0.1, every multicast-capable host on the link (RFC 1112).
ALL_HOSTS = "224.0.0.1"
#: 224.0.0.2, every multicast router on the link; IGMPv2 leaves go here.
ALL_ROUTERS = "224.0.0.2"
#: The IANA OUI half reserved for IP multicast: 01-00-5E, followed by a 0 bit.
MULTICAST_MAC_PREFIX = 0x01005E000000
_LOW_23_BITS = 0x7FFFFF
_LINK_LOCAL = (parse_address("224.0.0.0"), parse_address("224.0.0.255"))


class ConformanceLevel(enum.IntEnum):
    """RFC 1112's three levels of host support for IP multicast."""

    #: Level 0: no multicast at all; class D datagrams are dropped.
    NONE = 0
    #: Level 1: can send to groups but never joins one.
    SEND_ONLY = 1
    #: Level 2: sends, joins, leaves, and answers IGMP queries (NT 3.51/4.0 and later).
    FULL = 2


class IgmpTimers:
    """The timing constants of IGMP (RFC 1112 for v1, RFC 2236 for v2), in seconds.

    >>> IgmpTimers.QUERY_INTERVAL, IgmpTimers.GROUP_MEMBERSHIP_INTERVAL
    (125, 260)
    """

    #: A querier sends a general query this often.
    QUERY_INTERVAL = 125
    #: Max Response Time carried in a general query (v2), in seconds (10 s; 100 on the wire, in tenths).
    QUERY_RESPONSE_INTERVAL = 10
    #: How many times a robust querier repeats things.
    ROBUSTNESS = 2
    #: A membership with no report for this long is forgotten: robustness x query interval + response interval.
    GROUP_MEMBERSHIP_INTERVAL = ROBUSTNESS * QUERY_INTERVAL + QUERY_RESPONSE_INTERVAL
    #: A v2 host repeats its unsolicited report after this long (RFC 2236: 10 s).
    UNSOLICITED_REPORT_INTERVAL = 10
    #: v1 hosts answer a query within this many seconds (fixed by RFC 1112).
    V1_MAX_RESPONSE = 10
    #: Group-specific queries after a leave are this far apart; that many are sent.
    LAST_MEMBER_QUERY_INTERVAL = 1
    LAST_MEMBER_QUERY_COUNT = ROBUSTNESS
    #: A v2 host believes a v1 router is present for this long after a v1 query.
    V1_ROUTER_PRESENT_TIMEOUT = 400


def parse_group(value: object, field: str = "group") -> int:
    """Parse a multicast group address to an integer, or raise :class:`AddressError`.

    >>> format_address(parse_group("239.1.2.3"))
    '239.1.2.3'
    >>> parse_group("10.0.0.1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbook.errors.AddressError: group '10.0.0.1' is not a multicast (class D) address: ...; e.g. 239.1.2.3
    """
    address = parse_address(value, field, "239.1.2.3")
    if not is_multicast(address):
        shown = format_address(address) if isinstance(value, int) else str(value)
        raise AddressError(
            f"{field} {shown!r} is not a multicast "
            "(class D) address: those run from 224.0.0.0 to 239.255.255.255; e.g. 239.1.2.3"
        )
    return address


def multicast_mac(group: object) -> netaddr.EUI:
    """The Ethernet address that carries ``group`` (RFC 1112, section 6.4).

    >>> multicast_mac("239.255.255.250")
    EUI('01-00-5E-7F-FF-FA')
    """
    return netaddr.EUI(MULTICAST_MAC_PREFIX | (parse_group(group) & _LOW_23_BITS))


def groups_sharing_mac(group: object) -> list[str]:
    """Every group address whose frames carry the same MAC as ``group`` (32 of them).

    The 5 high-order bits of the 28-bit group number are lost in the mapping,
    so these 32 groups differ only in those bits.

    >>> groups_sharing_mac("224.1.1.1")[:3]
    ['224.1.1.1', '224.129.1.1', '225.1.1.1']
    """
    low = parse_group(group) & _LOW_23_BITS
    return [format_address(0xE0000000 | (high << 23) | low) for high in range(32)]


def group_scope(group: object) -> str:
    """Where a group's datagrams may travel: 'link-local', 'administrative' or 'global'.

    224.0.0.0/24 is for protocols on one link (routers never forward it, RFC 5771);
    239.0.0.0/8 is administratively scoped (RFC 2365), kept inside an organisation.
    """
    address = parse_group(group)
    if _LINK_LOCAL[0] <= address <= _LINK_LOCAL[1]:
        return "link-local"
    if address >> 24 == 239:
        return "administrative"
    return "global"


def is_forwardable(group: object) -> bool:
    """Whether a multicast router may forward datagrams to ``group`` off the link."""
    return group_scope(group) != "link-local"
