"""The workbook's colours: one meaning each, kept apart for colour-blind readers and readable as text.

The hues are the Okabe–Ito palette's (blue, vermilion, bluish green), darkened
where the original is too light for text: every colour that words are written
in keeps a contrast of at least 4.5:1 (WCAG 2.1, success criterion 1.4.3)
against every background it is written on. :data:`TEXT_PAIRS` lists those
pairs and a test checks each one with :func:`contrast_ratio`.

>>> round(contrast_ratio("#000000", "#FFFFFF"), 1)
21.0
>>> contrast_ratio(DROP, WHITE) >= 4.5
True
"""

from __future__ import annotations

__all__ = [
    "ARP",
    "DATAGRAM",
    "DROP",
    "DROP_FILL",
    "HIGHLIGHT",
    "IGMP",
    "MUTED",
    "NOW",
    "NOW_FILL",
    "REPLY",
    "ROUTER_FILL",
    "SEGMENT_FILL",
    "SEGMENT_LINE",
    "TAKEN",
    "TAKEN_FILL",
    "TEXT_PAIRS",
    "WHITE",
    "contrast_ratio",
    "relative_luminance",
]

WHITE = "#FFFFFF"
#: A datagram's own frames, and all body text.
DATAGRAM = "#000000"
#: ICMP sent back to the sender (Okabe–Ito blue, darkened).
REPLY = "#0060A0"
#: A drop, a refused value, an error (Okabe–Ito vermilion, darkened).
DROP = "#B24C00"
DROP_FILL = "#FBE5D6"
#: ARP frames; secondary words such as a route's origin.
ARP = "#666666"
MUTED = ARP
#: IGMP frames (Okabe–Ito bluish green, darkened).
IGMP = "#007A5A"
#: The playback's "the datagram is here": outline and fill of the node and wire of the current step.
NOW = "#0060A0"
NOW_FILL = "#DCEBFA"
#: The playback's "this NIC took the frame".
TAKEN = "#007A5A"
TAKEN_FILL = "#D9F2E9"
#: A row or a field to look at (the winning route, a header field that changed).
HIGHLIGHT = "#FFF0C0"
#: Fills of routers and segments in every diagram.
ROUTER_FILL = "#E8E8E8"
SEGMENT_FILL = "#FFF6D5"
SEGMENT_LINE = "#B8860B"

#: Every (text colour, background) pair the workbook writes words in.
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    *((colour, WHITE) for colour in (DATAGRAM, REPLY, DROP, ARP, IGMP, NOW, TAKEN)),
    (DATAGRAM, HIGHLIGHT), (DROP, HIGHLIGHT), (MUTED, HIGHLIGHT),
    (DATAGRAM, NOW_FILL), (DATAGRAM, TAKEN_FILL), (DATAGRAM, DROP_FILL),
    (DATAGRAM, ROUTER_FILL), (DATAGRAM, SEGMENT_FILL),
)


def relative_luminance(colour: str) -> float:
    """The relative luminance of an sRGB colour written ``#RRGGBB`` (WCAG 2.1's definition)."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour {colour!r} is not written #RRGGBB, e.g. #0060A0")
    channels = [int(text[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
