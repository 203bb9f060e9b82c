"""Build the exercises once per test session (otter assign takes a few seconds per master)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("otter", reason="the exercises need otter-grader: pip install -e '.[grade]'")

from workbook.exercises.grading import build, set_student

ROOT = Path(__file__).resolve().parents[2]
MASTERS = ROOT / "exercises"
ROSTER = ["alice", "bob", "s-1042"]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build(MASTERS, out, ROSTER, quiet=True)
    return out


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
