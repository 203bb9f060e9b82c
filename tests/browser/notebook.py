"""A notebook in a real front end (JupyterLab 4, Notebook 7, JupyterLite), driven as a learner would, and checked.

The checks are what only a browser can tell:

* :func:`overflowing_outputs` — no output (diagram, table, widget) is wider than its column;
* :func:`broken_words` — no word of the workbook's text is split over two lines (JupyterLab's
  output area breaks long lines anywhere unless told otherwise);
* :func:`unnamed_controls` — every button, field, menu and slider of a widget has a name that a
  screen reader reads (Chromium's accessibility tree, through Playwright's ARIA snapshot);
* :func:`truncated_buttons` — no button's words are cut off ("met…").
"""

from __future__ import annotations

import re
import time

# The notebook on screen: JupyterLab keeps the notebooks of earlier tabs in the page, hidden.
_SHOWN = "[...document.querySelectorAll('.jp-Notebook')].filter(n => n.offsetParent !== null)"

# Every code cell shows a number in its prompt once it has run ("[12]:"), never "[*]:" or "[ ]:".
ALL_CELLS_RAN = """() => {
    const prompts = SHOWN.flatMap(n => [...n.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]);
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}""".replace("SHOWN", _SHOWN)

# Some code cell has started ("[*]:") or run ("[3]:").
STARTED = """() => SHOWN.flatMap(n => [...n.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')])
    .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""".replace("SHOWN", _SHOWN)

# JupyterLab 4 and Notebook 7: the toolbar's execution indicator; JupyterLite: the status bar's kernel status.
KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')]
        .some(e => e.offsetParent !== null && e.dataset.status === 'idle')
    || [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(e => /\\| Idle$/.test(e.textContent))"""

ERRORS = """() => SHOWN.flatMap(n => [...n.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]).map(e => e.textContent)
""".replace("SHOWN", _SHOWN)

# JupyterLab sometimes asks which kernel to start even for a notebook that names one (seen on a busy machine).
ACCEPT_KERNEL_DIALOG = """() => {
    const button = document.querySelector('.jp-Dialog .jp-mod-accept');
    if (button) button.click();
    return !!button;
}"""

# Every visible element of every output must end inside the output's own box (1 px of rounding allowed).
OVERFLOW = """() => {
    const cells = SHOWN.flatMap(n => [...n.querySelectorAll('.jp-Cell')]);
    const found = [];
    for (const output of SHOWN.flatMap(n => [...n.querySelectorAll('.jp-OutputArea-output')])) {
        const box = output.getBoundingClientRect();
        if (box.width === 0) continue;
        const cell = cells.indexOf(output.closest('.jp-Cell'));
        if (output.scrollWidth > output.clientWidth + 1) {
            found.push({cell, what: 'the output scrolls sideways', width: output.clientWidth,
                        content: output.scrollWidth});
            continue;
        }
        for (const element of output.querySelectorAll('*')) {
            const r = element.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.right > box.right + 1 || r.left < box.left - 1) {
                found.push({cell, what: element.tagName.toLowerCase() + '.' + String(element.className.baseVal
                            ?? element.className).split(' ').join('.'), width: Math.round(box.width),
                            content: Math.round(r.right - box.left)});
                break;
            }
        }
    }
    return found;
}""".replace("SHOWN", _SHOWN)

# Words the page split over two lines, in the workbook's own HTML (widgets and figures; not code, not SVG).
BROKEN_WORDS = """() => {
    const broken = [];
    const roots = SHOWN.flatMap(n => [...n.querySelectorAll('.widget-html-content, .wbk-figure')]);
    for (const root of roots) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (node.parentElement.closest('svg, pre, code, textarea')) continue;
            const words = /\\S+/g;
            let match;
            while ((match = words.exec(node.data))) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const rects = [...range.getClientRects()].filter(r => r.width > 0);
                const lines = new Set(rects.map(r => Math.round(r.bottom)));
                if (lines.size > 1) broken.push(match[0]);
            }
        }
    }
    return broken;
}""".replace("SHOWN", _SHOWN)

# Buttons whose words do not fit (the page cuts them with an ellipsis).
TRUNCATED = """() => SHOWN.flatMap(n => [...n.querySelectorAll('.jupyter-widgets button')])
    .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
    .map(b => b.textContent.trim())""".replace("SHOWN", _SHOWN)

#: Roles of controls a learner operates; each needs a name in the accessibility tree.
CONTROL_ROLES = ("button", "textbox", "combobox", "slider", "checkbox", "spinbutton", "radio", "switch", "tab",
                 "listbox", "link")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_SNAPSHOT_LINE = re.compile(r'^\s*- (?P<role>[a-z]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?')


def accept_kernel_dialog(page, seconds: float = 3.0) -> None:
    """Accept a "Select Kernel" dialog (its default, Python 3) if one appears within ``seconds``, as a learner would."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(ACCEPT_KERNEL_DIALOG):
            print("the front end asked which kernel to start; accepted its default")
            page.wait_for_function(KERNEL_IDLE)
            return
        time.sleep(0.2)


