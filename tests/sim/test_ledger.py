"""Every protocol constant and every personality trait the simulator uses carries its source (the truth rule)."""

from __future__ import annotations

import ast
import enum
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import workbook.sim
from workbook.ledger import CONSTANTS, Evidence, source_of, traits
from workbook.net.personalities import PERSONALITIES, Personality

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "workbook" / "sim"
_CONSTANT_NAME = re.compile(r"_?[A-Z][A-Z0-9_]*")


def _numeric(value: object) -> bool:
    if isinstance(value, tuple):
        return bool(value) and all(_numeric(item) for item in value)
    return isinstance(value, int | float) and not isinstance(value, bool | enum.Enum)


def module_constants() -> list[tuple[str, str, ast.expr]]:
    """(module, name, value expression) of every module-level CONSTANT_NAME assignment in workbook/sim."""
    found = []
    for info in pkgutil.iter_modules(workbook.sim.__path__, "workbook.sim."):
        path = SIM / f"{info.name.rsplit('.', 1)[1]}.py"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) and node.value is not None else []
            for target in targets:
                if isinstance(target, ast.Name) and _CONSTANT_NAME.fullmatch(target.id):
                    found.append((info.name, target.id, node.value))
    return found


def test_every_numeric_constant_of_the_simulator_is_in_the_ledger() -> None:
    found = [(importlib.import_module(module), name, expression) for module, name, expression in module_constants()]
    recorded = [entry.value for entry in CONSTANTS.values()]
    missing = []
    for module, name, expression in found:
        module_name, value = module.__name__, getattr(module, name)
        if not _numeric(value):
            continue
        declared = (isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name)
                    and expression.func.id == "constant")
        if not declared or value not in recorded:
            missing.append(f"{module_name}.{name} = {value!r}")
    assert not missing, "declare these with constant(name, value, Source...):\n" + "\n".join(missing)


def test_the_scan_sees_the_constants_it_should() -> None:
    names = {(module, name) for module, name, _ in module_constants()}
    assert {("workbook.sim.dad", "PROBE_WAIT"), ("workbook.sim.igmp", "ALL_HOSTS"),
            ("workbook.sim.network", "PROPAGATION_DELAY"), ("workbook.sim.pcap", "_MIN_FRAME")} <= names


def test_every_ledger_constant_of_the_simulator_has_a_citable_source() -> None:
    for name, entry in CONSTANTS.items():
        text = entry.source.cite()
        assert entry.source.reference and text, name
        if entry.source.evidence is Evidence.MODEL:
            assert "not a claim about any stack" in text


def simulator_traits() -> set[str]:
    """Every attribute of a personality that workbook/sim reads and the base Personality does not define."""
    read = set()
    for path in SIM.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                   and ast.unparse(node.value).endswith(".personality")
                   for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and (ast.unparse(node.value).endswith("personality")
                                                    or ast.unparse(node.value) in aliases):
                read.add(node.attr)
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "source_of" and len(node.args) == 2:
                read.add(node.args[1].value)
    base = set(dir(Personality)) | set(Personality.__annotations__)
    return {name for name in read if name not in base}


def test_the_simulator_reads_the_traits_this_test_expects() -> None:
    assert {"default_ttl", "arp_cache_life", "arp_accept", "duplicate_detection", "igmp_version",
            "igmp_headers"} <= simulator_traits()


@pytest.mark.parametrize("name", sorted(PERSONALITIES))
def test_every_simulator_trait_of_every_personality_has_a_source(name: str) -> None:
    personality = PERSONALITIES[name]
    declared = traits(personality)
    assert simulator_traits() <= set(declared), f"{name} lacks traits {simulator_traits() - set(declared)}"
    for trait in simulator_traits():
        source = source_of(personality, trait)
        assert source.reference and source.cite(personality.title)
        if source.evidence is Evidence.KERNEL:
            test_file, _, test_name = source.test.partition("::")
            assert f"def {test_name}(" in (ROOT / test_file).read_text(), f"{name}.{trait}: no test {source.test}"
        if not source.confirmed:
            assert "not confirmed for Windows" in source.cite("Windows")
