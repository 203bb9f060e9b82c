"""Make the README's screenshot: chapter 0's path explorer in JupyterLab 4, playing a datagram across a router.

    .venv/bin/python docs/make_screenshots.py          # writes docs/img/path-explorer.png

It runs chapter 0 in a JupyterLab of its own (a temporary copy, Debian's
Chromium at a 1 280 px window, the same helpers as tests/browser), sends the
datagram from the NT host to 172.17.1.1 behind the router, steps to the
router's hop and saves the playback: the network drawn once with the router
lit up, and the frame's header fields as they arrived and as they left (new
MACs, one TTL less).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser import notebook as nb  # noqa: E402
from tests.browser.browser import chromium, chromium_problem, jupyter_lab  # noqa: E402

CHAPTER = "00_orientation.ipynb"
OUT = ROOT / "docs" / "img" / "path-explorer.png"


def main() -> None:
    problem = chromium_problem()
    if problem:
        raise SystemExit(problem)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary) / "root"
        root.mkdir()
        shutil.copy(ROOT / "chapters" / CHAPTER, root / CHAPTER)
        with jupyter_lab(root, Path(temporary) / "state") as (base, token), chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(120_000)
            nb.open_notebook(page, f"{base}/lab/tree/{CHAPTER}?token={token}&reset")
            nb.run_all_cells(page)
            explorer = nb.widget_output(page, "Send")
            destination = explorer.get_by_role("textbox", name="To")
            destination.fill("172.17.1.1")
            destination.press("Enter")
            explorer.get_by_role("button", name="Send").click()
            nb.wait_for_text(explorer, "Delivered to far-host")
            explorer.get_by_role("button", name="Next").click()
            nb.wait_for_text(explorer, "Hop 2 of 3: router forwards it")
            playback = explorer.locator(".wbk-playback")
            # The controls, the drawing and the header table: the decision and ARP below are left out.
            table = playback.locator("table").first
            top = playback.bounding_box()["y"]
            bottom = table.bounding_box()["y"] + table.bounding_box()["height"]
            box = playback.bounding_box()
            OUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=OUT, clip={"x": box["x"], "y": top, "width": box["width"], "height": bottom - top})
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
