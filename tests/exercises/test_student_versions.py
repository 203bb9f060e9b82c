"""The student versions learners get (exercises/, shipped in the wheel) are exactly what the build makes."""

from __future__ import annotations

from pathlib import Path

from workbook.exercises import ASSIGNMENTS
from workbook.exercises.build import check_student_files, keys_of

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "exercises"


def test_the_shipped_student_versions_equal_a_fresh_build(dist: Path) -> None:
    built = {path.name: path.read_bytes() for path in dist.glob("*/student/*.ipynb")}
    shipped = {path.name: path.read_bytes() for path in SHIPPED.glob("*.ipynb")}
    assert set(shipped) == {f"{name}.ipynb" for name in ASSIGNMENTS}
    stale = sorted(name for name in shipped if shipped[name] != built.get(name))
    assert not stale, (f"exercises/ is out of date for {stale}: run "
                       "`python -m workbook.exercises build --publish exercises`")


def test_no_shipped_student_version_holds_a_solution_a_hidden_test_or_a_key() -> None:
    keys = [key for master in (ROOT / "instructor").glob("*.ipynb") for key in keys_of(master)]
    assert keys and list(SHIPPED.glob("*.ipynb")) and check_student_files(SHIPPED, keys) == []


def test_chapters_send_learners_to_the_student_versions() -> None:
    """Each chapter's closing line links to its exercise in exercises/ (a student version), never to a master."""
    import json
    import re

    linked = {}
    for chapter in sorted((ROOT / "chapters").glob("0*.ipynb")):
        text = "".join("".join(c["source"]) for c in json.loads(chapter.read_text(encoding="utf-8"))["cells"])
        assert "instructor/" not in text, chapter.name
        for target in re.findall(r'<a href="(\.\./exercises/[\w-]+\.ipynb)">', text):
            linked[chapter.name] = (ROOT / "chapters" / target).resolve()
    assert sorted(linked) == sorted(p.name for p in (ROOT / "chapters").glob("0*.ipynb"))
    for chapter, target in linked.items():
        assert target.parent == SHIPPED and target.exists(), (chapter, target)
        assert "ASSIGNMENT CONFIG" not in target.read_text(encoding="utf-8")
