"""The simulator reproduces its golden record byte for byte (see ``tests/sim/golden.py``)."""

from __future__ import annotations

import difflib

from tests.sim.golden import record, recorded


def test_every_frame_trace_and_log_line_matches_the_golden_record() -> None:
    expected, actual = recorded(), record()
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "now", n=2, lineterm="")
        shown = "\n".join(line[:200] for _, line in zip(range(60), diff, strict=False))
        raise AssertionError(f"the simulator no longer reproduces tests/sim/data/golden.txt.gz:\n{shown}")
