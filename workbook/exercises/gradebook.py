"""The gradebook: rows per student, assignment and question; written 0600, atomically; merged, adjusted, re-read.

One row per question and one ``total`` row per graded notebook::

    student,assignment,question,score,possible,status,answer,explanation,adjustment,submitted,notebook,similar

``answer`` is a short, sanitised slice of the student's own answer;
``explanation`` the hint or the reason; ``adjustment`` what changed the score
after grading (a manual override, a late penalty); ``submitted`` the
submission time (UTC); ``notebook`` the file graded; ``similar`` a group label
shared by submissions whose answer cells are identical.

A total is always recomputed from its question rows (:func:`finalize`), so an
override or a late penalty survives a regrade and is never applied twice.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbook.exercises.core import clean

__all__ = ["FIELDS", "GradeRow", "Override", "finalize", "merge", "read_csv", "read_overrides", "write_csv"]


@dataclass(frozen=True)
class GradeRow:
    student: str
    assignment: str
    question: str
    score: float
    possible: float
    status: str
    explanation: str = ""
    answer: str = ""
    adjustment: str = ""
    submitted: str = ""
    notebook: str = ""
    similar: str = ""

    def as_row(self) -> dict[str, Any]:
        row = {name: getattr(self, name) for name in FIELDS}
        row["score"], row["possible"] = _number(self.score), _number(self.possible)
        return row

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.student, self.assignment, self.notebook)


FIELDS = ("student", "assignment", "question", "score", "possible", "status", "answer", "explanation", "adjustment",
          "submitted", "notebook", "similar")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def order(rows: Iterable[GradeRow]) -> list[GradeRow]:
    """Rows sorted by student, assignment, notebook, then q1, q2, ..., q10, total."""
    def question_key(question: str) -> tuple[int, str]:
        if question == "total":
            return (10**6, "")
        digits = question.lstrip("q")
        return (int(digits), "") if digits.isdigit() else (10**5, question)
    return sorted(rows, key=lambda r: (r.student, r.assignment, r.notebook, question_key(r.question)))


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (the CSV is opened in Excel, uploaded to an LMS)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Iterable[GradeRow], out: Path, header: Iterable[str] = FIELDS) -> None:
    """Write ``rows`` to ``out`` readable by its owner only (0600), atomically: the same rows, the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        values = row.as_row()
        writer.writerow([_safe(str(values[name])) if name not in ("score", "possible") else values[name]
                         for name in header])
    write_private(out, buffer.getvalue())


def write_private(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` (mode 0600, its folder 0700 when new) through a temporary file and a rename."""
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.chmod(temporary, 0o600)
    temporary.replace(out)


def read_csv(path: Path) -> list[GradeRow]:
    """A gradebook written by :func:`write_csv` (the formula guard removed again)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            values = {name: (record.get(name) or "") for name in FIELDS}
            for name in FIELDS:
                if values[name].startswith("'") and values[name][1:2] in ("=", "+", "-", "@", "\t", "\r"):
                    values[name] = values[name][1:]
            rows.append(GradeRow(**{**values, "score": float(values["score"] or 0),  # type: ignore[arg-type]
                                    "possible": float(values["possible"] or 0)}))
    return rows


@dataclass(frozen=True)
class Override:
    """A score an instructor sets by hand for one question; it replaces the grader's at every regrade."""

    student: str
    assignment: str
    question: str
    score: float
    reason: str


def read_overrides(path: Path) -> list[Override]:
    """``student,assignment,question,score,reason`` lines (a header line first)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Override(r["student"].strip(), r["assignment"].strip(), r["question"].strip(), float(r["score"]),
                         clean(r.get("reason") or "", 160)) for r in csv.DictReader(handle)]


def merge(old: Iterable[GradeRow], new: Iterable[GradeRow], questions: Iterable[str] = ()) -> list[GradeRow]:
    """The old gradebook with the newly graded rows in place: every row of a student's assignment that was
    graded again, or only the rows of ``questions`` (the totals are then recomputed by :func:`finalize`)."""
    new = list(new)
    only = set(questions)
    regraded = {(row.student, row.assignment) for row in new}
    kept = [row for row in old if (row.student, row.assignment) not in regraded or (only and row.question not in only)]
    totals = {row.key for row in kept if row.question == "total"}
    fresh = [row for row in new if not only or row.question in only
             or (row.question == "total" and row.key not in totals)]
    return order([*kept, *fresh])


def late_penalty(submitted: str, deadline: datetime | None, percent_per_day: float) -> tuple[float, str]:
    """The fraction taken off for a submission after ``deadline``: ``percent_per_day`` per started day."""
    if deadline is None or not submitted or not percent_per_day:
        return 0.0, ""
    late = datetime.fromisoformat(submitted.replace("Z", "+00:00")) - deadline
    if late.total_seconds() <= 0:
        return 0.0, ""
    days = math.ceil(late.total_seconds() / 86400)
    fraction = min(1.0, days * percent_per_day / 100)
    hours = late.total_seconds() / 3600
    return fraction, f"late by {hours:.1f} h: -{fraction * 100:g} %"


def finalize(rows: Iterable[GradeRow], overrides: Iterable[Override] = (), deadline: datetime | None = None,
             percent_per_day: float = 0.0) -> list[GradeRow]:
    """Apply the overrides to question rows, then recompute every total (sum, late penalty)."""
    table = {(o.student, o.assignment, o.question): o for o in overrides}
    questions: list[GradeRow] = []
    totals: dict[tuple[str, str, str], GradeRow] = {}
    for row in rows:
        if row.question == "total":
            totals[row.key] = row
            continue
        override = table.get((row.student, row.assignment, row.question))
        if override is not None:
            graded = row.score if row.status != "override" else _graded_before(row)
            row = replace(row, score=override.score, status="override",
                          adjustment=f"manual: {override.reason} (the grader gave {_number(graded)})")
        questions.append(row)
    finished = list(questions)
    for key, total in totals.items():
        own = [row for row in questions if row.key == key]
        raw = sum(row.score for row in own) if own else total.score
        fraction, note = late_penalty(total.submitted, deadline, percent_per_day)
        overridden = [row.question for row in own if row.status == "override"]
        notes = [note] if note else []
        if overridden:
            notes.append("manual override of " + ", ".join(overridden))
        finished.append(replace(total, score=round(raw * (1 - fraction), 2), adjustment="; ".join(notes)))
    return order(finished)


def _graded_before(row: GradeRow) -> float:
    """What the grader gave before an earlier override (kept in the adjustment text)."""
    text = row.adjustment.rsplit("(the grader gave ", 1)[-1].rstrip(")")
    try:
        return float(text)
    except ValueError:
        return row.score


def utc(timestamp: float) -> str:
    """A file time as the gradebook writes it: ISO 8601, UTC, seconds."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
