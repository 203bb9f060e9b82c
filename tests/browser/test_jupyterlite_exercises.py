"""In a real browser, offline, on Pyodide: exercise 1 from the JupyterLite site checks itself as in JupyterLab.

A learner opens ``exercises/01_route_lookup.ipynb`` in the site, runs the first
cell with ``STUDENT_ID`` empty and is asked for an identifier (a field, kept in
the site's storage); answers q1 wrong and reads the engine's hint — the very
text CPython's engine gives for that answer —, then right. The saved notebook is
downloaded through the hand-in bar, with ``STUDENT_ID`` filled in, and its typed
answer is the one the grader would read. After a reload, exercise 3 finds the
identifier with ``STUDENT_ID`` still empty. Every request outside 127.0.0.1 is
refused and must not happen. Screenshots go to
``test-artifacts/browser/jupyterlite-exercises/``.

The site is the one tests/browser/test_jupyterlite.py builds (and caches).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

import workbook.exercises as wx
from tests.browser import notebook as nb
from tests.browser.browser import ROOT, artifacts_dir, static_server
from tests.browser.exercise import STUDENT, answer_q1_wrong_then_right, code_cell, output_of, run_cell
from tests.browser.test_jupyterlite import _build_module, offline_page, site  # noqa: F401  (site: a fixture)
from workbook.exercises.literals import Typed, typed_answers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXERCISE = "exercises/01_route_lookup.ipynb"


def test_the_site_ships_the_student_versions_and_nothing_of_the_grader(site: Path) -> None:  # noqa: F811
    """The exercises are the student versions, byte for byte but the kernel's name; no master, hidden test, key
    marker or otter module is anywhere in the site, wheels included; the workbook's wheel has no grader module."""
    from workbook.exercises.build import FORBIDDEN

    build = _build_module()
    for student_version in sorted((ROOT / "exercises").glob("[0-9]*.ipynb")):
        shipped = json.loads((site / "files" / "exercises" / student_version.name).read_text(encoding="utf-8"))
        original = json.loads(student_version.read_text(encoding="utf-8"))
        assert shipped["metadata"].pop("kernelspec")["name"] == "python"
        original["metadata"].pop("kernelspec", None)
        assert shipped == original, student_version.name
    texts: dict[str, str] = {}
    for path in site.rglob("*"):
        if path.suffix in (".json", ".ipynb", ".py", ".txt", ".md", ".html"):
            texts[str(path.relative_to(site))] = path.read_text(encoding="utf-8", errors="replace")
        elif path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                names = wheel.namelist()
                assert not [n for n in names if n.split("/")[0] in ("otter", "instructor")], path.name
                for name in names:
                    if name.endswith((".py", ".ipynb", ".json", ".yaml", ".txt")):
                        texts[f"{path.name}:{name}"] = wheel.read(name).decode("utf-8", errors="replace")
                if path.name.startswith("ip_workbook-"):
                    left = [n for n in names if n in build.GRADER_ONLY or n.startswith(build.LEFT_OUT_OF_WHEEL)]
                    assert left == [] and "workbook/exercises/learner.py" in names, left
    assert any(name.startswith("ip_workbook-") for name in texts), "the workbook's wheel is not in the site"
    leaks = [(where, marker) for where, text in texts.items() for marker in FORBIDDEN if marker in text]
    assert leaks == [], f"solutions or hidden tests in the site: {leaks[:10]}"
    lock = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text())
    assert not [name for name in lock["packages"] if "otter" in name]


def test_exercise_1_checks_itself_offline_and_hands_in(browser, site: Path) -> None:  # noqa: F811
    shots = artifacts_dir("jupyterlite-exercises")
    stamp = json.loads((site / "ip-workbook-lite.json").read_text())
    assert "01_route_lookup.ipynb" in stamp["exercises"]
    with static_server(site) as base, offline_page(browser, base) as (page, refused):
        page.set_default_timeout(90_000)
        try:
            nb.open_notebook(page, f"{base}/lab/index.html?path={EXERCISE}")
            first = code_cell(page, "STUDENT_ID = ")
            run_cell(page, first)
            asked = first.locator(".ip-workbook-student-id")
            asked.wait_for()
            nb.wait_for_text(first, "type it in the field above and press Remember")
            asked.get_by_role("textbox", name="Student ID").fill(STUDENT)
            asked.get_by_role("button", name="Remember").click()
            nb.wait_for_text(asked, "this site keeps it")
            nb.screenshot(first, shots / "1-student-id-asked.png")
            run_cell(page, first)
            bar = first.locator(".ip-workbook-hand-in")
            nb.wait_for_text(bar, f"for {STUDENT} (kept by this site)")

            nb.run_all_cells(page, timeout=300_000)  # every question unanswered: "no answer", never an error
            check = code_cell(page, 'ex.check("q1"')
            assert "q1 no answer" in output_of(check).inner_text()

            print(f"q1 answered wrong: {answer_q1_wrong_then_right(page, shots, '2-')}")

            page.keyboard.press("Escape")
            page.keyboard.press("Control+s")
            page.locator(".jp-mod-dirty").first.wait_for(state="detached")  # saved: the tab's dirty mark is gone
            bar.get_by_role("button", name="Download my notebook").click()
            link = bar.get_by_role("link", name="Save 01_route_lookup.ipynb")
            with page.expect_download() as download:
                link.click()
            handed = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            assert download.value.suggested_filename == "01_route_lookup.ipynb"
            assert "lacks what you last ran" not in bar.inner_text()
            nb.screenshot(first, shots / "4-hand-in.png")

            code = ["".join(c["source"]) for c in handed["cells"] if c["cell_type"] == "code"]
            assert re.match(rf'STUDENT_ID = "{STUDENT}"', code[0]), code[0]
            typed = typed_answers(code, ["q1_next_hop"])["q1_next_hop"]
            assert isinstance(typed, Typed) and wx.load("01_route_lookup", STUDENT).feedback("q1", typed.value).ok

            page.reload()  # the identifier survives: exercise 3, STUDENT_ID left empty, is alice's
            nb.open_notebook(page, f"{base}/lab/index.html?path=exercises/03_cidr.ipynb")
            first = code_cell(page, "STUDENT_ID = ")
            run_cell(page, first)
            nb.wait_for_text(first.locator(".ip-workbook-hand-in"), f"for {STUDENT} (kept by this site)")
            shown = code_cell(page, "print(")
            run_cell(page, shown)
            nb.wait_for_text(output_of(shown), ", ".join(wx.load("03_cidr", STUDENT).variant.networks))
            nb.screenshot(first, shots / "5-exercise-3-after-reload.png")
            assert page.evaluate(nb.ERRORS) == []
        except Exception:
            page.screenshot(path=shots / "failure.png", full_page=True)
            raise
    assert refused == [], f"the exercises asked for something outside the site (it must work offline): {refused}"
