"""The chapters build as a static book (Jupyter Book, offline) with no warning, and its links resolve."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


@pytest.mark.xdist_group("book")
def test_the_book_builds_without_warnings_and_every_local_link_resolves(tmp_path: Path) -> None:
    if not JUPYTER_BOOK.exists():
        pytest.skip("jupyter-book is not installed in this environment (pip install -e '.[test]')")
    source = tmp_path / "chapters"
    shutil.copytree(ROOT / "chapters", source, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    done = subprocess.run([str(JUPYTER_BOOK), "build", str(source), "--builder", "html", "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, re.sub(r"\x1b\[[0-9;]*m", "", done.stdout[-4000:] + done.stderr[-2000:])
    html = source / "_build" / "html"
    pages = sorted(html.glob("*.html"))
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert {p.stem for p in pages} >= set(chapters)
    broken = []
    for page in pages:
        for target in re.findall(r'href="([^"#:?]+\.html)', page.read_text(encoding="utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert not broken, broken
