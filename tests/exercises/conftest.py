"""Build the exercises once per test session (otter assign takes a few seconds per master)."""

from __future__ import annotations

import fcntl
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("otter", reason="the exercises need otter-grader: pip install -e '.[grade]'")

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.grading import build, set_student

ROOT = Path(__file__).resolve().parents[2]
MASTERS = ROOT / "exercises"
ROSTER = ["alice", "bob", "s-1042"]


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


def master_submission(assignment: str, student: str, replace: tuple[str, str] | None = None) -> str:
    """The master notebook (the instructor's solution) as if this student had submitted it."""
    text = set_student((MASTERS / f"{assignment}.ipynb").read_text(), student)
    if replace:
        data = json.loads(text)
        hits = 0
        for cell in data["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if replace[0] in source:
                cell["source"] = source.replace(*replace)
                hits += 1
        assert hits == 1, f"{replace[0]!r} found in {hits} cells"
        text = json.dumps(data)
    return text


def student_copy(dist: Path, assignment: str, student: str) -> str:
    return (dist / assignment / "students" / student / f"{assignment}.ipynb").read_text()
