"""What the learner's browser keeps: the student identifier, remembered once per site, and the notebook to hand in.

In the JupyterLite site (Pyodide, ``sys.platform == "emscripten"``) the files of
the site's file browser are mounted in the kernel at ``/drive``: JupyterLite
keeps them in the browser's storage for that site (IndexedDB), so a file written
there survives a reload. The identifier a learner gives once is kept in the
hidden file ``/drive/.ip-workbook-student.json``; every exercise of the site
finds it there, so ``STUDENT_ID`` may stay empty in the other notebooks.
Outside the browser nothing is remembered: the notebook's ``STUDENT_ID`` is the
only source, as for the instructor's grader.

Handing in: the notebook as last saved, read from the folder the kernel runs in
(the notebook's folder, in JupyterLab, Notebook 7 and JupyterLite alike), with
the identifier written into ``STUDENT_ID`` of its first code cell, so the grader
re-creates the same variant.

Everything here is the standard library and runs in Pyodide.

>>> import json, tempfile
>>> drive = Path(tempfile.mkdtemp())
>>> remember_student("alice", drive)
'alice'
>>> remembered_student(drive)
'alice'
>>> notebook = {"cells": [{"cell_type": "code", "source": 'STUDENT_ID = ""\\nex = wx.load("03_cidr", STUDENT_ID)'}]}
>>> json.loads(with_student(json.dumps(notebook), "alice"))["cells"][0]["source"].splitlines()[0]
'STUDENT_ID = "alice"'
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.exercises.core import AnswerError, ExerciseError, canonical, identity

__all__ = ["STORE", "HandIn", "drive_root", "hand_in", "in_browser", "notebook_of", "remember_student",
           "remembered_student", "with_student"]

#: The file, at the root of the site's drive, that keeps the identifier (hidden from the file browser: a dot file).
STORE = ".ip-workbook-student.json"
#: Where JupyterLite's Pyodide kernel mounts the site's files (the browser's storage for that site).
DRIVE = Path("/drive")
_STUDENT_LINE = re.compile(r'^STUDENT_ID\s*=\s*(["\']).*?\1', re.MULTILINE)


def in_browser() -> bool:
    """True in Pyodide (the JupyterLite site), False in CPython (JupyterLab, Notebook 7, the grader)."""
    return sys.platform == "emscripten"


def drive_root() -> Path | None:
    """The site's drive as the kernel sees it, or None: outside the browser, or where the drive is not mounted
    (JupyterLite mounts it through its service worker, which a private window may refuse)."""
    if in_browser() and DRIVE.is_dir():
        return DRIVE
    return None


def remembered_student(root: Path | None = None) -> str:
    """The identifier kept in this site's storage, or '' (nothing kept, no storage, or an unreadable file)."""
    root = drive_root() if root is None else root
    if root is None:
        return ""
    try:
        kept = json.loads((root / STORE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    student = kept.get("student") if isinstance(kept, dict) else None
    return identity(student) if isinstance(student, str) else ""


def remember_student(student: str, root: Path | None = None) -> str:
    """Keep ``student`` in this site's storage; returns it normalised, or '' where there is no storage.

    A bad identifier raises :class:`~workbook.exercises.core.ExerciseError` with an example of a good one.
    """
    from workbook.exercises.roster import check_identifier

    student = identity(student) if isinstance(student, str) else ""
    why = check_identifier(student)
    if why:
        raise ExerciseError(f"student identifier {student!r}: {why}; e.g. alice or s-1042")
    root = drive_root() if root is None else root
    if root is None:
        return ""
    if remembered_student(root) != student:
        try:
            (root / STORE).write_text(json.dumps({"student": student}) + "\n", encoding="utf-8")
        except OSError:  # a drive mounted but refusing writes (storage full, or turned off for the site)
            return ""
    return student


def with_student(notebook_text: str, student: str) -> str:
    """The notebook with ``STUDENT_ID = "<student>"`` in its first code cell (UTF-8, escaped as Python)."""
    data = json.loads(notebook_text)
    literal = json.dumps(identity(student), ensure_ascii=False)
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = _STUDENT_LINE.sub(lambda m: f"STUDENT_ID = {literal}", source, count=1)
            break
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _loads(path: Path, assignment: str) -> bool:
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return False
    text = "".join("".join(c.get("source", "")) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code")
    return re.search(rf"""load\(\s*["']{re.escape(assignment)}["']""", text) is not None


def notebook_of(assignment: str, folder: Path | None = None) -> Path:
    """The saved notebook of ``assignment`` in ``folder`` (the kernel's, i.e. the notebook's, by default):
    ``<assignment>.ipynb``, else the most recently saved notebook there that loads it (a renamed copy)."""
    folder = Path.cwd() if folder is None else folder
    named = folder / f"{assignment}.ipynb"
    if named.is_file() and _loads(named, assignment):
        return named
    found = sorted((p for p in folder.glob("*.ipynb") if _loads(p, assignment)), key=lambda p: p.stat().st_mtime)
    if not found and in_browser() and drive_root() is None:
        raise ExerciseError("this browser gives the notebook no access to the site's files (a private window?); "
                            f"hand in with File > Download instead, after setting STUDENT_ID, e.g. {assignment}.ipynb")
    if not found:
        raise ExerciseError(f"no saved notebook of {assignment} in {str(folder)!r}; save it first (Ctrl+S), "
                            f"e.g. as {assignment}.ipynb")
    return found[-1]


@dataclass(frozen=True)
class HandIn:
    """The notebook to hand in: its file name, its text (``STUDENT_ID`` filled in), and what the learner should know
    first (answers the kernel holds that the saved file does not: save, then download again)."""

    name: str
    text: str
    unsaved: tuple[str, ...] = field(default=())


def _same(kind: str, saved: Any, live: Any) -> bool:
    try:
        return canonical(kind, saved) == canonical(kind, live)
    except AnswerError:
        return saved == live


def hand_in(exercise: Any, namespace: Mapping[str, Any] | None = None, folder: Path | None = None) -> HandIn:
    """The saved notebook of ``exercise`` with its student's identifier in ``STUDENT_ID``, ready to download.

    ``namespace`` is the notebook's (the kernel's user namespace): an answer whose value there is not the one typed
    in the saved file is listed in ``unsaved`` — the learner changed it after the last save.
    """
    from workbook.exercises.literals import Typed, typed_answers

    path = notebook_of(exercise.assignment, folder)
    text = path.read_text(encoding="utf-8")
    filled = with_student(text, exercise.student)
    unsaved = []
    if namespace is not None:
        cells = [
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in json.loads(filled)["cells"] if c.get("cell_type") == "code"
        ]
        questions = [q for q in exercise.questions if q.kind != "code" and q.variable in namespace]
        saved = typed_answers(cells, [q.variable for q in questions])
        for question in questions:
            live = namespace[question.variable]
            typed = saved.get(question.variable)
            if live is Ellipsis:
                continue
            if not isinstance(typed, Typed) or not _same(question.kind, typed.value, live):
                unsaved.append(question.variable)
    return HandIn(f"{exercise.assignment}.ipynb", filled, tuple(unsaved))

