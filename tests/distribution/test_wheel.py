"""pip: the wheel carries the notebooks and the ``ip-workbook`` command; it runs chapter 1 from a clean venv.

Also: the dependency ranges hold at their lower bounds (lower_bounds.txt).
Slow (venvs, pip from its cache): ``./run.sh test -m "not distribution"`` leaves these out.
"""

from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.distribution.venvs import (
    NOTEBOOK_TOOLS,
    ROOT,
    assert_clean,
    build_wheel,
    new_venv,
    pip_install,
    run,
    run_notebooks,
)

pytestmark = pytest.mark.distribution
LOWER_BOUNDS = Path(__file__).with_name("lower_bounds.txt")
CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
EXERCISES = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))  # the student versions learners get


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_ships_the_notebooks_the_command_and_the_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()
        entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
        shipped = {n: archive.read(n).decode() for n in names
                   if n.startswith("workbook/_content/exercises/") and not n.endswith("/")}
    for chapter in CHAPTERS:
        assert f"workbook/_content/chapters/{chapter}" in names
    for exercise in EXERCISES:
        assert f"workbook/_content/exercises/{exercise}" in names
    assert not [n for n, text in shipped.items() if "# SOLUTION" in text or "ASSIGNMENT CONFIG" in text], \
        "the wheel ships an exercise master: learners would see its solutions"
    assert not [n for n in names if "instructor/" in n], "the wheel ships the instructor's folder"
    assert "workbook/scenarios/seed_host.yaml" in names
    assert "workbook/claims/seed_claims.yaml" in names  # the errata appendix reads it
    assert not [n for n in names if "_build/" in n or ".ipynb_checkpoints" in n], "build output was shipped"
    assert "ip-workbook = workbook.cli:main" in entry_points
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"\nVersion: {version}\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata
    assert "Classifier: Programming Language :: Python :: 3.11" in metadata
    assert "Requires-Python: >=3.11" in metadata


def test_the_wheel_in_a_clean_venv_copies_the_notebooks_and_runs_chapter_1(wheel: Path, tmp_path: Path) -> None:
    python = new_venv(tmp_path / "venv")
    pip_install(python, wheel, *NOTEBOOK_TOOLS)
    command = tmp_path / "venv" / "bin" / "ip-workbook"
    assert run([command, "--version"]).stdout.strip().startswith("ip-workbook ")
    where = Path(run([command, "where"]).stdout.strip())
    assert where.is_relative_to(tmp_path / "venv"), f"the notebooks come from {where}, not the installed wheel"

    course = tmp_path / "course"
    run([command, "copy", course])
    assert sorted(p.name for p in (course / "chapters").glob("*.ipynb")) == CHAPTERS
    assert sorted(p.name for p in (course / "exercises").glob("*.ipynb")) == EXERCISES
    mine = course / "chapters" / "01_route_tables.ipynb"
    mine.write_text(mine.read_text().replace("Chapter 1", "Chapter 1 (my notes)", 1))
    again = run([command, "copy", course]).stdout
    assert "kept" in again and "(my notes)" in mine.read_text(), "a second copy replaced the learner's notebook"
    mine.write_text((ROOT / "chapters" / "01_route_tables.ipynb").read_text())

    reports = run_notebooks(python, [mine], cwd=course)
    assert_clean(reports, tmp_path / "venv")
    print(f"chapter 1 from the wheel: {reports[0]['seconds']} s")


def _lower_bounds_in_pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        match = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*)", requirement)
        if match:
            bounds[match[1].lower()] = match[2]
    return bounds


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_lower_bounds_file_matches_pyproject() -> None:
    """Every pin in lower_bounds.txt is exactly a `>=` bound that pyproject.toml declares."""
    declared = _lower_bounds_in_pyproject()
    for name, version in _pins(LOWER_BOUNDS).items():
        assert name in declared, f"{name} is pinned in {LOWER_BOUNDS.name} but has no >= bound in pyproject.toml"
        assert declared[name] == version or declared[name] + ".0" == version, \
            f"{name}: pyproject.toml says >={declared[name]}, {LOWER_BOUNDS.name} tests {version}"


def test_the_lowest_allowed_versions_run_the_unit_tests_and_chapter_1(wheel: Path, tmp_path: Path) -> None:
    python = new_venv(tmp_path / "venv")
    pip_install(python, wheel, *NOTEBOOK_TOOLS, "pytest>=8", "hypothesis>=6.100", "dpkt>=1.9",
                constraints=LOWER_BOUNDS)
    frozen = _pins_from_freeze(run([python, "-m", "pip", "freeze"]).stdout)
    for name, version in _pins(LOWER_BOUNDS).items():
        assert frozen.get(name) == version, f"{name} {frozen.get(name)} installed, {version} wanted"

    course = tmp_path / "course"
    run([tmp_path / "venv" / "bin" / "ip-workbook", "copy", course])
    reports = run_notebooks(python, [course / "chapters" / "01_route_tables.ipynb"], cwd=course)
    assert_clean(reports, tmp_path / "venv")

    # The unit tests import the checkout's workbook: the same code, now on the oldest dependencies.
    run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "tests/net", "tests/sim", "tests/render",
         "tests/widgets", "--ignore=tests/net/test_linux_kernel.py"], cwd=ROOT, timeout=900)


def _pins_from_freeze(text: str) -> dict[str, str]:
    return {name.lower(): version for name, _, version in
            (line.partition("==") for line in text.splitlines() if "==" in line)}
