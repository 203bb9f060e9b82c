"""Every behaviour a personality declares is a Trait with a source (the ledger), and nothing else asks a
personality for its name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workbook.ledger import CONSTANTS, Evidence, Trait, source_of, traits
from workbook.net.personalities import PERSONALITIES, Personality

ROOT = Path(__file__).resolve().parents[2]
#: Which stack a class is, not how it behaves.
IDENTITY = {"name", "title"}


def _classes() -> list[type]:
    return [Personality, *PERSONALITIES.values()]


def _public_values(cls: type) -> dict[str, object]:
    found = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and name not in IDENTITY:
                found[name] = value
    return found


@pytest.mark.parametrize("cls", _classes(), ids=lambda c: c.__name__)
def test_every_public_value_of_a_personality_is_a_trait(cls):
    plain = [name for name, value in _public_values(cls).items()
             if not isinstance(value, Trait | staticmethod | classmethod) and not callable(value)]
    assert not plain, f"{cls.__name__}: {plain} should be Traits with a Source (workbook/ledger.py)"


@pytest.mark.parametrize("cls", list(PERSONALITIES.values()), ids=lambda c: c.__name__)
def test_every_trait_cites_a_source_a_reader_can_find(cls):
    for name, trait in traits(cls).items():
        source = trait.source
        assert source.reference and source.cite(cls.title), (cls.__name__, name)
        if source.evidence is Evidence.KERNEL:
            assert (ROOT / source.test.split("::")[0]).is_file(), (cls.__name__, name, source.test)


def test_the_trait_test_fails_for_a_plain_attribute():
    class Careless(PERSONALITIES["linux"]):
        default_ttl = 64

    assert "default_ttl" in _public_values(Careless) and not isinstance(_public_values(Careless)["default_ttl"],
                                                                         Trait)


def test_nt_looks_up_as_microsoft_documented_and_cites_it():
    nt4 = PERSONALITIES["nt4"]()
    assert nt4.strategy.value == "longest-prefix"
    assert source_of(nt4, "strategy").evidence is Evidence.MICROSOFT
    assert "Route" in source_of(nt4, "strategy").reference or "route" in source_of(nt4, "strategy").reference


def test_windows_metrics_are_ledger_constants():
    assert {"windows: route metric of an on-link route", "windows: interface metric of the loopback"} <= set(CONSTANTS)


def test_no_personality_name_is_tested_in_the_engine():
    """Behaviour that differs per stack is a trait or a method, never `name ==` or `.startswith("nt")`."""
    offenders = []
    for path in sorted((ROOT / "workbook" / "net").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = ast.unparse(node) if isinstance(node, ast.Compare | ast.Call) else ""
            if ("personality.name ==" in text or "personality.name !=" in text
                    or (".name.startswith(" in text and "personality" in text)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert not offenders, offenders
