"""Grade a generated class and print submissions per minute against the 60/min target, and what one endless loop costs.

    python benchmarks/bench_grading.py [--count 100] [--jobs 2] [--timeout 5]

Figures are printed, never asserted. Submissions are the instructor's solutions typed by a different student each
(every tenth one the blank student version), so each notebook really runs in its own sandbox. The second figure
grades the same class plus one notebook that never ends: with the zygote and the sandbox, the loop should cost its
own time limit spread over the workers, nothing more.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.build import build, set_student, solved
from workbook.exercises.grading import grade
from workbook.exercises.isolation import strongest_mode
from workbook.exercises.sandbox import Limits

ROOT = Path(__file__).resolve().parents[1]
TARGET_PER_MINUTE = 60


def make_class(dist: Path, folder: Path, count: int) -> None:
    names = sorted(ASSIGNMENTS)
    for number in range(count):
        assignment, student = names[number % len(names)], f"s{number:04d}"
        if number % 10 == 9:
            text = set_student((dist / assignment / "student" / f"{assignment}.ipynb").read_text(), student)
        else:
            text = solved(ROOT / "instructor" / f"{assignment}.ipynb", student)
        path = folder / student / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(text)


def timed(folder: Path, dist: Path, out: Path, jobs: int, limits: Limits) -> tuple[float, int]:
    started = time.perf_counter()
    rows = grade(folder, dist, out, jobs=jobs, limits=limits, progress=sys.stderr)
    return time.perf_counter() - started, sum(r.question == "total" for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=5.0, help="the time limit of the looping notebook")
    args = parser.parse_args()
    print(f"isolation: {strongest_mode().value}")
    with tempfile.TemporaryDirectory() as scratch:
        dist, folder = Path(scratch, "dist"), Path(scratch, "class")
        started = time.perf_counter()
        build(ROOT / "instructor", dist, quiet=True)
        print(f"build (otter assign, {len(ASSIGNMENTS)} masters): {time.perf_counter() - started:.1f} s")
        make_class(dist, folder, args.count)
        limits = Limits(seconds=args.timeout)
        grades = Path(scratch, "grades")
        elapsed, graded = timed(folder, dist, grades / "gradebook.csv", args.jobs, limits)
        rate = graded / elapsed * 60
        print(f"graded {graded} submissions on {args.jobs} workers in {elapsed:.1f} s: {rate:.0f} submissions/min "
              f"(target {TARGET_PER_MINUTE}/min: {rate / TARGET_PER_MINUTE:.1f}x)")
        loop = folder / "looping" / "01_route_lookup.ipynb"
        loop.parent.mkdir()
        text = solved(ROOT / "instructor" / "01_route_lookup.ipynb", "looping")
        loop.write_text(text.replace('"source": "q1_next_hop', '"source": "while True:\\n    pass\\nq1_next_hop', 1))
        with_loop, _ = timed(folder, dist, grades / "with-loop.csv", args.jobs, limits)
        print(f"the same class plus one endless loop (time limit {args.timeout:g} s): {with_loop:.1f} s, "
              f"{with_loop - elapsed:+.1f} s (at most the loop's own limit, {args.timeout:g} s; "
              f"{args.timeout / args.jobs:.1f} s when the other workers take the rest)")


if __name__ == "__main__":
    main()
