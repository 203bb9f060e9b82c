"""Grade a class's submissions into a CSV gradebook (grader only).

Each submission runs in a sandbox of its own (:mod:`.sandbox`) that
reports the answers as typed and what its code did; the grading worker, which
never runs student code, runs the otter test files (``otter.test_files``)
against the typed answers with the variant re-created from the student's
identifier. Workers run in parallel, one per ``--jobs``, each with its own
zygote and user id.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.core import Unreadable, clean, identity, quote
from workbook.exercises.gradebook import GradeRow, Override, finalize, merge, order, read_csv, write_csv
from workbook.exercises.isolation import Mode
from workbook.exercises.sandbox import Limits, RunResult, Sandbox, user_ids
from workbook.exercises.submissions import MAX_NOTEBOOK_BYTES, Submission, find_submissions

__all__ = ["Policy", "check_output", "default_gradebook", "grade", "grade_one"]

ROOT = Path(__file__).resolve().parents[2]


# --- grading one submission -----------------------------------------------------------------------------------------


def _rows(submission: Submission, assignment: str, status: str, why: str) -> list[GradeRow]:
    exercise = load(assignment, submission.student)
    common = {"submitted": submission.submitted, "notebook": submission.notebook}
    rows = [GradeRow(submission.student, assignment, q.name, 0, q.points, status, clean(why, 300), **common)
            for q in exercise.questions]
    notes = "; ".join([why, *submission.notes])
    return [*rows, GradeRow(submission.student, assignment, "total", 0, exercise.possible, status,
                            clean(notes, 600), **common)]


def _read_notebook(path: Path) -> tuple[dict[str, Any] | None, str]:
    if path.is_symlink():
        return None, "not a notebook: a link, not a file (links are never followed)"
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"the file is {size} bytes, more than a notebook of this exercise can be"
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        return None, f"not a notebook: {type(error).__name__}: {clean(error, 120)}"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "not a notebook: the JSON has no list of cells"
    import nbformat

    try:
        with warnings.catch_warnings():  # a missing cell id is no reason to refuse a submission
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.from_dict(data))
    except Exception as error:
        return None, f"not a valid notebook: {clean(str(error).splitlines()[0], 160)}"
    return data, ""


def code_cells(notebook: dict[str, Any]) -> list[str]:
    cells = []
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


@dataclass
class Graded:
    """What a worker sends back for one submission: its rows and the digests of its answers."""

    rows: list[GradeRow]
    assignment: str = ""
    fingerprints: dict[str, str] = field(default_factory=dict)


def grade_one(submission: Submission, tests: dict[str, Path], sandbox: Sandbox, limits: Limits) -> Graded:
    """Grade one submission: rows for each question and a total; never raises for a bad submission."""
    assignment = submission.assignment
    if assignment is None or assignment not in tests:
        why = ("cannot tell which assignment this is: name it <student>/<assignment>.ipynb or pass --assignment"
               if assignment is None else f"assignment {assignment!r} has no built tests")
        return Graded([GradeRow(submission.student, assignment or "?", "total", 0, 0, "not graded", why,
                                submitted=submission.submitted, notebook=submission.notebook)])
    notebook, why = _read_notebook(submission.path)
    if notebook is None:
        return Graded(_rows(submission, assignment, "not a notebook", why), assignment)
    exercise = load(assignment, submission.student)
    variables = [q.variable for q in exercise.questions if q.kind != "code"]
    functions = [(q.name, q.variable, q.forbid) for q in exercise.questions if q.kind == "code"]
    run = sandbox.run(code_cells(notebook), assignment, submission.student, variables, functions, limits)
    rows = _score(submission, assignment, run, tests[assignment], limits)
    return Graded(rows, assignment, dict(run.static.get("fingerprints") or {}))


_ABSENT = object()


def _typed(question_variable: str, static: dict[str, Any], run: RunResult) -> Any:
    """The answer to grade: the value typed in the source, if the notebook really reached it unchanged."""
    found = static.get(question_variable)
    if not isinstance(found, dict):
        return _ABSENT
    cell = found.get("cell")
    if found.get("blank"):
        return Unreadable(f"no answer: replace the ... of {question_variable} (cell {cell}) with your answer")
    if "computed" in found:
        return Unreadable(f"computed, not typed: cell {cell} sets {question_variable} = "
                          f"{clean(found['computed'], 60)}; the grader takes only answers typed as values "
                          f"({question_variable} = <the value itself>)")
    reported = run.answers.get(question_variable)
    if not isinstance(reported, dict):
        if run.cells_run < (cell or 0):
            return Unreadable(f"no answer: the notebook stopped before cell {cell}, which sets it")
        return Unreadable(f"no answer: cell {cell} raised before setting it")
    if "error" in reported:
        return Unreadable(clean(reported["error"], 200))
    if reported.get("value") != found.get("typed"):
        return Unreadable(f"the notebook's code changed {question_variable} after cell {cell} typed it")
    return found["typed"]


def _score(submission: Submission, assignment: str, run: RunResult, tests_dir: Path, limits: Limits
           ) -> list[GradeRow]:
    from otter.test_files import OKTestFile

    exercise = load(assignment, submission.student)
    static = run.static.get("answers") or {}
    forbidden = run.static.get("forbidden") or {}
    unwritten = run.static.get("unwritten") or []
    env: dict[str, Any] = {"ex": exercise}
    for question in exercise.questions:
        if question.kind == "code":
            results = run.probes.get(question.variable)
            if isinstance(results, list) and question.name not in forbidden and question.variable not in unwritten:
                env[question.variable] = {"probes": results}
        else:
            answer = _typed(question.variable, static, run)
            if answer is not _ABSENT:
                env[question.variable] = answer
    notes = _notes(submission, run, limits)
    common = {"submitted": submission.submitted, "notebook": submission.notebook}
    rows = []
    for question in exercise.questions:
        test = OKTestFile.from_file(str(tests_dir / f"{question.name}.py"))
        test.run(dict(env))
        score = float(test.score)
        feedback = exercise.graded.get(question.name)
        answer = env.get(question.variable, Ellipsis)
        shown = "" if question.kind == "code" or isinstance(answer, Unreadable) or answer is Ellipsis \
            else quote(answer, 60)
        if question.name in forbidden:
            names = ", ".join(forbidden[question.name])
            status, explanation = "wrong", (f"{question.variable} calls {names}, which {question.name} forbids "
                                            "(the grader ran it with that call unavailable)")
        elif question.variable in unwritten:
            status, explanation = "no answer", f"write the body of {question.variable} (it is still ...)"
        elif question.variable not in env:
            status, explanation = "no answer", f"{question.variable} was never set"
            if question.kind == "code":
                explanation = f"the function {question.variable} was never defined (or never ran)"
            if run.errors:
                explanation += f" ({clean(run.errors[0], 160)})"
        elif feedback is None:
            local = exercise.feedback(question.name, answer)
            status, explanation = local.status, local.message
            if local.ok or score:
                status, explanation = "review", "the hidden test did not grade this answer; check the test file"
        else:
            status, explanation = feedback.status, feedback.message
            if bool(score) != feedback.ok:
                status, explanation = "review", f"the otter test and the check disagree ({feedback})"
        rows.append(GradeRow(submission.student, assignment, question.name, score, test.possible, status,
                             clean(explanation, 300), shown, **common))
    missed = Counter(r.status for r in rows if r.score < r.possible)
    if missed:
        notes.insert(0, "questions " + ", ".join(f"{status}: {count}" for status, count in sorted(missed.items())))
    rows.append(GradeRow(submission.student, assignment, "total", sum(r.score for r in rows), exercise.possible,
                         "graded", clean("; ".join(notes), 600), **common))
    return rows


def _notes(submission: Submission, run: RunResult, limits: Limits) -> list[str]:
    notes = list(submission.notes)
    claimed = (run.static.get("answers") or {}).get("STUDENT_ID")
    if isinstance(claimed, dict) and isinstance(claimed.get("typed"), str) \
            and identity(claimed["typed"]) not in ("", submission.student):
        notes.append(f"the notebook's STUDENT_ID is {quote(identity(claimed['typed']), 40)}; graded as "
                     f"{quote(submission.student, 40)}'s variant")
    if run.timed_out:
        notes.append(f"stopped at the {limits.seconds:g} s time limit after cell {run.cells_run}; "
                     "answers it reached were graded")
    elif run.exit_note:
        notes.append(f"{run.exit_note} after cell {run.cells_run}; answers it reached were graded")
    if run.errors:
        notes.append(f"{len(run.errors)} cell(s) raised, the first: {clean(run.errors[0], 160)}")
    if run.static.get("unparsable"):
        notes.append(f"cells that are not Python: {', '.join(map(str, run.static['unparsable'][:10]))}")
    return notes


# --- the class ------------------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _warm(tests: dict[str, Path], secrets: list[str], containers: list[str], limits: Limits, uids: Any,
          mode: str | None) -> None:
    """Per worker: its user id, its zygote, and otter imported once."""
    import otter.test_files  # noqa: F401

    for assignment in tests:
        load(assignment, "warm-up")
    _WORKER.update(tests=tests, limits=limits,
                   sandbox=Sandbox(uids.get(), Mode(mode) if mode else None, secrets, containers))


def _work(submission: Submission) -> Graded:
    try:
        return grade_one(submission, _WORKER["tests"], _WORKER["sandbox"], _WORKER["limits"])
    except Exception as error:  # a grader bug must not stop the class
        return Graded([GradeRow(submission.student, submission.assignment or "?", "total", 0, 0, "grader error",
                                clean(f"{type(error).__name__}: {error}", 300), submitted=submission.submitted,
                                notebook=submission.notebook)])


def _progress(done: int, total: int, started: float, stream: Any) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.monotonic() - started
    rate = done / elapsed * 60 if elapsed else 0.0
    stream.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:5.1f}/min")
    if done == total:
        stream.write("\n")
    stream.flush()


def default_gradebook() -> Path:
    """Where a gradebook goes when no ``--out`` is given: a course folder in the instructor's home."""
    return Path.home() / "ip-workbook-grades" / "gradebook.csv"


