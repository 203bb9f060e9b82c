"""Grading end to end: typed solutions get full marks, blanks 0, a misconception loses exactly its question, a
notebook that computes its answers with the engine (a copy) scores only its functions, and the gradebook is what the
rows say, written 0600, the same bytes twice."""

from __future__ import annotations

import csv
import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest

from workbook.exercises import ASSIGNMENTS, load, plain
from workbook.exercises.build import FORBIDDEN, keys_of, set_student
from workbook.exercises.grading import check_output, grade
from workbook.exercises.sandbox import Limits

from .conftest import MASTERS, ROSTER, master_as_submission, solution, student_copy

#: Per assignment: a typical misconception, typed (the variable and a Python expression of the variant for what a
#: confused student would type), and the one question it must cost.
MISCONCEPTIONS = {
    # the classic answer where longest prefix was asked
    "01_route_lookup": ("q5_longest_next_hop", lambda v: v.next_hop(v.supernet_destination, "classic"), "q5"),
    # the source follows the card (as if bound to ANY), where a weak host keeps the bound address
    "02_source_address": ("q2_source", lambda v: v.host(v.weak_personality).route_get(v.weak_destination).source,
                          "q2"),
    # one covering prefix where the exact aggregate was asked
    "03_cidr": ("q2_prefixes", lambda v: [v.covering], "q2"),
    # the bystander keeps the newcomer's MAC: the NT defender's re-ARP forgotten
    "04_duplicate_addresses": ("q3_cached", lambda v: v.macs[v.newcomer], "q3"),
    # the IGMPv2 leave sent to the group itself, not to the all-routers group
    "05_multicast": ("q6_leave_to", lambda v: v.group, "q6"),
    # split horizon taken for "advertise everything": every LAN listed on the interface
    "06_routers_that_learn": ("q3_split_horizon", lambda v: sorted(v.lans("off")), "q3"),
}

LIMITS = Limits(seconds=8, memory_mb=1024)


def totals(rows):
    return {(r.student, r.assignment): r for r in rows if r.question == "total"}


def by_question(rows, student, assignment):
    return {r.question: r for r in rows if r.student == student and r.assignment == assignment}


def put(folder: Path, student: str, assignment: str, text: str) -> None:
    path = folder / student / f"{assignment}.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


