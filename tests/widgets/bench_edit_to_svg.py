"""How long from a route edit in the editor to the new SVG in the lookup explorer (printed, never asserted).

    /tmp/v/bin/python -m tests.widgets.bench_edit_to_svg
"""

from __future__ import annotations

import statistics
import time

from workbook import Network, RouteTable
from workbook.widgets import LookupExplorer, RouteTableEditor

from ..sim.topologies import chain


def median_edit_to_svg(editor: RouteTableEditor, explorer: LookupExplorer, repeats: int = 25) -> float:
    """Median seconds from typing a new metric into the first row to the explorer's redrawn diagram."""
    row = editor.rows[0]
    times = []
    for i in range(repeats):
        before = explorer.diagram.value
        start = time.perf_counter()
        row.fields["metric"].value = str(2 + i % 2)
        times.append(time.perf_counter() - start)
        assert row.error.value == "" and "<svg" in explorer.diagram.value and explorer.diagram.value is not before
    return statistics.median(times)


def main() -> None:
    net = Network.from_dict(chain(4))
    editor = RouteTableEditor(net.host("a"))
    editor.run_command("add 10.0.4.0 MASK 255.255.255.0 10.0.0.1")
    editor.sort_by("destination")
    editor.search.value = "10.0.4.0"
    explorer = LookupExplorer(net, host="a", destination="10.0.4.3", editor=editor)
    assert len(explorer.trace.hops) == 6
    print(f"6-node path (a, r1..r4, b): median edit → new path SVG {median_edit_to_svg(editor, explorer) * 1e3:.1f} ms")

    table = RouteTable.from_prefixes([f"10.{i // 256}.{i % 256}.0/24" for i in range(10_000)], interface="eth0")
    editor = RouteTableEditor(table)
    explorer = LookupExplorer(editor, destination="10.0.0.7")
    print(f"10 000-route table: median edit → new decision SVG {median_edit_to_svg(editor, explorer) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