def _project_root() -> Path | None:
    """The checkout the workbook runs from (None for an installed wheel)."""
    return ROOT if (ROOT / "workbook").is_dir() and (ROOT / "pyproject.toml").exists() else None


def check_output(out: Path, folder: Path, dist: Path) -> None:
    """A gradebook is never written where a submission, the build or the repository keeps files."""
    target = out.resolve()
    for place, what in ((folder, "the submissions folder"), (dist, "the build output"),
                        (_project_root(), "the project's checkout")):
        if place is not None and target.is_relative_to(place.resolve()):
            raise ValueError(f"the gradebook {out} would be inside {what} ({place}); write it to a course folder "
                             f"outside, e.g. --out {default_gradebook()}")


def _secrets(folder: Path, dist: Path, out: Path | None) -> tuple[list[str], list[str]]:
    """What no sandbox may see: the submissions, the build, the masters, .git, the gradebook's folder."""
    secrets = [folder, dist]
    project = _project_root()
    containers: list[Path] = []
    if project is not None:
        containers.append(project)
        secrets += [project / "instructor", project / ".git"]
        git = project / ".git"
        if git.is_file():  # a worktree: .git names the real folder
            text = git.read_text().strip()
            if text.startswith("gitdir:"):
                real = (project / text.split(":", 1)[1].strip()).resolve()
                secrets += [real, real.parents[1]]
    if out is not None:
        secrets.append(out.parent)
    return [str(p.resolve()) for p in secrets], [str(p.resolve()) for p in containers]


