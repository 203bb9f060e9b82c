"""Student identifiers an instructor can trust: a roster is checked line by line before anything is written.

An identifier names a folder (``dist/NN/students/<id>/``) and seeds a variant,
so it must be one harmless path component, and two spellings of one name must
be one student: identifiers are compared after NFC normalisation (a macOS zip
spells 'Zoë' decomposed) and case folding (two folders 'Ann' and 'ann' are one
folder on macOS and Windows).

>>> read_roster("alice\\nbob\\n\\nZoe\\u0308\\n")
['alice', 'bob', 'Zoë']
>>> read_roster("alice\\n../student\\n#x\\nalice\\n")
Traceback (most recent call last):
...
workbook.exercises.roster.RosterError: 3 bad lines in the roster (one identifier a line, e.g. s-1042):
  line 2 '../student': a path separator ('/' or '\\\\') or '..'
  line 3 '#x': starts with '#'
  line 4 'alice': the same student as line 1 ('alice')
"""

from __future__ import annotations

import unicodedata

from workbook.errors import WorkbookError
from workbook.exercises.core import identity

__all__ = ["RosterError", "check_identifier", "read_roster"]

MAX_LENGTH = 64
#: Names a folder cannot take on some system (Windows reserves these whatever the extension).
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


class RosterError(WorkbookError):
    """A roster with lines that are not usable student identifiers."""


def check_identifier(student: str) -> str:
    """Why ``student`` (already NFC-normalised) is not a usable identifier, or '' when it is."""
    if not student:
        return "empty"
    if "/" in student or "\\" in student or ".." in student:
        return "a path separator ('/' or '\\\\') or '..'"
    if student.startswith("#"):
        return "starts with '#'"
    if student.startswith((".", "-", "~")):
        return f"starts with {student[0]!r}"
    if any(unicodedata.category(ch).startswith("C") for ch in student):
        return "a control or invisible character"
    if student != student.strip():
        return "space around it"
    if len(student) > MAX_LENGTH:
        return f"longer than {MAX_LENGTH} characters"
    if student.split(".")[0].casefold() in RESERVED:
        return "a name Windows reserves for a device"
    return ""


def read_roster(text: str) -> list[str]:
    """The identifiers of a roster (one a line, blank lines skipped), NFC-normalised; every bad line is reported
    at once, with its reason."""
    problems = []
    seen: dict[str, tuple[int, str]] = {}
    students = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        student = identity(raw) if not raw.strip().startswith("#") else raw.strip()
        why = check_identifier(student)
        key = student.casefold()
        if not why and key in seen:
            why = f"the same student as line {seen[key][0]} ({seen[key][1]!r})"
        if why:
            problems.append(f"  line {number} {raw.strip()[:40]!r}: {why}")
            continue
        seen[key] = (number, student)
        students.append(student)
    if problems:
        raise RosterError(f"{len(problems)} bad line{'s' * (len(problems) > 1)} in the roster (one identifier a line, "
                          "e.g. s-1042):\n" + "\n".join(problems))
    return students
