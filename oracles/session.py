"""A session: one candidate under check, asked only through here.

The session builds the candidate's handle once (the target, its isolation, the layout it speaks),
asks it what a check or the laws need (each distinct input once, in one round trip where the
handle can batch), keeps every outcome, and turns outcomes at prepared points into judged,
reconciled results named in the candidate's own layout. A check (:func:`oracles.harness.run`)
and a fuzz run (:func:`properties.laws.check_laws`: each law declares the inputs it needs and
judges the outcomes the session already has) go through the same object.
"""
from __future__ import annotations

import hashlib

import numpy as np

from oracles.candidate import handle_for
from oracles.conventions import Conventional


def _key(params, X, y) -> bytes:
    """The content of one question: every array's dtype, shape and bytes."""
    digest = hashlib.blake2b(digest_size=16)
    for a in (*params.values(), X, y):
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.digest()


class Session:
    """One candidate: ``candidate`` a handle, a ``file.py:function`` target or a function;
    ``convention``: the layout it speaks (None: the canonical one, or what its handle already
    speaks), for the head ``loss``; ``isolate`` and ``worker``: as :func:`handle_for`."""

    def __init__(self, candidate, convention: str | None = None, loss: str = "bce", *, isolate: bool = False,
                 name: str | None = None, **worker):
        handle = candidate.handle if isinstance(candidate, Session) else handle_for(candidate, isolate, name, **worker)
        if convention is not None and handle.name != "reference" and not hasattr(handle, "speak"):
            handle = Conventional(handle, convention, loss)
        self.handle = handle
        self._owns = not hasattr(candidate, "evaluate")  # built here from a target or a function: closed here
        self.name = handle.name
        self.isolated = getattr(handle, "isolated", False)
        self.outcomes: dict = {}  # question -> the first Outcome it got
        self.again: dict = {}  # question -> a second Outcome asked ahead (the determinism law)

    @classmethod
    def of(cls, candidate) -> "Session":
        """``candidate`` itself when it is a session, else a session on it (in-process for a function)."""
        return candidate if isinstance(candidate, Session) else cls(candidate)

    @property
    def speaker(self):
        """The handle that names entries as the candidate wrote them (a :class:`Conventional`), or None."""
        return self.handle if hasattr(self.handle, "speak") else None

    # ------------------------------------------------------------ asking

    def evaluate(self, params, X, y, **options):
        """The Outcome of ``(params, X, y)``: from memory when already asked. A question with
        options (``errstate``, a ``timeout``) goes to the candidate as asked."""
        if options:
            return self.handle.evaluate(params, X, y, **options)
        key = _key(params, X, y)
        if key not in self.outcomes:
            self.outcomes[key] = self.handle.evaluate(params, X, y)
        return self.outcomes[key]

    def ask(self, inputs: list, again: bool = False) -> None:
        """Ask every input not yet known in one batch (and, with ``again``, the first input a second
        time, for the determinism law)."""
        asked, seen = [], set()
        for i in inputs:
            k = _key(*i)
            if k not in self.outcomes and k not in seen:
                asked.append((k, i))
                seen.add(k)
        extra = [inputs[0]] if again and inputs else []
        if not asked and not extra:
            return
        outcomes = self.handle.evaluate_many([i for _, i in asked] + extra)
        for (k, _), outcome in zip(asked, outcomes):
            self.outcomes[k] = outcome
        if extra:
            self.again[_key(*inputs[0])] = outcomes[-1]

    def second(self, params, X, y):
        """A second Outcome on these inputs, past the memory: asked ahead by :meth:`ask`, else now."""
        return self.again.pop(_key(params, X, y), None) or self.handle.evaluate(params, X, y)

    # ------------------------------------------------------------ judging

    def check(self, prepared: list, timings: dict | None = None, repeat: bool = True, previous=None,
              across: bool = True) -> list:
        """The candidate at each prepared point, judged (:func:`oracles.harness.judge`): asked
        (``repeat``: again, for determinism; ``previous``: the point checked before the first),
        with ``across`` a cause kept only where it holds at every point where the candidate was
        wrong, each entry named as the candidate wrote it."""
        from oracles.diagnosis import reconcile
        from oracles.harness import evaluate, judge

        results = []
        for p in prepared:
            first, second = evaluate(p, self.handle, timings, repeat)
            self.outcomes.setdefault(_key(p.point.params, p.X, p.y), first)
            same = previous is not None and all(previous.params[k].shape == v.shape for k, v in p.point.params.items()
                                                if k in previous.params)
            results.append(judge(p, first, second, previous if same else None, timings))  # a stale cache: same shapes
            previous = p.point
        if across:
            reconcile(results)
        if self.speaker:
            for result in results:
                self.speaker.speak(result)
        return results

    def close(self) -> None:
        """End the candidate's worker when this session started it (a handle given is its giver's)."""
        close = getattr(self.handle, "close", None)
        if close and self._owns:
            close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