@dataclass(frozen=True)
class Policy:
    """How a class is graded beyond the tests: several notebooks, times, deadline, penalty, overrides, roster."""

    several: str = "latest"
    manifest: dict[tuple[str, str], str] = field(default_factory=dict)
    deadline: datetime | None = None
    late_percent_per_day: float = 0.0
    overrides: tuple[Override, ...] = ()
    roster: tuple[str, ...] = ()


def grade(folder: Path, dist: Path, out: Path | None = None, jobs: int = 2, assignment: str | None = None,
          limits: Limits | None = None, progress: Any = sys.stderr, policy: Policy | None = None,
          students: Iterable[str] = (), questions: Iterable[str] = (), mode: Mode | None = None) -> list[GradeRow]:
    """Grade every submission in ``folder`` against the tests built in ``dist``; write ``out`` as CSV.

    ``students`` and ``questions`` restrict a regrade; with an existing ``out``, the new rows are merged into it
    (only those questions' rows, when given). Overrides and the late penalty are applied to every total.
    """
    from workbook.exercises import cgroups

    limits = limits or Limits()
    policy = policy or Policy()
    if out is not None:
        check_output(out, folder, dist)
    tests = {name: dist / name / "autograder" / "tests" for name in ASSIGNMENTS
             if (dist / name / "autograder" / "tests").is_dir()}
    if not tests:
        raise FileNotFoundError(f"no built exercises in {dist}: run `python -m workbook.exercises build` first")
    wanted = {identity(s) for s in students}
    submissions = [s for s in find_submissions(folder, assignment, policy.several, policy.manifest)
                   if not wanted or s.student in wanted]
    secrets, containers = _secrets(folder, dist, out)
    cgroups.remove_stale()
    graded: list[Graded] = []
    started = time.monotonic()
    # Workers come from a fresh single-threaded server: forking the caller itself can deadlock when it
    # runs threads (pytest-xdist, Jupyter); each worker then starts its own zygote.
    context = multiprocessing.get_context("forkserver")
    workers = max(1, min(jobs, len(submissions) or 1))
    with user_ids(workers) as first_uid:
        uids = context.Queue()
        for slot in range(workers):
            uids.put(first_uid + slot)
        with context.Pool(workers, initializer=_warm,
                          initargs=(tests, secrets, containers, limits, uids, mode.value if mode else None)) as pool:
            for done, result in enumerate(pool.imap_unordered(_work, submissions), start=1):
                graded.append(result)
                if progress is not None:
                    _progress(done, len(submissions), started, progress)
    rows = [row for result in graded for row in result.rows]
    rows = _flag_similar(graded, dist, rows)
    if not wanted:  # a regrade of some students says nothing about the others
        rows += _missing(policy.roster, rows, tests)
    if out is not None and out.exists() and (wanted or questions):
        rows = merge(read_csv(out), rows, questions)
    rows = finalize(rows, policy.overrides, policy.deadline, policy.late_percent_per_day)
    if out is not None:
        write_csv(rows, out)
    return order(rows)


