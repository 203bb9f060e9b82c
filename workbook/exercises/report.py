"""What an instructor reads after grading: statistics, common mistakes, feedback per student, LMS exports.

``python -m workbook.exercises report gradebook.csv`` writes, into
``gradebook-report/`` (every file readable by its owner only):

* ``summary.md``: per assignment and question the number graded, the mean and
  the spread of scores, how many were right, wrong, unanswered or computed; the
  distribution of totals; the most common wrong answers and the most common
  hints, grouped; submissions flagged as similar, late or several; rows to review;
* ``scores.png``: each question's mean score and the distribution of totals (matplotlib);
* ``feedback/<student>/<assignment>.md``: each question's result and hint, for the student;
* ``canvas.csv``: Canvas's gradebook import format (``Student, ID, SIS User ID,
  SIS Login ID, Section``, then one column per assignment, a ``Points Possible``
  row first); the identifier goes in the SIS columns;
* ``gradescope.txt``: where otter's Gradescope autograder zip of each assignment is
  (``build`` keeps it in ``dist/NN_slug/autograder/``).
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from workbook.exercises.core import clean
from workbook.exercises.gradebook import GradeRow, read_csv, write_private
from workbook.exercises.roster import check_identifier

__all__ = ["report"]

COMMON = 5


def _md(text: str) -> str:
    """Text for a Markdown table cell: no pipes, no markup that runs."""
    return clean(text, 200).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _totals(rows: list[GradeRow]) -> list[GradeRow]:
    return [r for r in rows if r.question == "total"]


def _questions(rows: list[GradeRow], assignment: str) -> list[str]:
    names = {r.question for r in rows if r.assignment == assignment and r.question != "total"}
    return sorted(names, key=lambda q: (int(q[1:]) if q[1:].isdigit() else 999, q))


def _histogram(values: list[float], possible: float, bins: int = 5) -> str:
    if not values or not possible:
        return ""
    counts = Counter(min(bins - 1, int(v / possible * bins)) for v in values)
    parts = []
    for b in range(bins):
        low, high = possible * b / bins, possible * (b + 1) / bins
        parts.append(f"{low:g}–{high:g}: {counts.get(b, 0)}")
    return ", ".join(parts)


def summary(rows: list[GradeRow], zips: dict[str, list[Path]]) -> str:
    lines = ["# Grading report", ""]
    for assignment in sorted({r.assignment for r in rows}):
        mine = [r for r in rows if r.assignment == assignment]
        totals = [r for r in _totals(mine) if r.status in ("graded", "not a notebook")]
        possible = max((r.possible for r in _totals(mine)), default=0)
        lines += [f"## {assignment}", ""]
        if totals:
            scores = [r.score for r in totals]
            lines += [f"{len(totals)} submissions graded; total mean {statistics.mean(scores):.2f} of {possible:g}, "
                      f"median {statistics.median(scores):g}; distribution {_histogram(scores, possible)}.", ""]
        lines += ["| question | graded | mean | spread (sd) | right | wrong | no answer | computed | other |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for question in _questions(mine, assignment):
            own = [r for r in mine if r.question == question]
            scores = [r.score for r in own]
            status = Counter(r.status for r in own)
            other = len(own) - sum(status[s] for s in ("right", "wrong", "no answer", "computed"))
            sd = statistics.pstdev(scores) if len(scores) > 1 else 0.0
            lines.append(f"| {question} | {len(own)} | {statistics.mean(scores):.2f} / {own[0].possible:g} | "
                         f"{sd:.2f} | {status['right']} | {status['wrong']} | {status['no answer']} | "
                         f"{status['computed']} | {other} |")
        lines += ["", "### Common mistakes", ""]
        for question in _questions(mine, assignment):
            wrong = [r for r in mine if r.question == question and r.status == "wrong"]
            if not wrong:
                continue
            answers = Counter(r.answer for r in wrong if r.answer).most_common(COMMON)
            hints = Counter(r.explanation for r in wrong if r.explanation).most_common(COMMON)
            lines.append(f"**{question}**: {len(wrong)} wrong")
            lines += [f"- answer `{_md(answer)}` × {count}" for answer, count in answers]
            lines += [f"- hint × {count}: {_md(hint)}" for hint, count in hints]
            lines.append("")
        flagged = [r for r in _totals(mine) if r.similar or r.adjustment or "notebooks" in r.explanation]
        if flagged:
            lines += ["### Flagged submissions", "", "| student | notebook | similar | adjustment | notes |",
                      "| --- | --- | --- | --- | --- |"]
            lines += [f"| {_md(r.student)} | {_md(r.notebook)} | {_md(r.similar)} | {_md(r.adjustment)} | "
                      f"{_md(r.explanation)} |" for r in sorted(flagged, key=lambda r: (r.similar, r.student))]
            lines.append("")
        review = [r for r in mine if r.status in ("review", "grader error")]
        if review:
            lines += ["### To review", ""]
            lines += [f"- {_md(r.student)} {r.question}: {_md(r.explanation)}" for r in review]
            lines.append("")
        for path in zips.get(assignment, []):
            lines += [f"Gradescope autograder (otter): `{path}`", ""]
    return "\n".join(lines) + "\n"


def feedback(rows: list[GradeRow], student: str, assignment: str) -> str:
    mine = [r for r in rows if r.student == student and r.assignment == assignment]
    total = next((r for r in mine if r.question == "total"), None)
    lines = [f"# {assignment}: feedback for {_md(student)}", ""]
    if total is not None:
        lines += [f"**Total: {total.score:g} of {total.possible:g}**" + (f" ({_md(total.adjustment)})"
                                                                        if total.adjustment else ""), ""]
        if total.explanation:
            lines += [_md(total.explanation), ""]
    lines += ["| question | score | result | hint |", "| --- | --- | --- | --- |"]
    for row in mine:
        if row.question != "total":
            lines.append(f"| {row.question} | {row.score:g} / {row.possible:g} | {row.status} | "
                         f"{_md(row.explanation)} |")
    return "\n".join(lines) + "\n"


def canvas(rows: list[GradeRow]) -> list[list[str]]:
    """Canvas's gradebook import: one row per student, one column per assignment, a Points Possible row first."""
    totals = _totals(rows)
    assignments = sorted({r.assignment for r in totals})
    possible = {a: max(r.possible for r in totals if r.assignment == a) for a in assignments}
    best: dict[tuple[str, str], float] = defaultdict(float)
    for row in totals:
        best[(row.student, row.assignment)] = max(best[(row.student, row.assignment)], row.score)
    table = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments],
             ["Points Possible", "", "", "", "", *(f"{possible[a]:g}" for a in assignments)]]
    for student in sorted({r.student for r in totals}):
        table.append([student, "", student, student, "",
                      *(f"{best[(student, a)]:g}" if (student, a) in best else "" for a in assignments)])
    return table


