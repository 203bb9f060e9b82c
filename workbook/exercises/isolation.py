"""Linux isolation for one submission: namespaces, a private root file system, no capabilities (grader only).

Three levels, the strongest the machine allows (:func:`strongest_mode`):

* ``root`` (the grader runs as root): new PID, mount, network, IPC and UTS
  namespaces; a private root that holds only the code Python needs, read-only;
  its own user id (one per worker slot); a cgroup (:mod:`.cgroups`).
* ``user-namespace`` (an ordinary user, where the kernel allows unprivileged
  user namespaces): the same namespaces and private root inside a user
  namespace; the submission keeps the instructor's user id outside, with every
  capability dropped; no cgroup.
* ``limits-only``: resource limits, its own session and process group.

Everything here is called in a freshly forked child, before any student code
runs. The functions talk to the kernel through ``ctypes`` (``unshare``,
``mount``, ``pivot_root``, ``prctl``, ``capset``); the flag values are those of
``<linux/sched.h>``, ``<linux/mount.h>`` and ``<linux/prctl.h>``.
"""

from __future__ import annotations

import ctypes
import enum
import fcntl
import os
import platform
import signal
import socket
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Mode", "PrivateRoot", "become_subreaper", "drop_capabilities", "enter_namespaces", "loopback_up",
           "no_new_privileges", "outer_pid", "set_parent_death_signal", "strongest_mode"]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 24, 36, 38
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}
#: Folders of the system a Python process needs, bound read-only (or re-created as the symlinks they are).
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "random", "urandom")


class Mode(enum.Enum):
    ROOT = "root"
    USER_NAMESPACE = "user-namespace"
    LIMITS_ONLY = "limits-only"


_LIBC: Any = None


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


def _call(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _call(_libc().mount(_bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags), _bytes(data)),
          f"mount {target}")


def _probe(flags: int) -> bool:
    """Whether ``unshare(flags)`` works here: tried in a throwaway child."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only reports through its exit status
        try:
            os._exit(0 if _libc().unshare(flags) == 0 else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def strongest_mode() -> Mode:
    """The strongest isolation this process can give a submission."""
    if platform.system() != "Linux":
        return Mode.LIMITS_ONLY
    if os.geteuid() == 0 and _probe(NAMESPACES):
        return Mode.ROOT
    if _probe(CLONE_NEWUSER | NAMESPACES):
        return Mode.USER_NAMESPACE
    return Mode.LIMITS_ONLY


def enter_namespaces(mode: Mode) -> None:
    """Unshare the namespaces of ``mode``; the *next* child forked is PID 1 of the new PID namespace."""
    if mode is Mode.ROOT:
        _call(_libc().unshare(NAMESPACES), "unshare")
    elif mode is Mode.USER_NAMESPACE:
        uid, gid = os.geteuid(), os.getegid()
        _call(_libc().unshare(CLONE_NEWUSER | NAMESPACES), "unshare")
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")


def outer_pid() -> int:
    """This process's id in the grader's PID namespace (read before a new /proc is mounted)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return int(line.split()[1])
    return os.getpid()


