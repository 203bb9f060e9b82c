"""The exercises' widgets in the JupyterLite site: the identifier field keeps what it is given, the hand-in bar's
link carries the saved notebook with STUDENT_ID filled in."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import workbook.exercises as wx
from workbook.exercises import learner
from workbook.widgets.hand_in import HandInBar, StudentIdBox

ROOT = Path(__file__).resolve().parents[2]


def test_the_field_keeps_the_identifier_or_says_why_not(tmp_path: Path) -> None:
    box = StudentIdBox(root=tmp_path)
    assert box.field.description == "Student ID" and box.button.description == "Remember"
    box.field.value = ".alice"
    box.button.click()
    assert "starts with" in box.status.value and not (tmp_path / learner.STORE).exists()
    box.field.value = " alice "
    box.button.click()
    assert learner.remembered_student(tmp_path) == "alice"
    assert "<b>alice</b>: this site keeps it" in box.status.value and "run this cell again" in box.status.value


def _link(bar: HandInBar) -> tuple[str, dict]:
    name, data = re.search(r'download="([^"]+)" href="data:application/x-ipynb\+json;base64,([^"]+)"',
                           bar.link.value).groups()
    return name, json.loads(base64.b64decode(data))


def test_the_bar_offers_the_saved_notebook_and_warns_about_unsaved_answers(tmp_path: Path) -> None:
    ex = wx.load("03_cidr", "bob")
    bar = HandInBar(ex, namespace={"q1_covering": "10.0.0.0/8"}, folder=tmp_path, kept=True)
    assert "for <b>bob</b> (kept by this site)" in bar.children[0].children[0].value
    bar.button.click()
    assert "no saved notebook of 03_cidr" in bar.link.value
    shutil.copy(ROOT / "exercises" / "03_cidr.ipynb", tmp_path)
    bar.button.click()
    name, notebook = _link(bar)
    assert name == "03_cidr.ipynb"
    first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    assert "".join(first["source"]).startswith('STUDENT_ID = "bob"')
    assert "lacks what you last ran for q1_covering" in bar.link.value
