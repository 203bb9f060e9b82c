"""Binder: binder/ follows repo2docker's conventions, repo2docker accepts it, and its files alone run every notebook.

Docker is not available here, so the image is never built: ``jupyter-repo2docker
--no-build`` prints the Dockerfile it would run, and a fresh venv made from
binder/requirements.txt and binder/postBuild (on a copy of the checkout, as
repo2docker copies the repository into the image) executes every chapter and
the student version of every exercise, after checking that no master, solution
or hidden test is left in it. Slow: ``./run.sh test -m "not distribution"``
leaves these out.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import tomllib
import urllib.parse
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.browser.browser import jupyter_lab
from tests.distribution.venvs import ROOT, assert_clean, clean_copy, new_venv, pip_install, run, run_notebooks
from workbook.exercises.build import FORBIDDEN, set_student

pytestmark = pytest.mark.distribution
BINDER = ROOT / "binder"
MASTERS = ROOT / "instructor"
REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
FIRST_CHAPTER = "chapters/00_orientation.ipynb"


def pins() -> dict[str, str]:
    found = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version and not re.search(r"[<>~!*]", version), f"binder/requirements.txt: {line!r} is not pinned"
            found[name.lower().replace("_", "-")] = version
    return found


def assert_no_solution_in(repo: Path, venv: Path) -> None:
    """No master, no solution and no hidden test anywhere in the image: the checkout as Binder leaves it, and the
    workbook it installed."""
    assert not (repo / "instructor").exists() and not (repo / ".git").exists() and not (repo / "tests").exists()
    hidden = [hidden_test for master in MASTERS.glob("*.ipynb") for hidden_test in hidden_tests_of(master)]
    assert hidden, "the masters hold hidden tests"
    installed = [p for p in venv.rglob("workbook") if p.is_dir() and (p / "__init__.py").exists()]
    assert installed, "the workbook was installed into the venv"
    for path in [p for root in (repo, *installed) for p in root.rglob("*") if p.is_file()]:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".ipynb":
            assert not [m for m in FORBIDDEN if m in text], f"{path} is a master or holds a solution"
        assert "BEGIN QUESTION" not in text and not re.search(r"right\s*=\s*\(?\s*[\"']", text), path
        assert not [h for h in hidden if h in text], f"{path} holds a hidden test"


def hidden_tests_of(master: Path) -> list[str]:
    """The code of each hidden test of a master, as written there."""
    tests = []
    for cell in json.loads(master.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "hidden: true" in source:
            tests.append(source.split("# END TEST CONFIG", 1)[1].strip())
    return tests


def test_binder_folder_follows_repo2docker_conventions() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert "graphviz" in (BINDER / "apt.txt").read_text().split()
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    text = "\n".join(line for line in post_build.read_text().splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"pip install --no-deps\b.* \.$", text, re.MULTILINE), "postBuild must install with --no-deps"
    assert not re.search(r"jupyter[ -]lab(extension)? (build|install)", text), "postBuild must not build JupyterLab"
    assert (ROOT / FIRST_CHAPTER).exists(), f"Binder opens {FIRST_CHAPTER}, which does not exist"
    assert f'"/lab/tree/{FIRST_CHAPTER}"' in text, "postBuild must make the orientation chapter the default URL"


def test_binder_pins_satisfy_the_workbook_and_its_lab_extra() -> None:
    pinned = pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in [*project["dependencies"], *project["optional-dependencies"]["lab"]]:
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not pinned in binder/requirements.txt (run binder/update-requirements)"
        assert requirement.specifier.contains(pinned[name]), \
            f"binder pins {name}=={pinned[name]}, outside pyproject.toml's {requirement}"


def test_readme_binder_badge_opens_the_orientation_chapter() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((https://mybinder\.org/v2/gh/[^\s)]+)\)", readme)  # the badges' targets
    assert links, "README has no Binder link"
    for link in links:
        assert f"urlpath=lab/tree/{FIRST_CHAPTER}" in link, link


def test_repo2docker_accepts_the_binder_folder(tmp_path: Path) -> None:
    python = new_venv(tmp_path / "r2d")
    pip_install(python, REPO2DOCKER)
    result = run([tmp_path / "r2d" / "bin" / "jupyter-repo2docker", "--no-build", "--no-run", "--debug", ROOT],
                 cwd=tmp_path)
    dockerfile = result.stdout + result.stderr
    assert "python=3.11" in dockerfile
    assert "apt-get install --yes --no-install-recommends graphviz" in dockerfile
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert "./binder/postBuild" in dockerfile
    (tmp_path / "Dockerfile.txt").write_text(dockerfile)


def test_a_venv_from_binder_files_alone_runs_every_chapter_and_exercise(tmp_path: Path) -> None:
    repo = clean_copy(tmp_path / "repo")
    git = ["git", "-C", repo, "-c", "user.name=binder", "-c", "user.email=binder@example.org"]
    run([*git, "init", "-q"])
    run([*git, "add", "-A"])
    run([*git, "commit", "-qm", "what Binder clones: the masters are in the history"])
    python = new_venv(tmp_path / "venv")
    pip_install(python, "-r", repo / "binder" / "requirements.txt")
    env = {"PATH": f"{tmp_path / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    run([repo / "binder" / "postBuild"], cwd=repo, env=env)
    run([python, "-m", "pip", "check"])
    assert not (repo / "build").exists()
    assert_no_solution_in(repo, tmp_path / "venv")

    learner = tmp_path / "learner"  # the student versions as a learner runs them: with a STUDENT_ID
    learner.mkdir()
    for exercise in sorted((repo / "exercises").glob("*.ipynb")):
        (learner / exercise.name).write_text(set_student(exercise.read_text(), "binder-learner"))
    notebooks = sorted((repo / "chapters").glob("*.ipynb")) + sorted(learner.glob("*.ipynb"))
    reports = run_notebooks(python, notebooks, cwd=repo, timeout=1200)
    assert_clean(reports, tmp_path / "venv")
    print("seconds per notebook:", json.dumps({r["notebook"]: r["seconds"] for r in reports}))

    # What a link without urlpath opens: JupyterLab started from that venv redirects / to the orientation chapter.
    with jupyter_lab(repo, tmp_path / "state", python=python) as (base, token):
        connection = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=10)
        try:
            connection.request("GET", f"/?token={token}")
            response = connection.getresponse()
            assert response.status == 302
            assert response.headers["Location"].startswith(f"/lab/tree/{FIRST_CHAPTER}")
        finally:
            connection.close()
