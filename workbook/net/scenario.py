"""Reading scenario files: JSON or YAML descriptions of hosts and networks.

Named scenarios ship inside the package (``workbook/scenarios``) so that
chapters load them by name, with no path tricks:

>>> data = load_scenario("seed-host")
>>> data["name"], data["interfaces"][0]["addresses"]
('nt-host', ['172.16.112.123/24'])

This module reads files; which keys they may hold is declared once, in
:mod:`workbook.net.schema` (listed in docs/scenario-format.md).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workbook.errors import ScenarioError

__all__ = ["check_keys", "load_file", "load_scenario", "load_text", "scenario_names"]


def load_file(path: str | Path) -> dict[str, Any]:
    """Parse a .json, .yaml or .yml file into a dict, with errors that name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"scenario file {str(path)!r} cannot be read: {error.strerror}") from None
    return _parse(text, path.name)


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        language = "JSON" if name.endswith(".json") else "YAML"
        raise ScenarioError(f"scenario {name!r} is not valid {language}: {error}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario {name!r} must hold a mapping (keys and values), not {type(data).__name__}")
    return data


def scenario_names() -> list[str]:
    """The scenarios shipped with the workbook."""
    folder = resources.files("workbook") / "scenarios"
    return sorted(p.name.rsplit(".", 1)[0].replace("_", "-") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_scenario(name: str) -> dict[str, Any]:
    """A shipped scenario by name, e.g. 'seed-host'."""
    file = resources.files("workbook") / "scenarios" / f"{name.replace('-', '_')}.yaml"
    if not file.is_file():
        raise ScenarioError(f"no scenario called {name!r}; the workbook has {', '.join(scenario_names())}")
    return _parse(file.read_text(encoding="utf-8"), file.name)


def load_text(name: str) -> str:
    """A text file shipped with the scenarios, e.g. 'seed_route_print_nt4.txt'.

    >>> load_text("seed_route_print_nt4.txt").splitlines()[0]
    'Active Routes:'
    """
    folder = resources.files("workbook") / "scenarios"
    file = folder / name
    if not name.endswith(".txt") or not file.is_file():
        texts = sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))
        raise ScenarioError(f"no text called {name!r}; the workbook has {', '.join(texts)}")
    return file.read_text(encoding="utf-8")


def check_keys(data: object, allowed: set[str], required: set[str], what: str) -> dict[str, Any]:
    """Refuse a mapping with unknown or missing keys, naming them and the allowed ones.

    For an ad-hoc mapping; a kind of the scenario format is checked with
    :meth:`workbook.net.schema.Kind.check`, which also shows an example.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{what} must be a mapping, not {data!r}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ScenarioError(
            f"{what} has unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}"
        )
    missing = sorted(required - set(data))
    if missing:
        raise ScenarioError(f"{what} lacks {', '.join(map(repr, missing))}")
    return data
