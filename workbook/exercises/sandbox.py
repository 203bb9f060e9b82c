"""Run one submission's code in a sandbox of its own and collect what it reports (grader only).

A grading worker keeps a *zygote* (:mod:`workbook.exercises.zygote`): a fresh
interpreter that has imported the engine and has never seen a submission or a
test. For each submission the zygote forks; the worker hands the child the
notebook's code over a pipe the zygote never reads. The child:

1. joins the submission's cgroup (:mod:`workbook.exercises.cgroups`: memory and
   process count of the whole submission), enters new PID, mount, network, IPC
   and UTS namespaces (:mod:`workbook.exercises.isolation`), and forks the
   submission's first process, PID 1 of its namespace: when it ends, the kernel
   kills every process it started, ``setsid`` double forks included;
2. that process reads the answers *as typed* from the source
   (:mod:`workbook.exercises.literals`) and reports them before any student
   code runs, so nothing the notebook does can change them;
3. pivots into a private root that holds only the code Python needs (no
   repository, no ``.git``, no masters, no build output, no submissions, no
   gradebook), brings up loopback only, drops to the worker slot's own user id
   (or every capability, in a user namespace), sets resource limits;
4. runs the code cells in order, reporting the answer variables after each one,
   then calls each function question's function on the grader's inputs with its
   forbidden engine calls unavailable.

The worker trusts only the first report of each kind the process sent before
student code ran; everything after is data to check, never a score.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import select
import signal
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from workbook.exercises import isolation
from workbook.exercises.isolation import Mode

__all__ = ["Limits", "RunResult", "Sandbox", "run_job", "user_ids"]

MAX_OUTPUT = 4 * 1024 * 1024
#: User ids for submissions (root only): blocks of BLOCK ids from UID_BASE; a grading run locks one block, and
#: its worker slot k runs every submission it grades as the block's first id + k.
UID_BASE = 64_000
BLOCK = 16
BLOCKS = 64
CHANNEL = 3


@contextlib.contextmanager
def user_ids(slots: int) -> Iterator[int]:
    """Lock a block of user ids no other grading run on this machine uses; yields its first id."""
    if slots > BLOCK:
        raise ValueError(f"at most {BLOCK} worker slots")
    folder = Path("/run/lock") if Path("/run/lock").is_dir() and os.access("/run/lock", os.W_OK) \
        else Path(tempfile.gettempdir())
    for block in range(BLOCKS):
        handle = open(folder / f"ip-workbook-uids-{block}.lock", "a")  # held (locked) while grading
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            yield UID_BASE + block * BLOCK
        finally:
            handle.close()
        return
    raise RuntimeError(f"all {BLOCKS} blocks of grader user ids are in use")


@dataclass(frozen=True)
class Limits:
    """What one submission may use: wall-clock seconds, memory and processes of the whole submission."""

    seconds: float = 30.0
    memory_mb: int = 1024
    file_mb: int = 16
    processes: int = 32
    tmp_mb: int = 64


@dataclass
class RunResult:
    """What came back from the sandbox: the static report, the last answers it ran, and how it ended."""

    static: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    cells_run: int = 0
    errors: list[str] = field(default_factory=list)
    timed_out: bool = False
    finished: bool = False
    exit_note: str = ""
    isolation: tuple[str, ...] = ()

    def take(self, line: bytes) -> None:
        """Record one report line. The static report and the isolation notes count only the first time: they
        are sent before any student code runs."""
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if "static" in message:
            if not self.static and isinstance(message["static"], dict):
                self.static = message["static"]
        elif "isolation" in message:
            if not self.isolation and isinstance(message["isolation"], list):
                self.isolation = tuple(str(item) for item in message["isolation"])
        elif isinstance(message.get("answers"), dict):
            self.answers = message["answers"]
            self.cells_run = message.get("cell", 0) if isinstance(message.get("cell"), int) else 0
            if isinstance(message.get("error"), str):
                self.errors.append(message["error"])
        elif isinstance(message.get("probe"), str):
            self.probes[message["probe"]] = message.get("results")
        elif isinstance(message.get("fatal"), str) and not self.exit_note:
            self.exit_note = "the grader could not run the notebook: " + message["fatal"][:200]
        elif message.get("finished") is True:
            self.finished = True


# ------------------------------------------------------------------------------------------- the worker's side


class Sandbox:
    """One worker slot's sandbox: its zygote, its user id, its isolation mode."""

    def __init__(self, uid: int, mode: Mode | None = None, secrets: Iterable[str] = (),
                 containers: Iterable[str] = ()) -> None:
        from workbook.exercises import cgroups
        from workbook.exercises.zygote import Zygote

        self.mode = mode or isolation.strongest_mode()
        self.uid = self.gid = uid
        self.secrets, self.containers = list(secrets), list(containers)
        self.hierarchies = cgroups.hierarchies() if self.mode is Mode.ROOT else []
        self.zygote = Zygote()
        self.count = 0
        if self.mode is Mode.ROOT:
            self._kill_user()

    def close(self) -> None:
        self.zygote.close()

    def run(self, cells: list[str], assignment: str, student: str, variables: list[str],
            functions: list[tuple[str, str, tuple[str, ...]]], limits: Limits) -> RunResult:
        """Run the code ``cells`` of one submission; never raises for anything the submission does."""
        from workbook.exercises.cgroups import Cgroup

        self.count += 1
        if self.zygote.process.poll() is not None:  # a zygote that died (it never should) is replaced
            from workbook.exercises.zygote import Zygote

            self.zygote = Zygote()
        job: dict[str, Any] = {"cells": cells, "assignment": assignment, "student": student, "variables": variables,
                               "functions": functions, "limits": asdict(limits), "mode": self.mode.value,
                               "uid": self.uid, "gid": self.gid, "secrets": self.secrets,
                               "containers": self.containers, "cgroups": [], "workdir": None}
        group = None
        if self.hierarchies:
            group = Cgroup.create(f"{os.getpid()}-{self.count}", limits.memory_mb * 2**20, limits.processes,
                                  self.hierarchies)
            job["cgroups"] = group.procs_files
        if self.mode is Mode.LIMITS_ONLY:
            job["workdir"] = tempfile.mkdtemp(prefix="wb-grade-")
        result = RunResult()
        status = 0
        try:
            status = self._run(job, result, limits, group)
        finally:
            oom = 0
            if group is not None:
                oom = group.oom_kills()
                group.remove()
                result.isolation = (*result.isolation, *group.notes)
            if self.mode is Mode.ROOT:
                self._kill_user()
            if job["workdir"]:
                _kill_session(result.static.get("pid"))
                _remove(job["workdir"])
        _exit_note(result, status, oom, limits)
        return result

    def _run(self, job: dict[str, Any], result: RunResult, limits: Limits, group: Any) -> int:
        """Fork the sandbox from the zygote, hand it the job, collect its reports; its wait status."""
        job_read, job_write = os.pipe()
        report_read, report_write = os.pipe()
        try:
            pid = self.zygote.spawn([job_read, report_write])
        finally:
            os.close(job_read)
            os.close(report_write)
        try:
            self._send(job_write, job)
            self._collect(report_read, result, limits)
        finally:
            os.close(report_read)
            if group is not None and not result.finished:
                group.kill()
            status = self.zygote.reap(pid, grace=1.0 if result.finished else 0.0)
        return status

    @staticmethod
    def _send(fd: int, job: dict[str, Any]) -> None:
        try:
            with os.fdopen(fd, "wb") as pipe:
                pipe.write(json.dumps(job).encode())
        except BrokenPipeError:  # the child died before reading its job: its exit status says why
            pass

    @staticmethod
    def _collect(fd: int, result: RunResult, limits: Limits) -> None:
        deadline = time.monotonic() + limits.seconds
        buffer, received = b"", 0
        while not result.finished:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.timed_out = True
                return
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            received += len(chunk)
            if received > MAX_OUTPUT:
                result.exit_note = "the notebook sent more than 4 MB of answers; stopped"
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                result.take(line)

    def _kill_user(self) -> None:
        """Kill every process of this slot's user id (left by a grader that was itself killed)."""
        for _ in range(100):
            pids = _processes_of(self.uid)
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)


