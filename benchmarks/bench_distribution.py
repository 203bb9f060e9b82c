"""Distribution figures: wheel size, Binder environment size, and time to the first diagram in a real browser.

    .venv/bin/python benchmarks/bench_distribution.py            # builds a Binder-like venv (about a minute)
    .venv/bin/python benchmarks/bench_distribution.py --binder-venv PATH   # measure an existing one instead

Printed, never asserted. The Binder environment is measured as a venv built
from binder/requirements.txt plus the workbook (what repo2docker adds on top of
its own base image). Time to first diagram: JupyterLab serving a copy of
chapter 1 in headless Chromium, from opening the page (kernel start and Run All
included) to the first SVG diagram in the notebook; median of 3. The same for
the JupyterLite site (built by lite/build.py, or reused from the browser test's
cache): from opening chapter 1 (Pyodide's start included) to the first diagram
drawn in the page by viz.js, served from 127.0.0.1 with every other address refused.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.browser import chromium, chromium_problem, jupyter_lab, static_server  # noqa: E402
from tests.browser.test_jupyterlite import built_site, offline_page, open_and_run_all  # noqa: E402
from tests.distribution.venvs import build_wheel, new_venv, pip_install, run  # noqa: E402


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def binder_venv(work: Path, wheel: Path) -> Path:
    venv = work / "binder-venv"
    python = new_venv(venv)
    pip_install(python, "-r", ROOT / "binder" / "requirements.txt")
    pip_install(python, wheel, no_deps=True)
    return venv


def first_diagram_seconds(browser, base: str, token: str, notebook: str) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    try:
        started = time.monotonic()
        page.goto(f"{base}/lab/tree/{notebook}?token={token}")
        page.locator(".jp-Notebook").first.wait_for()
        idle = ("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                ".some(e => /\\| Idle$/.test(e.textContent))")
        chooser = "() => document.querySelector('.jp-Dialog .jp-mod-accept') !== null"
        page.wait_for_function(f"() => ({chooser})() || ({idle})()")
        if page.evaluate(chooser):
            page.locator(".jp-Dialog .jp-mod-accept").click()
        page.wait_for_function(idle)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        diagram = (".jp-Notebook .jp-OutputArea-output svg, "
                   ".jp-Notebook .jp-OutputArea-output img[src^='data:image/svg']")
        page.locator(diagram).first.wait_for(state="attached")
        seconds = time.monotonic() - started
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Kernel$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Shut Down Kernel$")).click()
        return seconds
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binder-venv", type=Path, help="measure this venv instead of building one")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        started = time.monotonic()
        wheel = build_wheel(work / "wheel")
        print(f"wheel                      {wheel.name}: {mib(wheel.stat().st_size)} "
              f"(built in {time.monotonic() - started:.1f} s)")

        venv = arguments.binder_venv
        if venv is None:
            started = time.monotonic()
            venv = binder_venv(work, wheel)
            print(f"Binder-like venv built in  {time.monotonic() - started:.1f} s (pip cache warm)")
        packages = run([venv / "bin" / "python", "-m", "pip", "list", "--format=freeze"]).stdout.count("==")
        print(f"Binder environment         {mib(size_of(venv))} in {packages} packages "
              "(on top of repo2docker's base image; plus Debian's graphviz)")
        site, how = built_site()
        if site is None:
            print(f"JupyterLite site           not built: {how}")
        else:
            files = sum(1 for p in site.rglob("*") if p.is_file())
            print(f"JupyterLite site           {mib(size_of(site))} in {files} files ({how})")

        problem = chromium_problem()
        if problem:
            print(f"time to first diagram      skipped: {problem}")
            return
        root = work / "root"
        root.mkdir()
        shutil.copy(ROOT / "chapters" / "01_route_tables.ipynb", root)
        times = []
        with jupyter_lab(root, work / "state", python=venv / "bin" / "python") as (base, token), \
                chromium() as browser:
            for _ in range(arguments.runs):
                times.append(first_diagram_seconds(browser, base, token, "01_route_tables.ipynb"))
        print(f"time to first diagram      JupyterLab, chapter 1, headless Chromium: median "
              f"{statistics.median(times):.2f} s of {len(times)} ({', '.join(f'{t:.2f}' for t in times)})")
        if site is None:
            print("                           JupyterLite: not built")
            return
        lite_times = []
        with static_server(site) as base, chromium() as browser:
            for _ in range(arguments.runs):
                with offline_page(browser, base) as (page, _refused):
                    page.set_default_timeout(120_000)
                    lite_times.append(open_and_run_all(page, base))
        print(f"                           JupyterLite, chapter 1 on Pyodide, no server: median "
              f"{statistics.median(lite_times):.2f} s of {len(lite_times)} "
              f"({', '.join(f'{t:.2f}' for t in lite_times)})")


if __name__ == "__main__":
    main()
