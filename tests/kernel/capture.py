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

__all__ = ["Capture", "Injector", "Pair", "arping_or_skip", "mac_of", "start_helper", "stop_helper", "veth_pair"]

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
    try:
        data, where = s.recvfrom(65535)
    except OSError:  # the interface went down for a moment (a carrier test): keep listening
        continue
    frames.append(("out" if where[2] == socket.PACKET_OUTGOING else "in", data.hex(), time.monotonic()))
print(json.dumps(frames), flush=True)
"""

INJECT = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
print("ready", flush=True)
for line in sys.stdin:
    s.send(bytes.fromhex(line.strip()))
    print("sent", flush=True)
"""


@dataclass
class Pair:
    a: Namespace
    b: Namespace


@contextmanager
def veth_pair(a_address: str | None = "10.0.0.2/24", b_address: str | None = "10.0.0.1/24",
              a_mac: str | None = None) -> Iterator[Pair]:
    """Two fresh namespaces, ``v0`` in A and ``p0`` in B, up, with the given addresses (skips without root)."""
    try:
        with namespaces(2) as (a, b):
            a.ip("link", "add", "v0", "type", "veth", "peer", "name", "p0", "netns", b.name)
            if a_mac:
                a.ip("link", "set", "v0", "address", a_mac)
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
        self.seen: list[tuple[str, bytes, float]] | None = None

    def frames(self, direction: str = "in") -> list[bytes]:
        """Stop capturing (at once, if still running) and return the frames that came in (or went ``"out"``)."""
        if self.seen is None:
            out = stop_helper(self.process)
            if not out.strip():
                raise AssertionError(f"the capture printed nothing: {self.process.stderr.read()}")
            self.seen = [(way, bytes.fromhex(frame), when) for way, frame, when in
                         json.loads(out.strip().splitlines()[-1])]
        return [frame for way, frame, _ in self.seen if way == direction]

    def times(self, direction: str = "in") -> list[float]:
        """When each of :meth:`frames` was seen (seconds, monotonic clock)."""
        self.frames(direction)
        return [when for way, _, when in self.seen if way == direction]


class Injector:
    """Puts raw frames on an interface of a namespace (as another host, or a tool like arping, would)."""

    def __init__(self, namespace: Namespace, interface: str) -> None:
        self.process = start_helper(namespace, INJECT, interface)

    def send(self, frame: bytes) -> None:
        self.process.stdin.write(frame.hex() + "\n")
        self.process.stdin.flush()
        self.process.stdout.readline()

    def close(self) -> None:
        stop_helper(self.process)


def mac_of(namespace: Namespace, interface: str) -> str:
    return namespace.ip_json("link", "show", "dev", interface)[0]["address"]


def arping_or_skip() -> None:
    if subprocess.run(["which", "arping"], capture_output=True).returncode:
        pytest.skip("arping (Debian's iputils-arping) is not installed")
