"""Grade 100 generated submissions and print submissions per minute against the 60/min target.

    python benchmarks/bench_grading.py [--count 100] [--jobs 2]

Figures are printed, never asserted. Submissions are the instructor's solution with a different
student identifier each, and every tenth one blank, so each notebook really runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.grading import build, grade, set_student

ROOT = Path(__file__).resolve().parents[1]
TARGET_PER_MINUTE = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        dist, folder = Path(scratch, "dist"), Path(scratch, "submissions")
        started = time.perf_counter()
        build(ROOT / "exercises", dist, quiet=True)
        print(f"build (otter assign, {len(ASSIGNMENTS)} masters): {time.perf_counter() - started:.1f} s")
        names = sorted(ASSIGNMENTS)
        for number in range(args.count):
            assignment, student = names[number % len(names)], f"s{number:04d}"
            master = (ROOT / "exercises" / f"{assignment}.ipynb").read_text()
            if number % 10 == 9:
                master = (dist / assignment / "student" / f"{assignment}.ipynb").read_text()
            path = folder / student / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(set_student(master, student))
        started = time.perf_counter()
        rows = grade(folder, dist, Path(scratch, "gradebook.csv"), jobs=args.jobs, progress=sys.stderr)
        elapsed = time.perf_counter() - started
    graded = sum(r.question == "total" for r in rows)
    rate = graded / elapsed * 60
    print(f"graded {graded} submissions on {args.jobs} workers in {elapsed:.1f} s: {rate:.0f} submissions/min "
          f"(target {TARGET_PER_MINUTE}/min: {rate / TARGET_PER_MINUTE:.1f}x)")


if __name__ == "__main__":
    main()
