"""From a route edit in the editor widget to the new SVG in the kernel (issue 5's speed targets), and one step
of the playback against drawing the network again (issue 16).

Prints figures, never asserts them:

    python benchmarks/bench_widgets.py            # 25 edits per case
    python benchmarks/bench_widgets.py --quick    # 3 edits per case

Targets: median under 50 ms for a 6-node path, under 200 ms with a 10 000-route table.
For scale it also times the `dot` program alone on a two-node graph in the same run.
The playback draws the network once and lights each step with a few lines of CSS; it is timed
against what it replaces, drawing the topology again with `dot` at every step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report import progress, verdict  # noqa: E402  (benchmarks/report.py, beside this script)

from tests.sim.topologies import chain  # noqa: E402
from workbook import Network, RouteTable  # noqa: E402
from workbook.render import topology_svg  # noqa: E402
from workbook.widgets import LookupExplorer, RouteTableEditor  # noqa: E402
from workbook.widgets.playback import Playback  # noqa: E402


def median_edit_to_svg(editor: RouteTableEditor, explorer: LookupExplorer, repeats: int) -> float:
    """Median seconds from typing a new metric into the first row to the explorer's redrawn diagram."""
    row = editor.rows[0]
    times = []
    for i in range(repeats):
        before = explorer.diagram.value
        start = time.perf_counter()
        row.fields["metric"].value = str(2 + i % 2)
        times.append(time.perf_counter() - start)
        if row.error.value or "<svg" not in explorer.diagram.value or explorer.diagram.value is before:
            raise SystemExit("the edit did not redraw the diagram: the benchmark measures nothing")
    return statistics.median(times)


def dot_floor(repeats: int) -> float:
    import graphviz

    graph = graphviz.Digraph()
    graph.edge("a", "b")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        graph.pipe(format="svg")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_step(playback: Playback, repeats: int) -> float:
    """Median seconds for one step of the playback: the kernel's new highlight CSS and step text."""
    times = []
    for i in range(repeats):
        number = 1 + (i + 1) % len(playback.steps)
        before = playback.highlight.value
        start = time.perf_counter()
        playback.go_to(number)
        times.append(time.perf_counter() - start)
        if playback.highlight.value == before:
            raise SystemExit("a step did not change the highlight: the benchmark measures nothing")
    return statistics.median(times)


def median_redraw(net: Network, repeats: int) -> float:
    """Median seconds to draw the topology again with dot (what each step would cost without the CSS)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        topology_svg(net)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 edits per case instead of 25")
    repeats = 3 if parser.parse_args().quick else 25

    progress("the dot program alone")
    floor = dot_floor(repeats)
    progress("6-node path")
    net = Network.from_dict(chain(4))
    editor = RouteTableEditor(net.host("a"))
    editor.run_command("add 10.0.4.0 MASK 255.255.255.0 10.0.0.1")
    editor.sort_by("destination")
    editor.search.value = "10.0.4.0"
    explorer = LookupExplorer(net, host="a", destination="10.0.4.3", editor=editor)
    hops = len(explorer.trace.hops)
    path = median_edit_to_svg(editor, explorer, repeats)

    progress("10 000-route table")
    table = RouteTable.from_prefixes([f"10.{i // 256}.{i % 256}.0/24" for i in range(10_000)], interface="eth0")
    big_editor = RouteTableEditor(table)
    big_explorer = LookupExplorer(big_editor, destination="10.0.0.7")
    big = median_edit_to_svg(big_editor, big_explorer, repeats)

    progress("playback on the 6-node path")
    start = time.perf_counter()
    playback = Playback(net)
    drawn_once = time.perf_counter() - start
    playback.show_trace(net.send("a", "10.0.4.3"))
    step = median_step(playback, repeats)
    redraw = median_redraw(net, repeats)

    print(f"== route edit to new SVG, median of {repeats} edits ==")
    row("dot alone (2-node graph)", f"{floor * 1e3:.1f} ms")
    row(f"6-node path ({hops} hops)", f"{path * 1e3:.1f} ms ({path / floor:.1f}x dot alone)")
    row("6-node path target < 50 ms", verdict(path < 0.05))
    row("10 000-route table", f"{big * 1e3:.1f} ms ({big / floor:.1f}x dot alone)")
    row("10 000-route table target < 200 ms", verdict(big < 0.2))
    print(f"== playback, 6-node path ({len(playback.steps)} steps), median of {repeats} steps ==")
    row("topology drawn once (widget built)", f"{drawn_once * 1e3:.1f} ms")
    row("one step: highlight CSS and step text", f"{step * 1e3:.2f} ms")
    row("drawing the topology again instead", f"{redraw * 1e3:.1f} ms ({redraw / step:.0f}x one step)")


if __name__ == "__main__":
    main()
