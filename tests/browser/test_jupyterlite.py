"""In a real browser, with no server: the JupyterLite site opens chapter 1, runs every cell on Pyodide, draws a diagram.

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
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.browser.browser import ROOT, artifacts_dir, static_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHAPTER = "01_route_tables.ipynb"
LITE_CACHE = Path(os.environ.get("WORKBOOK_LITE_CACHE", Path(tempfile.gettempdir()) / "ip-workbook-lite"))

KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => /\\| Idle$/.test(e.textContent))"""
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""
ERRORS = """() => [...document.querySelectorAll(
    '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.textContent)"""
#: A diagram the page drew with viz.js (workbook/render/browser.py marks its box data-drawn="viz.js").
DRAWN = ".jp-Notebook .widget-html .ip-workbook-viz[data-drawn='viz.js'] svg"


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
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
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
    """Open chapter 1 in JupyterLite, run every cell; seconds from opening to the first diagram drawn in the page."""
    started = time.monotonic()
    page.goto(f"{base}/lab/index.html?path={CHAPTER}")
    page.locator(".jp-Notebook").first.wait_for()
    page.wait_for_function(KERNEL_IDLE)  # Pyodide has loaded and the kernel has answered
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.locator(DRAWN).first.wait_for(state="attached")
    return time.monotonic() - started


def test_chapter_1_runs_on_pyodide_and_draws_a_diagram_in_jupyterlite(browser, site: Path) -> None:
    shots = artifacts_dir("jupyterlite")
    print(f"screenshots: {shots}")
    stamp = json.loads((site / "ip-workbook-lite.json").read_text())
    print(f"site: {stamp['bytes'] / 2**20:.1f} MiB, Pyodide {stamp['pyodide']}, viz.js {stamp['viz']}")
    with static_server(site) as base, offline_page(browser, base) as (page, refused):
        page.set_default_timeout(90_000)
        try:
            seconds = open_and_run_all(page, base)
            print(f"from opening the page to the first diagram: {seconds:.1f} s")
            page.wait_for_function(ALL_CELLS_RAN)
            page.wait_for_function(KERNEL_IDLE)
            page.screenshot(path=shots / "1-ran-all-cells.png", full_page=True)
            assert page.evaluate(ERRORS) == [], "a cell failed in the browser"
            diagram = page.locator(DRAWN).last
            diagram.scroll_into_view_if_needed()
            diagram.screenshot(path=shots / "2-diagram.png")
            text = diagram.text_content()
        except Exception:
            page.screenshot(path=shots / "failure.png", full_page=True)
            raise
    assert "172.17.1.1" in text, f"the diagram does not show the lookup's destination: {text!r}"
    assert refused == [], f"the site asked for something outside it (it must work offline): {refused}"