def _missing(roster: Iterable[str], rows: list[GradeRow], tests: dict[str, Path]) -> list[GradeRow]:
    """With a roster: a zero total for each student without a submission, and a note for each not on it."""
    roster = [identity(s) for s in roster]
    if not roster:
        return []
    seen = {(r.student, r.assignment) for r in rows}
    assignments = sorted({r.assignment for r in rows if r.assignment in tests} or tests)
    extra = [GradeRow(student, assignment, "total", 0, load(assignment, student).possible, "no submission",
                      "on the roster, but no notebook for this assignment was found")
             for student in roster for assignment in assignments if (student, assignment) not in seen]
    strangers = {r.student for r in rows} - set(roster)
    if strangers:
        rows[:] = [replace(r, explanation=clean("; ".join(filter(None, [r.explanation, "not on the roster"])), 600))
                   if r.question == "total" and r.student in strangers else r for r in rows]
    return extra


def _flag_similar(graded: list[Graded], dist: Path, rows: list[GradeRow]) -> list[GradeRow]:
    """Label the submissions whose answer cells are identical after normalisation (blank answers left out)."""
    from workbook.exercises.literals import fingerprint, parse_cells

    blank: dict[str, dict[str, str]] = {}
    groups: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for result in graded:
        if not result.fingerprints or not result.rows:
            continue
        assignment = result.assignment
        if assignment not in blank:
            student = dist / assignment / "student" / f"{assignment}.ipynb"
            cells = code_cells(json.loads(student.read_text())) if student.exists() else []
            exercise = load(assignment, "-")
            blank[assignment] = fingerprint(parse_cells(cells), [q.variable for q in exercise.questions], [])
        answered = {k: v for k, v in result.fingerprints.items() if blank[assignment].get(k) != v}
        if len(answered) >= 2:
            total = result.rows[-1]
            groups[(assignment, tuple(sorted(answered.items())))].append((total.student, total.notebook))
    labels: dict[tuple[str, str, str], str] = {}
    number = 0
    for (assignment, _), members in sorted(groups.items(), key=lambda item: sorted(item[1])):
        if len({student for student, _ in members}) > 1:
            number += 1
            for student, notebook in members:
                labels[(student, assignment, notebook)] = f"S{number} ({len(members)} submissions)"
    return [replace(r, similar=labels[r.key]) if r.question == "total" and r.key in labels else r for r in rows]
