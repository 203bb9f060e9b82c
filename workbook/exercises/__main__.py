"""Instructor commands: ``python -m workbook.exercises build | grade | report`` (see exercises/README.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from workbook.errors import WorkbookError

HERE = Path.cwd()


def _deadline(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    from workbook.exercises.grading import default_gradebook

    parser = argparse.ArgumentParser(prog="python -m workbook.exercises", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="generate student versions and autograder tests from the masters")
    b.add_argument("--masters", type=Path, default=HERE / "instructor", help="folder of NN_slug.ipynb masters")
    b.add_argument("--out", type=Path, default=HERE / "instructor" / "dist", help="output folder")
    b.add_argument("--roster", type=Path, help="text file, one student identifier a line: one copy each")
    b.add_argument("--assignment", action="append", help="build only this assignment (repeatable)")
    b.add_argument("--publish", type=Path, help="also copy the student versions here (exercises/ in the checkout)")

    g = commands.add_parser("grade", help="grade a folder of submissions into a CSV gradebook")
    g.add_argument("submissions", type=Path)
    g.add_argument("--out", type=Path, default=default_gradebook(),
                   help=f"the gradebook, outside the project and the submissions (default {default_gradebook()})")
    g.add_argument("--dist", type=Path, default=HERE / "instructor" / "dist", help="what build wrote")
    g.add_argument("--jobs", type=int, default=2)
    g.add_argument("--assignment", help="the assignment of a flat folder of <student>.ipynb files")
    g.add_argument("--timeout", type=float, default=30.0, help="seconds per notebook")
    g.add_argument("--memory", type=int, default=1024, help="MB of memory per notebook, all its processes together")
    g.add_argument("--processes", type=int, default=32, help="processes per notebook")
    g.add_argument("--several", choices=("latest", "all"), default="latest",
                   help="a student with several notebooks for one assignment: grade the latest, or each (flagged)")
    g.add_argument("--manifest", type=Path, help="CSV student,assignment,submitted (ISO times) instead of file times")
    g.add_argument("--deadline", type=_deadline, help="ISO time, e.g. 2026-11-20T23:59:00+01:00 (UTC if no zone)")
    g.add_argument("--late-penalty", type=float, default=0.0, help="percent off per started day after the deadline")
    g.add_argument("--overrides", type=Path,
                   help="CSV student,assignment,question,score,reason (default: overrides.csv beside the gradebook)")
    g.add_argument("--roster", type=Path, help="list students without a submission, flag those not on it")
    g.add_argument("--student", action="append", default=[], help="regrade only this student (repeatable); merged")
    g.add_argument("--question", action="append", default=[], help="regrade only this question (repeatable); merged")
    g.add_argument("--isolation", choices=("root", "user-namespace", "limits-only"),
                   help="force a weaker isolation than the strongest available (for testing)")

    r = commands.add_parser("report", help="statistics, common mistakes, feedback files and LMS exports")
    r.add_argument("gradebook", type=Path)
    r.add_argument("--out", type=Path, help="folder for the report (default: <gradebook>-report beside it)")
    r.add_argument("--dist", type=Path, default=HERE / "instructor" / "dist",
                   help="what build wrote (for the Gradescope zips)")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (WorkbookError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from workbook.exercises.roster import read_roster

    roster = read_roster(args.roster.read_text(encoding="utf-8")) if getattr(args, "roster", None) else None
    if args.command == "build":
        from workbook.exercises.build import build

        build(args.masters, args.out, roster, args.assignment, publish=args.publish)
        return 0
    if args.command == "report":
        from workbook.exercises.report import report

        out = args.out or args.gradebook.with_name(args.gradebook.stem + "-report")
        written = report(args.gradebook, out, args.dist)
        print(f"wrote {len(written)} files into {out}", file=sys.stderr)
        return 0
    from workbook.exercises.gradebook import read_overrides
    from workbook.exercises.grading import Policy, grade
    from workbook.exercises.isolation import Mode
    from workbook.exercises.sandbox import Limits
    from workbook.exercises.submissions import read_manifest

    overrides_file = args.overrides or args.out.with_name("overrides.csv")
    policy = Policy(several=args.several, manifest=read_manifest(args.manifest) if args.manifest else {},
                    deadline=args.deadline, late_percent_per_day=args.late_penalty,
                    overrides=tuple(read_overrides(overrides_file)) if overrides_file.exists() else (),
                    roster=tuple(roster or ()))
    rows = grade(args.submissions, args.dist, args.out, args.jobs, args.assignment,
                 Limits(seconds=args.timeout, memory_mb=args.memory, processes=args.processes), policy=policy,
                 students=args.student, questions=args.question,
                 mode=Mode(args.isolation) if args.isolation else None)
    totals = [r for r in rows if r.question == "total"]
    print(f"graded {len(totals)} submissions into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
