"""Helpers for the widget tests: widgets are driven as a learner would, by setting values and clicking."""

from __future__ import annotations

import pytest
from ipywidgets.widgets import widget as widget_module

from workbook import Host


def widget_count() -> int:
    """How many widgets exist right now (ipywidgets keeps every live one in a registry)."""
    return len(widget_module._instances)


@pytest.fixture
def seed_host() -> Host:
    return Host.from_scenario("seed-host")
