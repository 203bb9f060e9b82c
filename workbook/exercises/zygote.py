"""The clean zygote: a fresh interpreter, warm with the engine, that forks one sandbox per submission (grader only).

A grading worker has read other students' notebooks and the hidden tests; a
sandbox forked from it would carry them in its memory, where a submission could
scan for them. The zygote is started with ``python -m workbook.exercises.zygote``
by the worker, imports the engine, the exercise generators and IPython's input
transformer, and then only ever receives file descriptors: for each submission
the worker passes it a pipe to read the job from and a pipe to report on (over
a Unix socket, ``SCM_RIGHTS``); the zygote forks and its child reads the job.
The zygote itself never reads a byte of a submission.

Requests, one JSON object per datagram: ``{"op": "spawn"}`` with two
descriptors -> ``{"pid": N}``; ``{"op": "reap", "pid": N, "grace": seconds}``
lets that child end by itself for ``grace`` seconds, kills it, waits for it,
and reaps whatever of the submission was handed over to the zygote (it is a
child subreaper) -> ``{"status": S}``. The zygote dies with its worker
(``PR_SET_PDEATHSIG``), and its children die with it.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["Zygote", "main"]

#: Modules imported once by the zygote, so that every submission starts warm.
PRELOAD = ("json", "ast", "netaddr", "numpy", "yaml", "IPython.core.inputtransformer2", "workbook",
           "workbook.exercises", "workbook.exercises.literals", "workbook.exercises.forbid",
           "workbook.exercises.sandbox", "workbook.exercises.isolation")
#: One thread for numerical libraries: a forked child inherits no thread but the one that forked.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Zygote:
    """The worker's handle on its zygote process."""

    def __init__(self) -> None:
        import workbook

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_parent = str(Path(workbook.__file__).resolve().parents[1])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONPATH": package_parent,
               "PYTHONDONTWRITEBYTECODE": "1", **SINGLE_THREADED}
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-m", "workbook.exercises.zygote", str(theirs.fileno()), str(os.getpid())],
            pass_fds=(theirs.fileno(),), cwd="/", env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        theirs.close()
        self.socket = ours
        if self._receive().get("ready") is not True:
            raise RuntimeError("the grading zygote did not start")

    def _receive(self) -> dict[str, Any]:
        data = self.socket.recv(4096)
        if not data:
            raise RuntimeError(f"the grading zygote ended (status {self.process.poll()})")
        return json.loads(data)

    def spawn(self, fds: list[int]) -> int:
        """Fork a sandbox that reads its job from ``fds[0]`` and reports on ``fds[1]``; its pid."""
        socket.send_fds(self.socket, [json.dumps({"op": "spawn"}).encode()], fds)
        return int(self._receive()["pid"])

    def reap(self, pid: int, grace: float = 0.0) -> int:
        """Give the sandbox ``pid`` ``grace`` seconds to end, kill it if it still runs, wait for it and every
        process of it the zygote inherited; return its wait status."""
        self.socket.send(json.dumps({"op": "reap", "pid": pid, "grace": grace}).encode())
        return int(self._receive()["status"])

    def close(self) -> None:
        self.socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str]) -> None:
    """The zygote's loop (``python -m workbook.exercises.zygote FD PARENT``)."""
    from workbook.exercises import isolation

    fd, parent = int(argv[0]), int(argv[1])
    isolation.set_parent_death_signal()
    if os.getppid() != parent:
        sys.exit(1)
    isolation.become_subreaper()
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    for name in PRELOAD:
        importlib.import_module(name)
    from workbook.exercises import ASSIGNMENTS, load

    for assignment in ASSIGNMENTS:  # warm the generators' caches with a student who does not exist
        load(assignment, "zygote-warm-up")
    from workbook.exercises.sandbox import run_job

    control = socket.socket(fileno=fd)
    control.send(json.dumps({"ready": True}).encode())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 4096, 2)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        if request.get("op") == "spawn" and len(fds) == 2:
            pid = os.fork()
            if pid == 0:
                control.close()
                run_job(*fds)
            for received in fds:
                os.close(received)
            control.send(json.dumps({"pid": pid}).encode())
        elif request.get("op") == "reap":
            status = _reap(int(request["pid"]), float(request.get("grace", 0)))
            control.send(json.dumps({"status": status}).encode())
        else:
            for received in fds:
                os.close(received)
            control.send(json.dumps({"error": "unknown request"}).encode())


def _reap(pid: int, grace: float) -> int:
    deadline = time.monotonic() + grace
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.002)
    orphans_until = time.monotonic() + 2.0
    while time.monotonic() < orphans_until:  # the submission's first process, if its parent went first
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.002)
        except ChildProcessError:
            break
    return status


if __name__ == "__main__":
    main(sys.argv[1:])
