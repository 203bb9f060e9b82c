"""Shared networks and helpers for the renderer tests: real simulations, no expected SVG written by hand."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from workbook.sim import Network


def routing_loop() -> dict:
    """Host a behind r1; r1 and r2 point their default routes at each other: a datagram circles until TTL 0."""
    return {
        "segments": [{"name": "net0"}, {"name": "net1"}],
        "hosts": [{"name": "a", "interfaces": [{"name": "eth0", "segment": "net0", "addresses": ["10.0.0.2/24"],
                                                "gateway": "10.0.0.1"}]}],
        "routers": [
            {"name": "r1", "interfaces": [{"name": "left", "segment": "net0", "addresses": ["10.0.0.1/24"]},
                                          {"name": "right", "segment": "net1", "addresses": ["10.0.1.1/24"]}],
             "routes": [{"destination": "0.0.0.0/0", "gateway": "10.0.1.2"}]},
            {"name": "r2", "interfaces": [{"name": "left", "segment": "net1", "addresses": ["10.0.1.2/24"]}],
             "routes": [{"destination": "0.0.0.0/0", "gateway": "10.0.1.1"}]},
        ],
    }


@pytest.fixture
def seed_lan() -> Network:
    return Network.from_scenario("seed_lan")


def dot_plain(source: str) -> list[list[str]]:
    """Lay ``source`` out with the real `dot` (failing on any error or warning) and return its plain-text lines."""
    result = subprocess.run(["dot", "-Tplain"], input=source, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    # Long lines of the plain format continue after a backslash-newline.
    lines = result.stdout.replace("\\\n", "").splitlines()
    return [shlex.split(line) if line.startswith("node ") else line.split() for line in lines]


def node_labels(source: str) -> dict[str, str]:
    """DOT node id -> its label, as `dot` itself read them."""
    return {fields[1]: fields[6] for fields in dot_plain(source) if fields[0] == "node"}


def svg_text(svg: str) -> str:
    """Every text line of an SVG drawing, entities decoded (dot writes '-' as '&#45;'), one per line."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(svg.encode("utf-8"))
    return "\n".join(element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}text"))
