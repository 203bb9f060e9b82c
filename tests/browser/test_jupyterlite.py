"""In a real browser, with no server: the JupyterLite site runs chapter 0 on Pyodide and every widget works there.

Chapter 0 runs from the top; its datagram is played step by step on the drawing
that viz.js draws in the page (there is no ``dot`` in a browser), with the same
checks as in JupyterLab (tests/browser/playback.py). Then cells typed at the end
of the notebook, as a learner would, open the other widgets (the route table
editor and its lookup, the two playgrounds) and drive them. At 1 280 px no output
may be wider than its column, no word may break over two lines, and every control
must have a name a screen reader reads.

The site is built by ``lite/build.py`` (npm and PyPI at build time) in a venv of
its own, and kept under the temporary folder keyed by its inputs (lite/, the
workbook, the chapters, pyproject.toml), so only the first run after a change
builds it (about a minute, or less with warm pip and npm caches).
``WORKBOOK_LITE_SITE=DIR`` uses a site built elsewhere instead.

It is served from a static server on 127.0.0.1, and every request to any other
address is refused and recorded: the site must need nothing from a CDN or PyPI
at run time. Screenshots go to ``test-artifacts/browser/jupyterlite/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.browser import notebook as nb
from tests.browser.browser import ROOT, artifacts_dir, static_server
from tests.browser.playback import drive_playback, lit_nodes, provoke_conflict
from workbook.render import palette

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHAPTER = "chapters/00_orientation.ipynb"
WINDOW = {"width": 1280, "height": 1000}

#: Typed into new cells at the end of chapter 0: the other widgets, one a cell.
MORE_WIDGETS = [
    "from workbook.widgets import DuplicateAddressPlayground, LookupExplorer, MulticastPlayground, "
    "RouteTableEditor\n"
    "editor = RouteTableEditor(wb.Host.from_scenario('seed-host'))\neditor",
    "LookupExplorer(editor, destination='172.17.1.1')",
    "DuplicateAddressPlayground()",
    "MulticastPlayground()",
]
LITE_CACHE = Path(os.environ.get("WORKBOOK_LITE_CACHE", Path(tempfile.gettempdir()) / "ip-workbook-lite"))

#: A diagram the page drew with viz.js (workbook/render/browser.py marks its box data-drawn="viz.js").
DRAWN_HERE = ".widget-html .ip-workbook-viz[data-drawn='viz.js'] svg"
DRAWN = f".jp-Notebook {DRAWN_HERE}"


def _build_module():
    spec = importlib.util.spec_from_file_location("ip_workbook_lite_build", ROOT / "lite" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(command: list) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True)


def built_site() -> tuple[Path | None, str]:
    """(the site's folder, how it was obtained), or (None, why it cannot be built here)."""
    if os.environ.get("WORKBOOK_LITE_SITE"):
        site = Path(os.environ["WORKBOOK_LITE_SITE"])
        return (site, "WORKBOOK_LITE_SITE") if (site / "lab" / "index.html").exists() else \
            (None, f"WORKBOOK_LITE_SITE={site} holds no built site")
    build = _build_module()
    site = LITE_CACHE / f"site-{build.inputs_digest()}"
    if (site / build.STAMP).exists():
        return site, f"cached build {site}"
    if shutil.which("npm") is None:
        return None, "npm is not installed: the JupyterLite build fetches Pyodide and @viz-js/viz with it"
    tools = build.lite_requirements()
    key = hashlib.sha256(f"{tools} {sys.version_info[:2]}".encode()).hexdigest()[:12]
    venv = LITE_CACHE / f"venv-{key}"
    python = venv / "bin" / "python"
    if not (venv / ".ready").exists():
        shutil.rmtree(venv, ignore_errors=True)
        made = _run([sys.executable, "-m", "venv", venv])
        if made.returncode != 0:
            return None, f"cannot create a venv for the build tools: {made.stderr.strip()[-300:]}"
        installed = _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *tools])
        if installed.returncode != 0:
            return None, f"cannot install the build tools {tools} from PyPI: {installed.stderr.strip()[-400:]}"
        (venv / ".ready").touch()
    for old in LITE_CACHE.glob("site-*"):  # earlier inputs' sites
        if old.name != site.name:
            shutil.rmtree(old, ignore_errors=True)
    started = time.monotonic()
    building = LITE_CACHE / f"building-{os.getpid()}"
    result = _run([python, ROOT / "lite" / "build.py", "--out", building, "--cache", LITE_CACHE / "downloads"])
    if result.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
    if result.returncode == build.FETCH_FAILED:
        return None, f"a registry could not be reached to build the site: {result.stderr.strip()[-400:]}"
    assert result.returncode == 0, f"lite/build.py failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    try:
        building.rename(site)  # atomic: a concurrent run sees no site or a whole one
    except OSError:  # another run finished the same build first
        shutil.rmtree(building, ignore_errors=True)
    return site, f"built in {time.monotonic() - started:.0f} s into {site}"


@pytest.fixture(scope="module")
def site() -> Path:
    folder, how = built_site()
    if folder is None:
        pytest.skip(how)
    print(f"JupyterLite site: {how}")
    return folder


