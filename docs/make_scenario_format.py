"""Write docs/scenario-format.md from the scenario schema (workbook/net/schema.py and the protocols' keys).

    python docs/make_scenario_format.py

tests/net/test_schema.py fails while the file is out of date.
"""

from pathlib import Path

import workbook.sim  # noqa: F401  (registers the protocols, whose keys plug into the schema)
from workbook.net.schema import markdown

if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "scenario-format.md"
    target.write_text(markdown(), encoding="utf-8")
    print(f"wrote {target}")
