"""The instructor's report of a gradebook: statistics and a chart, common mistakes grouped, one feedback file per
student, Canvas's import format, where otter's Gradescope zip is."""

from __future__ import annotations

import csv
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.exercises.gradebook import GradeRow, write_csv
from workbook.exercises.report import canvas

A = "01_route_lookup"


def rows() -> list[GradeRow]:
    table = []
    for student, q1, answer in (("ann", 1, "'10.0.0.1'"), ("ben", 0, "'10.0.0.9'"), ("cat", 0, "'10.0.0.9'"),
                                ("dee", 0, "'10.0.0.7'")):
        status = "right" if q1 else "wrong"
        hint = "" if q1 else "you chose 0.0.0.0/0 (it matches), but a longer prefix matches too"
        table += [GradeRow(student, A, "q1", q1, 1, status, hint, answer),
                  GradeRow(student, A, "q2", 1, 1, "right", "", "'x'"),
                  GradeRow(student, A, "total", q1 + 1, 2, "graded", similar="S1 (2 submissions)" * (student in
                                                                                                       "bencat"))]
    table.append(GradeRow("=evil", "03_cidr", "total", 3, 8, "graded"))
    table.append(GradeRow("../x", "03_cidr", "total", 1, 8, "graded"))
    return table


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> Path:
    base = tmp_path_factory.mktemp("report")
    write_csv(rows(), base / "gradebook.csv")
    done = subprocess.run([sys.executable, "-m", "workbook.exercises", "report", str(base / "gradebook.csv"),
                           "--dist", str(dist)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return base / "gradebook-report"


def test_the_summary_has_per_question_statistics_and_common_mistakes_grouped(report: Path) -> None:
    text = (report / "summary.md").read_text()
    assert "| q1 | 4 | 0.25 / 1 | 0.43 | 1 | 3 | 0 | 0 | 0 |" in text
    assert "answer `'10.0.0.9'` × 2" in text and "answer `'10.0.0.7'` × 1" in text
    assert "hint × 3: you chose 0.0.0.0/0" in text
    assert "S1 (2 submissions)" in text and "Gradescope autograder (otter)" in text


def test_the_chart_is_a_png(report: Path) -> None:
    pytest.importorskip("matplotlib")
    assert (report / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_student_gets_a_feedback_file_with_each_result_and_hint(report: Path) -> None:
    ben = (report / "feedback" / "ben" / f"{A}.md").read_text()
    assert "**Total: 1 of 2**" in ben and "| q1 | 0 / 1 | wrong | you chose 0.0.0.0/0" in ben
    assert (report / "feedback" / "=evil" / "03_cidr.md").exists()
    assert not (report / "x").exists()  # a name that is no identifier gets a safe folder of its own
    assert len(list((report / "feedback").glob("student-*/03_cidr.md"))) == 1


def test_the_canvas_export_follows_its_import_format(report: Path) -> None:
    with (report / "canvas.csv").open() as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A, "03_cidr"]
    assert table[1] == ["Points Possible", "", "", "", "", "2", "8"]
    assert ["ann", "", "ann", "ann", "", "2", ""] in table
    assert any(row[0] == "'=evil" for row in table)
    assert any(row[0] == "=evil" for row in canvas(rows()))  # defused only when written


def test_every_report_file_is_private_and_the_gradescope_zip_is_named(report: Path, dist: Path) -> None:
    for path in report.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert str(dist / A / "autograder") in (report / "gradescope.txt").read_text()
