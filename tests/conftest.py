"""Shared test settings.

Hypothesis runs derandomized on CI (reproducible failures) and with fresh
randomness on a developer's machine (more chances to find a new bug).
"""

import os

from hypothesis import HealthCheck, settings

from tests.net.kernel_summary import pytest_terminal_summary  # noqa: F401  (prints the kernel comparisons' count)
from tests.net.netns import netns_factory  # noqa: F401  (a fixture, shared with every test package)

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")
