"""How long each chapter takes to execute headless, against an empty notebook (issue 6's speed target).

Prints figures, never asserts them:

    python benchmarks/bench_chapters.py            # every chapter, median of 3 runs each
    python benchmarks/bench_chapters.py --quick    # one run each

Target: under 5 s per chapter. The floor is an empty notebook run the same way in the
same run (kernel start, execution, shutdown), about 0.7 s on these machines.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from report import progress, verdict

ROOT = Path(__file__).resolve().parent.parent
TARGET = 5.0


def run_once(notebook: nbformat.NotebookNode, folder: Path) -> float:
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.shutdown_kernel = "immediate"
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def median_time(path: Path | None, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        notebook = nbformat.v4.new_notebook() if path is None else nbformat.read(path, as_version=4)
        times.append(run_once(notebook, ROOT / "chapters"))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run per chapter instead of three")
    repeats = 1 if parser.parse_args().quick else 3
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    progress("an empty notebook (the floor)")
    floor = median_time(None, repeats)
    results = []
    for path in chapters:
        progress(path.name)
        results.append((path.stem, median_time(path, repeats)))
    print(f"== chapter execution time, median of {repeats} (kernel start to shutdown) ==")
    print(f"  {'empty notebook (floor)':<28} {floor:6.2f} s")
    for name, seconds in results:
        print(f"  {name:<28} {seconds:6.2f} s  ({seconds / floor:4.1f}x floor)  target < {TARGET:.0f} s "
              f"{verdict(seconds < TARGET)}")
    slowest = max(results, key=lambda item: item[1]) if results else ("none", 0.0)
    print(f"  {'slowest':<28} {slowest[0]} {slowest[1]:.2f} s")


if __name__ == "__main__":
    main()