def _exit_note(result: RunResult, status: int, oom: int, limits: Limits) -> None:
    if result.exit_note or result.finished or result.timed_out:
        return
    if oom:
        result.exit_note = f"the notebook used more than its {limits.memory_mb} MB of memory and was killed"
    elif os.WIFSIGNALED(status):
        result.exit_note = f"the notebook's process was killed by signal {os.WTERMSIG(status)}"
    elif os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        result.exit_note = (f"the notebook's process was killed by signal {code - 128}" if code > 128 else
                            f"the notebook's process ended early (exit status {code})")


def _pids() -> list[int]:
    """Every process id /proc shows (none where there is no /proc, as on macOS)."""
    try:
        return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []


def _processes_of(uid: int) -> list[int]:
    found = []
    for pid in _pids():
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                found.append(pid)
        except OSError:
            continue
    return found


def _kill_session(session: Any) -> None:
    """Without namespaces: kill what is left of the submission's session (its first process called setsid)."""
    if not isinstance(session, int) or session <= 1:
        return
    for pid in _pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session:  # the session id, field 6 of proc(5)
                os.kill(pid, signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            continue


def _remove(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------------------- the sandbox's side


def _send(message: dict[str, Any]) -> None:
    data = (json.dumps(message, default=str) + "\n").encode()
    try:
        os.write(CHANNEL, data)
    except OSError:
        os._exit(3)


def run_job(job_fd: int, report_fd: int) -> NoReturn:
    """The zygote's child: read the job, join the cgroup, enter the namespaces, fork the submission's process
    and wait for it. Never returns."""
    try:
        isolation.set_parent_death_signal()
        with os.fdopen(job_fd, "rb") as pipe:
            job = json.loads(pipe.read())
        if report_fd != CHANNEL:
            os.dup2(report_fd, CHANNEL)
            os.close(report_fd)
        os.closerange(CHANNEL + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        for procs in job["cgroups"]:
            Path(procs).write_text(str(os.getpid()))
        mode = Mode(job["mode"])
        isolation.enter_namespaces(mode)
        alive_read, alive_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(alive_write)
            _submission(job, mode, alive_read)
        os.close(alive_read)
        os.close(CHANNEL)
        _, status = os.waitpid(pid, 0)
        os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
    except BaseException as error:
        try:
            _send({"fatal": f"{type(error).__name__}: {error}"})
        finally:
            os._exit(2)


def _code_folders() -> list[str]:
    """Where the code this interpreter imports lives: the submission's root holds these, read-only."""
    import workbook

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(workbook.__file__).resolve().parent)}
    paths |= {value for key, value in sysconfig.get_paths().items() if key in ("stdlib", "platstdlib", "purelib",
                                                                              "platlib")}
    return sorted(paths | {p for p in sys.path if p and os.path.isabs(p)})


def _submission(job: dict[str, Any], mode: Mode, alive: int) -> NoReturn:
    """The submission's first process (PID 1 of its namespace when there is one)."""
    try:
        isolation.set_parent_death_signal()
        _send({"static": {**_static(job), "pid": os.getpid()}})
        limits = Limits(**job["limits"])
        notes = [f"isolation: {mode.value}"]
        if mode is not Mode.LIMITS_ONLY:
            root = isolation.PrivateRoot(_code_folders(), job["secrets"], job["containers"],
                                         owner=(job["uid"], job["gid"]) if mode is Mode.ROOT else None,
                                         tmp_mb=limits.tmp_mb)
            root.enter()
            notes += ["PID, mount, network, IPC and UTS namespaces", *root.notes]
            try:
                isolation.loopback_up()
                notes.append("network: loopback only")
            except OSError:
                notes.append("network: none")
            workdir = "/tmp/work"
        else:
            os.setsid()
            workdir = job["workdir"]
        _limit(limits, mode)
        notes.append(f"limits: {limits.seconds:g} s, {limits.memory_mb} MB, {limits.processes} processes, "
                     f"{limits.file_mb} MB files")
        if mode is Mode.ROOT:
            os.setgroups([])
            os.setresgid(job["gid"], job["gid"], job["gid"])
            os.setresuid(job["uid"], job["uid"], job["uid"])
            notes.append(f"user id {job['uid']} (this worker slot's own)")
        elif mode is Mode.USER_NAMESPACE:
            isolation.drop_capabilities()
            notes.append("no capabilities")
        if mode is not Mode.LIMITS_ONLY:
            isolation.no_new_privileges()
        isolation.set_parent_death_signal()  # again: a change of user id clears it
        if select.select([alive], [], [], 0)[0]:  # the parent is already gone
            os._exit(4)
        os.close(alive)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update({"HOME": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg"})
        _send({"isolation": notes})
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        _run(job)
        _send({"finished": True})
        os._exit(0)
    except BaseException as error:
        try:
            _send({"fatal": f"{type(error).__name__}: {error}"})
        finally:
            os._exit(2)


def _limit(limits: Limits, mode: Mode) -> None:
    processes = limits.processes
    if mode is Mode.LIMITS_ONLY:  # the count is per user, and the user is the instructor's own
        processes += len(_processes_of(os.getuid()))
    for limit, value in (
        (resource.RLIMIT_CPU, int(limits.seconds) + 1),
        (resource.RLIMIT_AS, limits.memory_mb * 2**20),
        (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
        (resource.RLIMIT_NOFILE, 64),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, processes),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            continue


def _transform() -> Any:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell


def _static(job: dict[str, Any]) -> dict[str, Any]:
    """What the notebook's source says, read before any of it runs: typed answers, STUDENT_ID, digests, and the
    forbidden calls each function names."""
    import ast

    from workbook.exercises.forbid import calls_in
    from workbook.exercises.literals import Blank, Computed, fingerprint, parse_cells, typed_answers

    trees = parse_cells(job["cells"], _transform())
    functions = [name for _, name, _ in job["functions"]]
    found = typed_answers(trees, [*job["variables"], "STUDENT_ID"])
    answers: dict[str, Any] = {}
    for name, answer in found.items():
        if isinstance(answer, Blank):
            answers[name] = {"blank": True, "cell": answer.cell}
        elif isinstance(answer, Computed):
            answers[name] = {"computed": answer.expression, "cell": answer.cell}
        else:
            answers[name] = {"typed": answer.value, "cell": answer.cell}
    forbidden, unwritten = {}, []
    for question, name, specs in job["functions"]:
        definitions = [node for tree in trees if tree is not None for node in tree.body
                       if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name]
        if not definitions:
            continue
        used = calls_in(ast.unparse(definitions[-1]), name, specs) if specs else []
        if used:
            forbidden[question] = used
        if all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
               for s in definitions[-1].body):  # only `...`, `pass` or a docstring: the student version's stub
            unwritten.append(name)
    return {"answers": answers, "fingerprints": fingerprint(trees, job["variables"], functions),
            "forbidden": forbidden, "unwritten": unwritten,
            "unparsable": [n for n, tree in enumerate(trees, start=1) if tree is None]}


def _is_check_cell(source: str) -> bool:
    """A cell that only asks for feedback (``ex.check(...)``, otter's ``grader.check``): it sets no answer."""
    import ast

    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return bool(body) and all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute)
        and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id in ("ex", "grader")
        and s.value.func.attr in ("check", "check_all", "export") for s in body)


def _run(job: dict[str, Any]) -> None:
    from workbook.exercises import load
    from workbook.exercises.core import AnswerError, plain

    transform = _transform()
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    variables = job["variables"]

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

    for number, source in enumerate(job["cells"], start=1):
        error = None
        if not _is_check_cell(source):
            try:
                exec(compile(transform(source), f"<cell {number}>", "exec"), namespace)
            except BaseException as raised:  # SystemExit and KeyboardInterrupt are a cell's failure too
                error = f"cell {number}: {type(raised).__name__}: {str(raised)[:200]}"
        _send({"cell": number, "answers": answers(), "error": error})
    exercise = load(job["assignment"], job["student"])
    for question, name, _ in job["functions"]:
        function = namespace.get(name)
        if callable(function):
            _send({"probe": name, "results": exercise.probe(question, function)})
