"""The sandbox itself, one submission at a time: what it can see, what it may use, and that it ends entirely.

Run in each isolation mode the machine allows. The destructive checks (forks, memory) need the root mode, whose
cgroup and user id keep them away from the test runner.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

import pytest

from workbook.exercises.cgroups import hierarchies
from workbook.exercises.isolation import Mode, strongest_mode
from workbook.exercises.sandbox import Limits, Sandbox, user_ids

from .conftest import MASTERS, ROOT

MODE = strongest_mode()
root_only = pytest.mark.skipif(MODE is not Mode.ROOT, reason="needs the root sandbox (cgroup, own user id)")
namespaces = pytest.mark.skipif(MODE is Mode.LIMITS_ONLY, reason="needs namespaces (root or user namespaces)")

PROBE = """
import os, socket
seen_root = sorted(os.listdir("/"))
seen_project = sorted(os.listdir(PROJECT)) if os.path.isdir(PROJECT) else []
processes = sorted(p for p in os.listdir("/proc") if p.isdigit())
status = open("/proc/self/status").read()
capabilities = re.search(r"CapEff:\\s*(\\w+)", status)[1]
interfaces = sorted(name for _, name in socket.if_nameindex())
"""


def run(cells: list[str], mode: Mode, limits: Limits | None = None, variables: tuple[str, ...] = ("q1_next_hop",),
        secrets: tuple[str, ...] = ()):
    with user_ids(1) as uid:
        sandbox = Sandbox(uid, mode, secrets=[*secrets, str(MASTERS), str(ROOT / ".git")], containers=[str(ROOT)])
        try:
            return sandbox.run(cells, "01_route_lookup", "alice", list(variables), [],
                               limits or Limits(seconds=10)), uid, sandbox.zygote.process.pid
        finally:
            sandbox.close()


def answer(result, name: str = "q1_next_hop"):
    return result.answers[name]["value"]


def probed(mode: Mode) -> dict:
    cell = "import re\n" + PROBE.replace("PROJECT", repr(str(ROOT))) + \
        "q1_next_hop = repr((seen_root, seen_project, processes, capabilities, interfaces, os.getuid()))"
    result, uid, _ = run([cell], mode)
    assert result.finished, (result.exit_note, result.errors)
    seen_root, seen_project, processes, capabilities, interfaces, user = eval(answer(result))  # our own probe
    return {"root": seen_root, "project": seen_project, "processes": processes, "capabilities": capabilities,
            "interfaces": interfaces, "uid": user, "slot_uid": uid, "isolation": result.isolation}


@namespaces
@pytest.mark.parametrize("mode", [m for m in (Mode.ROOT, Mode.USER_NAMESPACE) if MODE is Mode.ROOT or m is MODE])
def test_a_submission_sees_only_code_its_own_processes_and_loopback(mode: Mode) -> None:
    seen = probed(mode)
    assert "workbook" in seen["project"] and set(seen["project"]) <= {"workbook", ".venv"}, seen  # no .git, masters
    interpreters = {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, ROOT)}
    assert set(seen["root"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr",
                                 *interpreters}, seen["root"]
    assert seen["processes"] == ["1"]  # its own PID namespace: nothing of the grader, nothing of a classmate
    assert int(seen["capabilities"], 16) == 0
    assert seen["interfaces"] == ["lo"]
    if mode is Mode.ROOT:
        assert seen["uid"] == seen["slot_uid"] != 0


def test_without_namespaces_a_submission_still_runs_and_reports() -> None:
    result, *_ = run(["q1_next_hop = '10.0.0.1'", "import os\nq2_next_hop = str(os.getpid())"], Mode.LIMITS_ONLY,
                     variables=("q1_next_hop", "q2_next_hop"))
    assert result.finished and answer(result) == "10.0.0.1"
    assert result.static["answers"]["q1_next_hop"] == {"typed": "10.0.0.1", "cell": 1}
    assert "isolation: limits-only" in result.isolation


@root_only
@pytest.mark.skipif(not any("memory" in h.controls for h in hierarchies()), reason="no memory cgroup here")
def test_memory_is_limited_for_the_whole_submission_not_per_process() -> None:
    """Eight children of 96 MB each under a 320 MB limit: the kernel kills children, whatever each one's size."""
    cell = """
import os, time
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (96 * 2**20)
        time.sleep(1.5)
        os._exit(0)
    children.append(pid)
alive = sum(os.waitpid(pid, 0)[1] == 0 for pid in children)
q1_next_hop = str(alive)
"""
    result, *_ = run([cell], Mode.ROOT, Limits(seconds=20, memory_mb=320))
    assert result.finished, result.exit_note
    assert 0 < int(answer(result)) <= 3  # 3 x 96 MB fit beside the notebook itself; 8 would be 768 MB


