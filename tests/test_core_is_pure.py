"""The model and the simulator must not import Jupyter, widgets or graphviz, and the simulator nothing of the
renderers: check it in a fresh interpreter."""

import ast
import subprocess
import sys
from pathlib import Path

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


SIM_WITHOUT_RENDER = """
import importlib.abc, importlib.util, pathlib, pkgutil, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "workbook.render" or name.startswith("workbook.render."):
            raise ImportError(f"the simulator imported {name}")
sys.meta_path.insert(0, Block())
# The package without running its __init__ (which imports the renderers to register their display).
folder = pathlib.Path(sys.argv[1]) / "workbook"
spec = importlib.util.spec_from_file_location("workbook", folder / "__init__.py",
                                              submodule_search_locations=[str(folder)])
sys.modules["workbook"] = importlib.util.module_from_spec(spec)
import workbook.sim
for module in pkgutil.walk_packages(workbook.sim.__path__, "workbook.sim."):
    __import__(module.name)
from workbook.sim import Network
net = Network.from_scenario("multicast-lan")
net.host("member").join("239.1.2.3")
trace = net.send("sender", "239.1.2.3")
net.write_pcap(sys.argv[2])
print(trace.delivered, "Delivered" in trace.explain(), hasattr(Network, "_repr_mimebundle_"))
"""


def test_the_simulator_imports_nothing_of_render(tmp_path):
    """sim/ runs with workbook.render blocked; and no module of sim/ names render in any import."""
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", SIM_WITHOUT_RENDER, str(root), str(tmp_path / "x.pcap")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]
    for path in sorted((root / "workbook" / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            assert not [n for n in names if n.startswith("workbook.render")], f"{path.name}:{node.lineno}"


def test_importing_workbook_registers_the_jupyter_display():
    code = ("import workbook; n = workbook.Network.from_scenario('seed-lan'); t = n.send('nt-host', '172.17.1.1'); "
            "print(sorted(n._repr_mimebundle_()), sorted(t._repr_mimebundle_()))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "text/plain" in result.stdout and result.stdout.count("text/plain") == 2