def set_parent_death_signal(signal_number: int = signal.SIGKILL) -> None:
    """Die with the parent. Set it again after every change of user id (the kernel clears it then)."""
    _call(_libc().prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def become_subreaper() -> None:
    """Orphans among this process's descendants are handed to it, not to the machine's init, to be reaped."""
    _call(_libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")


def no_new_privileges() -> None:
    """No setuid program or file capability can give this process or its children more rights."""
    _call(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Give up every capability (the bounding set too): what root in a user namespace must do before student code."""
    libc = _libc()
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text()) if Path("/proc/sys/kernel/cap_last_cap").exists() \
        else 40
    for capability in range(last + 1):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _call(libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def loopback_up() -> None:
    """Bring up ``lo`` in a new network namespace: the submission may talk to itself, and to nothing else."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, siocgifflags, request))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class PrivateRoot:
    """A new root file system holding only the code Python needs, read-only, plus private ``/tmp`` and ``/dev``.

    ``code`` are folders to bind read-only (the interpreter, its library,
    ``sys.path``, the workbook package). A folder that contains one of
    ``secrets`` or ``containers`` (the repository, the build output, the
    submissions, the gradebook's folder) is never bound, nor is anything
    inside a secret: what is not bound does not exist for the submission.
    """

    def __init__(self, code: Iterable[str], secrets: Iterable[str], containers: Iterable[str] = (),
                 owner: tuple[int, int] | None = None, tmp_mb: int = 64) -> None:
        secrets = [os.path.realpath(s) for s in secrets]
        closed = secrets + [os.path.realpath(c) for c in containers]
        folders = []
        for path in {os.path.realpath(p) for p in code if p and os.path.isdir(p)}:
            if path == "/" or any(_inside(c, path) for c in closed) or any(_inside(path, s) for s in secrets):
                continue
            folders.append(path)
        # Only the outermost of nested folders is bound (a bind brings its subfolders).
        self.code = sorted(p for p in folders if not any(p != q and _inside(p, q) for q in folders))
        self.owner = owner
        self.tmp_mb = tmp_mb
        self.notes: list[str] = []

    def enter(self, mount_point: str = "/tmp", proc: bool = True) -> None:
        """Build the root at ``mount_point`` (covered in this mount namespace only) and pivot into it."""
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        system = [p for p in SYSTEM if os.path.lexists(p)]
        binds = [p for p in system if not os.path.islink(p)] + [p for p in self.code if p not in system]
        # Handles first: a folder under mount_point is still reachable through its handle once covered.
        handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in binds}
        try:
            _mount("tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NODEV, "size=2m,mode=0755")
            new = mount_point.rstrip("/")
            # The private /tmp first: code that lives under /tmp (a checkout in a temporary folder) is then
            # bound inside it, not covered by it.
            self._tmp(new)
            for path in system:
                if os.path.islink(path):
                    os.symlink(os.readlink(path), new + path)
            for path, handle in handles.items():
                target = new + path
                os.makedirs(target, exist_ok=True)
                _mount(f"/proc/self/fd/{handle}", target, None, MS_BIND | MS_REC)
                kept = _locked_flags(target)
                _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | kept)
        finally:
            for handle in handles.values():
                os.close(handle)
        self._devices(new)
        if proc:
            os.makedirs(new + "/proc")
            try:
                _mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
                self.notes.append("/proc of its own PID namespace")
            except OSError as error:  # a container may refuse a new proc inside a user namespace
                self.notes.append(f"no /proc ({error.strerror})")
        os.chdir(new)
        syscall = SYS_PIVOT_ROOT.get(platform.machine())
        if syscall is not None and _libc().syscall(syscall, b".", b".") == 0:
            _call(_libc().umount2(b".", MNT_DETACH), "umount the old root")
        else:
            _call(_libc().chroot(b"."), "chroot")
        os.chdir("/")
        _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        self.notes.append(f"private read-only root with {len(binds)} folders of code; private /tmp, /dev")

    def _devices(self, new: str) -> None:
        os.makedirs(new + "/dev")
        _mount("tmpfs", new + "/dev", "tmpfs", MS_NOSUID, "size=64k,mode=0755")
        for name in DEVICES:
            target = f"{new}/dev/{name}"
            Path(target).touch()
            _mount(f"/dev/{name}", target, None, MS_BIND)
        for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                           ("stderr", "/proc/self/fd/2")):
            os.symlink(link, f"{new}/dev/{name}")
        os.makedirs(new + "/dev/shm")
        _mount("tmpfs", new + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=1777")

    def _tmp(self, new: str) -> None:
        os.makedirs(new + "/tmp")
        _mount("tmpfs", new + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={self.tmp_mb}m,mode=1777")
        os.mkdir(new + "/tmp/work", 0o700)
        if self.owner is not None:
            os.chown(new + "/tmp/work", *self.owner)


def _locked_flags(path: str) -> int:
    """The flags a bind mount already has that a remount must keep (a user namespace may not clear them)."""
    flags = os.statvfs(path).f_flag
    kept = 0
    for statvfs_flag, mount_flag in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV),
                                     (os.ST_NOEXEC, MS_NOEXEC), (os.ST_RDONLY, MS_RDONLY)):
        if flags & statvfs_flag:
            kept |= mount_flag
    for statvfs_flag, mount_flag in ((getattr(os, "ST_NOATIME", 1024), 1024),
                                     (getattr(os, "ST_NODIRATIME", 2048), 2048),
                                     (getattr(os, "ST_RELATIME", 4096), 1 << 21)):
        if flags & statvfs_flag:
            kept |= mount_flag
    return kept
