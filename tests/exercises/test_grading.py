"""Grading end to end: solutions get full marks, blanks 0, a misconception loses exactly its question,
and hostile submissions are graded in the same batch as good ones without changing any file."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.grading import FORBIDDEN, grade
from workbook.exercises.sandbox import Limits

from .conftest import ROSTER, master_submission, student_copy

#: Per assignment: a typical misconception as (text in the master's solution, what a confused student writes),
#: and the one question it must cost.
MISCONCEPTIONS = {
    "01_route_lookup": (('q5_longest_next_hop = v.table.lookup(v.supernet_destination, strategy="longest-prefix")',
                         'q5_longest_next_hop = v.table.lookup(v.supernet_destination, strategy="classic")'), "q5"),
    # the source follows the card (as if bound to ANY), where a weak host keeps the bound address
    "02_source_address": (("route_get(v.weak_destination, source=v.weak_bound).source",
                           "route_get(v.weak_destination).source"), "q2"),
    # one covering prefix where the exact aggregate was asked
    "03_cidr": (("q2_prefixes = wb.aggregate(v.networks).prefixes",
                 "q2_prefixes = [wb.covering_prefix(v.networks).prefix]"), "q2"),
    # the bystander keeps the newcomer's MAC: the NT defender's re-ARP forgotten
    "04_duplicate_addresses": (('q3_cached = v.network("nt").host(v.bystander).arp_cache.get(v.address)',
                                "q3_cached = v.macs[v.newcomer]"), "q3"),
    # the IGMPv2 leave sent to the group itself, not to the all-routers group
    "05_multicast": (('q6_leave_to = [f for f in v.network(2).frames if f.igmp and f.sender == "member"][-1].ip.dst',
                      "q6_leave_to = v.group"), "q6"),
}

LIMITS = Limits(seconds=8, memory_mb=1024)


def totals(rows):
    return {(r.student, r.assignment): r for r in rows if r.question == "total"}


def by_question(rows, student, assignment):
    return {r.question: r for r in rows if r.student == student and r.assignment == assignment}


@pytest.fixture(scope="module")
def graded(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    """One batch: for every assignment, solutions of three students, a blank copy and a misconception."""
    folder = tmp_path_factory.mktemp("submissions")
    for assignment in ASSIGNMENTS:
        for student in ROSTER:
            path = folder / student / f"{assignment}.ipynb"
            path.parent.mkdir(exist_ok=True)
            path.write_text(master_submission(assignment, student))
        blank = folder / "blank" / f"{assignment}.ipynb"
        blank.parent.mkdir(exist_ok=True)
        text = student_copy(dist, assignment, "alice").replace('STUDENT_ID = "alice"', 'STUDENT_ID = "blank"')
        blank.write_text(text)
        replace, _ = MISCONCEPTIONS[assignment]
        confused = folder / "confused" / f"{assignment}.ipynb"
        confused.parent.mkdir(exist_ok=True)
        confused.write_text(master_submission(assignment, "confused", replace))
    out = folder.parent / "gradebook.csv"
    rows = grade(folder, dist, out, jobs=2, limits=LIMITS, progress=None)
    return folder, out, rows


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_solutions_score_full_marks_for_several_students(graded, assignment: str) -> None:
    _, _, rows = graded
    for student in ROSTER:
        total = totals(rows)[student, assignment]
        assert total.score == total.possible == load(assignment, student).possible, by_question(rows, student,
                                                                                                 assignment)


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_the_blank_student_version_scores_zero(graded, assignment: str) -> None:
    _, _, rows = graded
    questions = by_question(rows, "blank", assignment)
    assert questions["total"].score == 0
    assert all(r.status in ("no answer", "wrong", "not readable") for q, r in questions.items() if q != "total")


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_a_misconception_loses_exactly_its_question(graded, assignment: str) -> None:
    _, _, rows = graded
    _, question = MISCONCEPTIONS[assignment]
    questions = by_question(rows, "confused", assignment)
    lost = [q for q, r in questions.items() if q != "total" and r.score < r.possible]
    assert lost == [question], questions
    assert questions[question].status == "wrong" and questions[question].explanation


def test_the_gradebook_has_a_row_per_student_and_question_plus_total(graded) -> None:
    _, out, rows = graded
    with out.open() as handle:
        table = list(csv.DictReader(handle))
    assert [tuple(r.values()) for r in table] == [tuple(r.as_row().values()) for r in rows]
    assert {r["question"] for r in table} >= {"q1", "total"}


def test_student_versions_hold_no_solution_nor_hidden_test(dist: Path) -> None:
    for assignment in ASSIGNMENTS:
        master = (Path(__file__).resolve().parents[2] / "exercises" / f"{assignment}.ipynb").read_text()
        assert "# SOLUTION" in master and "hidden: true" in master  # the markers exist in the master...
        student_files = [p for p in (dist / assignment).rglob("*") if p.is_file() and "autograder" not in p.parts]
        assert student_files
        for path in student_files:
            text = path.read_text()
            for marker in FORBIDDEN:  # ...and nowhere in what students get
                assert marker not in text, (path, marker)
            assert "public=True" in text or path.suffix == ".ipynb"
            if path.suffix == ".py":  # otter's public test files: only the public cases
                assert "'hidden': False" in text and "'hidden': True" not in text
        hidden = (dist / assignment / "autograder" / "tests").glob("*.py")
        assert any("'hidden': True" in p.read_text() for p in hidden)
        notebook = json.loads((dist / assignment / "student" / f"{assignment}.ipynb").read_text())
        sources = "".join("".join(c["source"]) for c in notebook["cells"])
        assert "= ...\n" in sources or "= ..." in sources


def test_grading_is_idempotent_and_changes_no_submission(graded, dist: Path) -> None:
    folder, out, _ = graded
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    first = out.read_bytes()
    grade(folder, dist, out, jobs=2, limits=LIMITS, progress=None)
    assert out.read_bytes() == first
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()} == before
