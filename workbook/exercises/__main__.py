"""Instructor commands: ``python -m workbook.exercises build`` and ``python -m workbook.exercises grade``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.exercises.grading import build, grade
from workbook.exercises.sandbox import Limits

HERE = Path.cwd()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbook.exercises", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="generate student versions and autograder tests from the masters")
    b.add_argument("--masters", type=Path, default=HERE / "exercises", help="folder of NN_slug.ipynb masters")
    b.add_argument("--out", type=Path, default=HERE / "exercises" / "dist", help="output folder")
    b.add_argument("--roster", type=Path, help="text file, one student identifier a line: one copy each")
    b.add_argument("--assignment", action="append", help="build only this assignment (repeatable)")
    g = commands.add_parser("grade", help="grade a folder of submissions into a CSV gradebook")
    g.add_argument("submissions", type=Path)
    g.add_argument("--out", type=Path, default=Path("gradebook.csv"))
    g.add_argument("--dist", type=Path, default=HERE / "exercises" / "dist", help="what build wrote")
    g.add_argument("--jobs", type=int, default=2)
    g.add_argument("--assignment", help="the assignment of a flat folder of <student>.ipynb files")
    g.add_argument("--timeout", type=float, default=30.0, help="seconds per notebook")
    g.add_argument("--memory", type=int, default=1024, help="MB of memory per notebook")
    args = parser.parse_args(argv)
    if args.command == "build":
        roster = None
        if args.roster:
            roster = [line.strip() for line in args.roster.read_text().splitlines()
                      if line.strip() and not line.startswith("#")]
        build(args.masters, args.out, roster, args.assignment)
        return 0
    rows = grade(args.submissions, args.dist, args.out, args.jobs, args.assignment,
                 Limits(seconds=args.timeout, memory_mb=args.memory))
    totals = [r for r in rows if r.question == "total"]
    print(f"graded {len(totals)} submissions into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
