"""An oracle whose framework is not imported yet, computed in a process of its own.

``import torch`` costs seconds in a fresh interpreter, more than the rest of a check together.
:func:`start` hands the torch oracle's work at every point to a fresh interpreter, so that the
import overlaps the JAX oracle, the finite differences and the candidate's worker in this one.
A shell that knows early that it will check (``compare-frameworks``, once its options are parsed)
calls :func:`warm`: the child starts importing at once, before this process has loaded its data or
its own modules, and waits for its job; :func:`discard` ends a warmed child nobody took.
Only our own code runs there (the oracle, NumPy, the framework): never the candidate. The child
gets this process's ``sys.path`` and nothing else; its answer is read only once it has ended
with status 0. Whatever goes wrong there (no second core, a crash, a timeout) gives ``None``,
and the caller computes the oracle here as it always did, so an error shows as it would have.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from oracles import registry

SLOW_IMPORTS = tuple(o.name for o in registry.ORACLES if o.slow_import)  # first import costs seconds
LIMIT_S = 300.0  # past this the child is killed and the oracle computed here

_CHILD = ("import pickle, sys; path, name = pickle.load(sys.stdin.buffer); sys.path[:] = path; "
          "from oracles.background import _serve; _serve(name)")
_warm: dict = {}  # oracle name -> a child started by warm(), importing or waiting for its job
_started: list = []  # every child started here, for pids()


def oracle(name: str):
    """The oracle function called ``name``: ``(spec, params, X, y) -> (loss, grads)``."""
    return registry.get(name).load()


def _serve(name: str) -> None:
    """In the child: import the framework, then read the job and write the oracle's
    ``(loss, grads)`` at every point, in order."""
    import importlib

    importlib.import_module(registry.get(name).package)  # the seconds this child exists to spend before its job arrives
    fn = oracle(name)
    job = pickle.load(sys.stdin.buffer)
    answers = [fn(job["spec"], params, job["X"], job["y"]) for params in job["points"]]
    sys.stdout.buffer.write(pickle.dumps(answers))
    sys.stdout.flush()
    os._exit(0)  # the answer is out: skip tearing down torch, most of a second the parent would wait for


def _launch(name: str) -> subprocess.Popen:
    """A fresh ``python -I`` given this process's ``sys.path`` and the oracle's name: it starts
    importing the framework at once and then waits on its standard input for the job."""
    process = subprocess.Popen([sys.executable, "-I", "-c", _CHILD], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    process.stdin.write(pickle.dumps((list(sys.path), name)))
    process.stdin.flush()
    _started.append(process)
    return process


def pids() -> set:
    """The pids of the children started here that have not been waited for: the judge's own,
    never taken for a candidate's orphan."""
    return {p.pid for p in _started if p.returncode is None}


class Ahead:
    """One oracle's answers at every point, being computed by a child process."""

    def __init__(self, name: str, spec, points: list, X, y):
        job = pickle.dumps({"spec": spec, "points": points, "X": X, "y": y})
        try:
            self.process = _warm.pop(name, None) or _launch(name)
        except OSError:  # no process to be had: answers None, computed here
            self.process, self._answers = None, []
            return
        self._pool = ThreadPoolExecutor(max_workers=1)  # writes the job and reads the answer: no GIL held
        self._reply = self._pool.submit(self.process.communicate, job, LIMIT_S)
        self._answers = None

    def answer(self, index: int):
        """The oracle's ``(loss, grads)`` at point ``index``, or None when the child failed."""
        if self._answers is None:
            try:
                out, _ = self._reply.result()
                self._answers = pickle.loads(out) if self.process.returncode == 0 else []
            except Exception:  # a timeout, a broken pipe, a truncated answer: computed here instead
                self.process.kill()
                self._answers = []
            self._pool.shutdown(wait=False)
        return self._answers[index] if index < len(self._answers) else None


def _worth(oracles) -> list:
    """The named oracles worth computing elsewhere: the framework not yet imported here, a second
    core, and other work to overlap (another oracle)."""
    names = [n for n in oracles if n in SLOW_IMPORTS and registry.get(n).package not in sys.modules]
    if not names or len(oracles) < 2 or (os.cpu_count() or 1) < 2 or os.environ.get("BACKPROP_NO_BACKGROUND"):
        return []
    return names


def warm(oracles) -> None:
    """Start now, for the next :func:`start`, the children it would start: their imports run while
    this process loads its data and its own modules."""
    for name in _worth(oracles):
        if name not in _warm:
            try:
                _warm[name] = _launch(name)
            except OSError:  # start() will try again, or compute here
                pass


def discard() -> None:
    """End every warmed child that no :func:`start` took."""
    while _warm:
        process = _warm.popitem()[1]
        process.kill()
        process.wait()


def start(oracles, spec, points: list, X, y) -> dict:
    """``{name: Ahead}`` for each named oracle warmed or worth starting elsewhere (:func:`_worth`)."""
    names = [n for n in oracles if n in _warm] or _worth(oracles)
    return {n: Ahead(n, spec, [p.params for p in points], X, y) for n in names}
