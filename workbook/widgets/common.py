"""What every widget shares: error labels, diagrams with a text fallback, HTML tables, observers, scenario files.

Widgets never decide anything about routing: they hand the learner's text to
the engine, show what it answers, and show its :class:`~workbook.errors.WorkbookError`
message where the learner typed the bad value.

>>> label = error_label()
>>> show_error(label, ValueError("metric 'x' is not a whole number"))
>>> "metric &#x27;x&#x27;" in label.value
True
>>> show_error(label, None); label.value
''
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import yaml

from workbook.errors import WorkbookError
from workbook.net.scenario import load_file
from workbook.render import palette
from workbook.render.display import diagram_views
from workbook.render.figure import explanation_html, figure_html, fit_svg, keep_words_whole, short_label

__all__ = [
    "ERROR_COLOR",
    "UNSEEN_DESCRIPTION",
    "NetworkFile",
    "Observable",
    "diagram_html",
    "disclosure",
    "error_label",
    "escape",
    "explanation_html",
    "hidden_label",
    "html_table",
    "load_scenario_file",
    "mark_invalid",
    "pre",
    "save_scenario_file",
    "scroll_box",
    "show_error",
    "text_block",
]

#: The colour the diagrams use for drops: errors look the same everywhere (readable as text: palette.py).
ERROR_COLOR = palette.DROP
_INVALID_BORDER = f"1px solid {ERROR_COLOR}"


def escape(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text))


def text_block(content: str) -> str:
    """HTML ``content`` at a reading line height (a widget's HTML is set at the height of a button, 28 px)."""
    return f"<div style='line-height:1.4'>{content}</div>"


def pre(text: str) -> str:
    """Monospaced text kept in its columns, as `route print` and `arp -a` print it (scrolls rather than wraps)."""
    return ("<pre style='margin:0;font-size:12px;line-height:1.25;white-space:pre;word-break:normal;"
            f"overflow-x:auto;max-width:100%'>{escape(text)}</pre>")


def scroll_box(content: str, height: str, label: str = "") -> str:
    """``content`` in a box of at most ``height`` that scrolls up and down (and can be scrolled by keyboard)."""
    named = f" role='region' aria-label='{escape(label)}'" if label else ""
    return f"<div tabindex='0'{named} style='max-height:{height};overflow-y:auto;max-width:100%'>{content}</div>"


def error_label(**layout: str) -> widgets.HTML:
    """An empty HTML label that :func:`show_error` fills with an engine message."""
    return widgets.HTML("", layout=widgets.Layout(**layout))


def show_error(label: widgets.HTML, error: BaseException | str | None) -> None:
    """Show ``error``'s message in ``label`` (in red), or clear it when ``error`` is None."""
    if error is None or error == "":
        label.value = ""
        return
    label.value = f"<span style='color:{ERROR_COLOR}'>⚠ {escape(error)}</span>"


def mark_invalid(field: widgets.Widget, invalid: bool) -> None:
    """Outline a field in red while its text is refused (the text itself stays as typed)."""
    border = _INVALID_BORDER if invalid else ""
    if field.layout.border != border:
        field.layout.border = border


def diagram_html(graph: Callable[[], Any], fallback: str | Callable[[], str] = "", label: str = "",
                 text_version: bool = True) -> str:
    """HTML for a diagram that ``graph()`` builds: its SVG, or what :mod:`workbook.render.display` shows instead.

    The SVG shrinks to the column and is named ``label`` (or the first line of
    the text) for a screen reader; ``fallback``, a text view (or a function
    making one, called only when needed) such as ``trace.explain``, follows it
    as the diagram's text version (unless ``text_version`` is False). In a
    browser (JupyterLite) HTML the page turns into the SVG; where Graphviz's
    ``dot`` is missing, its install hint over the text view: the lesson still
    works without Graphviz.
    """
    views = diagram_views(graph, fallback)
    text = views.get("text/plain", "")
    name = label or short_label(text)
    if "image/svg+xml" in views:
        return figure_html(fit_svg(views["image/svg+xml"], name), text if text_version else "")
    return views["text/html"]


def disclosure(title: str, content: widgets.Widget, opened: bool = False) -> widgets.VBox:
    """A button that shows or hides ``content`` (the box's first child, then the content).

    An accordion that keyboards and screen readers know: ipywidgets' own
    Accordion draws its title as a heading that takes no focus.
    """
    button = widgets.ToggleButton(value=opened, tooltip=f"show or hide {title}", layout=widgets.Layout(width="auto"))

    def show(_change: object = None) -> None:
        content.layout.display = "" if button.value else "none"
        button.description = f"{'Hide' if button.value else 'Show'} {title[0].lower()}{title[1:]}"

    button.observe(show, names="value")
    show()
    return widgets.VBox([button, content])


def hidden_label(text: str) -> str:
    """HTML that names a control for a screen reader and takes no room on screen ("visually hidden" text)."""
    return ("<span style='position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
            f"white-space:nowrap'>{escape(text)}</span>")


#: Style that names a field for a screen reader without showing its name (the column heading shows it).
UNSEEN_DESCRIPTION = {"description_width": "0px"}


def html_table(headers: Sequence[str], rows: Iterable[Sequence[object]], highlight: Callable[[int], bool] | None = None,
               raw_columns: frozenset[int] = frozenset(), wrap_columns: frozenset[int] | None = None,
               caption: str = "") -> str:
    """A small HTML table; rows for which ``highlight(index)`` is true are shaded (and bold).

    Cells are escaped, except those in ``raw_columns`` (already HTML). Cells
    are monospaced and stay on one line (an address or a MAC is never broken),
    except in ``wrap_columns`` (by default the last column), whose words wrap.
    """
    if wrap_columns is None:
        wrap_columns = frozenset({len(headers) - 1})
    head = "".join(f"<th scope='col' style='text-align:left;padding:1px 6px;white-space:nowrap'>{escape(h)}</th>"
                   for h in headers)
    body = []
    for index, row in enumerate(rows):
        style = f" style='background:{palette.HIGHLIGHT};font-weight:bold'" if highlight and highlight(index) else ""
        cells = "".join(
            f"<td style='padding:1px 6px;font-family:monospace;vertical-align:top;"
            f"{'overflow-wrap:break-word' if i in wrap_columns else 'white-space:nowrap'}'>"
            f"{cell if i in raw_columns else keep_words_whole(str(cell)) if i in wrap_columns else escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr{style}>{cells}</tr>")
    title = f"<caption style='text-align:left;font-weight:bold'>{escape(caption)}</caption>" if caption else ""
    return f"<table style='border-collapse:collapse;line-height:1.4'>{title}<tr>{head}</tr>{''.join(body)}</table>"


FRONT_END_HINT = (
    "This is an interactive widget, but this front end cannot draw widgets. JupyterLab 4 and Notebook 7 draw "
    "them with nothing to install; elsewhere install ipywidgets 8 where the kernel runs "
    "(pip install 'ipywidgets>=8') and reload the page. Meanwhile, here is what it shows:"
)


class Observable:
    """``on_change(callback)``: other widgets redraw when this one changes its model.

    A callback receives the widget that changed; one that raises does not stop
    the others (its error is kept in ``callback_errors`` to be looked at).
    """

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Any], None]] = []
        self.callback_errors: list[BaseException] = []

    def on_change(self, callback: Callable[[Any], None], remove: bool = False) -> None:
        """Call ``callback(self)`` after every change; ``remove=True`` stops that."""
        if remove:
            self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    def _notify(self) -> None:
        for callback in list(self._callbacks):
            try:
                callback(self)
            except Exception as error:  # one broken observer must not break the editor
                self.callback_errors.append(error)

    # Display ------------------------------------------------------------------------------------
    def text_view(self) -> str:
        """What the widget shows, as plain text: the fallback where widgets cannot be drawn."""
        return ""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The widget for front ends that draw widgets; a printed table and a hint for the others.

        JupyterLab 4 and Notebook 7 prefer the widget view; a front end without
        ipywidgets' manager (nbconvert, a plain IPython console, an old
        Notebook) falls back to the HTML or the text.
        """
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude))  # type: ignore[attr-defined]
        text = self.text_view()
        bundle["text/plain"] = f"{FRONT_END_HINT}\n\n{text}".rstrip()
        bundle["text/html"] = f"<p><i>{escape(FRONT_END_HINT)}</i></p>{pre(text) if text else ''}"
        return bundle


class NetworkFile:
    """``save(path)`` and ``load(path)`` for a widget that shows a :class:`~workbook.sim.Network`.

    The file holds the network's configuration, edited tables, who runs and
    group memberships (:meth:`Network.to_dict`); a widget redraws for a loaded
    network in :meth:`_use_network`. A file that cannot be read leaves the
    widget as it was and shows why in its ``error`` label.
    """

    network: Any
    error: widgets.HTML

    def save(self, path: str | Path) -> Path:
        """Save the network to a YAML (or .json) scenario file next to the notebook."""
        return save_scenario_file(path, self.network.to_dict())

    def load(self, path: str | Path) -> None:
        """Replace the network with the one a scenario file holds (e.g. written by :meth:`save`)."""
        from workbook.sim import Network

        try:
            network = Network.from_dict(load_scenario_file(path))
        except WorkbookError as error:
            show_error(self.error, error)
            return
        show_error(self.error, None)
        self._use_network(network)

    def _use_network(self, network: Any) -> None:
        raise NotImplementedError


def save_scenario_file(path: str | Path, data: dict[str, Any]) -> Path:
    """Write a scenario dict as YAML (or JSON for a .json name) next to the notebook."""
    path = Path(path)
    if path.suffix == ".json":
        import json

        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def load_scenario_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON scenario file; a :class:`~workbook.errors.ScenarioError` names what is wrong."""
    return load_file(path)
