"""./run.sh lab installs a learner's needs only: the workbook with its [lab] extras and Debian's graphviz; the test
extras, the browser and the other Debian tools come with ./run.sh test alone (issue 17, item 3).

run.sh runs for real, in a copy of the checkout's run.sh and pyproject.toml, with every program it calls replaced
by a stub that logs its arguments: the venv's python (pip and pytest), jupyter, ruff, apt-get. The PATH holds only
the few tools run.sh needs besides them, so no Debian tool is found and run.sh asks apt-get for each one it wants.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUB = '#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n'
TOOLS = ("sha256sum", "cut", "cat", "dirname", "id", "basename", "sh")


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, Path, dict]:
    """A checkout with run.sh, a venv of stubs, and an environment whose PATH has only the tools run.sh needs."""
    work = tmp_path / "clone"
    (work / ".venv" / "bin").mkdir(parents=True)
    for name in ("run.sh", "pyproject.toml"):
        shutil.copy(ROOT / name, work / name)
    log = tmp_path / "log"
    log.touch()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"no {tool} here")
        (bin_dir / tool).symlink_to(found)
    stubs = {bin_dir / "apt-get": STUB, work / ".venv" / "bin" / "python": STUB,
             work / ".venv" / "bin" / "jupyter": STUB, work / ".venv" / "bin" / "ruff": STUB}
    for path, text in stubs.items():
        path.write_text(text.format(log=log))
        path.chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    if os.geteuid() != 0:  # run.sh asks through sudo then: the stub logs it as apt-get would be asked
        (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
        (bin_dir / "sudo").chmod(0o755)
    return work, log, env


def run(work: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run([bash, str(work / "run.sh"), *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=60)


def logged(log: Path) -> list[str]:
    lines = log.read_text().splitlines()
    log.write_text("")
    return lines


def apt_packages(lines: list[str]) -> set[str]:
    return {word for line in lines if line.startswith("apt-get install") for word in line.split()[2:]
            if not word.startswith("-")}


def test_lab_installs_only_the_lab_extras_and_graphviz(checkout) -> None:
    work, log, env = checkout
    done = run(work, env, "lab")
    assert done.returncode == 0, done.stderr
    lines = logged(log)
    pip = [line for line in lines if line.startswith("python -m pip install")]
    assert pip[-1] == "python -m pip install -q -e .[lab]", lines
    assert apt_packages(lines) == {"graphviz"}, lines
    assert any(line.startswith("jupyter lab --ip=127.0.0.1") for line in lines), lines

    (Path(env["PATH"]) / "dot").symlink_to(Path(env["PATH"]) / "apt-get")  # as if apt-get had installed graphviz
    again = run(work, env, "lab")  # installed once: the next start goes straight to JupyterLab
    assert again.returncode == 0 and [line.split()[:2] for line in logged(log)] == [["jupyter", "lab"]]


def test_test_installs_the_test_extras_and_the_debian_tools_with_the_browser(checkout) -> None:
    work, log, env = checkout
    assert run(work, env, "lab").returncode == 0
    logged(log)
    done = run(work, env, "test", "-k", "nothing")
    assert done.returncode == 0, done.stderr
    lines = logged(log)
    assert "python -m pip install -q -e .[lab,test]" in lines, lines
    wanted = {"graphviz", "iproute2", "iputils-arping"}
    if not Path("/usr/bin/chromium").exists():
        wanted.add("chromium")
    assert wanted <= apt_packages(lines), lines  # run.sh looks for Chromium at /usr/bin/chromium, outside the stubs
    assert lines[-1] == "python -m pytest -n 2 --dist loadgroup -k nothing", lines

    assert run(work, env, "lab").returncode == 0  # [lab,test] holds [lab]: nothing more to install
    assert not [line for line in logged(log) if "pip install" in line]
