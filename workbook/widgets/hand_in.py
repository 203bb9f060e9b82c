"""The exercises' two small widgets in the JupyterLite site: ask the student identifier once, and hand the notebook in.

:func:`workbook.exercises.load` shows them in the browser (Pyodide) only; outside
it, ``STUDENT_ID`` in the first cell and the front end's own File → Download do
the same. What they keep and read is :mod:`workbook.exercises.learner`'s.

>>> asked = StudentIdBox(root=None)
>>> asked.field.value = "../alice"
>>> asked.remember()
>>> "path separator" in asked.status.value
True
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from workbook.errors import WorkbookError
from workbook.exercises import learner
from workbook.widgets.common import ERROR_COLOR, text_block

__all__ = ["HandInBar", "StudentIdBox", "download_link"]


def download_link(name: str, text: str, label: str) -> str:
    """An HTML link that saves ``text`` as the file ``name`` (a data: URL: nothing leaves the browser).

    >>> download_link("01_route_lookup.ipynb", "{}", "save it")
    '<a download="01_route_lookup.ipynb" href="data:application/x-ipynb+json;base64,e30=" ...>save it</a>'
    """
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a download="{html.escape(name)}" href="data:application/x-ipynb+json;base64,{data}" '
            f'style="font-weight:bold;text-decoration:underline">{html.escape(label)}</a>')


class StudentIdBox(widgets.VBox):
    """A field for the student identifier and a button that keeps it in this site's storage.

    After "Remember", running the cell again loads the exercise; every other exercise of the site finds the
    identifier too, with ``STUDENT_ID`` left empty.
    """

    def __init__(self, root: Path | None = None) -> None:
        self._root = root
        self.field = widgets.Text(placeholder="e.g. alice", description="Student ID",
                                  layout=widgets.Layout(width="320px"))
        self.field.tooltip = "your student identifier: your tables and addresses are generated from it"
        self.button = widgets.Button(description="Remember", tooltip="keep this identifier for every exercise here",
                                     button_style="primary")
        self.status = widgets.HTML(text_block("Your identifier, once: this site keeps it for every exercise."))
        self.button.on_click(lambda _: self.remember())
        super().__init__([widgets.HBox([self.field, self.button]), self.status])
        self.add_class("ip-workbook-student-id")

    def remember(self) -> None:
        """Keep the typed identifier (or show why it cannot be one)."""
        try:
            kept = learner.remember_student(self.field.value, self._root)
        except WorkbookError as error:
            self.status.value = text_block(f"<span style='color:{ERROR_COLOR}'>{html.escape(str(error))}</span>")
            return
        where = "this site keeps it" if kept else "this browser cannot keep it: set STUDENT_ID in the first cell"
        self.status.value = text_block(f"Student ID <b>{html.escape(kept or self.field.value)}</b>: {where}. "
                                       "Now run this cell again (Shift+Enter).")


class HandInBar(widgets.VBox):
    """Who the exercise is for, and a button that prepares the saved notebook, ``STUDENT_ID`` filled in, as a
    download to hand in."""

    def __init__(self, exercise: Any, namespace: Mapping[str, Any] | None = None, folder: Path | None = None,
                 kept: bool = False) -> None:
        self._exercise = exercise
        self._namespace = namespace
        self._folder = folder
        source = " (kept by this site)" if kept else ""
        self.button = widgets.Button(description="Download my notebook", icon="download",
                                     tooltip="the notebook as last saved, with your STUDENT_ID, to hand in",
                                     layout=widgets.Layout(width="auto"))
        self.link = widgets.HTML()
        self.button.on_click(lambda _: self.prepare())
        intro = widgets.HTML(text_block(
            f"Exercise {html.escape(exercise.assignment)} for <b>{html.escape(exercise.student)}</b>{source}. "
            "To hand it in: save (Ctrl+S), then"))
        super().__init__([widgets.HBox([intro, self.button]), self.link])
        self.add_class("ip-workbook-hand-in")

    def prepare(self) -> None:
        """Read the saved notebook and offer it as a download (warning about answers changed since the save)."""
        try:
            handed = learner.hand_in(self._exercise, self._namespace, self._folder)
        except WorkbookError as error:
            self.link.value = text_block(f"<span style='color:{ERROR_COLOR}'>{html.escape(str(error))}</span>")
            return
        warning = ""
        if handed.unsaved:
            names = ", ".join(handed.unsaved)
            warning = (f"<span style='color:{ERROR_COLOR}'>The saved notebook lacks what you last ran for "
                       f"{html.escape(names)}: save (Ctrl+S) and press the button again.</span><br>")
        self.link.value = text_block(warning + download_link(handed.name, handed.text, f"Save {handed.name}")
                                     + " — the file to hand in.")
