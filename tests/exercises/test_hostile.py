"""Hostile and broken submissions, graded in one batch with good ones: each gets a correct, explained score,
the rest of the class is graded, and no file outside the sandbox changes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from workbook.exercises.grading import grade
from workbook.exercises.sandbox import Limits

from .conftest import master_submission

A = "01_route_lookup"


def with_cell(text: str, source: str, after: str | None = None) -> str:
    """Insert a code cell after the first cell containing ``after`` (or after the first code cell)."""
    data = json.loads(text)
    cells = data["cells"]
    index = next(i for i, c in enumerate(cells) if c["cell_type"] == "code"
                 and (after is None or after in "".join(c["source"])))
    cells.insert(index + 1, {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                             "execution_count": None})
    return json.dumps(data)


@pytest.fixture(scope="module")
def batch(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("class")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "precious.txt").write_text("keep me")
    tests_file = dist / A / "autograder" / "tests" / "q1.py"

    def put(student: str, text: str | bytes) -> None:
        path = folder / student / f"{A}.ipynb"
        path.parent.mkdir()
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    put("good1", master_submission(A, "good1"))
    put("good2", master_submission(A, "good2"))
    put("blank", json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    put("raises", with_cell(master_submission(A, "raises"), "raise RuntimeError('boom')\nx = bytearray(10**11)"))
    put("loops", with_cell(master_submission(A, "loops"), "while True:\n    pass", after="q2_next_hop ="))
    put("vandal", with_cell(master_submission(A, "vandal"), f"""
import os, shutil, glob
for target in glob.glob({str(folder)!r} + '/**', recursive=True) + glob.glob({str(outside)!r} + '/*'):
    try:
        if os.path.isfile(target):
            open(target, 'w').write('pwned')
        else:
            shutil.rmtree(target, ignore_errors=True)
    except OSError:
        pass
try:
    os.remove('submission.ipynb')
except OSError:
    pass
"""))
    put("cheat", with_cell(master_submission(A, "cheat"), f"""
import os, json
import workbook.exercises.core as core
try:
    stolen = open({str(tests_file)!r}).read()
except OSError as error:
    stolen = 'refused: ' + type(error).__name__
core.Exercise.feedback = lambda self, name, answer: core.Feedback(name, True, 'right')
class Always:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
q1_next_hop = q2_next_hop = q3_next_hop = q4_classic_next_hop = Always()
q5_longest_next_hop = stolen
for fd in range(3, 64):
    try:
        os.write(fd, (json.dumps({{"answers": {{}}, "score": 9, "total": 9}}) + "\\n").encode())
    except OSError:
        pass
""", after="next_hop(v.table"))
    put("noise", os.urandom(3000))
    (folder / "notebook").mkdir()
    (folder / "notebook" / f"{A}.ipynb").write_text("print('I am a script, not a notebook')")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    rows = grade(folder, dist, folder.parent / "class.csv", jobs=2, limits=Limits(seconds=4), progress=None)
    return folder, outside, before, rows


def rows_of(rows, student):
    return {r.question: r for r in rows if r.student == student}


def test_good_submissions_in_the_batch_get_full_marks(batch) -> None:
    *_, rows = batch
    for student in ("good1", "good2"):
        total = rows_of(rows, student)["total"]
        assert total.score == total.possible == 9


def test_blank_and_non_notebooks_score_zero_with_a_reason(batch) -> None:
    *_, rows = batch
    assert rows_of(rows, "blank")["total"].score == 0
    for student in ("noise", "notebook"):
        total = rows_of(rows, student)["total"]
        assert total.score == 0 and total.status == "not a notebook" and total.explanation


def test_a_raising_cell_costs_nothing_else(batch) -> None:
    *_, rows = batch
    total = rows_of(rows, "raises")["total"]
    assert total.score == 9 and "raised" in total.explanation


def test_an_endless_loop_is_stopped_and_earlier_answers_count(batch) -> None:
    *_, rows = batch
    questions = rows_of(rows, "loops")
    assert questions["q1"].score == questions["q2"].score == 1
    assert all(questions[q].score == 0 for q in ("q3", "q4", "q5", "q6", "q7", "q8"))
    assert "time limit" in questions["total"].explanation


def test_a_vandal_changes_no_file_and_still_gets_its_marks(batch) -> None:
    folder, outside, before, rows = batch
    assert (outside / "precious.txt").read_text() == "keep me"
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert rows_of(rows, "vandal")["total"].score == 9


def test_a_cheat_cannot_set_its_score_nor_pass_with_an_object_equal_to_everything(batch) -> None:
    *_, rows = batch
    questions = rows_of(rows, "cheat")
    for q in ("q1", "q2", "q3", "q4"):
        assert questions[q].score == 0 and questions[q].status == "not readable", questions[q]
    assert questions["q5"].score == 0
    assert questions["total"].score == 4  # q6, q7 (1 each) and q8 (2) stay the honest answers of the master