@contextlib.contextmanager
def offline_page(browser, base: str):
    """A page that may load only from ``base``; yields (page, list of refused URLs)."""
    context = browser.new_context(viewport=WINDOW)
    refused: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        if url.startswith((base, "data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_local)
    try:
        yield context.new_page(), refused
    finally:
        context.close()


def open_and_run_all(page, base: str) -> float:
    """Open chapter 0 in JupyterLite, run every cell; seconds from opening to the first diagram drawn in the page."""
    started = time.monotonic()
    nb.open_notebook(page, f"{base}/lab/index.html?path={CHAPTER}")
    nb.run_all_cells(page, timeout=300_000)
    page.locator(DRAWN).first.wait_for(state="attached")
    return time.monotonic() - started


def type_cells(page, sources: list[str]) -> None:
    """Add a cell after the last one for each source, type it in and run it (Ctrl+Enter), as a learner would."""
    notebook = nb.shown_notebook(page)
    notebook.locator(".jp-Cell").last.click()
    for source in sources:
        page.keyboard.press("Escape")
        page.keyboard.press("b")  # a new cell below, in edit mode after Enter
        page.keyboard.press("Enter")
        page.keyboard.insert_text(source)
        page.keyboard.press("Control+Enter")  # runs the cell and stays on it: no empty cell left at the end
    page.wait_for_function(nb.ALL_CELLS_RAN, timeout=120_000)
    page.wait_for_function(nb.KERNEL_IDLE)
    assert page.evaluate(nb.ERRORS) == [], "a typed cell failed in the browser"


def check(page, when: str) -> None:
    time.sleep(0.5)
    assert nb.overflowing_outputs(page) == [], f"{when}: outputs wider than the column"
    assert nb.broken_words(page) == [], f"{when}: words broken over two lines"
    assert nb.truncated_buttons(page) == [], f"{when}: buttons that cut their words"
    outputs = nb.shown_notebook(page).locator(".jp-OutputArea-output:has(.jupyter-widgets)")
    for index in range(outputs.count()):
        assert nb.unnamed_controls(outputs.nth(index)) == [], f"{when}: a control without a name in widget {index}"


def test_chapter_0_and_every_widget_work_on_pyodide(browser, site: Path) -> None:
    shots = artifacts_dir("jupyterlite")
    print(f"screenshots: {shots}")
    stamp = json.loads((site / "ip-workbook-lite.json").read_text())
    print(f"site: {stamp['bytes'] / 2**20:.1f} MiB, Pyodide {stamp['pyodide']}, viz.js {stamp['viz']}")
    with static_server(site) as base, offline_page(browser, base) as (page, refused):
        page.set_default_timeout(90_000)
        try:
            seconds = open_and_run_all(page, base)
            print(f"from opening the page to the first diagram: {seconds:.1f} s")
            check(page, "after Run All")
            lit = drive_playback(page, shots, "00")
            print(f"played step by step on the viz.js drawing: {' → '.join(lit)}")
            check(page, "after the playback")

            started = time.monotonic()
            type_cells(page, MORE_WIDGETS)
            print(f"typed and ran the other widgets' cells: {time.monotonic() - started:.1f} s")
            drive_editor(page, shots)
            drive_playgrounds(page, shots)
            check(page, "after driving every widget")
        except Exception:
            page.screenshot(path=shots / "failure.png", full_page=True)
            raise
    assert refused == [], f"the site asked for something outside it (it must work offline): {refused}"


def drive_editor(page, shots: Path) -> None:
    """An edit of the default gateway redraws the lookup's diagram, drawn by viz.js."""
    lookup = nb.widget_output(page, "longest prefix")
    drawn = lookup.locator(DRAWN_HERE).last
    drawn.wait_for(state="attached")
    assert "172.16.112.1" in drawn.text_content()
    editor = nb.widget_output(page, "Add route")
    gateway = editor.locator("input[type='text']").nth(3)  # search, then the first row: 0.0.0.0 0.0.0.0 gateway
    assert gateway.input_value() == "172.16.112.1"
    gateway.fill("172.16.112.9")
    gateway.press("Enter")
    nb.wait_for_text(drawn, "172.16.112.9")
    nb.screenshot(lookup, shots / "1-lookup-after-edit.png")


def drive_playgrounds(page, shots: Path) -> None:
    """The duplicate-address playground plays the conflict on its drawing; the multicast one joins a group."""
    dad = nb.widget_output(page, "Set address")
    provoke_conflict(dad)
    dad.get_by_role("combobox", name="Step").select_option(index=0)
    nb.wait_for_text(dad, "Taken by: defender.eth0, bystander.eth0")
    taken = lit_nodes(dad, (palette.TAKEN_FILL,))
    assert sorted(taken) == ["bystander", "defender"], f"the drawing lights {taken} as takers"
    nb.screenshot(dad, shots / "2-duplicate-address-playground.png")
    multicast = nb.widget_output(page, "Send to group")
    multicast.locator("select").first.select_option("member")
    multicast.locator("button", has_text="Join").click()
    nb.wait_for_text(multicast, "IGMPv")
    nb.screenshot(multicast, shots / "3-multicast-playground.png")

