"""In a real browser: JupyterLab opens chapter 1, runs every cell, and the lookup diagram follows a route edit.

The notebook is a copy in a temporary folder (JupyterLab autosaves, and the
chapters are stored without outputs). Screenshots are written to
``test-artifacts/browser/jupyterlab/`` and the path is printed.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from tests.browser.browser import ROOT, artifacts_dir, jupyter_lab

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHAPTER = ROOT / "chapters" / "01_route_tables.ipynb"
OLD_GATEWAY, NEW_GATEWAY = "172.16.112.1", "172.16.112.9"

# Used only while chapter 1 has no editor cell yet: the same two widgets on the same host.
FALLBACK_CELLS = [
    "import workbook as wb\nimport workbook.widgets",
    'host = wb.Host.from_scenario("seed-host")\n'
    "editor = wb.widgets.RouteTableEditor(host)\n"
    'explorer = wb.widgets.LookupExplorer(editor, destination="172.17.1.1")\n'
    "display(editor, explorer)",
]

# Every code cell shows a number in its prompt once it has run ("[12]:"), never "[*]:" or "[ ]:".
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

# The status bar reads "Python 3 (ipykernel) | Idle" once the kernel has started and answered.
KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => /\\| Idle$/.test(e.textContent))"""

KERNEL_IDLE_OR_CHOOSER = f"""() => document.querySelector('.jp-Dialog .jp-mod-accept') ? 'chooser'
    : ({KERNEL_IDLE})() ? 'idle' : false"""

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


def notebook_to_open(folder: Path) -> tuple[Path, str]:
    """Chapter 1 when it shows the route table editor; otherwise a small notebook with the same widgets."""
    if "RouteTableEditor" in CHAPTER.read_text():
        shutil.copy(CHAPTER, folder / CHAPTER.name)
        return folder / CHAPTER.name, "chapter 1"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in FALLBACK_CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "route_editor.ipynb"
    nbformat.write(notebook, path)
    return path, "a stand-in notebook (chapter 1 has no RouteTableEditor cell yet)"


def test_route_edit_redraws_the_lookup_diagram_in_jupyterlab(browser, tmp_path: Path) -> None:
    shots = artifacts_dir("jupyterlab")
    print(f"screenshots: {shots}")
    root = tmp_path / "root"
    root.mkdir()
    notebook, what = notebook_to_open(root)
    print(f"opening {what}")
    started = time.monotonic()
    with jupyter_lab(root, tmp_path / "state") as (base, token):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(45_000)
        try:
            page.goto(f"{base}/lab/tree/{notebook.name}?token={token}")
            page.locator(".jp-Notebook").first.wait_for()
            ready = page.wait_for_function(KERNEL_IDLE_OR_CHOOSER).json_value()
            if ready == "chooser":  # a notebook without kernelspec metadata: accept Python 3, as a learner would
                print("JupyterLab asked which kernel to start; accepting its default")
                page.locator(".jp-Dialog .jp-mod-accept").click()
            page.wait_for_function(KERNEL_IDLE)  # the kernel has answered; earlier, Run All is dropped
            page.screenshot(path=shots / "1-opened.png")

            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            page.wait_for_function(ALL_CELLS_RAN, timeout=90_000)
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
