"""Every chapter is stored without outputs and runs top to bottom with no error and no warning output."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def ids(path: Path) -> str:
    return path.stem


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_chapter_is_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing"
    # Without a kernelspec, JupyterLab and Notebook 7 ask the learner which kernel to start.
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name} names no python3 kernel"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_chapter_runs_top_to_bottom_without_errors_or_warnings(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.shutdown_kernel = "immediate"  # polite shutdowns stall for seconds on these machines
    client.execute()
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index} wrote to stderr: {output.text[:300]}")
    assert not problems, "\n".join(problems)


def test_every_exercise_a_chapter_names_exists() -> None:
    named = {name for path in CHAPTERS for name in re.findall(r"exercises/([\w-]+\.ipynb)", path.read_text())}
    missing = sorted(name for name in named if not (ROOT / "exercises" / name).is_file())
    assert named and not missing, f"chapters name exercises that do not exist: {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids)
def test_chapter_runs_without_graphviz_and_says_how_to_install_it(path: Path, tmp_path: Path, monkeypatch) -> None:
    """A laptop without `dot`: every cell still runs, and each diagram shows the install command instead."""
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` to be found
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.shutdown_kernel = "immediate"
    client.execute()
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"], "a cell failed without Graphviz"
    shown = "\n".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("text", "")) for o in outputs)
    if not path.stem.startswith("A_"):  # every chapter draws diagrams; the errata appendix shows values only
        assert "apt install graphviz" in shown, "no diagram told the learner how to install Graphviz"
