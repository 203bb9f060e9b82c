"""The learner's side: no solution and no key in anything a notebook can reach, checks that stop giving verdicts to
guessing, functions run with their forbidden engine calls unavailable, typed answers read from the source, one-line
errors instead of tracebacks, and nothing Pyodide lacks."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import netaddr
import pytest

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.build import keys_of
from workbook.exercises.core import MAX_CHECKS
from workbook.exercises.literals import Blank, Computed, Typed, typed_answers

from .conftest import MASTERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENTS))
def test_no_object_a_notebook_reaches_holds_a_solution_or_marks_a_key(assignment: str) -> None:
    ex = load(assignment, "alice")
    assert not hasattr(ex, "solution")
    assert not [name for name in vars(ex.variant) if "right" in name or "key" in name or "solution" in name]
    keys = keys_of(MASTERS / f"{assignment}.ipynb")
    choices = getattr(importlib.import_module(ASSIGNMENTS[assignment]), "WHY", ())
    assert list(choices) == sorted(choices)  # the order in the source says nothing
    assert all(text in choices for text in keys) and len(keys) == sum(q.key for q in ex.questions)
    for question in ex.questions:
        if question.key:
            assert question.expected is None and question.accept is None
            said = {ex.check(question.name, letter).message.replace(repr(letter), "") for letter in "ABCD"}
            assert len(said) == 1 and "Hint" in said.pop()  # the same hint for every letter: no verdict


def test_after_five_wrong_answers_a_question_gets_hints_only() -> None:
    ex = load("03_cidr", "alice")
    verdicts = [ex.check("q3", n).status for n in range(1, MAX_CHECKS + 3)]
    assert verdicts[:MAX_CHECKS] == ["wrong"] * MAX_CHECKS
    assert verdicts[MAX_CHECKS:] == ["recorded", "recorded"]
    assert ex.check("q3", ex.variant.extra_addresses).status == "right"  # a right answer is still right


def test_a_forbidden_call_is_unavailable_through_any_alias_but_the_engine_keeps_it() -> None:
    from workbook import aggregate, covering_prefix
    from workbook.net.route_table import RouteTable

    lookup = RouteTable.lookup
    ex = load("01_route_lookup", "alice")
    for cheat in (lambda t, d: t.lookup(d).next_hop, lambda t, d: lookup(t, d).next_hop,
                  lambda t, d: getattr(t, "look" + "up")(d).next_hop):
        feedback = ex.check("q8", cheat)
        assert not feedback.ok and "ForbiddenCall" in feedback.message, feedback
    cidr = load("03_cidr", "alice")
    assert "ForbiddenCall" in cidr.check("q6", lambda n: covering_prefix(n).prefix).message
    assert "ForbiddenCall" in cidr.check("q6", lambda n: netaddr.spanning_cidr(n)).message
    assert "ForbiddenCall" not in cidr.check("q6", lambda n: aggregate(n).prefixes[0]).message  # the engine's own use
    assert str(covering_prefix(["10.0.0.0/24", "10.0.3.0/24"]).prefix) == "10.0.0.0/22"  # restored afterwards


def test_typed_answers_are_read_from_the_source() -> None:
    cells = ["a = '10.0.0.1'\nb = IPAddress('10.0.0.2')\nc, d = 'x', ['y', 'z']",
             "e = f'{a}'\nfor f in range(3):\n    pass\ng = 1\ng += 1\nh = ...\nimport os as i",
             "if True:\n    j = 'k'\nl = -1", "def m():\n    return 1\n(n := 'o')\np = q = None", "r = ("]
    found = typed_answers(cells, "abcdefghijlmnpqrx")
    assert found["a"] == Typed(1, "10.0.0.1") and found["b"] == Typed(1, "10.0.0.2")
    assert found["c"] == Typed(1, "x") and found["d"] == Typed(1, ["y", "z"])
    assert all(isinstance(found[name], Computed) for name in "efgijmn"), found
    assert found["h"] == Blank(2) and found["l"] == Typed(3, -1) and found["p"] == found["q"] == Typed(4, None)
    assert "r" not in found and "x" not in found  # a cell that does not parse sets nothing


def test_check_warns_when_the_notebook_computes_an_answer_and_errors_show_as_one_line(capsys) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()

    def run(source: str) -> None:
        shell.run_cell(source, store_history=True)

    try:
        run("import workbook.exercises as wx\nex = wx.load('01_route_lookup', '')")
        shown = capsys.readouterr().out
        assert "set STUDENT_ID in the first cell" in shown and "Traceback" not in shown and "File " not in shown
        assert len(shown.strip().splitlines()) == 1
        run("ex = wx.load('01_route_lookup', 'alice')\nv = ex.variant\n"
            "q1_next_hop = v.table.lookup(v.subnet_destination).next_hop")
        run("feedback = ex.check('q1', q1_next_hop)")
        feedback = shell.user_ns["feedback"]
        assert feedback.ok and "typed as values" in feedback.message
        run(f"q1_next_hop = {str(shell.user_ns['q1_next_hop'])!r}")
        run("feedback = ex.check('q1', q1_next_hop)")
        assert shell.user_ns["feedback"].message == ""
    finally:
        InteractiveShell.clear_instance()


def test_the_exercise_notebook_with_an_empty_student_id_shows_one_line_no_traceback(tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    notebook = nbformat.read(ROOT / "exercises" / "01_route_lookup.ipynb", as_version=4)
    first = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    notebook.cells = notebook.cells[: first + 1]
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.shutdown_kernel = "immediate"
    client.execute()
    (error,) = [o for o in notebook.cells[first].outputs if o.output_type == "error"]
    assert error.ename == "ExerciseError" and len(error.traceback) == 1
    assert 'STUDENT_ID = "alice"' in error.traceback[0] and "Traceback" not in error.traceback[0]


#: Run first in a fresh interpreter: importing a module Pyodide lacks, or one of the grader's, raises ImportError.
IMPORT_BLOCKER = """
import importlib.abc, sys
BLOCKED = ("otter", "subprocess", "multiprocessing", "resource", "pwd", "workbook.exercises.grading",
           "workbook.exercises.sandbox", "workbook.exercises.zygote", "workbook.exercises.isolation",
           "workbook.exercises.build", "workbook.exercises.cgroups", "workbook.exercises.gradebook",
           "workbook.exercises.report", "workbook.exercises.submissions", "workbook.exercises.__main__")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED or name in BLOCKED:
            raise ImportError(f"the learner's side imported {name}")
sys.meta_path.insert(0, Block())
"""


def test_the_learner_side_imports_nothing_pyodide_lacks() -> None:
    blocker = IMPORT_BLOCKER + """import workbook.exercises as wx
from workbook.exercises import literals, forbid
for assignment in wx.ASSIGNMENTS:
    ex = wx.load(assignment, "alice")
    for question in ex.questions:
        ex.check(question.name, (lambda *a: None) if question.kind == "code" else "A")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_feedback_shows_in_jupyter_as_text_that_wraps_between_words() -> None:
    """Jupyter's plain-text output breaks a long hint inside a word; the HTML form wraps at spaces, escaped."""
    from workbook.exercises.core import Feedback

    feedback = Feedback("q1", False, "wrong", "you chose 0.0.0.0/0 (it matches), but a longer prefix <wins>")
    shown = feedback._repr_html_()
    assert "word-break:normal" in shown and "white-space:pre-wrap" in shown and "break-all" not in shown
    assert "&lt;wins&gt;" in shown and "<wins>" not in shown
    assert html_text(shown) == repr(feedback)


def html_text(markup: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", markup))
