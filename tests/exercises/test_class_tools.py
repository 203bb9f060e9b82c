"""What an instructor runs around grading: the roster, finding submissions, timestamps and deadlines, overrides that
survive a regrade, merging one student or one question, the similarity flag, the command line."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workbook.exercises.build import build, set_student
from workbook.exercises.gradebook import GradeRow, Override, finalize, merge, read_csv, write_csv
from workbook.exercises.grading import grade
from workbook.exercises.roster import RosterError, read_roster
from workbook.exercises.submissions import find_submissions, read_manifest

from .conftest import MASTERS, solution, student_copy

C = "03_cidr"


def test_a_roster_reports_every_bad_line_at_once() -> None:
    text = "alice\n../student\n../autograder/tests\n/etc/passwd\n#hidden\nalice\nAlice\nZoe\u0308\nZo\u00eb\n" \
           "bell\x07\nok-1\n"
    with pytest.raises(RosterError) as caught:
        read_roster(text)
    message = str(caught.value)
    reported = {int(n) for n in re.findall(r"^  line (\d+) ", message, flags=re.MULTILINE)}
    assert reported == {2, 3, 4, 5, 6, 7, 9, 10}, message
    assert "the same student as line 1" in message and "the same student as line 8" in message


def test_build_refuses_a_bad_roster_and_writes_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "roster.txt"
    roster.write_text("alice\n../student\n#x\n")
    done = subprocess.run([sys.executable, "-m", "workbook.exercises", "build", "--roster", str(roster), "--masters",
                           str(MASTERS), "--out", str(tmp_path / "dist")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "line 2 '../student'" in done.stderr and "line 3 '#x'" in done.stderr
    assert not (tmp_path / "dist").exists()
    with pytest.raises(ValueError, match="path separator"):
        build(MASTERS, tmp_path / "dist", ["../autograder"])


def test_submissions_are_found_by_whole_names_nfc_and_never_through_links(tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("jane.doe", "jane.smith", "Zoe\u0308"):
        (flat / f"{name}.ipynb").write_text("{}")
    (flat / "link.ipynb").symlink_to("/etc/hostname")
    found = {s.student: s for s in find_submissions(flat, assignment=C)}
    assert set(found) == {"jane.doe", "jane.smith", "Zoë", "link"} and found["Zoë"].assignment == C
    nested = tmp_path / "nested"
    (nested / "s01" / "old").mkdir(parents=True)
    (nested / "s01" / f"{C}.ipynb").write_text("{}")
    (nested / "s01" / "old" / f"{C}.ipynb").write_text("{}")
    old = time.time() - 7200
    os.utime(nested / "s01" / "old" / f"{C}.ipynb", (old, old))
    (latest,) = find_submissions(nested)
    assert latest.notebook == f"s01/{C}.ipynb" and f"old/{C}.ipynb" in latest.notes[0]
    each = find_submissions(nested, several="all")
    assert len(each) == 2 and all("one of 2 notebooks" in s.notes[0] for s in each)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"student,assignment,submitted\ns01,{C},2026-11-20T10:00:00\n")
    (latest,) = find_submissions(nested, manifest=read_manifest(manifest))
    assert latest.submitted == "2026-11-20T10:00:00Z"


def test_a_link_is_not_read_as_a_notebook(dist: Path, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    (folder / "mallory").mkdir(parents=True)
    secret = tmp_path / "secret.ipynb"
    secret.write_text(solution(C, "mallory"))
    (folder / "mallory" / f"{C}.ipynb").symlink_to(secret)
    rows = grade(folder, dist, None, jobs=1, progress=None)
    total = next(r for r in rows if r.question == "total")
    assert total.score == 0 and "link" in total.explanation


def test_overrides_and_late_penalties_are_recomputed_never_applied_twice() -> None:
    rows = [GradeRow("ann", C, "q1", 1, 1, "right", submitted="2026-11-21T12:00:00Z"),
            GradeRow("ann", C, "q2", 0, 2, "wrong", "hint", submitted="2026-11-21T12:00:00Z"),
            GradeRow("ann", C, "total", 1, 3, "graded", submitted="2026-11-21T12:00:00Z")]
    deadline = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    overrides = [Override("ann", C, "q2", 2, "accepted a second reading")]
    once = finalize(rows, overrides, deadline, 10)
    twice = finalize(once, overrides, deadline, 10)
    assert once == twice
    total = next(r for r in once if r.question == "total")
    assert total.score == 2.7 and "late by 12.0 h: -10 %" in total.adjustment and "q2" in total.adjustment
    q2 = next(r for r in once if r.question == "q2")
    assert q2.status == "override" and "the grader gave 0" in q2.adjustment


def test_merging_one_question_keeps_every_other_row() -> None:
    old = [GradeRow("ann", C, q, 1, 1, "right") for q in ("q1", "q2")] + [GradeRow("ann", C, "total", 2, 2, "graded"),
                                                                          GradeRow("bob", C, "q1", 0, 1, "wrong")]
    new = [GradeRow("ann", C, "q1", 0, 1, "wrong"), GradeRow("ann", C, "q2", 0, 1, "wrong"),
           GradeRow("ann", C, "total", 0, 2, "graded")]
    merged = finalize(merge(old, new, ["q2"]))
    table = {(r.student, r.question): r for r in merged}
    assert table["ann", "q1"].score == 1 and table["ann", "q2"].score == 0 and table["ann", "total"].score == 1
    assert table["bob", "q1"].status == "wrong"


def test_a_gradebook_reads_back_what_was_written_formulas_defused(tmp_path: Path) -> None:
    rows = [GradeRow("=cmd|' /C calc'!A0", C, "total", 1, 2, "graded", "+hint", "@x")]
    write_csv(rows, tmp_path / "g.csv")
    with (tmp_path / "g.csv").open() as handle:
        raw = list(csv.reader(handle))[1]
    assert raw[0].startswith("'=") and raw[7].startswith("'+")
    assert read_csv(tmp_path / "g.csv") == rows


@pytest.fixture(scope="module")
def course(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    """Three students on exercise 3, one of whom handed in a copy of another's typed answers, graded with a
    deadline, a late penalty and an override, through the command line."""
    base = tmp_path_factory.mktemp("course")
    folder = base / "class"
    for student in ("ann", "ben", "cat"):
        (folder / student).mkdir(parents=True)
    (folder / "ann" / f"{C}.ipynb").write_text(solution(C, "ann"))
    (folder / "ben" / f"{C}.ipynb").write_text(set_student(solution(C, "ann"), "ben"))  # ann's answers, copied
    (folder / "cat" / f"{C}.ipynb").write_text(set_student(student_copy(dist, C, "alice"), "cat"))
    late = datetime(2026, 11, 21, 9, 0, tzinfo=UTC).timestamp()
    os.utime(folder / "cat" / f"{C}.ipynb", (late, late))
    grades = base / "grades"
    grades.mkdir()
    (grades / "overrides.csv").write_text("student,assignment,question,score,reason\ncat,03_cidr,q1,1,oral exam\n")
    (base / "roster.txt").write_text("ann\nben\ncat\ndan\n")
    out = grades / "gradebook.csv"
    command = [sys.executable, "-m", "workbook.exercises", "grade", str(folder), "--dist", str(dist), "--out", str(out),
               "--deadline", "2026-11-20T23:59:00Z", "--late-penalty", "25", "--roster", str(base / "roster.txt")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return folder, out, command


def totals(out: Path) -> dict[str, GradeRow]:
    return {r.student: r for r in read_csv(out) if r.question == "total"}


def test_copied_answers_are_flagged_as_similar(course) -> None:
    table = totals(course[1])
    assert table["ann"].similar and table["ann"].similar == table["ben"].similar
    assert not table["cat"].similar  # a blank copy is like every other blank copy: not flagged


def test_late_overridden_and_missing_students_are_in_the_gradebook(course) -> None:
    table = totals(course[1])
    assert table["cat"].score == 0.75 and "late by" in table["cat"].adjustment and "q1" in table["cat"].adjustment
    assert table["dan"].status == "no submission" and table["dan"].score == 0


def test_regrading_one_student_merges_and_keeps_the_override(course) -> None:
    folder, out, command = course
    before = {(r.student, r.question): r for r in read_csv(out)}
    (folder / "cat" / f"{C}.ipynb").write_text(solution(C, "cat"))
    late = datetime(2026, 11, 21, 9, 0, tzinfo=UTC).timestamp()
    os.utime(folder / "cat" / f"{C}.ipynb", (late, late))
    done = subprocess.run([*command, "--student", "cat"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    after = {(r.student, r.question): r for r in read_csv(out)}
    assert {k: v for k, v in after.items() if k[0] != "cat"} == {k: v for k, v in before.items() if k[0] != "cat"}
    assert after["cat", "q1"].status == "override" and after["cat", "q2"].score == 2
    assert after["cat", "total"].score == 6  # 8 points, 25 % off for a day late
