"""RIP against BIRD 2 in network namespaces (differential tests; filled in below the skeleton)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.kernel, pytest.mark.xdist_group("kernel")]


def test_bird_is_available_or_the_comparison_is_skipped() -> None:
    if shutil.which("bird") is None:
        pytest.skip("BIRD 2 (Debian bird2) is not installed; ./run.sh test installs it")
