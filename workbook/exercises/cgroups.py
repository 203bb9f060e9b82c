"""One cgroup per submission: memory and process count for the whole submission, and a way to kill all of it.

The grader (root) creates the group before the submission starts; the
sandbox's first process joins it, and every process it starts is born inside.
Both hierarchies are handled, whichever the machine mounts:

* cgroup v2 (``cgroup2``): ``memory.max``, ``memory.swap.max``,
  ``memory.oom.group`` and ``pids.max`` where those controllers are enabled for
  the grader's group, and ``cgroup.kill`` (Linux 5.14) to end everything at once;
* cgroup v1: the ``memory`` controller (``memory.limit_in_bytes``) and the
  ``pids`` controller (``pids.max``), each its own hierarchy.

A group is created under the grader's own group in each hierarchy (read from
``/proc/self/cgroup``), so the machine's or the CI job's limits still apply
above it. See the kernel's Documentation/admin-guide/cgroup-v2.rst and
cgroup-v1/memory.rst, pids.rst.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Cgroup", "Hierarchy", "hierarchies"]

PREFIX = "ip-workbook-"


@dataclass(frozen=True)
class Hierarchy:
    """Where one hierarchy is mounted, the grader's group inside it, and what it can limit."""

    version: int
    root: Path  # the grader's own group in this hierarchy
    controls: frozenset[str]  # the limits it can set: "memory", "pids"


def _mounts() -> list[tuple[str, str, set[str]]]:
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            found.append((tail[0], fields[4], set(tail[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """Controller (or '' for v2) -> the grader's group path, from /proc/self/cgroup."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def hierarchies() -> list[Hierarchy]:
    """The writable hierarchies that can hold a submission's group (none without root or cgroups)."""
    if os.geteuid() != 0:
        return []
    try:
        mounts, own = _mounts(), _own_groups()
    except OSError:
        return []
    found = []
    for fstype, point, options in mounts:
        if fstype == "cgroup2" and "" in own:
            root = Path(point + own[""])
            enabled = set((root / "cgroup.subtree_control").read_text().split()) if root.is_dir() else set()
            found.append(Hierarchy(2, root, frozenset(c for c in ("memory", "pids") if c in enabled)))
        elif fstype == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options and controller in own:
                    found.append(Hierarchy(1, Path(point + own[controller]), frozenset({controller})))
    return [h for h in found if h.root.is_dir() and os.access(h.root, os.W_OK)]


@dataclass
class Cgroup:
    """A submission's group in every available hierarchy."""

    name: str
    paths: list[tuple[Hierarchy, Path]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, name: str, memory_bytes: int, processes: int,
               available: list[Hierarchy] | None = None) -> Cgroup:
        group = cls(PREFIX + name)
        limited: set[str] = set()
        for hierarchy in hierarchies() if available is None else available:
            path = hierarchy.root / group.name
            try:
                path.mkdir()
            except OSError:
                continue
            group.paths.append((hierarchy, path))
            if "memory" in hierarchy.controls and "memory" not in limited:
                if group._limit_memory(hierarchy, path, memory_bytes):
                    limited.add("memory")
            if "pids" in hierarchy.controls and "pids" not in limited:
                if _write(path / "pids.max", str(processes)):
                    limited.add("pids")
        if limited:
            group.notes.append(f"cgroup: {' and '.join(sorted(limited))} of the whole submission "
                               f"({memory_bytes // 2**20} MB, {processes} processes)")
        return group

    @staticmethod
    def _limit_memory(hierarchy: Hierarchy, path: Path, memory_bytes: int) -> bool:
        if hierarchy.version == 2:
            _write(path / "memory.swap.max", "0")
            _write(path / "memory.oom.group", "1")
            return _write(path / "memory.max", str(memory_bytes))
        done = _write(path / "memory.limit_in_bytes", str(memory_bytes))
        _write(path / "memory.memsw.limit_in_bytes", str(memory_bytes))  # only with swap accounting
        return done

    @property
    def procs_files(self) -> list[str]:
        """What the sandbox's first process writes its pid into, to join the group."""
        return [str(path / "cgroup.procs") for _, path in self.paths]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for _, path in self.paths:
            try:
                found |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
            except OSError:
                continue
        return found

    def oom_kills(self) -> int:
        """How many processes of the submission the kernel killed for memory."""
        count = 0
        for hierarchy, path in self.paths:
            source = path / ("memory.events" if hierarchy.version == 2 else "memory.oom_control")
            try:
                for line in source.read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        count = max(count, int(value))
            except OSError:
                continue
        return count

    def kill(self, within: float = 2.0) -> bool:
        """Kill every process of the group; True once it is empty."""
        for hierarchy, path in self.paths:
            if hierarchy.version == 2 and (path / "cgroup.kill").exists():
                _write(path / "cgroup.kill", "1")
        deadline = time.monotonic() + within
        while True:
            remaining = self.pids()
            if not remaining:
                return True
            for pid in remaining:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)

    def remove(self) -> None:
        """Kill what is left, then delete the group from every hierarchy."""
        self.kill()
        for _, path in self.paths:
            for _ in range(200):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # the last process is still being torn down
                    time.sleep(0.005)


def remove_stale(available: list[Hierarchy] | None = None) -> None:
    """Delete empty groups left by a grader that was killed (their name holds that grader's pid)."""
    for hierarchy in hierarchies() if available is None else available:
        for path in hierarchy.root.glob(PREFIX + "*"):
            owner = path.name.removeprefix(PREFIX).split("-")[0]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                group = Cgroup(path.name, [(hierarchy, path)])
                group.remove()


def _write(path: Path, text: str) -> bool:
    try:
        path.write_text(text)
        return True
    except OSError:
        return False
