"""Autograded exercises: seeded variants per student and answer checks with hints (the learner's side).

Everything here runs where the learner works, Pyodide included: the engine,
netaddr and the standard library, nothing else. The class grader (otter,
the sandbox) lives in modules this package never imports:
:mod:`workbook.exercises.build`, :mod:`workbook.exercises.grading` and their
neighbours.

>>> import workbook.exercises as wx
>>> ex = wx.load("01_route_lookup", "alice")
>>> ex.check("q1", "0.0.0.0").ok
False
"""

from __future__ import annotations

import contextlib
import importlib

from workbook.errors import WorkbookError
from workbook.exercises.core import (
    AnswerError,
    Exercise,
    ExerciseError,
    Feedback,
    Question,
    canonical,
    identity,
    plain,
    seed_for,
)

__all__ = ["ASSIGNMENTS", "AnswerError", "Exercise", "ExerciseError", "Feedback", "Question", "canonical",
           "identity", "load", "plain", "seed_for"]

#: Assignment name -> the module that generates it (one per chapter).
ASSIGNMENTS = {
    "01_route_lookup": "workbook.exercises.ch01_route_lookup",
    "02_source_address": "workbook.exercises.ch02_source_address",
    "03_cidr": "workbook.exercises.ch03_cidr",
    "04_duplicate_addresses": "workbook.exercises.ch04_duplicate_addresses",
    "05_multicast": "workbook.exercises.ch05_multicast",
    "06_routers_that_learn": "workbook.exercises.ch06_routers_that_learn",
}


def load(assignment: str, student: str) -> Exercise:
    """The exercise ``assignment`` (e.g. '01_route_lookup') in the variant of ``student``.

    In a notebook, a :class:`~workbook.errors.WorkbookError` from then on shows as its one-line message, without
    a traceback (an empty STUDENT_ID, an address mistyped into the engine).

    In the JupyterLite site the identifier is asked once: an empty ``STUDENT_ID`` takes the one this site keeps
    (:mod:`workbook.exercises.learner`), or shows a field to type it in; a given one is kept for the other
    exercises. There, a bar under the first cell also offers the saved notebook, identifier filled in, as a
    download to hand in. Outside the browser only ``STUDENT_ID`` counts, as for the grader.

    >>> load("01_route_lookup", "")
    Traceback (most recent call last):
    ...
    workbook.exercises.core.ExerciseError: set STUDENT_ID in the first cell to your student identifier, e.g. \
STUDENT_ID = "alice", then run that cell again
    """
    from workbook.exercises import learner

    show_errors_briefly()
    try:
        module = ASSIGNMENTS[assignment]
    except (KeyError, TypeError):
        raise ExerciseError(f"no assignment {assignment!r}; the assignments are {', '.join(ASSIGNMENTS)}; "
                            f"e.g. load('01_route_lookup', 'alice')") from None
    if not isinstance(student, str):
        student = ""
    kept = False
    if identity(student):
        if learner.in_browser():
            with contextlib.suppress(ExerciseError):  # an identifier the roster would refuse is not kept
                learner.remember_student(student)
    elif learner.in_browser() and learner.remembered_student():
        student, kept = learner.remembered_student(), True
    else:
        asked = learner.in_browser() and _show("StudentIdBox", root=learner.drive_root())
        where = "type it in the field above and press Remember, or " if asked else ""
        raise ExerciseError(f'{where}set STUDENT_ID in the first cell to your student identifier, e.g. '
                            'STUDENT_ID = "alice", then run that cell again')
    exercise = importlib.import_module(module).variant(identity(student))
    if learner.in_browser():
        _show("HandInBar", exercise, namespace=_user_namespace(), kept=kept)
    return exercise


def _user_namespace() -> dict | None:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell.user_ns if shell is not None else None


def _show(widget: str, *args: object, **kwargs: object) -> bool:
    """Display one of :mod:`workbook.widgets.hand_in`'s widgets where a front end shows them; False where none."""
    try:
        from IPython.display import display

        from workbook.widgets import hand_in
    except ImportError:  # no IPython or no ipywidgets: STUDENT_ID and File > Download still work
        return False
    if _user_namespace() is None:
        return False
    display(getattr(hand_in, widget)(*args, **kwargs))
    return True


def _brief(shell, etype, value, tb, tb_offset=None) -> None:
    # _showtraceback is what each front end's shell overrides to publish an error (ipykernel, Pyodide's kernel)
    shell._showtraceback(etype, value, [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"])


def show_errors_briefly() -> None:
    """In IPython (JupyterLab, Notebook, JupyterLite), show a cell's WorkbookError as one line: its message."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and not getattr(shell, "custom_exceptions", ()):  # never replace another's handler
        shell.set_custom_exc((WorkbookError,), _brief)
