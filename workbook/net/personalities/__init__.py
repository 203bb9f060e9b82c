"""The stack personalities: ``nt4``, ``nt35``, ``windows`` and ``linux`` (chapter 2)."""

from __future__ import annotations

from workbook.errors import PersonalityError
from workbook.net.personalities.base import Personality
from workbook.net.personalities.linux import Linux
from workbook.net.personalities.nt import NT4, NT35
from workbook.net.personalities.windows import Windows

__all__ = ["PERSONALITIES", "Personality", "get_personality"]

PERSONALITIES: dict[str, type[Personality]] = {p.name: p for p in (NT4, NT35, Windows, Linux)}


def get_personality(name: str | Personality) -> Personality:
    """The personality called ``name``: 'nt4', 'nt35', 'windows' or 'linux'."""
    if isinstance(name, Personality):
        return name
    try:
        return PERSONALITIES[str(name).strip().lower()]()
    except KeyError:
        raise PersonalityError(
            f"personality {name!r} is unknown; choose one of {', '.join(map(repr, PERSONALITIES))}, e.g. 'nt4'"
        ) from None
