"""Clean virtual environments for the distribution tests: build the wheel, install it, run notebooks inside.

pip's cache (``~/.cache/pip``) is reused, so after the first run an install
downloads nothing. Nothing here imports the workbook from the checkout: the
notebooks run with the venv's own Python, from a folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOKE = Path(__file__).resolve().parent / "run_notebooks.py"
# What a notebook needs beyond the workbook itself (ipykernel runs it, nbclient drives it, ipywidgets for widgets).
NOTEBOOK_TOOLS = ["ipykernel>=6.29", "nbclient>=0.10", "nbformat>=5.9", "ipywidgets>=8.1,<9"]


def run(command: list[str | Path], timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run ``command``; on failure raise AssertionError with its whole output."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONWARNINGS": "ignore",
           **kwargs.pop("env", {})}
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, env=env,
                            **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed with status {result.returncode}:\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


#: Never copied: virtual environments, build output, caches, test artifacts, the JupyterLite build.
LITTER = (".git", ".venv", "build", "dist", "*.egg-info", "_build", "_output", "node_modules", "test-artifacts",
          "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".ipynb_checkpoints", ".jupyterlite.doit.db")


def clean_copy(destination: Path) -> Path:
    """Copy the checkout to ``destination`` without its litter: builds there never touch (or race in) the checkout."""
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(*LITTER), symlinks=True)
    return destination


def build_wheel(out: Path) -> Path:
    """Build the wheel from a clean copy of the checkout into ``out`` (an isolated build, like any installer)."""
    source = clean_copy(out / "source")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source], timeout=300)
    (wheel,) = out.glob("ip_workbook-*.whl")
    return wheel


def new_venv(path: Path) -> Path:
    """A fresh venv at ``path``; returns its python."""
    run([sys.executable, "-m", "venv", path], timeout=120)
    return path / "bin" / "python"


def pip_install(python: Path, *requirements: str | Path, constraints: Path | None = None,
                no_deps: bool = False) -> None:
    command: list[str | Path] = [python, "-m", "pip", "install", "-q"]
    if constraints is not None:
        command += ["-c", constraints]
    if no_deps:
        command.append("--no-deps")
    run([*command, *requirements], timeout=900)


def run_notebooks(python: Path, notebooks: list[Path], cwd: Path, timeout: float = 600) -> list[dict]:
    """Execute ``notebooks`` with ``python``'s kernel; one report each (see run_notebooks.py)."""
    env = {"JUPYTER_DATA_DIR": str(cwd / ".jupyter-data"), "JUPYTER_CONFIG_DIR": str(cwd / ".jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(cwd / ".jupyter-runtime"), "PYTHONPATH": ""}
    result = run([python, SMOKE, *notebooks], timeout=timeout, cwd=cwd, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_clean(reports: list[dict], prefix: Path) -> None:
    """Every notebook ran without error or stderr output, in the venv at ``prefix``, importing its own workbook."""
    problems = [f"{r['notebook']}: {p}" for r in reports for p in r["problems"]]
    assert not problems, "\n".join(problems)
    for report in reports:
        assert Path(report["kernel_prefix"]).resolve() == prefix.resolve(), report
        assert Path(report["workbook_file"]).resolve().is_relative_to(prefix.resolve()), report