@root_only
def test_processes_are_limited_and_none_survives_the_submission() -> None:
    cell = """
import os, time
forked = 0
for _ in range(100):
    try:
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
        forked += 1
    except OSError:
        break
q1_next_hop = str(forked)
"""
    result, uid, _ = run([cell], Mode.ROOT, Limits(seconds=10, processes=12))
    assert result.finished and 0 < int(answer(result)) < 12
    left = [p for p in os.listdir("/proc") if p.isdigit() and _owner(p) == uid]
    assert not left, f"processes of user {uid} outlived the submission: {left}"


def _owner(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


@root_only
def test_the_memory_scan_finds_what_is_there_and_the_zygote_never_saw_the_submission() -> None:
    """The scan of test_hostile finds a marker the notebook builds (so its empty finding means something), and the
    zygote's memory holds no byte of the notebook it forked for."""
    marker = "stu-" + hashlib.sha256(os.urandom(8)).hexdigest()[:10]
    scan = re.search(r'"atk-memscan": """(.*?)""",', (Path(__file__).parent / "test_hostile.py").read_text(),
                     re.S)[1]
    digests = [(marker.encode()[:4], len(marker), hashlib.sha256(marker.encode()).hexdigest())]
    cells = [f"built = {marker[:6]!r} + {marker[6:]!r}", scan.replace("DIGESTS", repr(digests))]
    with user_ids(1) as uid:
        sandbox = Sandbox(uid, Mode.ROOT, containers=[str(ROOT)])
        try:
            result = sandbox.run(cells, "01_route_lookup", "alice", [], [], Limits(seconds=20))
            zygote = sandbox.zygote.process.pid
            assert f"memory holds [{digests[0][2][:8]!r}]" in result.errors[0], result.errors
            assert marker[:6].encode() + marker[6:].encode() not in _memory_of(zygote)
            assert f"{marker[:6]!r} + ".encode() not in _memory_of(zygote)
        finally:
            sandbox.close()


def _memory_of(pid: int) -> bytes:
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as memory:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or (len(fields) > 5 and fields[5].startswith("/")) or end - start > 2**28:
                continue
            try:
                memory.seek(start)
                chunks.append(memory.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
    return b"".join(chunks)


def test_answers_typed_in_the_source_are_reported_before_any_code_runs() -> None:
    """The static report comes first: a notebook that forges a later one changes nothing."""
    forge = ('import os, json\nos.write(3, (json.dumps({"static": {"answers": {"q1_next_hop": '
             '{"typed": "6.6.6.6", "cell": 1}}}}) + "\\n").encode())')
    result, *_ = run(["q1_next_hop = '10.0.0.1'", forge], MODE)
    assert result.static["answers"]["q1_next_hop"]["typed"] == "10.0.0.1"


@root_only
def test_code_that_lives_under_tmp_is_bound_inside_the_private_tmp(tmp_path: Path) -> None:
    """A checkout in a temporary folder (CI's clone may be one) stays visible, read-only, beside /tmp/work."""
    import ctypes

    from workbook.exercises import isolation

    code = tmp_path / "checkout"
    code.mkdir()
    (code / "marker.txt").write_text("bound")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the new root is built in a child: its mount namespace dies with it
        os.close(read)
        try:
            if ctypes.CDLL(None, use_errno=True).unshare(0x00020000) != 0:  # CLONE_NEWNS
                raise OSError(ctypes.get_errno(), "unshare")
            isolation.PrivateRoot([str(code), *_interpreter_folders()], secrets=[]).enter(proc=False)
            seen = (Path(code / "marker.txt").read_text(), os.path.isdir("/tmp/work"),
                    os.access(str(code), os.W_OK))
            os.write(write, repr(seen).encode())
        except BaseException as error:  # reported to the parent, which fails the test
            os.write(write, repr(("error", repr(error))).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        seen = pipe.read()
    os.waitpid(child, 0)
    assert eval(seen) == ("bound", True, False), seen  # our own child's repr


def _interpreter_folders() -> list[str]:
    return sorted({sys.prefix, sys.base_prefix, *(p for p in sys.path if p and os.path.isdir(p))})
