"""The benchmark scripts run (tiny sizes) and print every figure; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert done.stderr, "progress is printed to stderr"
    return done.stdout


LOOKUP_LABELS = [
    "prefix-length mix", "engine build time", "engine memory per prefix", "lookup str -> decision",
    "first pass str -> decision", "first-pass lookup >= 0.5x pytricia @ 100,000",
    "batch lookup_many first call", "batch lookup_many(str)", "batch lookup_many(int64 ndarray)",
    "batch agrees with lookup",
    "naive scan (ipaddress list)", "== targets ==", "warm lookup >= 0.5x pytricia @ 100,000",
    "build < 5 s @ 1,000,000", "memory < 500 B/prefix @ 1,000,000",
]
PYTRICIA_LABELS = [
    "pytricia build time", "pytricia get(str)", "ratio warm lookup / pytricia", "pytricia first pass get(str)",
    "ratio first pass / pytricia",
    "ratio batch / pytricia loop", "engine agrees with pytricia",
]
SIM_LABELS = [
    "delivered", "delivery time (net.send)", "delivery target < 1 ms", "render time",
    "build time (Network.from_dict)", "join time (host.join x members)", "join reports delivered (clock.run)",
    "multicast delivery time (net.send)", "hosts that received it", "(c) total wall time",
]


def test_bench_lookup_quick_prints_every_figure() -> None:
    out = run("bench_lookup.py", "--sizes", "1000,3000")
    for label in LOOKUP_LABELS:
        assert label in out, label
    try:
        import pytricia  # noqa: F401
    except ImportError:
        assert "pytricia is not installed" in out
    else:
        for label in PYTRICIA_LABELS:
            assert label in out, label
        assert "engine agrees with pytricia              2000/2000" in out
    assert "batch agrees with lookup                 2000/2000" in out


def test_bench_sim_quick_prints_every_figure() -> None:
    out = run("bench_sim.py")
    for label in SIM_LABELS:
        assert label in out, label
    assert "100 of 100 members" in out
    assert "yes, 7 hops" in out, "the datagram crosses the 5 routers of the chain"


def test_bench_widgets_quick_prints_both_targets() -> None:
    out = run("bench_widgets.py")
    for label in ("dot alone", "6-node path (6 hops)", "6-node path target < 50 ms", "10 000-route table target",
                  "playback, 6-node path (6 steps)", "one step: highlight CSS and step text",
                  "drawing the topology again instead"):
        assert label in out, label


def test_bench_chapters_quick_times_every_chapter_and_the_floor() -> None:
    out = run("bench_chapters.py")
    assert "empty notebook (floor)" in out
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert chapter.stem in out, chapter.stem


@pytest.mark.parametrize("script", ["bench_lookup.py", "bench_sim.py", "bench_widgets.py", "bench_chapters.py"])
def test_bench_help(script: str) -> None:
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "--quick" in done.stdout
