"""Finding a class's submissions: who handed in what, when, and which notebook counts (grader only)."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.core import identity, quote
from workbook.exercises.gradebook import utc
from workbook.exercises.roster import check_identifier

__all__ = ["MAX_NOTEBOOK_BYTES", "Submission", "find_submissions", "read_manifest"]

MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str
    assignment: str | None
    notebook: str = ""  # the path inside the submissions folder
    submitted: str = ""  # UTC, ISO 8601
    notes: tuple[str, ...] = ()


def _assignment_of(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        data = json.loads(path.read_text())
        name = data["metadata"]["workbook_exercise"]["assignment"]
        return name if name in ASSIGNMENTS else None
    except Exception:
        return None


def read_manifest(path: Path) -> dict[tuple[str, str], str]:
    """``student,assignment,submitted`` (ISO 8601; a time without zone is UTC) -> submission times."""
    import csv

    times = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            when = datetime.fromisoformat(record["submitted"].strip().replace("Z", "+00:00"))
            stamp = when.timestamp() if when.tzinfo else when.replace(tzinfo=UTC).timestamp()
            times[(identity(record["student"]), record["assignment"].strip())] = utc(stamp)
    return times


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder``, hidden ones left out, never following a link to a folder."""
    found = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        found += [Path(directory) / name for name in sorted(names) if not name.startswith(".")]
    return sorted(found)


def find_submissions(folder: Path, assignment: str | None = None, several: str = "latest",
                     manifest: dict[tuple[str, str], str] | None = None) -> list[Submission]:
    """Submissions as ``FOLDER/<student>/.../<assignment>.ipynb`` or ``FOLDER/<student>.ipynb``.

    The student is the first folder's name, or in the flat layout the whole file name without ``.ipynb``
    (``jane.doe.ipynb`` is jane.doe), NFC-normalised. In the flat layout the assignment comes from
    ``assignment`` or the notebook's metadata. Links are never followed. When a student has several notebooks
    for one assignment, ``several='latest'`` grades the most recent (manifest time, else file time) and names
    the others; ``several='all'`` grades each and flags it.
    """
    found: dict[tuple[str, str | None], list[Submission]] = defaultdict(list)
    for path in _files(folder):
        relative = path.relative_to(folder)
        if len(relative.parts) >= 2:
            if path.suffix != ".ipynb":
                continue
            student = identity(relative.parts[0])
            name = path.stem if path.stem in ASSIGNMENTS else _assignment_of(path) if not path.is_symlink() else None
        else:
            student = identity(path.name[: -len(".ipynb")] if path.name.endswith(".ipynb") else path.name)
            name = assignment or (_assignment_of(path) if not path.is_symlink() else None)
        when = (manifest or {}).get((student, name or ""), "")
        if not when:
            try:
                when = utc(path.lstat().st_mtime)
            except OSError:
                when = ""
        found[(student, name)].append(Submission(path, student, name, relative.as_posix(), when))
    chosen = []
    for (student, _), group in sorted(found.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        group.sort(key=lambda s: (s.submitted, s.notebook))
        notes: tuple[str, ...] = ()
        why = check_identifier(student)
        if why:
            notes = (f"the folder name {quote(student)} is not a usable identifier ({why})",)
        if len(group) == 1:
            chosen.append(replace(group[0], notes=notes))
        elif several == "all":
            chosen += [replace(s, notes=(*notes, f"one of {len(group)} notebooks for this assignment, each graded"))
                       for s in group]
        else:
            latest, older = group[-1], [s.notebook for s in group[:-1]]
            chosen.append(replace(latest, notes=(*notes, f"{len(group)} notebooks: graded the latest; not graded: "
                                                 + ", ".join(quote(n, 60) for n in older))))
    return chosen
