"""Run one submitted notebook's code in a sandboxed child and collect its answers as plain data.

The child is forked from a grading worker that has already imported the
engine, so a submission starts in milliseconds. Before any student code runs
the child, where the machine allows it:

* moves into new mount and network namespaces (root only): no network, a
  private tmpfs as its working directory and over ``/tmp`` (the code Python
  imports from, should it live under ``/tmp``, is bound back read-only), and
  empty tmpfs mounts over the hidden tests, the masters and the submissions folder;
* limits CPU time, address space, file size, open files and processes
  (``resource.setrlimit``);
* drops to the unprivileged user ``nobody`` (root only).

The child sends back, one JSON line after every cell, the answer variables
reduced to plain data (:func:`workbook.exercises.core.plain`), then the
results of calling each code question's function on the grader's inputs.
Nothing it sends is trusted: the parent re-parses every value with the
engine's parsers and computes the expected answers itself. The child never
sends a score, so a notebook cannot set its own.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Limits", "RunResult", "run_submission"]

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_REC, _MS_PRIVATE, _MS_NOSUID, _MS_NODEV = 0x4000, 1 << 18, 2, 4
_MS_RDONLY, _MS_REMOUNT, _MS_BIND = 1, 32, 4096
MAX_OUTPUT = 4 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    seconds: float = 30.0
    memory_mb: int = 1024
    file_mb: int = 16
    processes: int = 64


@dataclass
class RunResult:
    """What came back from the child: the last answers it reported and how it ended."""

    answers: dict[str, Any] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    cells_run: int = 0
    errors: list[str] = field(default_factory=list)
    timed_out: bool = False
    finished: bool = False
    exit_note: str = ""
    isolation: tuple[str, ...] = ()


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _mount_tmpfs(libc: Any, target: str, size: str = "64m", mode: str = "0700") -> bool:
    if not os.path.isdir(target):
        return False
    options = f"size={size},mode={mode}".encode()
    return libc.mount(b"tmpfs", target.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) == 0


def _code_under(folder: str) -> list[str]:
    """Folders Python imports from (the interpreter, the workbook, sys.path) that lie inside ``folder``."""
    import workbook

    roots = {sys.prefix, str(Path(workbook.__file__).resolve().parents[1]), *sys.path}
    inside = sorted({os.path.realpath(p) for p in roots if p and os.path.isdir(p)
                     and os.path.realpath(p).startswith(folder.rstrip("/") + "/")})
    return [p for p in inside if not any(p != q and p.startswith(q + "/") for q in inside)]


def _keep_readable(libc: Any, folder: str, mount: Any) -> bool:
    """Cover ``folder`` with ``mount()``, then bind the code inside it back read-only (the workbook may be in /tmp)."""
    keep = _code_under(folder)
    handles = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep]
    try:
        if not mount():
            return False
        for path, handle in zip(keep, handles, strict=True):
            os.makedirs(path, exist_ok=True)
            source = f"/proc/self/fd/{handle}".encode()
            if libc.mount(source, path.encode(), None, _MS_BIND | _MS_REC, None) == 0:
                libc.mount(None, path.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_REC, None)
        return True
    finally:
        for handle in handles:
            os.close(handle)


def _isolate(workdir: str, hide: list[str], limits: Limits) -> list[str]:
    """In the child, before student code: namespaces, rlimits, drop to nobody, chdir. Returns what applied."""
    applied = []
    submission = Path(workdir, "submission.ipynb").read_bytes()
    os.setsid()
    is_root = os.geteuid() == 0
    if is_root:
        libc = _libc()
        if libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET) == 0:
            applied.append("network namespace (no network)")
            if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) == 0:
                hidden = [path for path in hide if _mount_tmpfs(libc, path, size="1m")]
                if hidden:
                    applied.append("hidden folders: " + ", ".join(hidden))
                for shared in ("/dev/shm", "/var/tmp"):
                    _mount_tmpfs(libc, shared, size="16m", mode="1777")
                if _keep_readable(libc, "/tmp", lambda: _mount_tmpfs(libc, "/tmp", size="64m", mode="1777")):
                    private = os.path.join("/tmp", "work")
                    os.mkdir(private, 0o700)
                    Path(private, "submission.ipynb").write_bytes(submission)
                    nobody = pwd.getpwnam("nobody")
                    for path in (private, os.path.join(private, "submission.ipynb")):
                        os.chown(path, nobody.pw_uid, nobody.pw_gid)
                    workdir = private
                    applied.append("private tmpfs as working folder and /tmp")
    for limit, value in (
        (resource.RLIMIT_CPU, int(limits.seconds) + 1),
        (resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024),
        (resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024),
        (resource.RLIMIT_NOFILE, 64),
        (resource.RLIMIT_CORE, 0),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            continue
    applied.append(f"limits: {int(limits.seconds)} s CPU, {limits.memory_mb} MB memory, {limits.file_mb} MB files")
    if is_root:
        nobody = pwd.getpwnam("nobody")
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
        applied.append("user nobody")
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update({"HOME": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg"})
    return applied


def _is_otter_check(source: str) -> bool:
    lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and all(line.startswith(("grader.check", "grader.export")) for line in lines)


def _child(code_cells: list[str], notebook_copy: Path, assignment: str, student: str, variables: list[str],
           code_questions: list[tuple[str, str]], channel: int, hide: list[str], limits: Limits) -> None:
    """Runs in the forked child; never returns."""
    try:
        # Close every descriptor inherited from the worker (its pool's pipes above all), keeping only the channel.
        os.dup2(channel, 3)
        channel = 3
        os.closerange(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        workdir = str(notebook_copy.parent)
        applied = _isolate(workdir, hide, limits)

        def send(message: dict[str, Any]) -> None:
            data = (json.dumps(message, default=str) + "\n").encode()
            try:
                os.write(channel, data)
            except OSError:
                os._exit(3)

        send({"isolation": applied})
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        from IPython.core.inputtransformer2 import TransformerManager

        from workbook.exercises.core import AnswerError, plain

        transform = TransformerManager().transform_cell
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}

        def answers() -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name in variables:
                if name in namespace:
                    try:
                        out[name] = {"value": plain(namespace[name])}
                    except AnswerError as error:
                        out[name] = {"error": str(error)}
                    except Exception as error:
                        out[name] = {"error": f"reading the answer raised {type(error).__name__}"}
            return out

        for number, source in enumerate(code_cells, start=1):
            error = None
            if not _is_otter_check(source):
                try:
                    exec(compile(transform(source), f"<cell {number}>", "exec"), namespace)
                except BaseException as raised:  # SystemExit and KeyboardInterrupt are a cell's failure too
                    error = f"cell {number}: {type(raised).__name__}: {str(raised)[:200]}"
            send({"cell": number, "answers": answers(), "error": error})
        from workbook.exercises import load

        exercise = load(assignment, student)
        for question, name in code_questions:
            function = namespace.get(name)
            if callable(function):
                send({"probe": name, "results": exercise.probe(question, function)})
        send({"finished": True})
        os._exit(0)
    except BaseException as error:
        try:
            os.write(channel, (json.dumps({"fatal": f"{type(error).__name__}: {error}"[:300]}) + "\n").encode())
        finally:
            os._exit(2)


def run_submission(notebook: dict[str, Any], assignment: str, student: str, variables: list[str],
                   code_questions: list[tuple[str, str]], hide: list[str], limits: Limits) -> RunResult:
    """Execute a parsed notebook's code cells in a sandboxed child; return what it reported."""
    cells = notebook.get("cells") or []
    code_cells = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code_cells.append("".join(source) if isinstance(source, list) else str(source))
    root = tempfile.mkdtemp(prefix="wb-grade-")
    os.chmod(root, 0o711)
    work = Path(root, "work")
    work.mkdir(mode=0o700)
    copy = work / "submission.ipynb"
    copy.write_text(json.dumps(notebook))
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for path in (work, copy):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    result = RunResult()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read_end)
        _child(code_cells, copy, assignment, student, variables, code_questions, write_end, hide, limits)
    os.close(write_end)
    deadline = time.monotonic() + limits.seconds
    buffer, received = b"", 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.timed_out = True
                break
            ready, _, _ = select.select([read_end], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            received += len(chunk)
            if received > MAX_OUTPUT:
                result.exit_note = "the notebook sent more than 4 MB of answers; stopped"
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                _take(result, line)
    finally:
        os.close(read_end)
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        if not result.exit_note and not result.finished and not result.timed_out:
            if os.WIFSIGNALED(status):
                result.exit_note = f"the notebook's process was killed by signal {os.WTERMSIG(status)}"
            else:
                result.exit_note = f"the notebook's process ended early (exit status {os.WEXITSTATUS(status)})"
        shutil.rmtree(root, ignore_errors=True)
    return result


def _take(result: RunResult, line: bytes) -> None:
    try:
        message = json.loads(line)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    if "isolation" in message and not result.isolation and isinstance(message["isolation"], list):
        result.isolation = tuple(str(item) for item in message["isolation"])
    elif isinstance(message.get("answers"), dict):
        result.answers = message["answers"]
        result.cells_run = message.get("cell", 0) if isinstance(message.get("cell"), int) else 0
        if isinstance(message.get("error"), str):
            result.errors.append(message["error"])
    elif isinstance(message.get("probe"), str):
        result.probes[message["probe"]] = message.get("results")
    elif isinstance(message.get("fatal"), str) and not result.exit_note:
        result.exit_note = "the grader could not run the notebook: " + message["fatal"]
    elif message.get("finished") is True:
        result.finished = True
