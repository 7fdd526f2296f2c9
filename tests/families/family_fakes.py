"""Fakes of the families' two workers for tests that call the judge's code in this process: a forward
called once per perturbation (as the worker's ``losses`` op), the layers' worker ops called here, a
worker that answers with given replies."""
from __future__ import annotations

import pickle

import numpy as np

from oracles import worker
from oracles.families.forward.points import ForwardError
from oracles.families.forward.sides import failed_words
from oracles.isolation import Outcome


class Side:
    """A forward called in this process, one perturbation at a time, as the worker's ``losses`` op does;
    it records each message's count of perturbations."""

    def __init__(self, fn, drift=0.0):
        self.fn, self.drift, self.sizes, self.calls = fn, drift, [], 0

    def losses(self, params, inputs, perturb, base=0, extended=False):
        self.sizes.append(sum(len(idx) for _, idx, _ in perturb))
        out = []
        for _ in range(base):
            out.append(self.fn(params, inputs) + self.drift * self.calls)
            self.calls += 1
        for name, index, values in perturb:
            for i, value in zip(index, values):
                moved = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
                moved[name].reshape(-1)[i] = value
                out.append(self.fn(moved, inputs))
        return np.asarray(out, dtype=np.float64)


def quadratic(params, inputs):
    return float(0.5 * np.sum(inputs["a"] * params["w"] ** 2) + np.sum(params["b"] ** 3))


class Answering:
    """A worker whose answers are given: each ask takes the next reply (and the same failure)."""

    def __init__(self, *replies, failure=None):
        self.replies, self.failure, self.asked = list(replies), failure, []

    def ask(self, message, when):
        self.asked.append((message, when))
        return Outcome(self.replies.pop(0) if self.replies else None, failure=self.failure, seconds=0.25)


class LayerSide:
    """The forward's worker op ``layer_losses`` called in this process."""

    limit = 30.0

    def __init__(self, forward):
        self.forward, self.layer = forward, None

    def losses(self, params, inputs, perturb, base=0, extended=False):
        reply = worker.layer_losses(self.forward, {"layer": self.layer, "params": params, "inputs": inputs,
                                                   "perturb": perturb, "base": base})
        assert reply["kind"] == "losses", reply
        return reply["losses"]


class Pair:
    """The candidate's worker op ``layer_pair`` called in this process; the calls it was asked, counted."""

    def __init__(self, forward, backward):
        self.forward, self.backward, self.layer, self.calls = forward, backward, None, 0

    def pair(self, arrays, douts, forward_only=False):
        self.calls += 1
        message = {"layer": self.layer, "arrays": arrays, "douts": douts, "forward_only": forward_only,
                   "forward": None if self.forward is None else {"pickled": pickle.dumps(self.forward)}}
        reply = worker.layer_pair(self.backward, message)
        if reply.get("kind") != "layer":
            return Outcome(None, failure=f"raised {reply.get('type')}")
        return Outcome(reply)


class ForwardHere:
    """:class:`oracles.families.forward.sides.ForwardSide` with the worker's ops called in this process."""

    limit = 30.0

    def __init__(self, source, **worker_options):
        self.source, self.name, self.options, self.closed = source, source.name, worker_options, False
        self.fn = worker.load(source.message())

    def start(self):
        return self

    def close(self):
        self.closed = True

    def init(self, source, seed):
        reply = worker.call_init(None, {"source": source.message(), "seed": seed})
        if reply["kind"] == "failed":
            raise ForwardError(failed_words(reply, f"init {source.name}({seed})"))
        if reply["kind"] != "point":
            raise ForwardError(f"init {source.name} returned {reply['type']}")
        return reply

    def losses(self, params, inputs, perturb, base=0, extended=False):
        reply = worker.forward_losses(self.fn, {"params": params, "inputs": inputs, "perturb": perturb, "base": base,
                                                **({"extended": True} if extended else {})})
        if extended and reply["kind"] != "losses":
            raise ForwardError(failed_words(reply, f"forward {self.name}"))
        assert reply["kind"] == "losses", reply
        return reply["losses"]

    def autograd(self, params, inputs):
        return worker.autograd_grads(self.fn, {"source": self.source.message(), "params": params, "inputs": inputs})


class BackwardHere:
    """:class:`oracles.families.forward.sides.BackwardSide` with the worker's op called in this process."""

    def __init__(self, source, forbid=(), **worker_options):
        self.name, self.fn, self.closed = source.name, worker.load(source.message()), False

    def start(self):
        return self

    def close(self):
        self.closed = True

    def evaluate(self, params, inputs):
        from oracles.isolation import reply_failure

        reply = worker.call_backward(self.fn, {"params": params, "inputs": inputs})
        failure = reply_failure(reply)
        return Outcome(None if failure else reply, failure=failure)


class LayerForwardHere:
    """:class:`oracles.families.layers.sides.LayerForwardSide` with the worker's op called in this process."""

    limit = 30.0
    worker = None  # no worker process: none to be signalled

    def __init__(self, source, layer, **worker_options):
        self.name, self.layer, self.options, self.closed = source.name, layer, worker_options, False
        self.forward = worker.load(source.message())

    def start(self):
        return self

    def close(self):
        self.closed = True

    def losses(self, params, inputs, perturb, base=0, extended=False):
        return LayerSide.losses(self, params, inputs, perturb, base)


class PairHere:
    """:class:`oracles.families.layers.sides.PairSide` with the worker's op called in this process."""

    seconds = 0.0  # in the candidate's calls: none timed here
    worker = None  # no worker process: none to be signalled

    def __init__(self, source, forward, layer, forbid=(), **worker_options):
        self.name, self.forward, self.layer, self.closed = source.name, forward, layer, False
        self.fn = worker.load(source.message())

    def start(self):
        return self

    def close(self):
        self.closed = True

    def pair(self, arrays, douts, forward_only=False):
        from oracles.families.forward.points import ForwardError
        from oracles.families.forward.sides import failed_words
        from oracles.isolation import reply_failure

        reply = worker.layer_pair(self.fn, {"layer": self.layer, "arrays": arrays, "douts": douts,
                                            "forward": None if self.forward is None else self.forward.message(),
                                            "forward_only": forward_only})
        if reply["kind"] == "failed":
            raise ForwardError(failed_words(reply, f"forward {self.forward.name}"))
        failure = reply_failure(reply)
        return Outcome(None if failure else reply, failure=failure)


def substitute(monkeypatch, module, **classes) -> list:
    """``module``'s side classes replaced by these in-process ones (``name=class``); returns the list
    every side made through them is appended to, so a test can read what each was asked."""
    made = []

    def keep(cls):
        def make(*a, **kw):
            side = cls(*a, **kw)
            made.append(side)
            return side
        return make

    for name, cls in classes.items():
        monkeypatch.setattr(module, name, keep(cls))
    return made


def without_package(monkeypatch, missing: str):
    """``importlib.metadata.version`` as if ``missing`` were not installed; every other package as it is."""
    import importlib.metadata

    real = importlib.metadata.version

    def version(name):
        if name == missing:
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    return real
