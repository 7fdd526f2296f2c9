"""The worker's whole process tree, ended with it; the judge's process made a poor target.

What holds on Linux (elsewhere each function does nothing and says so by returning False):

* :func:`become_subreaper`: the judge adopts every orphan of the processes it started, so a
  worker's descendant that calls ``setsid()`` or double-forks stays in reach (the worker is a
  subreaper of its own tree too, :func:`oracles.worker._confine`).
* :func:`end_tree`: every process in a tree is stopped (SIGSTOP: a stopped process cannot fork),
  pass after pass until no new one appears, then killed (SIGKILL) and waited for until each is
  dead; the ones the judge adopted are reaped.
* :func:`close_proc`: the judge is not dumpable, so its ``/proc/<pid>/fd``, ``mem`` and ``environ``
  belong to root and open only with CAP_SYS_PTRACE, which the worker drops.
* :class:`Interrupts`: SIGINT is read with its sender's pid (a signalfd), so a SIGINT the
  candidate sends to the judge is told apart from Ctrl-C.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

LINUX = sys.platform.startswith("linux")
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
TOKEN = "BACKPROP_WORKER_TOKEN"  # in each worker's environment: its adopted orphans are known by it
_state = {"subreaper": False}


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> bool:
    if not LINUX:
        return False
    try:
        return _libc().prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Make this process adopt the orphans of its descendants (Linux); True when it does."""
    _state["subreaper"] = _state["subreaper"] or _prctl(PR_SET_CHILD_SUBREAPER, 1)
    return _state["subreaper"]


def close_proc() -> bool:
    """Make this process non-dumpable (Linux): its /proc entries open only with CAP_SYS_PTRACE."""
    return _prctl(PR_SET_DUMPABLE, 0)


# ---------------------------------------------------------------- the process table

