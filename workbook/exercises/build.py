"""Build student versions from the otter masters (grader only).

``otter assign`` turns each master ``instructor/NN_slug.ipynb`` into a student
notebook (solutions replaced by ``...``, public tests only) and an autograder
folder (public and hidden tests, made readable by its owner only, with otter's
Gradescope zip). The build then writes one copy per student of a checked roster
with ``STUDENT_ID`` filled in, and refuses to finish if a student file holds a
solution, a hidden test or a multiple-choice key.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.learner import with_student
from workbook.exercises.roster import check_identifier

__all__ = ["FORBIDDEN", "build", "check_student_files", "keys_of", "set_student", "solved"]

#: Text that marks solutions or hidden tests; none may appear in a student file.
FORBIDDEN = ("# SOLUTION", "BEGIN SOLUTION", "END SOLUTION", "hidden: true", "'hidden': True", "BEGIN TEST CONFIG",
             "# HIDDEN", "ASSIGNMENT CONFIG")


def _otter() -> list[str]:
    candidate = Path(sys.executable).with_name("otter")
    return [str(candidate)] if candidate.exists() else [sys.executable, "-m", "otter"]


def set_student(notebook_text: str, student: str) -> str:
    """The student notebook with ``STUDENT_ID = "<student>"`` in its first code cell (UTF-8, escaped as Python).

    The learner's hand-in step (:func:`workbook.exercises.learner.with_student`) writes it the same way."""
    return with_student(notebook_text, student)


def keys_of(master: Path) -> list[str]:
    """The multiple-choice keys a master's hidden tests hold (the ``right`` argument of ``ex.grade``)."""
    import ast

    keys = []
    for cell in json.loads(master.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "code" or "right" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.keyword) and node.arg == "right":
                keys.append(ast.literal_eval(node.value))
    return keys


def check_student_files(folder: Path, secrets: Iterable[str] = ()) -> list[str]:
    """Every place a solution, a hidden test or a key (``secrets``) leaks into a notebook or test file of
    ``folder``; the build fails unless it is empty."""
    markers = [*FORBIDDEN, *secrets]
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".ipynb", ".py"):
            text = path.read_text(errors="replace")
            leaks += [f"{path}: {marker[:40]!r}" for marker in markers if marker in text]
    return leaks


def build(masters: Path, out: Path, roster: list[str] | None = None, assignments: list[str] | None = None,
          quiet: bool = False, publish: Path | None = None) -> dict[str, Path]:
    """Run ``otter assign`` on each master; write per-student copies; return assignment -> its folder.

    ``roster`` holds identifiers checked by :func:`workbook.exercises.roster.read_roster`. Rebuilding replaces
    the output folder of each assignment, so a build is idempotent. ``publish`` (``exercises/``) receives the
    student versions learners get.
    """
    built = {}
    for student in roster or []:
        why = check_identifier(student)
        if why:
            raise ValueError(f"roster identifier {student!r}: {why}")
    out.mkdir(parents=True, exist_ok=True)
    for master in sorted(masters.glob("[0-9][0-9]_*.ipynb")):
        name = master.stem
        if name not in ASSIGNMENTS or (assignments and name not in assignments):
            continue
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        run = subprocess.run([*_otter(), "assign", "--no-pdfs", str(master), str(target)], capture_output=True,
                             text=True, check=False)
        if run.returncode:
            raise RuntimeError(f"otter assign {master} failed:\n{run.stdout}\n{run.stderr}")
        student_dir = target / "student"
        notebook = student_dir / f"{name}.ipynb"
        data = json.loads(notebook.read_text())
        data["metadata"]["workbook_exercise"] = {"assignment": name}
        generic = set_student(json.dumps(data), "")
        notebook.write_text(generic)
        for student in roster or []:
            copy = target / "students" / student / f"{name}.ipynb"
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(set_student(generic, student))
        leaks = check_student_files(student_dir, keys_of(master)) + \
            check_student_files(target / "students", keys_of(master))
        if leaks:
            raise RuntimeError("solutions, hidden tests or keys in student files:\n" + "\n".join(leaks))
        (target / "autograder").chmod(0o700)
        built[name] = target
        if publish is not None:
            publish.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, publish / notebook.name)
        if not quiet:
            print(f"built {name}: {notebook}" + (f" and {len(roster)} student copies" if roster else ""))
    return built


def solved(master: Path, student: str) -> str:
    """The master's solution as ``student`` would hand it in: every answer typed as its value, every function the
    master's own code, no tests. Runs the master's code (the instructor's), to try a grading set-up out.
    """
    import contextlib
    import io

    from workbook.exercises.core import plain

    answers = {q.variable for q in load(master.stem, student).questions if q.kind != "code"}
    data = json.loads(set_student(master.read_text(encoding="utf-8"), student))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    cells, in_tests = [], False
    for cell in data["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "raw":
            in_tests = "BEGIN TESTS" in source or (in_tests and "END TESTS" not in source)
            continue
        if in_tests or cell["cell_type"] != "code":
            if not in_tests:
                cells.append(cell)
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, master.name, "exec"), namespace)
        lines = []
        for line in source.splitlines():
            match = re.match(r"^(\w+) = .*# SOLUTION$", line)
            if match and match[1] in answers:
                lines.append(f"{match[1]} = {plain(namespace[match[1]])!r}")
            elif not re.match(r"^\s*# (BEGIN|END) SOLUTION$", line):
                lines.append(re.sub(r"\s*# SOLUTION$", "", line))
        cells.append({**cell, "source": "\n".join(lines), "outputs": [], "execution_count": None})
    data["cells"] = cells
    data["metadata"]["workbook_exercise"] = {"assignment": master.stem}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
