"""Fixtures for the real-browser tests: one headless Chromium per test module, skipped with the reason when absent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.browser import chromium, chromium_problem


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    problem = chromium_problem()
    if problem:
        pytest.skip(problem)
    try:
        with chromium() as launched:
            yield launched
    except RuntimeError as error:  # raised before the yield only: Chromium did not start
        pytest.skip(str(error))
