"""Diagrams as HTML that fits its column and can be read without seeing it.

Graphviz writes an SVG as wide as its layout (a path of three hops is about
1 200 px); a notebook column is narrower. :func:`fit_svg` lets a drawing
shrink to its column, never grow, and names it for a screen reader
(``role="img"`` and ``aria-label``). :func:`figure_html` puts a drawing
above its *text version*: the explanation the engine wrote (a trace's
``explain()``), folded in a ``<details>`` block that anyone can open.

>>> svg = '<svg width="1180pt" height="300pt" viewBox="0.00 0.00 1180.00 300.00"><g/></svg>'
>>> fitted = fit_svg(svg, "a path of 3 hops")
>>> 'role="img"' in fitted and 'aria-label="a path of 3 hops"' in fitted and "max-width:100%" in fitted
True
>>> lines = explanation_html("route: 0.0.0.0/0\\n    ARP: asked")
>>> "<div style='padding-left:6ch;text-indent:-2ch'>ARP: asked</div>" in lines   # indented under its parent
True
"""

from __future__ import annotations

import base64
import html
import re

__all__ = ["EXPLAIN_STYLE", "explanation_html", "figure_html", "fit_svg", "keep_words_whole", "short_label",
           "svg_image_html"]

#: Text that wraps at spaces only: JupyterLab's output area breaks a long line anywhere, even inside a word.
EXPLAIN_STYLE = ("font-family:var(--jp-code-font-family,monospace);font-size:12px;line-height:1.35;"
                 "white-space:pre-wrap;word-break:normal;overflow-wrap:break-word")
_FIT = "max-width:100%;height:auto"
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_BREAKABLE_WORD = re.compile(r"\S*\w[-/]\w\S*")


def keep_words_whole(text: str) -> str:
    """``text`` as HTML in which no word with a hyphen or a slash inside it can break there.

    A browser may break a line after a hyphen: a MAC address would end one
    line with ``00-DD-`` and start the next with ``01-0F-7A-B5``.

    >>> keep_words_whole("frame 00-DD-01-0F-7A-B5 <here>")
    "frame <span style='white-space:nowrap'>00-DD-01-0F-7A-B5</span> &lt;here&gt;"
    """
    parts, last = [], 0
    for match in _BREAKABLE_WORD.finditer(text):
        parts.append(html.escape(text[last:match.start()]))
        parts.append(f"<span style='white-space:nowrap'>{html.escape(match.group())}</span>")
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def short_label(text: str, fallback: str = "a diagram") -> str:
    """The first non-empty line of ``text`` (a diagram's accessible name), or ``fallback``."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return fallback


def fit_svg(svg: str, label: str) -> str:
    """``svg`` shrunk to its column when wider (never enlarged), named ``label`` for a screen reader."""
    match = _SVG_TAG.search(svg)
    if match is None:
        return svg
    svg = svg[match.start():]  # inside HTML, the XML declaration and DOCTYPE before it mean nothing
    match = _SVG_TAG.match(svg)
    assert match is not None
    tag = match.group(0)
    extra = f' role="img" aria-label="{html.escape(label, quote=True)}"'
    if "style=" in tag:
        tag = re.sub(r'style="', f'style="{_FIT};', tag, count=1)
    else:
        extra += f' style="{_FIT}"'
    tag = tag[:-1] + extra + ">"
    return svg[:match.start()] + tag + svg[match.end():]


def explanation_html(text: str) -> str:
    """An explanation's lines as HTML that wraps at spaces, each wrapped line indented under its first.

    Leading spaces become an indent, so the structure of ``trace.explain()``
    survives a narrow window without breaking a word in two.
    """
    lines = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        indent = len(line) - len(body) + 2
        words = keep_words_whole(body) or "&nbsp;"
        lines.append(f"<div style='padding-left:{indent}ch;text-indent:-2ch'>{words}</div>")
    return f"<div class='wbk-explain' style='{EXPLAIN_STYLE}'>{''.join(lines)}</div>"


def _text_version(text: str) -> str:
    if not text:
        return ""
    return (f"<details class='wbk-text-version'><summary>Text version of the diagram</summary>"
            f"{explanation_html(text)}</details>")


def figure_html(drawing: str, text: str = "") -> str:
    """A drawing (inline SVG or the page's viz.js box) above the text version of ``text``."""
    return f"<figure class='wbk-figure' style='margin:0;max-width:100%'>{drawing}{_text_version(text)}</figure>"


def svg_image_html(svg: str, text: str = "") -> str:
    """``svg`` as an image that shrinks to its column, with ``text``'s first line as alt text and the rest below.

    An image (not inline SVG) keeps the drawing's own ids out of the page, so
    many diagrams can share one notebook.
    """
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = html.escape(short_label(text), quote=True)
    return figure_html(f"<img src='data:image/svg+xml;base64,{data}' alt=\"{alt}\" style='{_FIT}'>", text)
