"""Autograded exercises: seeded variants per student, answer checks with hints, and the class grader.

>>> import workbook.exercises as wx
>>> ex = wx.load("01_route_lookup", "alice")
>>> ex.check("q1", "0.0.0.0").ok
False
"""

from __future__ import annotations

import importlib

from workbook.exercises.core import (
    AnswerError,
    Exercise,
    ExerciseError,
    Feedback,
    Question,
    canonical,
    plain,
    seed_for,
)

__all__ = ["ASSIGNMENTS", "AnswerError", "Exercise", "ExerciseError", "Feedback", "Question", "canonical", "load",
           "plain", "seed_for"]

#: Assignment name -> the module that generates it (one per chapter).
ASSIGNMENTS = {
    "01_route_lookup": "workbook.exercises.ch01_route_lookup",
    "02_source_address": "workbook.exercises.ch02_source_address",
    "03_cidr": "workbook.exercises.ch03_cidr",
    "04_duplicate_addresses": "workbook.exercises.ch04_duplicate_addresses",
    "05_multicast": "workbook.exercises.ch05_multicast",
}


def load(assignment: str, student: str) -> Exercise:
    """The exercise ``assignment`` (e.g. '01_route_lookup') in the variant of ``student``.

    >>> load("01_route_lookup", "")
    Traceback (most recent call last):
    ...
    workbook.exercises.core.ExerciseError: STUDENT_ID '' must be your student identifier; e.g. STUDENT_ID = "alice"
    """
    try:
        module = ASSIGNMENTS[assignment]
    except (KeyError, TypeError):
        raise ExerciseError(f"no assignment {assignment!r}; the assignments are {', '.join(ASSIGNMENTS)}; "
                            f"e.g. load('01_route_lookup', 'alice')") from None
    if not isinstance(student, str) or not student.strip():
        raise ExerciseError(f'STUDENT_ID {student!r} must be your student identifier; e.g. STUDENT_ID = "alice"')
    return importlib.import_module(module).variant(student.strip())
