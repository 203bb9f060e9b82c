"""Diagrams drawn in the page when Python runs in the browser (JupyterLite's Pyodide kernel), where ``dot`` cannot run.

In a browser no program can be started, so :func:`~workbook.render.dot.render_svg`
raises :class:`~workbook.render.DiagramError` with the DOT text in
``dot_source``. The JupyterLite site (``lite/build.py``) bundles Graphviz compiled
to WebAssembly (npm ``@viz-js/viz``) at ``static/ip-workbook/viz.js``;
:func:`dot_html` returns HTML that shows a text view at first and asks the page
to replace it with the SVG that viz.js draws from the DOT text.

The HTML goes into an ipywidgets ``HTML`` widget, whose front end sets
``innerHTML``: a ``<script>`` would not run there, so a hidden image whose
``src`` cannot load runs the drawing code from its ``onerror`` handler. The DOT
text travels in a ``data-`` attribute (HTML-escaped), never inside the code.

>>> html = dot_html('digraph { "a<b>" -> c }', "<pre>a, then c</pre>")
>>> "data-dot='digraph { &quot;a&lt;b&gt;&quot; -&gt; c }'" in html
True
>>> "<pre>a, then c</pre>" in html and "onerror=" in html
True
>>> in_browser() is (sys.platform == "emscripten")
True
"""

from __future__ import annotations

import html
import sys

__all__ = ["VIZ_IN_SITE", "dot_html", "in_browser"]

#: Where the JupyterLite site serves @viz-js/viz's ES module, relative to the site's root (lite/build.py).
VIZ_IN_SITE = "static/ip-workbook/viz.js"

# Runs once per drawing, in the page. The site's root is the #jupyter-config-data element's
# data-jupyter-lite-root (".." from lab/ and notebooks/); the viz.js instance is shared by all diagrams.
# An inline handler sees the document's properties first (document.URL is a string): hence window.URL.
# The drawing shrinks to its column like the SVG ``dot`` draws (workbook.render.figure) and is named for screen
# readers by ``data-label``, or else by the first line of the text it replaces.
_DRAW = """(async (img) => {
  const box = img.previousElementSibling;
  img.remove();
  try {
    const config = document.getElementById('jupyter-config-data');
    const root = new window.URL(((config && config.dataset.jupyterLiteRoot) || '..') + '/', location.href);
    window.ipWorkbookViz = window.ipWorkbookViz
      || import(new window.URL('VIZ_IN_SITE', root).href).then(module => module.instance());
    const viz = await window.ipWorkbookViz;
    const svg = viz.renderSVGElement(box.dataset.dot);
    const label = (box.dataset.label || box.textContent).trim().split('\\n')[0] || 'a diagram';
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    svg.style.maxWidth = '100%';
    svg.style.height = 'auto';
    box.replaceChildren(svg);
    box.dataset.drawn = 'viz.js';
  } catch (error) {
    box.insertAdjacentText('afterbegin', 'The diagram could not be drawn in the page: ' + error);
  }
})(this)""".replace("VIZ_IN_SITE", VIZ_IN_SITE)


def in_browser() -> bool:
    """True when Python runs in a web browser (Pyodide), where diagrams are drawn by the page."""
    return sys.platform == "emscripten"


def dot_html(dot_source: str, fallback_html: str = "", label: str = "") -> str:
    """HTML that the page turns into the SVG of ``dot_source``; ``fallback_html`` shows until then (or if it fails).

    ``label`` names the drawing for a screen reader (by default the first line of ``fallback_html``'s text).
    """
    named = f" data-label='{html.escape(label, quote=True)}'" if label else ""
    return (f"<div class='ip-workbook-viz' style='overflow:auto'{named} "
            f"data-dot='{html.escape(dot_source, quote=True)}'>"
            f"{fallback_html}</div>"
            f"<img alt='' src='data:,' style='display:none' onerror='{html.escape(_DRAW, quote=True)}'>")
