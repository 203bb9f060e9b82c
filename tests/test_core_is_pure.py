"""The model and the simulator must not import Jupyter, widgets or graphviz: check it in a fresh interpreter."""

import subprocess
import sys

BLOCKER = """
import importlib.abc, sys
FORBIDDEN = ("ipywidgets", "IPython", "graphviz", "jupyter", "jupyter_client", "ipykernel", "matplotlib")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(f"the core imported {name}")
sys.meta_path.insert(0, Block())
import pkgutil, workbook, workbook.net, workbook.sim
for package in (workbook.net, workbook.sim):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        __import__(module.name)
host = workbook.Host.from_scenario("seed-host")
trace = workbook.Network.from_scenario("seed_lan").send("nt-host", "172.17.1.1")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
print(host.route_get("172.17.1.1").explain().count("\\n") > 3 and trace.delivered, loaded)
"""


def test_core_imports_no_jupyter_widget_or_graphviz_module():
    result = subprocess.run([sys.executable, "-c", BLOCKER], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True []"
