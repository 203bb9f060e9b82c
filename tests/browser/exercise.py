"""Driving an exercise notebook in a real front end (JupyterLab 4, Notebook 7, JupyterLite) as a learner does: find
a cell by its source, type an answer into it, run it, read its output; and the answers the engine expects."""

from __future__ import annotations

import workbook.exercises as wx
from tests.browser import notebook as nb

STUDENT = "alice"


def answers() -> tuple[str, str, str]:
    """q1's right answer for the student, a wrong one (another gateway of the table), and the hint CPython gives."""
    ex = wx.load("01_route_lookup", STUDENT)
    table, destination = ex.variant.table, ex.variant.subnet_destination
    right = str(table.lookup(destination).next_hop)
    wrong = next(str(r.gateway) for r in table if r.gateway is not None and str(r.gateway) not in (right, "127.0.0.1"))
    feedback = ex.check("q1", wrong)
    assert feedback.status == "wrong" and feedback.message
    return right, wrong, feedback.message


def code_cell(page, starts: str):
    """The code cell of the notebook on screen whose source starts with ``starts``."""
    cells = nb.shown_notebook(page).locator(".jp-CodeCell")
    for index in range(cells.count()):
        if cells.nth(index).locator(".cm-content").inner_text().startswith(starts):
            return cells.nth(index)
    raise AssertionError(f"no code cell starts with {starts!r}")


def run_cell(page, cell, source: str | None = None) -> None:
    """Type ``source`` into ``cell`` (replacing it) when given, then run it (Ctrl+Enter) and wait for the kernel."""
    editor = cell.locator(".cm-content")
    editor.click()
    if source is not None:
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source)
    page.keyboard.press("Control+Enter")
    page.wait_for_function(nb.KERNEL_IDLE, timeout=120_000)


def output_of(cell):
    return cell.locator(".jp-OutputArea-output").last


def answer_q1_wrong_then_right(page, shots, prefix: str = "") -> str:
    """Answer q1 wrong, expect the engine's hint (CPython's text), then right; returns the hint shown."""
    right, wrong, hint = answers()
    check = code_cell(page, 'ex.check("q1"')
    run_cell(page, code_cell(page, "q1_next_hop = "), f"q1_next_hop = {wrong!r}")
    run_cell(page, check)
    nb.wait_for_text(output_of(check), f"✗ q1 wrong: {hint}")
    shown = output_of(check).inner_text()
    nb.screenshot(check, shots / f"{prefix}q1-wrong-with-hint.png")
    run_cell(page, code_cell(page, "q1_next_hop = "), f"q1_next_hop = {right!r}")
    run_cell(page, check)
    nb.wait_for_text(output_of(check), "✓ q1 right")
    nb.screenshot(check, shots / f"{prefix}q1-right.png")
    return shown
