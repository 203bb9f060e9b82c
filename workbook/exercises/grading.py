"""Build student versions from the otter masters, and grade a class's submissions into a CSV gradebook.

Build: ``otter assign`` turns each master ``exercises/NN_slug.ipynb`` into a
student notebook (solutions replaced by ``...``, public tests only) and an
autograder folder (public and hidden tests). The build then writes one copy
per student of a roster with ``STUDENT_ID`` filled in, and asserts that no
student file holds a solution or a hidden test.

Grade: each submission is executed in a sandboxed child (see
:mod:`workbook.exercises.sandbox`) that reports its answers as plain data;
the grading worker, which never runs student code, then runs the otter test
files (``otter.test_files``) against those answers with the variant
re-created from the student's identifier. Workers run in parallel, one per
``--jobs``.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook.exercises import ASSIGNMENTS, load
from workbook.exercises.core import Unreadable
from workbook.exercises.sandbox import Limits, RunResult, run_submission

__all__ = ["GradeRow", "build", "find_submissions", "grade", "grade_one"]

STUDENT_LINE = re.compile(r'^STUDENT_ID\s*=\s*(["\']).*?\1', re.MULTILINE)
MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024
FIELDS = ("student", "assignment", "question", "score", "possible", "status", "explanation")
#: Text that marks solutions or hidden tests; none may appear in a student file.
FORBIDDEN = ("# SOLUTION", "BEGIN SOLUTION", "END SOLUTION", "hidden: true", "'hidden': True", "BEGIN TEST CONFIG",
             "# HIDDEN")


# --- build ----------------------------------------------------------------------------------------------------------


def _otter() -> list[str]:
    candidate = Path(sys.executable).with_name("otter")
    return [str(candidate)] if candidate.exists() else [sys.executable, "-m", "otter"]


def set_student(notebook_text: str, student: str) -> str:
    """The student notebook with ``STUDENT_ID = "<student>"`` in its first code cell."""
    data = json.loads(notebook_text)
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = STUDENT_LINE.sub(lambda m: f"STUDENT_ID = {json.dumps(student)}", source, count=1)
            break
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def check_student_files(folder: Path) -> list[str]:
    """Every place a solution or hidden test leaks into ``folder``; the build fails unless it is empty."""
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            leaks += [f"{path}: {marker!r}" for marker in FORBIDDEN if marker in text]
    return leaks


def build(masters: Path, out: Path, roster: list[str] | None = None, assignments: list[str] | None = None,
          quiet: bool = False) -> dict[str, Path]:
    """Run ``otter assign`` on each master; write per-student copies; return assignment -> its folder.

    Rebuilding replaces the output folder of each assignment, so a build is idempotent.
    """
    built = {}
    for master in sorted(masters.glob("[0-9][0-9]_*.ipynb")):
        name = master.stem
        if name not in ASSIGNMENTS or (assignments and name not in assignments):
            continue
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        run = subprocess.run([*_otter(), "assign", str(master), str(target)], capture_output=True, text=True,
                             check=False)
        if run.returncode:
            raise RuntimeError(f"otter assign {master} failed:\n{run.stdout}\n{run.stderr}")
        for zipped in (target / "autograder").glob("*.zip"):
            zipped.unlink()  # the Gradescope zip is not used; the tests folder is
        student_dir = target / "student"
        notebook = student_dir / f"{name}.ipynb"
        data = json.loads(notebook.read_text())
        data["metadata"]["workbook_exercise"] = {"assignment": name}
        generic = set_student(json.dumps(data), "")
        notebook.write_text(generic)
        for student in roster or []:
            copy = target / "students" / student / f"{name}.ipynb"
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(set_student(generic, student))
        leaks = check_student_files(student_dir) + check_student_files(target / "students")
        if leaks:
            raise RuntimeError("solutions or hidden tests in student files:\n" + "\n".join(leaks))
        os.chmod(target / "autograder", 0o700)
        built[name] = target
        if not quiet:
            print(f"built {name}: {notebook}" + (f" and {len(roster)} student copies" if roster else ""))
    return built


# --- grading --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeRow:
    student: str
    assignment: str
    question: str
    score: float
    possible: float
    status: str
    explanation: str

    def as_row(self) -> dict[str, Any]:
        return {"student": self.student, "assignment": self.assignment, "question": self.question,
                "score": _number(self.score), "possible": _number(self.possible), "status": self.status,
                "explanation": self.explanation}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


@dataclass(frozen=True)
class Submission:
    path: Path
    student: str
    assignment: str | None


def _assignment_of(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        data = json.loads(path.read_text())
        name = data["metadata"]["workbook_exercise"]["assignment"]
        return name if name in ASSIGNMENTS else None
    except Exception:
        return None


def find_submissions(folder: Path, assignment: str | None = None) -> list[Submission]:
    """Submissions as ``FOLDER/<student>/<assignment>.ipynb`` or ``FOLDER/<student>.<anything>``.

    In the flat layout the assignment comes from ``--assignment`` or the notebook's metadata.
    """
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        relative = path.relative_to(folder)
        if len(relative.parts) >= 2 and path.stem in ASSIGNMENTS:
            found.append(Submission(path, relative.parts[0], path.stem))
        elif len(relative.parts) == 1:
            found.append(Submission(path, path.name.split(".")[0], assignment or _assignment_of(path)))
    return found


def _answer_variables(assignment: str) -> tuple[list[str], list[tuple[str, str]]]:
    exercise = load(assignment, "-")
    values = [q.variable for q in exercise.questions if q.kind != "code"]
    code = [(q.name, q.variable) for q in exercise.questions if q.kind == "code"]
    return values, code


def _zero_rows(submission: Submission, assignment: str, status: str, why: str) -> list[GradeRow]:
    exercise = load(assignment, submission.student)
    rows = [GradeRow(submission.student, assignment, q.name, 0, q.points, status, why) for q in exercise.questions]
    return [*rows, GradeRow(submission.student, assignment, "total", 0, exercise.possible, status, why)]


def _read_notebook(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"the file is {size} bytes, more than a notebook of this exercise can be"
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, f"not a notebook: {type(error).__name__}: {str(error)[:120]}"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "not a notebook: the JSON has no list of cells"
    import nbformat

    try:
        with warnings.catch_warnings():  # a missing cell id is no reason to refuse a submission
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.from_dict(data))
    except Exception as error:
        return None, f"not a valid notebook: {str(error).splitlines()[0][:160]}"
    return data, ""


def _claimed_student(notebook: dict[str, Any]) -> str | None:
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            match = re.search(r'^STUDENT_ID\s*=\s*(["\'])(.*?)\1', source, re.MULTILINE)
            return match.group(2) if match else None
    return None


def grade_one(submission: Submission, tests: dict[str, Path], hide: list[str], limits: Limits) -> list[GradeRow]:
    """Grade one submission: rows for each question and a total; never raises for a bad submission."""
    assignment = submission.assignment
    if assignment is None or assignment not in tests:
        why = ("cannot tell which assignment this is: name it <student>/<assignment>.ipynb or pass --assignment"
               if assignment is None else f"assignment {assignment!r} has no built tests")
        return [GradeRow(submission.student, assignment or "?", "total", 0, 0, "not graded", why)]
    notebook, why = _read_notebook(submission.path)
    if notebook is None:
        return _zero_rows(submission, assignment, "not a notebook", why)
    values, code = _answer_variables(assignment)
    run = run_submission(notebook, assignment, submission.student, values, code, hide, limits)
    return _score(submission, assignment, notebook, run, tests[assignment], limits)


def _score(submission: Submission, assignment: str, notebook: dict[str, Any], run: RunResult, tests_dir: Path,
           limits: Limits) -> list[GradeRow]:
    from otter.test_files import OKTestFile

    exercise = load(assignment, submission.student)
    env: dict[str, Any] = {"ex": exercise}
    for name, reported in run.answers.items():
        if isinstance(reported, dict) and "value" in reported:
            env[name] = reported["value"]
        elif isinstance(reported, dict):
            env[name] = Unreadable(str(reported.get("error", "unreadable")))
    for name, results in run.probes.items():
        env[name] = {"probes": results} if isinstance(results, list) else Unreadable("no results")
    notes = []
    claimed = _claimed_student(notebook)
    if claimed is not None and claimed != submission.student:
        notes.append(f"the notebook's STUDENT_ID is {claimed!r}; graded as {submission.student!r}'s variant")
    if run.timed_out:
        notes.append(f"stopped at the {limits.seconds:g} s time limit after cell {run.cells_run}; "
                     "answers given before then were graded")
    elif run.exit_note:
        notes.append(run.exit_note + f" after cell {run.cells_run}; answers given before then were graded")
    rows = []
    total = 0.0
    for question in exercise.questions:
        test = OKTestFile.from_file(str(tests_dir / f"{question.name}.py"))
        test.run(dict(env))
        score = float(test.score)
        answer = env.get(question.variable, Ellipsis)
        feedback = exercise.feedback(question.name, answer)
        if question.variable not in env:
            status, explanation = "no answer", f"{question.variable} was never set"
            if run.errors:
                explanation += f" ({run.errors[0]})"
        else:
            status, explanation = feedback.status, feedback.message
        if (score and not feedback.ok) or (not score and feedback.ok):
            status, explanation = "review", f"the otter test and the check disagree ({feedback})"
        total += score
        rows.append(GradeRow(submission.student, assignment, question.name, score, test.possible, status,
                             explanation))
    summary = "; ".join(notes + [f"{len(run.errors)} cell(s) raised"] * bool(run.errors))
    rows.append(GradeRow(submission.student, assignment, "total", total, exercise.possible,
                         "graded", summary))
    return rows


# Worker processes ------------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _warm(tests: dict[str, Path], hide: list[str], limits: Limits) -> None:
    """Import everything a child needs once per worker, so each fork starts warm."""
    import IPython.core.inputtransformer2  # noqa: F401
    import nbformat  # noqa: F401
    import otter.test_files  # noqa: F401

    for assignment in tests:
        load(assignment, "warm-up")
    _WORKER.update(tests=tests, hide=hide, limits=limits)


def _work(submission: Submission) -> list[GradeRow]:
    try:
        return grade_one(submission, _WORKER["tests"], _WORKER["hide"], _WORKER["limits"])
    except Exception as error:  # a grader bug must not stop the class
        return [GradeRow(submission.student, submission.assignment or "?", "total", 0, 0, "grader error",
                         f"{type(error).__name__}: {error}")]


def _progress(done: int, total: int, started: float, stream: Any) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.monotonic() - started
    rate = done / elapsed * 60 if elapsed else 0.0
    stream.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:5.1f}/min")
    if done == total:
        stream.write("\n")
    stream.flush()


def grade(folder: Path, dist: Path, out: Path | None = None, jobs: int = 2, assignment: str | None = None,
          limits: Limits | None = None, hide: list[str] | None = None, progress: Any = sys.stderr
          ) -> list[GradeRow]:
    """Grade every submission in ``folder`` against the tests built in ``dist``; write ``out`` as CSV."""
    limits = limits or Limits()
    tests = {name: dist / name / "autograder" / "tests" for name in ASSIGNMENTS
             if (dist / name / "autograder" / "tests").is_dir()}
    if not tests:
        raise FileNotFoundError(f"no built exercises in {dist}: run `python -m workbook.exercises build` first")
    submissions = find_submissions(folder, assignment)
    masters = Path(__file__).resolve().parents[2] / "exercises"
    hidden = [str(p.resolve()) for p in (folder, dist, masters) if p.is_dir()] + list(hide or [])
    if out is not None:
        hidden.append(str(out.resolve().parent))
    hidden = _hideable(hidden)
    rows: list[GradeRow] = []
    started = time.monotonic()
    # Workers come from a fresh single-threaded server: forking the caller itself can deadlock when it
    # runs threads (pytest-xdist, Jupyter); each worker then forks its sandboxes safely.
    context = multiprocessing.get_context("forkserver")
    with context.Pool(max(1, jobs), initializer=_warm, initargs=(tests, hidden, limits), maxtasksperchild=50) as pool:
        for done, result in enumerate(pool.imap_unordered(_work, submissions), start=1):
            rows += result
            if progress is not None:
                _progress(done, len(submissions), started, progress)
    order = {name: i for i, name in enumerate(["q" + str(n) for n in range(1, 20)] + ["total"])}
    rows.sort(key=lambda r: (r.student, r.assignment, order.get(r.question, 99), r.question))
    if out is not None:
        write_csv(rows, out)
    return rows


def _hideable(paths: list[str]) -> list[str]:
    """The folders that may be covered in the child: none that holds Python, the engine, or the temp folder."""
    needed = [Path(p).resolve() for p in sys.path if p] + [Path(__file__).resolve().parents[1], Path(sys.prefix)]
    needed.append(Path(tempfile.gettempdir()).resolve())
    keep = []
    for path in dict.fromkeys(paths):
        resolved = Path(path).resolve()
        if resolved == Path("/") or any(resolved == n or resolved in n.parents for n in needed):
            continue
        keep.append(str(resolved))
    return keep


def write_csv(rows: list[GradeRow], out: Path) -> None:
    """Write the gradebook atomically: a re-run with the same submissions writes the same bytes."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_row())
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(buffer.getvalue())
    temporary.replace(out)
