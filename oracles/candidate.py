"""Candidate backwards: where one comes from, and its contract checked on what it returned.

A candidate is ``backward(params, X, y) -> grads`` or ``-> (loss, grads)`` (DESIGN.md, contract 2).
The judge holds a *handle* on it (:mod:`oracles.isolation`: a worker process, or in-process for
debugging) and asks it for an Outcome; :func:`call_candidate` turns that Outcome into
``(loss, grads)`` or a :class:`ContractViolation` whose message names exactly what happened.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from oracles.isolation import CandidateError, InProcess, Outcome, Worker, function_source, parse_target
from reference.heads import LESSON, Head
from reference.model import backward as reference_backward

__all__ = ["CandidateError", "ContractViolation", "InProcess", "Worker", "call_candidate", "check_grads",
           "handle_for", "load_candidate", "reference_candidate", "unpack"]


class ContractViolation(Exception):
    """The candidate ran but broke its contract (a failed check: exit 1)."""


def reference_candidate(activation: str, head: Head = LESSON) -> InProcess:
    """The reference's own backward under ``head``: the judge's code, so it runs in-process."""
    return InProcess("reference", partial(reference_backward, activation=activation, head=head))


def load_candidate(target: str, isolate: bool = True, **worker_options):
    """``path/to/file.py:backward`` or ``package.module:backward`` -> a started handle (CandidateError: exit 2)."""
    source = parse_target(target)
    if isolate:
        return Worker(source, **worker_options).start()
    from oracles.isolation import load_in_process

    return InProcess(target, load_in_process(source))


def handle_for(candidate, isolate: bool = True, name: str | None = None, **worker_options):
    """A handle from a handle, a target string or a function object."""
    if hasattr(candidate, "evaluate"):
        return candidate
    if isinstance(candidate, str):
        return load_candidate(candidate, isolate, **worker_options)
    if not callable(candidate):
        raise CandidateError(f"the candidate must be a function backward(params, X, y) or 'file.py:function', "
                             f"got {type(candidate).__name__}")
    if not isolate:
        return InProcess(name or _function_name(candidate), candidate)
    return Worker(function_source(candidate, name), **worker_options).start()


def _function_name(fn) -> str:
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}:{getattr(fn, '__qualname__', None) or getattr(fn, '__name__', type(fn).__name__)}"


def call_candidate(candidate, params: dict, X, y, **options):
    """One call through the handle; returns ``(loss or None, grads)``, contract checked."""
    handle = candidate if hasattr(candidate, "evaluate") else InProcess(_function_name(candidate), candidate)
    return unpack(handle.evaluate(params, X, y, **options), params)


def unpack(outcome: Outcome, params: dict):
    """``(loss or None, grads)`` from an Outcome, or a ContractViolation naming what went wrong."""
    if outcome.failure is not None:
        raise ContractViolation(outcome.failure)
    returned = outcome.returned
    if returned["kind"] == "other":
        raise ContractViolation(f"the candidate returned {returned['type']}; expected a grads dict "
                                f"or a (loss, grads) tuple")
    loss = None
    if returned["kind"] == "loss+grads":
        value = returned["loss"]
        if "float" not in value:
            raise ContractViolation(f"the candidate returned a loss that is not a scalar: {value['type']}")
        loss = value["float"]
        if not np.isfinite(loss):
            raise ContractViolation(f"the candidate returned a non-finite loss ({loss})")
    grads = {}
    for key, value in returned["grads"]:
        grads[key] = value["array"] if "array" in value else value
    check_grads(grads, params)
    return loss, grads


def check_grads(grads: dict, params: dict) -> None:
    """Gradients mirror parameters: same keys, shapes and dtypes, all finite.

    A value that is not an array arrives as the worker's description of it (a dict with its
    ``type`` and whether it is a ``scalar``).
    """
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                ([f"extra {', '.join(map(str, extra))}"] if extra else [])
        raise ContractViolation(f"the candidate's grads have the wrong keys: {'; '.join(parts)} "
                                f"(expected {', '.join(params)})")
    for k, p in params.items():
        g = grads[k]
        if not isinstance(g, np.ndarray):
            kind, scalar = (g.get("type"), g.get("scalar")) if isinstance(g, dict) else (type(g).__name__, np.isscalar(g))
            hint = f": missing keepdims=True in {'d' + k} = sum(dz, axis=0, keepdims=True)?" if scalar else ""
            raise ContractViolation(f"d{k} is a {kind}{' scalar' if scalar else ''}, not a NumPy array of shape "
                                    f"{p.shape}{hint}")
        if g.shape != p.shape:
            raise ContractViolation(f"d{k} has shape {g.shape}, expected {p.shape}{_shape_hint(k, g.shape, p.shape)}")
        if g.dtype != p.dtype:
            raise ContractViolation(f"d{k} has dtype {g.dtype}, expected {p.dtype} like {k}")
        bad = ~np.isfinite(g)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ContractViolation(f"d{k} holds {int(bad.sum())} non-finite value(s), first at {k}{list(idx)} = "
                                    f"{g[idx]}: an exp or log that overflows once the sigmoid saturates?")


def _shape_hint(key: str, got: tuple, want: tuple) -> str:
    if got == want[::-1]:
        return ": transposed?"
    if int(np.prod(got)) == int(np.prod(want)) and len(got) != len(want):
        step = f"d{key} = sum(dz, axis=0, keepdims=True)" if key.startswith("b") else f"d{key}"
        return f": it would silently broadcast; missing keepdims=True in {step}?"
    if key.startswith("b") and len(got) == 2 and got[1] == 1 and got[0] != 1:
        return f": summed over the wrong axis? d{key} = sum(dz, axis=0, keepdims=True)"
    return ""