def open_notebook(page, url: str) -> None:
    """Open a notebook and wait until its kernel answered (earlier, Run All is dropped)."""
    page.goto(url)
    page.locator(".jp-Notebook:visible").first.wait_for()
    page.wait_for_function(KERNEL_IDLE)
    accept_kernel_dialog(page)


def run_all_cells(page, timeout: float = 180_000) -> None:
    """Run → Run All Cells, then wait until every cell has run and the kernel is idle; fail on any error output.

    A click on the menu right after a notebook opened is sometimes dropped (the notebook had no focus
    yet): when no cell has started within a few seconds, the menu is used again.
    """
    for attempt in range(3):
        nb = shown_notebook(page)
        nb.locator(".jp-Cell").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(STARTED, timeout=15_000)
            break
        except Exception:
            if attempt == 2:
                raise
            print("Run All Cells did not start; trying again")
    page.wait_for_function(ALL_CELLS_RAN, timeout=timeout)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)
    errors = page.evaluate(ERRORS)
    assert errors == [], f"a cell failed in the browser: {errors}"


def shown_notebook(page):
    """The notebook on screen (JupyterLab keeps earlier tabs' notebooks in the page, hidden)."""
    return page.locator(".jp-Notebook:visible").first


def widget_output(page, text: str):
    """The output area, in the notebook on screen, of the widget that shows ``text`` (the last one, when several)."""
    return shown_notebook(page).locator(".jp-OutputArea-output",
                                        has=page.locator(".jupyter-widgets", has_text=text)).last


def overflowing_outputs(page) -> list[dict]:
    """Outputs with an element that reaches beyond the output's box (the column), with the cell's index."""
    return page.evaluate(OVERFLOW)


def broken_words(page) -> list[str]:
    """Words of the workbook's HTML that the page split over two lines."""
    return page.evaluate(BROKEN_WORDS)


def truncated_buttons(page) -> list[str]:
    """The words of every visible widget button that does not show them whole."""
    return page.evaluate(TRUNCATED)


def unnamed_controls(locator) -> list[str]:
    """Lines of ``locator``'s ARIA snapshot (Chromium's accessibility tree) for controls without a name.

    An icon font's glyph (a private-use character) is no name: a screen reader has nothing to say for it.
    """
    unnamed = []
    for line in locator.aria_snapshot().splitlines():
        match = _SNAPSHOT_LINE.match(line)
        if match and match["role"] in CONTROL_ROLES and not _PRIVATE_USE.sub("", match["name"] or "").strip():
            unnamed.append(line.strip())
    return unnamed


def wait_for_text(locator, text: str, timeout: float = 60_000) -> None:
    """Wait until ``locator``'s text contains ``text`` (the element is looked for again while waiting: a widget
    redraws its HTML)."""
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text, timeout=timeout)


def screenshot(locator, path) -> None:
    """A screenshot of ``locator`` whole: the window grows taller for it (never wider), then shrinks back.

    A notebook scrolls inside its panel, so an element taller than the window would come out cut.
    """
    page = locator.page
    size = page.viewport_size
    height = locator.bounding_box()["height"]
    if height + 200 > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": int(height) + 400})
    try:
        locator.scroll_into_view_if_needed()
        time.sleep(0.3)
        locator.screenshot(path=path)
    finally:
        page.set_viewport_size(size)
