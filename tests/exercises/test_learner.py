"""The learner's browser side: the identifier asked once and kept per site (the JupyterLite drive), and the saved
notebook handed in with STUDENT_ID filled in. The browser is simulated by pointing the drive at a temporary folder;
tests/browser/test_jupyterlite.py runs the same in Pyodide."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import workbook.exercises as wx
from workbook.exercises import learner
from workbook.exercises.core import ExerciseError
from workbook.exercises.literals import Typed, typed_answers

ROOT = Path(__file__).resolve().parents[2]
STUDENT_VERSION = ROOT / "exercises" / "01_route_lookup.ipynb"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A simulated JupyterLite kernel: Pyodide, with the site's drive mounted at a temporary folder."""
    drive = tmp_path / "drive"
    drive.mkdir()
    monkeypatch.setattr(learner, "in_browser", lambda: True)
    monkeypatch.setattr(learner, "DRIVE", drive)
    return drive


def test_the_identifier_is_kept_once_and_found_by_every_exercise(browser: Path) -> None:
    with pytest.raises(ExerciseError, match=r'set STUDENT_ID in the first cell .* e\.g\. STUDENT_ID = "alice"'):
        wx.load("01_route_lookup", "")
    first = wx.load("01_route_lookup", "Zoe\u0308")  # typed once, decomposed as a macOS keyboard may
    assert json.loads((browser / learner.STORE).read_text()) == {"student": "Zoë"}
    for assignment in wx.ASSIGNMENTS:
        assert wx.load(assignment, "").student == "Zoë"
    assert wx.load("01_route_lookup", "").variant == first.variant
    assert wx.load("03_cidr", "bob").student == "bob" and learner.remembered_student() == "bob"  # a new one wins


def test_outside_the_browser_only_student_id_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / learner.STORE).write_text('{"student": "alice"}')
    monkeypatch.setattr(learner, "DRIVE", tmp_path)  # even with a drive-like folder: CPython is not the browser
    assert learner.drive_root() is None and learner.remembered_student() == ""
    with pytest.raises(ExerciseError, match="set STUDENT_ID"):
        wx.load("01_route_lookup", "")
    assert wx.load("01_route_lookup", "bob").student == "bob"
    assert json.loads((tmp_path / learner.STORE).read_text()) == {"student": "alice"}  # untouched


@pytest.mark.parametrize("bad", ["", "  ", "../alice", ".hidden", "a\u200bb", "con"])
def test_an_identifier_the_roster_refuses_is_not_kept(browser: Path, bad: str) -> None:
    with pytest.raises(ExerciseError, match=r"student identifier .*e\.g\. alice"):
        learner.remember_student(bad)
    assert not (browser / learner.STORE).exists()
    if bad.strip():
        assert wx.load("01_route_lookup", bad).student == bad.strip()  # still loads; only not kept
        assert learner.remembered_student() == ""


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"student": 7}', '{"other": "x"}'])
def test_an_unreadable_store_means_nothing_kept(browser: Path, content: str) -> None:
    (browser / learner.STORE).write_text(content)
    assert learner.remembered_student() == ""
    assert learner.remember_student("alice") == "alice" and learner.remembered_student() == "alice"


