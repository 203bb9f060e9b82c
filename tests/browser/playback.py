"""Widgets driven the same way in JupyterLab, Notebook 7 and JupyterLite.

:func:`drive_playback` plays chapter 0's datagram: it sends it, then moves
through the steps with the keyboard (Next, Back, Tab between the controls),
plays them with Play, and checks at every step that the drawing lit up the node
the step's text names, that the drawing itself was never redrawn, and that a
reader who asks for reduced motion gets no Play button and no moving dashes. A
screenshot of every step goes to ``shots``. :func:`provoke_conflict` and
:func:`look_through_the_other_order` drive the duplicate-address playground and
the lookup explorer.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.browser import notebook as nb
from workbook.render import palette


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


# The labels of the drawing's nodes that the step's CSS lights up (as "now", or as "dropped here").
LIT_NODES = """(root, fills) => [...root.querySelectorAll('svg g.node')].filter(g => {
        const shape = g.querySelector('path, polygon, ellipse');
        return shape && fills.includes(getComputedStyle(shape).fill);
    }).map(g => [...g.querySelectorAll('text')].map(t => t.textContent).join(' '))"""

# The names of the animations running on the drawing's wires.
MARCHING = """root => [...root.querySelectorAll('svg g.edge path')]
    .map(p => getComputedStyle(p).animationName).filter(name => name && name !== 'none')"""

_OPTION = re.compile(r"(\d+)\. (.*?: (\S+) .*)")


def lit_nodes(explorer, fills: tuple[str, ...] = (palette.NOW_FILL, palette.DROP_FILL)) -> list[str]:
    """The labels of the nodes the current step fills with one of ``fills`` (by default: "the datagram is here")."""
    return explorer.evaluate(LIT_NODES, [_rgb(fill) for fill in fills])


def shown_step(explorer) -> tuple[int, int, str]:
    """(step, steps, node) as the Step menu shows them, once the step's text below the drawing says the same."""
    menu = explorer.get_by_role("combobox", name="Step")
    label = menu.evaluate("select => select.selectedOptions[0].textContent").replace("\xa0", " ")
    match = _OPTION.match(label)
    assert match, f"no step in the Step menu: {label!r}"
    total = menu.evaluate("select => select.options.length")
    shown = match[2] in explorer.locator(".wbk-playback").text_content().replace("\xa0", " ")
    return (int(match[1]) if shown else 0), total, match[3]


def wait_for_step(explorer, number: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while shown_step(explorer)[0] != number:
        assert time.monotonic() < deadline, f"step {number} never showed (still {shown_step(explorer)})"
        time.sleep(0.1)
    time.sleep(0.2)  # the highlight's <style> arrives with the text; give the page a frame to apply it


def drive_playback(page, shots: Path, name: str) -> list[str]:
    """Send the datagram of the PathExplorer on screen and play it; returns the nodes lit up, step by step."""
    explorer = nb.widget_output(page, "Send")
    explorer.scroll_into_view_if_needed()
    explorer.locator("button", has_text="Send").click()
    next_button = explorer.get_by_role("button", name="Next")
    back_button = explorer.get_by_role("button", name="Back")
    page.wait_for_function("button => !button.disabled", arg=next_button.element_handle())
    drawing = explorer.locator("svg[role='img']").first.element_handle()
    playback = explorer.locator(".wbk-playback")
    assert drawing.get_attribute("aria-label"), "the drawing has no name for a screen reader"

    # Step by step, with the keyboard only: focus Next, press Enter.
    lit = []
    wait_for_step(explorer, 1)
    _, total, _ = shown_step(explorer)
    assert total >= 2
    for step in range(1, total + 1):
        wait_for_step(explorer, step)
        node = shown_step(explorer)[2]
        assert lit_nodes(explorer) == [node], f"step {step} names {node} but lights {lit_nodes(explorer)}"
        lit.append(node)
        nb.screenshot(playback, shots / f"{name}-step-{step}.png")
        if step < total:
            next_button.focus()
            page.keyboard.press("Enter")
    assert page.evaluate("svg => svg.isConnected", drawing), "the drawing was redrawn: it must be drawn once"
    assert next_button.is_disabled()
    back_button.focus()
    page.keyboard.press("Space")
    wait_for_step(explorer, total - 1)
    page.keyboard.press("Tab")  # Back → Play → Next, in reading order
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Play"

    # Play: the page moves through every step by itself, then stops.
    explorer.get_by_role("combobox", name="Step").select_option(index=0)
    wait_for_step(explorer, 1)
    assert explorer.evaluate(MARCHING), "the wire the frame leaves on does not move"
    played = [lit_nodes(explorer)]
    explorer.get_by_role("button", name="Play").click()
    deadline = time.monotonic() + 10 + 3 * total
    while shown_step(explorer)[0] != total or explorer.get_by_role("button", name="Pause").count():
        assert time.monotonic() < deadline, "Play did not reach the last step"
        current = lit_nodes(explorer)
        if current != played[-1]:
            played.append(current)
        time.sleep(0.1)
    time.sleep(0.3)
    if lit_nodes(explorer) != played[-1]:
        played.append(lit_nodes(explorer))
    assert [nodes[0] for nodes in played if nodes] == lit, f"Play lit {played}, stepping lit {lit}"

    # Reduced motion: no Play button, a note instead, and the dashes stand still.
    page.emulate_media(reduced_motion="reduce")
    try:
        explorer.get_by_role("combobox", name="Step").select_option(index=0)
        wait_for_step(explorer, 1)
        assert not explorer.locator(".wbk-play").is_visible()
        assert explorer.get_by_text("Your system asks for reduced motion").is_visible()
        assert explorer.evaluate(MARCHING) == []
        nb.screenshot(playback, shots / f"{name}-reduced-motion.png")
    finally:
        page.emulate_media(reduced_motion="no-preference")
    return lit


def provoke_conflict(playground) -> None:
    """Start the duplicate-address playground's newcomer and run the clock until the defender has answered."""
    playground.locator("select").first.select_option("newcomer")
    playground.locator("button", has_text="Start").click()
    nb.wait_for_text(playground, "newcomer: running")
    playground.locator("button", has_text="Run clock").click()
    nb.wait_for_text(playground, "IP disabled")
    # The defender's answer in the frames table: the table is drawn after the clock line, and not again.
    nb.wait_for_text(playground.locator("table", has_text="source MAC"), "is-at")


def look_through_the_other_order(lookup) -> str:
    """Press the lookup explorer's order that is not the table's own (a lens on it); return what it then says."""
    lookup.locator(".widget-toggle-button:not(.mod-active)", has_text=re.compile("classic|longest prefix")).click()
    nb.wait_for_text(lookup, "would pick")
    return lookup.text_content()
