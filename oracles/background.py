"""An oracle whose framework is not imported yet, computed in a process of its own.

``import torch`` costs seconds in a fresh interpreter, more than the rest of a check together.
:func:`start` hands the torch oracle's work at every point to a fresh interpreter, so that the
import overlaps the JAX oracle, the finite differences and the candidate's worker in this one.
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

SLOW_IMPORTS = ("torch",)  # oracles named after the module whose first import costs seconds
LIMIT_S = 300.0  # past this the child is killed and the oracle computed here

_CHILD = ("import pickle, sys; path, job = pickle.load(sys.stdin.buffer); sys.path[:] = path; "
          "from oracles.background import _answer; sys.stdout.buffer.write(pickle.dumps(_answer(pickle.loads(job))))")


def oracle(name: str):
    """The oracle function called ``name``: ``(spec, params, X, y) -> (loss, grads)``."""
    if name == "torch":
        from oracles.torch_oracle import torch_oracle

        return torch_oracle
    if name == "jax":
        from oracles.jax_oracle import jax_oracle

        return jax_oracle
    raise ValueError(f"unknown oracle {name!r}")


def _answer(job: dict) -> list:
    """In the child: the oracle's ``(loss, grads)`` at every point, in order."""
    fn = oracle(job["name"])
    return [fn(job["spec"], params, job["X"], job["y"]) for params in job["points"]]


class Ahead:
    """One oracle's answers at every point, being computed by a child process."""

    def __init__(self, name: str, spec, points: list, X, y):
        job = pickle.dumps({"name": name, "spec": spec, "points": points, "X": X, "y": y})
        self.process = subprocess.Popen([sys.executable, "-I", "-c", _CHILD], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._pool = ThreadPoolExecutor(max_workers=1)  # writes the job and reads the answer: no GIL held
        self._reply = self._pool.submit(self.process.communicate,
                                        pickle.dumps((list(sys.path), job)), LIMIT_S)
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


def start(oracles, spec, points: list, X, y) -> dict:
    """``{name: Ahead}`` for each named oracle worth starting elsewhere: its framework not yet
    imported here, a second core, and other work to overlap (another oracle)."""
    names = [n for n in oracles if n in SLOW_IMPORTS and n not in sys.modules]
    if not names or len(oracles) < 2 or (os.cpu_count() or 1) < 2 or os.environ.get("BACKPROP_NO_BACKGROUND"):
        return {}
    return {n: Ahead(n, spec, [p.params for p in points], X, y) for n in names}
