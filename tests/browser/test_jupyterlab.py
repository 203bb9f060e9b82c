"""In a real browser (JupyterLab 4 and Notebook 7): chapter 1 runs, and its lookup diagram follows a route edit.

The notebook is a copy in a temporary folder (JupyterLab autosaves, and the
chapters are stored without outputs). Screenshots are written to
``test-artifacts/browser/jupyterlab/`` and the path is printed.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser.browser import ROOT, artifacts_dir, jupyter_lab

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHAPTER = ROOT / "chapters" / "01_route_tables.ipynb"
OLD_GATEWAY, NEW_GATEWAY = "172.16.112.1", "172.16.112.9"

# Every code cell shows a number in its prompt once it has run ("[12]:"), never "[*]:" or "[ ]:".
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

# The notebook toolbar's execution indicator (JupyterLab 4 and Notebook 7) turns idle once the kernel answered.
KERNEL_IDLE = """() => !!document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')"""

ERRORS = """() => [...document.querySelectorAll(
    '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.textContent)"""

# Tag the editor's text field that holds the default route's gateway, so Playwright can type into it.
TAG_GATEWAY_FIELD = """(gateway) => {
    const field = [...document.querySelectorAll('.jp-Notebook .widget-text input')].find(i => i.value === gateway);
    if (!field) return false;
    field.setAttribute('data-test', 'default-gateway');
    return true;
}"""

DIAGRAMS = """() => [...document.querySelectorAll('.jp-Notebook .widget-html svg')]
    .map(s => s.textContent).join('\\n')"""


# JupyterLab sometimes asks which kernel to start even for a notebook that names one (seen on a busy machine).
ACCEPT_KERNEL_DIALOG = """() => {
    const button = document.querySelector('.jp-Dialog .jp-mod-accept');
    if (button) button.click();
    return !!button;
}"""


def accept_kernel_dialog(page, seconds: float = 3.0) -> None:
    """Accept a "Select Kernel" dialog (its default, Python 3) if one appears within ``seconds``, as a learner would."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(ACCEPT_KERNEL_DIALOG):
            print("the front end asked which kernel to start; accepted its default")
            page.wait_for_function(KERNEL_IDLE)
            return
        time.sleep(0.2)


@pytest.mark.parametrize(("app", "url"), [("jupyterlab", "lab/tree"), ("notebook", "notebooks")],
                         ids=["jupyterlab-4", "notebook-7"])
def test_route_edit_redraws_the_lookup_diagram(browser, tmp_path: Path, app: str, url: str) -> None:
    shots = artifacts_dir(app)
    print(f"screenshots: {shots}")
    root = tmp_path / "root"
    root.mkdir()
    notebook = root / CHAPTER.name
    shutil.copy(CHAPTER, notebook)
    started = time.monotonic()
    with jupyter_lab(root, tmp_path / "state", app=app) as (base, token):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)  # generous: the suite runs beside it on two cores
        try:
            page.goto(f"{base}/{url}/{notebook.name}?token={token}")
            page.locator(".jp-Notebook").first.wait_for()
            page.wait_for_function(KERNEL_IDLE)  # the kernel has answered; earlier, Run All is dropped
            accept_kernel_dialog(page)
            page.screenshot(path=shots / "1-opened.png")

            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            page.wait_for_function(ALL_CELLS_RAN, timeout=180_000)
            page.wait_for_function(KERNEL_IDLE)
            assert page.evaluate(ERRORS) == [], "a cell failed in the browser"
            page.screenshot(path=shots / "2-ran-all-cells.png", full_page=True)

            page.wait_for_function(TAG_GATEWAY_FIELD, arg=OLD_GATEWAY)
            field = page.locator("[data-test='default-gateway']")
            field.scroll_into_view_if_needed()
            page.wait_for_function(f"() => ({DIAGRAMS})().includes('{OLD_GATEWAY}')")
            before = page.evaluate(DIAGRAMS)
            page.screenshot(path=shots / "3-before-edit.png")

            field.fill(NEW_GATEWAY)
            field.press("Enter")  # the editor's fields commit on Enter or blur, as a learner would
            page.wait_for_function(f"() => ({DIAGRAMS})().includes('{NEW_GATEWAY}')")
            after = page.evaluate(DIAGRAMS)
            page.screenshot(path=shots / "4-after-edit.png")
            diagram = page.locator(".jp-Notebook .widget-html svg", has_text=NEW_GATEWAY).last
            diagram.scroll_into_view_if_needed()
            diagram.screenshot(path=shots / "5-diagram-after-edit.png")
        except Exception:
            page.screenshot(path=shots / "failure.png", full_page=True)
            raise
        finally:
            page.close()
    assert before != after
    assert OLD_GATEWAY in before and NEW_GATEWAY not in before
    assert NEW_GATEWAY in after
    print(f"browser test took {time.monotonic() - started:.1f} s")
