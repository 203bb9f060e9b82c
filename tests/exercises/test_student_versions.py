"""The student versions learners get (exercises/student/, shipped in the wheel) are exactly what the build makes."""

from __future__ import annotations

from pathlib import Path

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.grading import check_student_files

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "exercises" / "student"


def test_the_shipped_student_versions_equal_a_fresh_build(dist: Path) -> None:
    built = {path.name: path.read_bytes() for path in dist.glob("*/student/*.ipynb")}
    shipped = {path.name: path.read_bytes() for path in SHIPPED.glob("*.ipynb")}
    assert set(shipped) == {f"{name}.ipynb" for name in ASSIGNMENTS}
    stale = sorted(name for name in shipped if shipped[name] != built.get(name))
    assert not stale, (f"exercises/student is out of date for {stale}: run `python -m workbook.exercises build` "
                       f"and copy exercises/dist/*/student/*.ipynb there")


def test_no_shipped_student_version_holds_a_solution_or_a_hidden_test() -> None:
    assert list(SHIPPED.glob("*.ipynb")) and check_student_files(SHIPPED) == []
    for path in SHIPPED.glob("*.ipynb"):
        assert "ASSIGNMENT CONFIG" not in path.read_text(encoding="utf-8"), f"{path.name} is a master"
