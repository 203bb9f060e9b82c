"""Chapter 6 in a real browser at 1 280 px: JupyterLab 4 and Notebook 7 run it and drive its RoutingPlayground;
JupyterLite (Pyodide, no server) opens the playground in a typed cell and converges a triangle there.

The same checks as tests/browser/test_jupyterlab.py (no output wider than its column, no broken word, no cut
button, every control named), then the playground is used as a learner would: fail a link, run the clock,
read the route tables, change split horizon, ask NT 4.0 for RIP-2 and read the refusal beside the field.
Screenshots go to ``test-artifacts/browser/<front end>/06-*.png``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.browser import notebook as nb
from tests.browser.browser import ROOT, artifacts_dir, jupyter_lab, static_server
from tests.browser.test_jupyterlite import DRAWN_HERE, offline_page, open_and_run_all, site, type_cells  # noqa: F401
from tests.browser.test_jupyterlite import check as lite_check

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHAPTER = "06_routers_that_learn.ipynb"
WINDOW = {"width": 1280, "height": 1000}


def check(page, when: str) -> None:
    time.sleep(0.5)  # let the SVGs finish their layout
    assert nb.overflowing_outputs(page) == [], f"{when}: outputs wider than the column at 1280 px"
    assert nb.broken_words(page) == [], f"{when}: words broken over two lines"
    assert nb.truncated_buttons(page) == [], f"{when}: buttons that cut their words"
    outputs = nb.shown_notebook(page).locator(".jp-OutputArea-output:has(.jupyter-widgets)")
    for index in range(outputs.count()):
        assert nb.unnamed_controls(outputs.nth(index)) == [], f"{when}: a control without a name in widget {index}"


def drive(page, shots: Path, prefix: str) -> None:
    """Fail R1's link to R2 in the ring, run the clock, read the tables; then a setting and a refused one."""
    playground = nb.widget_output(page, "Fail link")
    playground.get_by_role("combobox", name="Link").select_option("R1.to2")
    playground.locator("button", has_text="Fail link").click()
    nb.wait_for_text(playground, "links down: R1.to2")
    playground.locator("button", has_text="Run clock").click()
    nb.wait_for_text(playground, "actions so far: 2")
    playground.locator(".lm-TabBar-tab", has_text="Route tables now").click()
    nb.wait_for_text(playground, "192.168.2.0/24")
    nb.screenshot(playground, shots / f"{prefix}-1-link-failed.png")
    playground.locator("button", has_text="off").first.click()  # split horizon off, replayed from the start
    nb.wait_for_text(playground, "actions so far: 2")
    playground.get_by_role("combobox", name="Stack").select_option("nt4")  # RIP-2 on NT 4.0: refused
    nb.wait_for_text(playground, "version 1")
    assert playground.get_by_role("combobox", name="Stack").input_value() == "linux"  # the last good network kept
    playground.locator(".lm-TabBar-tab", has_text="Timeline").click()
    nb.screenshot(playground, shots / f"{prefix}-2-refused-setting.png")


@pytest.fixture(scope="module", params=[("jupyterlab", "lab/tree"), ("notebook", "notebooks")],
                ids=["jupyterlab-4", "notebook-7"])
def served(request, browser, tmp_path_factory):
    app, url = request.param
    root = tmp_path_factory.mktemp(f"{app}-ch6")
    shutil.copy(ROOT / "chapters" / CHAPTER, root / CHAPTER)
    shots = artifacts_dir(app)
    print(f"screenshots: {shots}")
    with jupyter_lab(root, tmp_path_factory.mktemp(f"{app}-ch6-state"), app=app) as (base, token):
        page = browser.new_page(viewport=WINDOW)
        page.set_default_timeout(90_000)
        try:
            yield app, f"{base}/{url}/{CHAPTER}?token={token}{'&reset' if app == 'jupyterlab' else ''}", page, shots
        finally:
            page.close()


def test_chapter_6_and_its_playground_at_1280_px(served) -> None:
    app, address, page, shots = served
    started = time.monotonic()
    try:
        nb.open_notebook(page, address)
        nb.run_all_cells(page)
        check(page, f"{app} chapter 6 after Run All")
        drive(page, shots, "06")
        check(page, f"{app} chapter 6 after driving the playground")
    except Exception:
        page.screenshot(path=shots / "06-failure.png")
        raise
    print(f"{app} {CHAPTER}: {time.monotonic() - started:.1f} s")


def test_the_playground_converges_on_pyodide(browser, site: Path) -> None:  # noqa: F811
    shots = artifacts_dir("jupyterlite")
    with static_server(site) as base, offline_page(browser, base) as (page, refused):
        page.set_default_timeout(90_000)
        try:
            open_and_run_all(page, base)  # chapter 0, as the JupyterLite test does: the kernel is then warm
            type_cells(page, ["from workbook.widgets import RoutingPlayground\n"
                              "RoutingPlayground(topology='triangle')"])
            playground = nb.widget_output(page, "Fail link")
            playground.locator("button", has_text="Run clock").click()
            nb.wait_for_text(playground, "actions so far: 1", timeout=120_000)
            playground.locator(".lm-TabBar-tab", has_text="Route tables now").click()
            nb.wait_for_text(playground, "192.168.3.0/24")
            playground.locator(".lm-TabBar-tab", has_text="Timeline").click()
            playground.locator(DRAWN_HERE).first.wait_for(state="attached")  # drawn by viz.js in the page
            lite_check(page, "after converging the triangle on Pyodide")
            nb.screenshot(playground, shots / "06-routing-playground.png")
        except Exception:
            page.screenshot(path=shots / "06-failure.png", full_page=True)
            raise
    assert refused == [], f"the site asked for something outside it: {refused}"
