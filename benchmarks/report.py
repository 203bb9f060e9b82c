"""How every benchmark script prints: progress to stderr, aligned figures and MET/MISSED verdicts to stdout."""

from __future__ import annotations

import sys
from pathlib import Path

_SCRIPT = Path(sys.argv[0]).stem


def progress(text: str) -> None:
    """A line on stderr saying what is being built or measured now."""
    print(f"[{_SCRIPT}] {text}", file=sys.stderr, flush=True)


def figure(label: str, value: str) -> None:
    """One measured figure, label and value aligned."""
    print(f"  {label:<40} {value}", flush=True)


def verdict(ok: bool) -> str:
    """How a figure compares with its target."""
    return "MET" if ok else "MISSED"
