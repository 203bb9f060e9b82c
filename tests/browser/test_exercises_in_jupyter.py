"""In a real browser, the student version of exercise 1 runs unchanged in JupyterLab 4 and Notebook 7 (CPython), as
tests/browser/test_jupyterlite_exercises.py runs it in JupyterLite (Pyodide): STUDENT_ID typed into the first cell,
every cell run, q1 answered wrong (the engine's hint, word for word) and then right. Outside the browser no
identifier field and no hand-in bar are shown: STUDENT_ID and the front end's File → Download do that.
Screenshots go to ``test-artifacts/browser/<front end>-exercises/``."""

from __future__ import annotations

import shutil

import pytest

from tests.browser import notebook as nb
from tests.browser.browser import ROOT, artifacts_dir, jupyter_lab
from tests.browser.exercise import STUDENT, answer_q1_wrong_then_right, code_cell, run_cell

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXERCISE = "01_route_lookup.ipynb"


@pytest.mark.parametrize(("app", "url"), [("jupyterlab", "lab/tree"), ("notebook", "notebooks")],
                         ids=["jupyterlab-4", "notebook-7"])
def test_exercise_1_checks_itself_unchanged(browser, tmp_path, app: str, url: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "exercises" / EXERCISE, root / EXERCISE)
    shots = artifacts_dir(f"{app}-exercises")
    with jupyter_lab(root, tmp_path / "state", app=app) as (base, token):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(90_000)
        try:
            reset = "&reset" if app == "jupyterlab" else ""
            nb.open_notebook(page, f"{base}/{url}/{EXERCISE}?token={token}{reset}")
            first = code_cell(page, "STUDENT_ID = ")
            first.locator(".cm-content").click()
            page.keyboard.press("Control+Home")
            page.keyboard.press("Shift+End")  # the first line, STUDENT_ID = "" and its comment
            page.keyboard.insert_text(f'STUDENT_ID = "{STUDENT}"')
            run_cell(page, first)
            nb.run_all_cells(page)
            assert first.locator(".ip-workbook-student-id, .ip-workbook-hand-in").count() == 0
            print(f"{app}: q1 answered wrong: {answer_q1_wrong_then_right(page, shots)}")
        except Exception:
            page.screenshot(path=shots / "failure.png", full_page=True)
            raise
        finally:
            page.close()
