"""Helpers for the kernel comparisons: two namespaces joined by a veth pair, helper processes, raw captures.

Namespace A holds ``v0``, namespace B its peer ``p0``. A capture is a small
Python process in a namespace with a raw ``AF_PACKET`` socket on one
interface: it prints ``ready``, collects the frames of one ethertype for a
while, and prints them as hex when it ends (or when its stdin closes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.net.netns import Namespace, NamespaceUnavailable, namespaces

__all__ = ["Capture", "Pair", "arping_or_skip", "mac_of", "start_helper", "stop_helper", "veth_pair"]

CAPTURE = r"""
import json, select, socket, sys, time
interface, seconds, ethertype = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
s.bind((interface, 0))
print("ready", flush=True)
frames, deadline = [], time.monotonic() + seconds
while time.monotonic() < deadline:
    readable = select.select([s, sys.stdin], [], [], 0.05)[0]
    if sys.stdin in readable and not sys.stdin.read(1):
        break
    if s not in readable:
        continue
    data, where = s.recvfrom(65535)
    if where[2] != socket.PACKET_OUTGOING:
        frames.append(data.hex())
print(json.dumps(frames), flush=True)
"""


@dataclass
class Pair:
    a: Namespace
    b: Namespace


@contextmanager
def veth_pair(a_address: str | None = "10.0.0.2/24", b_address: str | None = "10.0.0.1/24") -> Iterator[Pair]:
    """Two fresh namespaces, ``v0`` in A and ``p0`` in B, up, with the given addresses (skips without root)."""
    try:
        with namespaces(2) as (a, b):
            a.ip("link", "add", "v0", "type", "veth", "peer", "name", "p0", "netns", b.name)
            if a_address:
                a.ip("addr", "add", a_address, "dev", "v0")
            if b_address:
                b.ip("addr", "add", b_address, "dev", "p0")
            a.ip("link", "set", "v0", "up")
            b.ip("link", "set", "p0", "up")
            yield Pair(a, b)
    except NamespaceUnavailable as error:
        pytest.skip(f"kernel tests need network namespaces: {error}")


def start_helper(namespace: Namespace, script: str, *args: str) -> subprocess.Popen:
    """Run a Python helper in ``namespace`` and wait until it prints ``ready``."""
    process = namespace.popen(sys.executable, "-c", script, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise AssertionError(f"helper in {namespace.name} did not start: {line!r} {process.stderr.read()}")
    return process


def stop_helper(process: subprocess.Popen) -> str:
    """Close the helper's stdin and return what it printed."""
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


class Capture:
    """Frames of one ethertype arriving on an interface of a namespace, for at most ``seconds``."""

    def __init__(self, namespace: Namespace, interface: str, ethertype: int, seconds: float = 10.0) -> None:
        self.process = start_helper(namespace, CAPTURE, interface, str(seconds), str(ethertype))

    def frames(self) -> list[bytes]:
        """Stop capturing (at once, if still running) and return the frames seen."""
        out = stop_helper(self.process)
        return [bytes.fromhex(frame) for frame in json.loads(out.strip().splitlines()[-1])]


def mac_of(namespace: Namespace, interface: str) -> str:
    return namespace.ip_json("link", "show", "dev", interface)[0]["address"]


def arping_or_skip() -> None:
    if subprocess.run(["which", "arping"], capture_output=True).returncode:
        pytest.skip("arping (Debian's iputils-arping) is not installed")