def _folder_name(student: str) -> str:
    """A safe folder for a student's feedback: the identifier itself when it is one, else a digest of it."""
    return student if not check_identifier(student) else "student-" + hashlib.sha256(student.encode()).hexdigest()[:12]


def report(gradebook: Path, out: Path, dist: Path | None = None) -> list[Path]:
    """Write the report of ``gradebook`` into ``out``; the files written."""
    import csv
    import io

    rows = read_csv(gradebook)
    zips = {}
    if dist is not None and dist.is_dir():
        zips = {a.name: sorted((a / "autograder").glob("*.zip")) for a in sorted(dist.iterdir()) if a.is_dir()}
    written = []

    def put(path: Path, text: str) -> None:
        write_private(path, text)
        written.append(path)

    put(out / "summary.md", summary(rows, zips))
    chart = _chart(rows, out / "scores.png")
    if chart:
        written.append(chart)
    for student, assignment in sorted({(r.student, r.assignment) for r in _totals(rows)}):
        put(out / "feedback" / _folder_name(student) / f"{assignment}.md", feedback(rows, student, assignment))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [[("'" + cell) if cell[:1] in ("=", "+", "-", "@") else cell for cell in line] for line in canvas(rows)])
    put(out / "canvas.csv", buffer.getvalue())
    put(out / "gradescope.txt", "".join(f"{a}: {p}\n" for a, paths in sorted(zips.items()) for p in paths)
        or "no Gradescope zip found: run `python -m workbook.exercises build` (it keeps otter's zip)\n")
    return written


def _chart(rows: list[GradeRow], path: Path) -> Path | None:
    """Each question's mean score (as a fraction of its points) per assignment, and the totals' distribution."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    assignments = sorted({r.assignment for r in rows if r.question != "total"})
    if not assignments:
        return None
    figure, axes = plt.subplots(len(assignments), 2, figsize=(10, 2.6 * len(assignments)), squeeze=False)
    for (bars, spread), assignment in zip(axes, assignments, strict=True):
        questions = _questions(rows, assignment)
        means = [statistics.mean(r.score / r.possible if r.possible else 0 for r in rows
                                 if r.assignment == assignment and r.question == q) for q in questions]
        bars.bar(questions, means, color="#3b6ea5")
        bars.set_ylim(0, 1)
        bars.set_ylabel("mean score (fraction)")
        bars.set_title(f"{assignment}: questions")
        totals = [r.score for r in _totals(rows) if r.assignment == assignment]
        spread.hist(totals, bins=10, color="#7a9a3a")
        spread.set_xlabel("total score")
        spread.set_title(f"{assignment}: totals")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    path.chmod(0o600)
    return path