@pytest.fixture(scope="module")
def graded(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    """One batch: for every assignment, the typed solutions of the roster, a blank copy, a misconception and the
    master itself (answers computed by the engine)."""
    folder = tmp_path_factory.mktemp("submissions")
    for assignment in ASSIGNMENTS:
        for student in ROSTER:
            put(folder, student, assignment, solution(assignment, student))
        put(folder, "blank", assignment, set_student(student_copy(dist, assignment, "alice"), "blank"))
        variable, wrong, _ = MISCONCEPTIONS[assignment]
        typed = repr(plain(wrong(load(assignment, "confused").variant)))
        put(folder, "confused", assignment, solution(assignment, "confused", (variable, typed)))
        put(folder, "copier", assignment, master_as_submission(assignment, "copier"))
    out = folder.parent / "grades" / "gradebook.csv"
    rows = grade(folder, dist, out, jobs=2, limits=LIMITS, progress=None)
    return folder, out, rows


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_typed_solutions_score_full_marks_for_several_students(graded, assignment: str) -> None:
    _, _, rows = graded
    for student in ROSTER:
        total = totals(rows)[student, assignment]
        assert total.score == total.possible == load(assignment, student).possible, by_question(rows, student,
                                                                                                 assignment)
        assert "STUDENT_ID" not in total.explanation  # 'Zoë' written by build and read back: no false mismatch


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_the_blank_student_version_scores_zero(graded, assignment: str) -> None:
    _, _, rows = graded
    questions = by_question(rows, "blank", assignment)
    assert questions["total"].score == 0
    assert all(r.status == "no answer" for q, r in questions.items() if q != "total"), questions


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_a_misconception_loses_exactly_its_question(graded, assignment: str) -> None:
    _, _, rows = graded
    *_, question = MISCONCEPTIONS[assignment]
    questions = by_question(rows, "confused", assignment)
    lost = [q for q, r in questions.items() if q != "total" and r.score < r.possible]
    assert lost == [question], questions
    assert questions[question].status == "wrong" and questions[question].explanation
    assert questions[question].answer  # a short slice of the student's own answer, for the report


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_answers_computed_with_the_engine_score_nothing(graded, assignment: str) -> None:
    """A notebook copied from a classmate recomputes the answers for its own variant: only typed values count."""
    _, _, rows = graded
    questions = by_question(rows, "copier", assignment)
    exercise = load(assignment, "copier")
    for question in exercise.questions:
        row = questions[question.name]
        if question.kind == "code":
            assert row.score == row.possible, row  # a function is code by nature: the similarity flag is for those
        else:
            assert row.score == 0 and row.status == "computed" and "typed" in row.explanation, row


def test_the_gradebook_has_a_row_per_student_and_question_plus_total(graded) -> None:
    _, out, rows = graded
    with out.open() as handle:
        table = list(csv.DictReader(handle))
    assert [tuple(r.values()) for r in table] == [tuple(str(v) for v in r.as_row().values()) for r in rows]
    assert {r["question"] for r in table} >= {"q1", "total"}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_student_versions_hold_no_solution_hidden_test_or_key(dist: Path) -> None:
    for assignment in ASSIGNMENTS:
        master = (MASTERS / f"{assignment}.ipynb").read_text()
        assert "# SOLUTION" in master and "hidden: true" in master  # the markers exist in the master...
        keys = keys_of(MASTERS / f"{assignment}.ipynb")
        student_files = [p for p in (dist / assignment).rglob("*") if p.is_file() and "autograder" not in p.parts]
        assert student_files
        for path in student_files:
            text = path.read_text()
            for marker in [*FORBIDDEN, *keys]:  # ...and nowhere in what students get
                assert marker not in text, (path, marker)
            if path.suffix == ".py":  # otter's public test files: only the public cases
                assert "'hidden': False" in text and "'hidden': True" not in text
        hidden = [case["code"] for p in (dist / assignment / "autograder" / "tests").glob("*.py")
                  for suite in _test_of(p)["suites"] for case in suite["cases"] if case["hidden"]]
        assert hidden and all(any(key in code for code in hidden) for key in keys)  # the keys live in hidden tests
        assert stat.S_IMODE((dist / assignment / "autograder").stat().st_mode) == 0o700
        (gradescope,) = (dist / assignment / "autograder").glob("*.zip")  # otter's Gradescope zip is kept...
        with zipfile.ZipFile(gradescope) as archive:  # ...and installs the workbook
            assert "- ip-workbook" in archive.read("environment.yml").decode()
        notebook = json.loads((dist / assignment / "student" / f"{assignment}.ipynb").read_text())
        sources = "".join("".join(c["source"]) for c in notebook["cells"])
        assert "= ...\n" in sources or "= ..." in sources


def _test_of(path: Path) -> dict:
    """An otter test file's ``test`` dictionary."""
    namespace: dict = {}
    exec(path.read_text(), namespace)
    return namespace["test"]


def test_grading_is_idempotent_and_changes_no_submission(graded, dist: Path) -> None:
    folder, out, _ = graded
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    first = out.read_bytes()
    grade(folder, dist, out, jobs=2, limits=LIMITS, progress=None)
    assert out.read_bytes() == first
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()} == before


def test_a_gradebook_is_never_written_where_submissions_or_the_project_live(graded, dist: Path) -> None:
    folder, _, _ = graded
    for place in (folder / "gradebook.csv", dist / "gradebook.csv", MASTERS.parent / "gradebook.csv"):
        with pytest.raises(ValueError, match="course folder"):
            check_output(place, folder, dist)
