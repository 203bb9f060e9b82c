"""After the run, print the errata ledger's rows per verdict (recorded by test_errata_ledger.py).

The count travels from xdist's workers as a user property, as the kernel comparisons' count does.
"""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for reports in terminalreporter.stats.values():
        for report in reports:
            properties = dict(getattr(report, "user_properties", ()) or ())
            if getattr(report, "when", None) == "call" and "errata_ledger" in properties:
                terminalreporter.write_sep("-", "errata ledger (Appendix A)")
                terminalreporter.write_line(properties["errata_ledger"])
