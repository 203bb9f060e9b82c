"""Throw-away Linux network namespaces for the kernel-differential tests.

Every namespace is called ``wbk-<pid>-<counter>``; it is deleted by name when
its context ends, and again at interpreter exit if a run is interrupted.
Namespaces left behind by processes that are no longer alive are removed
when this module first creates one. Nothing here touches the host's own
interfaces: links are created inside the namespaces. For example::

    with namespaces(2) as (a, b):
        a.ip("link", "add", "v0", "type", "veth", "peer", "name", "p0", "netns", b.name)
        a.ip_json("route", "get", "10.0.0.9")

In a test, use the ``netns_factory`` fixture (it skips when namespaces
cannot be made) or catch :class:`NamespaceUnavailable` and skip.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

__all__ = ["Namespace", "NamespaceUnavailable", "namespaces", "netns_factory"]

PREFIX = "wbk-"
_counter = itertools.count()
_alive: set[str] = set()
_stale_cleaned = False


class NamespaceUnavailable(RuntimeError):
    """Network namespaces cannot be made here (not root, no `ip`, or the kernel refuses)."""


class CommandError(RuntimeError):
    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"{' '.join(args)} failed ({returncode}): {stderr.strip()}")
        self.returncode = returncode
        self.stderr = stderr


def _run(args: list[str], check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, input=input, timeout=30)
    if check and result.returncode != 0:
        raise CommandError(args, result.returncode, result.stderr)
    return result


def _delete(name: str) -> None:
    _run(["ip", "netns", "delete", name], check=False)
    _alive.discard(name)


def _delete_all_alive() -> None:
    for name in list(_alive):
        _delete(name)


atexit.register(_delete_all_alive)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale() -> list[str]:
    """Delete ``wbk-<pid>-*`` namespaces whose process is gone; returns their names."""
    result = _run(["ip", "netns", "list"], check=False)
    removed = []
    for line in result.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(re.escape(PREFIX) + r"(\d+)-\d+", name)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            _delete(name)
            removed.append(name)
    return removed


def unavailable_reason() -> str | None:
    """Why namespaces cannot be used here, or None when they can."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    return None


class Namespace:
    """One network namespace, by name; `ip -n NAME ...` and `ip netns exec NAME ...` helpers."""

    def __init__(self, name: str) -> None:
        self.name = name

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``ip -n NAME ARGS`` and return the completed process (raise on failure when ``check``)."""
        return _run(["ip", "-n", self.name, *args], check=check)

    def ip_json(self, *args: str) -> list[dict]:
        """``ip -j -n NAME ARGS`` parsed; raises CommandError when ip fails."""
        output = _run(["ip", "-j", "-n", self.name, *args]).stdout
        return json.loads(output) if output.strip() else []

    def batch(self, commands: list[str], force: bool = False) -> subprocess.CompletedProcess[str]:
        """Run many ip commands at once with ``ip -batch -`` (stops at the first failure unless ``force``)."""
        args = ["ip", "-n", self.name, *(["-force"] if force else []), "-batch", "-"]
        return _run(args, input="\n".join(commands) + "\n")

    def exec(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a program inside the namespace: ``ip netns exec NAME ARGS``."""
        return _run(["ip", "netns", "exec", self.name, *args], check=check, input=input)

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen:
        """Start a long-running program inside the namespace (the caller ends it)."""
        return subprocess.Popen(["ip", "netns", "exec", self.name, *args], **kwargs)  # type: ignore[call-overload]

    def __repr__(self) -> str:
        return f"<Namespace {self.name}>"


def _create() -> Namespace:
    global _stale_cleaned
    reason = unavailable_reason()
    if reason:
        raise NamespaceUnavailable(reason)
    if not _stale_cleaned:
        _stale_cleaned = True
        clean_stale()
    name = f"{PREFIX}{os.getpid()}-{next(_counter)}"
    _alive.add(name)
    try:
        _run(["ip", "netns", "add", name])
    except (CommandError, OSError, subprocess.TimeoutExpired) as error:
        _delete(name)
        raise NamespaceUnavailable(f"`ip netns add {name}` failed: {error}") from error
    namespace = Namespace(name)
    namespace.ip("link", "set", "lo", "up")
    return namespace


@contextlib.contextmanager
def namespaces(count: int = 1) -> Iterator[list[Namespace]]:
    """``count`` fresh namespaces (loopback up); all deleted by name when the block ends."""
    made: list[Namespace] = []
    try:
        for _ in range(count):
            made.append(_create())
        yield made
    finally:
        for namespace in made:
            _delete(namespace.name)


@pytest.fixture
def netns_factory() -> Iterator[object]:
    """A function ``make(count=1) -> list[Namespace]``; skips the test when namespaces are unavailable.

    Every namespace it made is deleted by name after the test.
    """
    stack = contextlib.ExitStack()

    def make(count: int = 1) -> list[Namespace]:
        try:
            return stack.enter_context(namespaces(count))
        except NamespaceUnavailable as error:
            pytest.skip(f"kernel tests need network namespaces: {error}")

    with stack:
        yield make