def _stat(pid: int):
    """``(state, ppid)`` of a process from /proc, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
        return fields[0].decode(), int(fields[1])
    except (OSError, IndexError, ValueError):
        return None


def _parents() -> dict:
    """``{pid: ppid}`` of every process alive now (zombies included)."""
    out = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if name.isdigit():
            stat = _stat(int(name))
            if stat is not None:
                out[int(name)] = stat[1]
    return out


def descendants(roots, parents: dict | None = None) -> set:
    """Every process under ``roots`` (the roots included while they are alive)."""
    parents = _parents() if parents is None else parents
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [r for r in roots if r in parents]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def adopted(token: str, anywhere: bool = False, among=None) -> list:
    """The processes that carry ``token`` in their environment: the judge's own children (orphans
    of the worker it was given to, adopted by the judge as a subreaper), or with ``anywhere``
    every process (orphans adopted elsewhere, when the judge is no subreaper); ``among``: only these pids."""
    if not token or not LINUX:
        return []
    me, mark = os.getpid(), f"{TOKEN}={token}".encode()
    out = []
    pids = among if among is not None else [p for p, pp in _parents().items() if anywhere or pp == me]
    for pid in pids:
        if pid == me:
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if mark in f.read().split(b"\0"):
                    out.append(pid)
        except OSError:
            pass
    return out


def stopped(pid: int) -> bool:
    """Whether the process is stopped (by SIGSTOP, say) or traced."""
    stat = _stat(pid)
    return stat is not None and stat[0] in ("T", "t")


def strays(keep=()) -> list:
    """The judge's children it did not start itself (not in ``keep``): orphans it adopted as a
    subreaper. Empty unless :func:`become_subreaper` took effect."""
    if not _state["subreaper"]:
        return []
    me, keep = os.getpid(), set(keep)
    return [pid for pid, ppid in _parents().items() if ppid == me and pid not in keep and alive(pid)]


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def end_tree(roots, spare=(), timeout: float = 5.0) -> set:
    """Stop, kill and wait for every process under ``roots`` (Linux): each pass stops the ones
    it finds, until a pass finds none new; then all are killed at once. Returns the pids ended.
    ``spare``: a pid to leave to its owner's ``wait`` (the worker's own Popen), killed but not reaped."""
    if not LINUX:
        return set()
    stopped = set()
    for _ in range(1000):
        new = descendants(roots) - stopped
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        stopped |= new
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    _wait_dead(stopped, set(spare), time.monotonic() + timeout)
    return stopped


def end_strays(keep=()) -> set:
    """Kill every orphan the judge adopted (see :func:`strays`) and its tree, and wait for them."""
    pids = strays(keep)
    return end_tree(pids) if pids else set()


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_dead(pids: set, spare: set, deadline: float) -> None:
    """Until ``deadline``: reap the ones that are the judge's children, and wait for the others
    to be dead (a zombie runs no more; one adopted by another process is reaped there)."""
    left = set(pids)
    while left and time.monotonic() < deadline:
        for pid in list(left):
            if pid not in spare:
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                    if done == pid:
                        left.discard(pid)
                        continue
                except ChildProcessError:
                    pass
            if not alive(pid):
                left.discard(pid)
        if left:
            time.sleep(0.005)


# ---------------------------------------------------------------- SIGINT with its sender

class _SignalfdSiginfo(ctypes.Structure):
    _fields_ = [("ssi_signo", ctypes.c_uint32), ("ssi_errno", ctypes.c_int32), ("ssi_code", ctypes.c_int32),
                ("ssi_pid", ctypes.c_uint32), ("ssi_uid", ctypes.c_uint32), ("rest", ctypes.c_uint8 * 108)]


RELAY = signal.SIGRTMIN if hasattr(signal, "SIGRTMIN") else None  # Ctrl-C, passed on to the main thread


class Interrupts:
    """SIGINT read with its sender (Linux): ``blame(pid)`` is asked first and returns True when
    the sender was the candidate (its worker or a descendant), which is then the candidate's
    verdict; any other SIGINT (the terminal's Ctrl-C, pid 0, another process) raises
    KeyboardInterrupt in the main thread, as Ctrl-C always did.

    SIGINT is blocked in every thread and read from a signalfd, under a lock, by a watcher
    thread and by :meth:`drain` (which the judge calls before it trusts a worker's last reply).
    """

    def __init__(self, blame):
        self.blame, self.lock, self.pending = blame, threading.Lock(), False
        self.fd = -1

    def start(self) -> bool:
        if not LINUX or RELAY is None or threading.current_thread() is not threading.main_thread():
            return False
        try:
            signalfd = _libc().signalfd
        except (OSError, AttributeError):
            return False
        mask = (ctypes.c_uint64 * 16)()  # a kernel sigset: bit (n - 1) for signal n
        mask[(signal.SIGINT - 1) // 64] |= 1 << ((signal.SIGINT - 1) % 64)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        fd = signalfd(-1, ctypes.byref(mask), os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            return False
        self.fd = fd
        signal.signal(RELAY, self._relayed)
        self.main = threading.main_thread().ident
        threading.Thread(target=self._watch, name="sigint-watcher", daemon=True).start()
        return True

    def _relayed(self, number, frame):
        if self.pending:  # set only by the watcher: a real-time signal from anyone else does nothing
            self.pending = False
            raise KeyboardInterrupt

    def _watch(self):
        import select

        signal.pthread_sigmask(signal.SIG_BLOCK, {RELAY})
        while True:
            try:
                select.select([self.fd], [], [])
            except (OSError, ValueError):
                return
            self.drain()

    def drain(self) -> None:
        """Read every pending SIGINT and act on it, now."""
        if self.fd < 0:
            return
        with self.lock:
            while True:
                info = _SignalfdSiginfo()
                try:
                    data = os.read(self.fd, ctypes.sizeof(info))
                except BlockingIOError:
                    return
                except OSError:
                    return
                if len(data) < ctypes.sizeof(info):
                    return
                ctypes.memmove(ctypes.byref(info), data, len(data))
                pid = int(info.ssi_pid)
                if pid and pid != os.getpid() and self.blame(pid):
                    continue
                self.pending = True
                signal.pthread_kill(self.main, RELAY)


_watchers: list = []  # the started Interrupts, if any


def watch_interrupts(blame) -> bool:
    """From now on a SIGINT sent to this process is read with its sender (:class:`Interrupts`);
    True when that took effect (Linux, asked from the main thread)."""
    if _watchers:
        return True
    watcher = Interrupts(blame)
    if watcher.start():
        _watchers.append(watcher)
        return True
    return False


def drain_interrupts() -> None:
    """Act now on every SIGINT pending (a no-op unless :func:`watch_interrupts` took effect)."""
    for watcher in _watchers:
        watcher.drain()
