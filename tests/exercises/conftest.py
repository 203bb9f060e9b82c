"""Build the exercises once per test session (otter assign takes a few seconds per master); submissions to grade."""

from __future__ import annotations

import fcntl
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("otter", reason="the exercises need otter-grader: pip install -e '.[grade]'")

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.build import build, set_student, solved

ROOT = Path(__file__).resolve().parents[2]
MASTERS = ROOT / "instructor"
ROSTER = ["alice", "bob", "s-1042", "Zoë"]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built exercises, once per session: with xdist the workers share one build (under a lock), and the
    masters are assigned two at a time (each `otter assign` is a process of its own)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp("dist")
        _build_all(out)
        return out
    shared = tmp_path_factory.getbasetemp().parent
    out = shared / "exercises-dist"
    with (shared / "exercises-dist.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "exercises-dist.done").exists():
            _build_all(out)
            (shared / "exercises-dist.done").touch()
    return out


def _build_all(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda name: build(MASTERS, out, ROSTER, assignments=[name], quiet=True), sorted(ASSIGNMENTS)))


def solution(assignment: str, student: str, answer: tuple[str, str] | None = None) -> str:
    """The instructor's solution as ``student`` would hand it in (every answer typed as its value); ``answer``
    = (variable, Python literal) types another answer to one question."""
    text = solved(MASTERS / f"{assignment}.ipynb", student)
    if answer is None:
        return text
    variable, literal = answer
    data = json.loads(text)
    hits = 0
    for cell in data["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        new, count = re.subn(rf"^{variable} = .*$", f"{variable} = {literal}", source, flags=re.MULTILINE)
        cell["source"], hits = new, hits + count
    assert hits == 1, f"{variable} is typed {hits} times"
    return json.dumps(data)


def master_as_submission(assignment: str, student: str) -> str:
    """The master itself handed in: every answer computed with the engine, as a copied notebook would be."""
    return set_student((MASTERS / f"{assignment}.ipynb").read_text(), student)


def student_copy(dist: Path, assignment: str, student: str) -> str:
    return (dist / assignment / "students" / student / f"{assignment}.ipynb").read_text()


def with_cell(text: str, source: str, after: str | None = None) -> str:
    """Insert a code cell after the first cell containing ``after`` (or after the first code cell)."""
    data = json.loads(text)
    cells = data["cells"]
    index = next(i for i, c in enumerate(cells) if c["cell_type"] == "code"
                 and (after is None or after in "".join(c["source"])))
    cells.insert(index + 1, {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                             "execution_count": None})
    return json.dumps(data)