def _answered(folder: Path, answers: dict[str, str], name: str = "01_route_lookup.ipynb") -> Path:
    notebook = json.loads(STUDENT_VERSION.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        for variable, value in answers.items():
            if source.startswith(f"{variable} = ..."):
                cell["source"] = f"{variable} = {value!r}"
    path = folder / name
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_hand_in_fills_in_the_identifier_and_names_answers_changed_since_the_save(tmp_path: Path) -> None:
    ex = wx.load("01_route_lookup", "alice")
    right = str(ex.variant.table.lookup(ex.variant.subnet_destination).next_hop)
    _answered(tmp_path, {"q1_next_hop": right, "q7_why": "B"})
    handed = learner.hand_in(ex, {"q1_next_hop": right, "q2_next_hop": ..., "q7_why": "b"}, tmp_path)
    assert handed.name == "01_route_lookup.ipynb" and handed.unsaved == ()
    cells = [c for c in json.loads(handed.text)["cells"] if c["cell_type"] == "code"]
    assert cells[0]["source"].startswith('STUDENT_ID = "alice"')
    typed = typed_answers(["".join(c["source"]) for c in cells], ["q1_next_hop", "q7_why"])
    assert typed["q1_next_hop"].value == right and isinstance(typed["q7_why"], Typed)
    assert ex.feedback("q1", typed["q1_next_hop"].value).ok  # what the grader reads is the answer the kernel had

    changed = learner.hand_in(ex, {"q1_next_hop": "10.9.9.9", "q3_next_hop": "10.0.0.1", "q7_why": "B"}, tmp_path)
    assert changed.unsaved == ("q1_next_hop", "q3_next_hop")


def test_hand_in_finds_a_renamed_copy_and_says_when_nothing_is_saved(tmp_path: Path) -> None:
    ex = wx.load("01_route_lookup", "alice")
    with pytest.raises(ExerciseError, match=r"no saved notebook of 01_route_lookup .* save it first \(Ctrl\+S\)"):
        learner.hand_in(ex, None, tmp_path)
    shutil.copy(ROOT / "exercises" / "03_cidr.ipynb", tmp_path / "01_route_lookup.ipynb")  # the name, not the content
    copy = _answered(tmp_path, {}, "01_route_lookup-Copy1.ipynb")
    assert learner.notebook_of("01_route_lookup", tmp_path) == copy
    assert learner.hand_in(ex, None, tmp_path).name == "01_route_lookup.ipynb"


def test_the_build_fills_student_id_as_the_hand_in_does() -> None:
    from workbook.exercises.build import set_student

    text = STUDENT_VERSION.read_text(encoding="utf-8")
    assert set_student(text, "Zoë") == learner.with_student(text, "Zoë")
    first = next(c for c in json.loads(learner.with_student(text, "Zoe\u0308"))["cells"] if c["cell_type"] == "code")
    assert first["source"].startswith('STUDENT_ID = "Zoë"  # your student identifier')


def test_in_the_browser_the_learner_side_still_imports_nothing_pyodide_lacks(tmp_path: Path) -> None:
    """The same import block as test_student_side's, with the browser simulated and an IPython shell showing the
    identifier field and the hand-in bar (ipywidgets, which the site ships)."""
    import subprocess
    import sys

    from tests.exercises.test_student_side import IMPORT_BLOCKER

    script = IMPORT_BLOCKER + f"""
from pathlib import Path
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
import workbook.exercises as wx
from workbook.exercises import learner
learner.in_browser = lambda: True
learner.DRIVE = Path({str(tmp_path)!r})
shell.run_cell("import workbook.exercises as wx\\nwx.load('01_route_lookup', '')")
shell.run_cell("wx.load('01_route_lookup', 'alice')")
for assignment in wx.ASSIGNMENTS:
    assert wx.load(assignment, "").student == "alice"
import sys
assert "workbook.widgets.hand_in" in sys.modules and "ipywidgets" in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-2000:]
    assert "StudentIdBox" in done.stdout and "HandInBar" in done.stdout  # both shown


def test_every_module_the_lite_site_leaves_out_is_one_the_learner_side_never_imports() -> None:
    import importlib.util

    from tests.exercises.test_student_side import IMPORT_BLOCKER

    spec = importlib.util.spec_from_file_location("lite_build", ROOT / "lite" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    left_out = {name[: -len(".py")].replace("/", ".") for name in build.GRADER_ONLY}
    assert left_out and all(f'"{module}"' in IMPORT_BLOCKER for module in left_out), left_out


def test_a_browser_without_the_sites_files_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(learner, "in_browser", lambda: True)
    monkeypatch.setattr(learner, "DRIVE", tmp_path / "not-mounted")
    assert learner.remember_student("alice") == "" and learner.remembered_student() == ""
    with pytest.raises(ExerciseError, match=r"no access to the site's files .* File > Download"):
        learner.hand_in(wx.load("01_route_lookup", "alice"), None, tmp_path)


def test_a_drive_that_refuses_the_write_keeps_nothing(browser: Path) -> None:
    (browser / learner.STORE).mkdir()  # writing the file fails as it does on a full or read-only drive
    assert learner.remember_student("alice") == "" and learner.remembered_student() == ""
    assert wx.load("01_route_lookup", "alice").student == "alice"  # the exercise still loads
