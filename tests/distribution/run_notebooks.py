"""Run inside a test venv: execute each notebook given on the command line; print one JSON list of reports.

Each report names the notebook, its problems (error outputs, stderr output),
the kernel's ``sys.prefix`` and where its ``workbook`` came from, so the
test can check that the venv's own installed copy was used.
"""

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

PROBE = "import sys, workbook\nprint(sys.prefix)\nprint(workbook.__file__)"


def execute(path: Path) -> dict:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.shutdown_kernel = "immediate"
    started = time.monotonic()
    client.execute()
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index} wrote to stderr: {output.text[:300]}")
    # the probe's two lines may arrive as one stream output or as two (the kernel flushes when it likes)
    probe = "".join(o.text for o in notebook.cells[-1].outputs if o.output_type == "stream" and o.name == "stdout")
    prefix, workbook_file = probe.split()
    return {"notebook": path.name, "problems": problems, "seconds": round(time.monotonic() - started, 2),
            "kernel_prefix": prefix, "workbook_file": workbook_file}


if __name__ == "__main__":
    print(json.dumps([execute(Path(name)) for name in sys.argv[1:]]))
