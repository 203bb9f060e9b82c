"""The learner's install is enough: the wheel with its ``[lab]`` extras alone (what ``./run.sh lab`` installs, see
tests/test_run_sh.py) runs every chapter and every exercise's student version, and carries none of the test tools.

Slow (a venv, pip from its cache): ``./run.sh test -m "not distribution"`` leaves it out.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests.distribution.venvs import ROOT, assert_clean, build_wheel, new_venv, pip_install, run, run_notebooks
from workbook.exercises.learner import with_student

pytestmark = pytest.mark.distribution


def _names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r)[0].lower().replace("_", "-") for r in requirements}


def test_the_lab_extras_alone_run_every_chapter_and_exercise(tmp_path: Path) -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    test_only = _names(extras["test"]) - _names(extras["lab"])
    wheel = build_wheel(tmp_path / "wheel")
    python = new_venv(tmp_path / "venv")
    pip_install(python, f"ip-workbook[lab] @ {wheel.as_uri()}")
    installed = {entry["name"].lower().replace("_", "-")
                 for entry in json.loads(run([python, "-m", "pip", "list", "--format", "json"]).stdout)}
    # what [lab] pulls in through JupyterLab (nbclient, nbformat, ipykernel) is not a test tool
    unwanted = test_only - {"nbclient", "nbformat", "ipykernel"}
    assert {"pytest", "otter-grader", "playwright", "jupyter-book", "hypothesis", "ruff"} <= unwanted
    assert installed & unwanted == set(), f"the learner's install carries test tools: {installed & unwanted}"

    course = tmp_path / "course"
    (course / "chapters").mkdir(parents=True)
    (course / "exercises").mkdir()
    notebooks = []
    for folder in ("chapters", "exercises"):
        for path in sorted((ROOT / folder).glob("[0-9A-Z]*.ipynb")):
            text = path.read_text(encoding="utf-8")
            copy = course / folder / path.name
            copy.write_text(with_student(text, "alice") if folder == "exercises" else text, encoding="utf-8")
            notebooks.append(copy)
    reports = run_notebooks(python, notebooks, cwd=course, timeout=900)
    assert_clean(reports, tmp_path / "venv")
    assert len(reports) == len(notebooks)
    print(f"[lab] alone: {len(installed)} packages; {len(reports)} notebooks in "
          f"{sum(r['seconds'] for r in reports):.0f} s")
