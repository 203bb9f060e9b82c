"""The kernel comparisons report how many queries they compared, after the run.

The tests record their counts as user properties, which travel with the reports from xdist's workers;
``tests/conftest.py`` imports this hook so that the controlling process prints the total.
"""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    asked = differences = tests = 0
    messages = relay_tests = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            properties = dict(getattr(report, "user_properties", ()) or ())
            if getattr(report, "when", None) == "call" and "bootp_messages" in properties:
                relay_tests += 1
                messages += properties["bootp_messages"]
            if getattr(report, "when", None) == "call" and "kernel_queries" in properties:
                tests += 1
                asked += properties["kernel_queries"]
                differences += properties.get("kernel_differences", 0)
    if tests:
        terminalreporter.write_sep("-", "linux kernel differential")
        terminalreporter.write_line(f"{asked} `ip route get` queries compared field by field in {tests} tests; "
                                    f"configurations with differences: {differences}")
    if relay_tests:
        terminalreporter.write_sep("-", "dhcrelay and dnsmasq differential")
        terminalreporter.write_line(f"{messages} BOOTP messages compared field by field in {relay_tests} tests")
