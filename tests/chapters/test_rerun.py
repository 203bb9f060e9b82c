"""Learners re-run cells: every chapter survives each code cell executed twice in a row (issue 12, item 5).

The kernel runs the chapter top to bottom, executing every code cell twice before moving to the next.
A chapter fails when the second run of a cell raises, writes to stderr, or shows different output
from the first run: prose written about the first run would then contradict what the learner sees.
A cell whose output is meant to change on a re-run (a clock that advances, a counter) carries the
cell tag ``rerun-changes``, and the prose beside it says why; its second run must still not fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


# Output that differs between two runs without the chapter saying anything different.
_VOLATILE = [
    (re.compile(r"0x[0-9a-f]{6,}"), "0x…"),  # object addresses in default reprs
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),  # widget model ids
    (re.compile(r'id="[^"]*"'), 'id="…"'),  # element ids in SVG and HTML
]


def _normalised(outputs: list) -> list[str]:
    """The text a learner reads in a cell's outputs, with run-to-run noise removed.

    A stream arrives in chunks whose boundaries depend on timing: consecutive chunks are joined.
    """
    texts: list[str] = []
    previous = None
    for output in outputs:
        if output.output_type == "stream":
            text = output.text
            if previous == output.name:
                texts[-1] += text
                continue
            previous = output.name
            texts.append(text)
            continue
        previous = None
        if output.output_type in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue  # a widget: its state lives in the kernel, not in the output
            text = data.get("text/plain", "") + data.get("text/markdown", "") + data.get("text/html", "")
        else:
            text = f"{output.get('ename')}: {output.get('evalue')}"
        texts.append(text)
    for pattern, replacement in _VOLATILE:
        texts = [pattern.sub(replacement, text) for text in texts]
    return texts


def _param(path: Path):
    return pytest.param(path, id=path.stem)


@pytest.mark.parametrize("path", [_param(p) for p in CHAPTERS])
def test_every_code_cell_runs_twice_in_a_row_with_the_same_output(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.shutdown_kernel = "immediate"  # polite shutdowns stall for seconds on these machines
    problems: list[str] = []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            runs = []
            failed = False
            for attempt in ("first", "second"):
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    problems.append(f"cell {index}, {attempt} run: {str(error).strip().splitlines()[-1]}")
                    failed = True
                    break
                stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
                if stderr:
                    problems.append(f"cell {index}, {attempt} run wrote to stderr: {stderr[0][:300]}")
                runs.append(_normalised(cell.outputs))
            if failed:
                break  # later cells depend on this one: report the first failure only
            if len(runs) == 2 and runs[0] != runs[1] and "rerun-changes" not in cell.metadata.get("tags", []):
                first, second = ("\n".join(r)[:400] for r in runs)
                problems.append(f"cell {index} shows different output when run again:\n"
                                f"--- first run\n{first}\n--- second run\n{second}\n"
                                f"source:\n{cell.source[:300]}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
