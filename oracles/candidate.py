"""Candidate backwards: where one comes from, and its contract checked on what it returned.

A candidate is ``backward(params, X, y) -> grads`` or ``-> (loss, grads)`` (DESIGN.md, contract 2).
The judge holds a *handle* on it (:mod:`oracles.isolation`: a worker process, or in-process for
debugging) and asks it for an Outcome; :func:`call_candidate` turns that Outcome into
``(loss, grads)`` or a :class:`ContractViolation` whose message names exactly what happened.
"""
from __future__ import annotations

import re
from functools import partial

import numpy as np

from oracles.isolation import CandidateError, Ending, InProcess, Outcome, Worker, function_source, parse_target
from reference.heads import LESSON, Head
from reference.model import backward as reference_backward

__all__ = ["CandidateError", "ContractViolation", "InProcess", "Worker", "call_candidate", "candidate_files",
           "check_grads", "handle_for", "load_candidate", "reference_candidate", "unpack"]


class ContractViolation(Exception):
    """The candidate ran but broke its contract (a failed check: exit 1); ``kind`` says which way
    when the judge has more to say about it (``non-finite``)."""

    def __init__(self, message: str, kind: str = ""):
        super().__init__(message)
        self.kind = kind


def reference_candidate(activation: str, head: Head = LESSON) -> InProcess:
    """The reference's own backward under ``head``: the judge's code, so it runs in-process."""
    return InProcess("reference", partial(reference_backward, activation=activation, head=head))


def load_candidate(target: str, isolate: bool = True, **worker_options):
    """``path/to/file.py:backward`` or ``package.module:backward`` -> a started handle (CandidateError: exit 2)."""
    source = parse_target(target)
    if isolate:
        return Worker(source, **worker_options).start()
    from oracles.isolation import LoadVerdict, load_in_process

    try:
        return InProcess(target, load_in_process(source))
    except LoadVerdict as exc:
        return InProcess(target, None, failure=str(exc))


def candidate_files(target: str) -> list:
    """``[(path, what)]``: the file a candidate is read from, or its module's files (what the
    worker reads loading it; none for a target that does not parse, refused later)."""
    try:
        source = parse_target(target)
    except CandidateError:  # named later, as the usage error it is
        return []
    if source.file is not None:
        return [(source.file, "--candidate file")]
    what = f"file of the candidate module {source.module}"
    return [(path, what) for path in _module_files(source.module, source.path)]


def _module_files(module: str, path: list) -> list:
    """The files the worker reads importing ``module`` from ``path`` (each package's
    ``__init__`` and the module itself), found by the path finder without running any of them."""
    from importlib.machinery import PathFinder

    files, search, parts = [], path, module.split(".")
    for i in range(len(parts)):
        try:
            spec = PathFinder.find_spec(".".join(parts[:i + 1]), search)
        except (ImportError, ValueError, OSError):
            spec = None
        if spec is None:
            break
        if spec.origin and spec.has_location:
            files.append(spec.origin)
        search = spec.submodule_search_locations
        if search is None:
            break
    return files


def handle_for(candidate, isolate: bool = True, name: str | None = None, by_value: bool = False, **worker_options):
    """A handle from a handle, a target string or a function object (``by_value``: a function is
    shipped to its worker by value first, as the caller holds it: :func:`function_source`)."""
    if hasattr(candidate, "evaluate"):
        return candidate
    if isinstance(candidate, str):
        return load_candidate(candidate, isolate, **worker_options)
    if not callable(candidate):
        raise CandidateError(f"the candidate must be a function backward(params, X, y) or 'file.py:function', "
                             f"got {type(candidate).__name__}")
    if not isolate:
        return InProcess(name or _function_name(candidate), candidate)
    return Worker(function_source(candidate, name, by_value), **worker_options).start()


def _function_name(fn) -> str:
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}:{getattr(fn, '__qualname__', None) or getattr(fn, '__name__', type(fn).__name__)}"


def call_candidate(candidate, params: dict, X, y, finite_loss: bool = True, **options):
    """One call through the handle; returns ``(loss or None, grads)``, contract checked
    (``finite_loss=False``: a non-finite returned loss is returned, not refused: see :func:`unpack`)."""
    outcome = handle_for(candidate, isolate=False).evaluate(params, X, y, **options)
    return unpack(outcome, params, finite_loss=finite_loss)


def unpack(outcome: Outcome, params: dict, keep_going: bool = False, finite_loss: bool = True):
    """``(loss or None, grads)`` from an Outcome, or a ContractViolation naming what went wrong.

    ``keep_going``: return ``(loss, grads, problems)`` instead, where a wrong shape with one
    unambiguous fix ((H,) for (1, H), a scalar for (1, 1), a transpose) or a wrong dtype is
    listed in ``problems`` and fixed in ``grads``, so the values can still be checked and all
    of a candidate's bugs show at once. What cannot be fixed still raises.
    ``finite_loss=False``: a returned loss that is inf or NaN is returned as it is, for the caller
    to judge (the judge excuses it where the canonical loss shows the true class's probability
    rounding to 0, ``harness.loss_overflow_excused``; the laws ask only for gradients).
    """
    if outcome.failure is not None:
        raise ContractViolation(outcome.failure + _reads_a_bias(outcome, params))
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
        if finite_loss and not np.isfinite(loss):
            raise ContractViolation(f"the candidate returned a non-finite loss ({loss})", kind="non-finite")
    grads = {key: value["array"] if "array" in value else value for key, value in returned["grads"]}
    problems = list(returned.get("problems", []))  # shapes fixed in the candidate's own layout (conventions)
    if problems and not keep_going:
        raise ContractViolation(problems[0])
    problems += check_grads(grads, params, keep_going)
    return (loss, grads, problems) if keep_going else (loss, grads)


def _reads_a_bias(outcome: Outcome, params: dict) -> str:
    """Words for a backward that raised asking a network without biases for one (``KeyError: 'b1'``), else ``""``."""
    if (outcome.ending is not Ending.RAISED or any(k.startswith("b") for k in params)
            or not re.search(r"KeyError: 'b\d+'", outcome.failure)):
        return ""
    return (f": the network has no biases (its params are {', '.join(params)}), and this backward was written "
            f"for one with biases")


def check_grads(grads: dict, params: dict, keep_going: bool = False) -> list:
    """Gradients mirror parameters: same keys, shapes and dtypes, all finite.

    A value that is not an array arrives as the worker's description of it (a dict with its
    ``type`` and whether it is a ``scalar``). With ``keep_going``, fixable shapes and dtypes are
    fixed in ``grads`` and their messages returned; otherwise the first problem raises.
    """
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                ([f"extra {', '.join(map(str, extra))}"] if extra else [])
        no_bias = extra and not any(k.startswith("b") for k in params) and all(str(k).lstrip("d")[:1] == "b" for k in extra)
        raise ContractViolation(f"the candidate's grads have the wrong keys: {'; '.join(parts)} "
                                f"(expected {', '.join(params)}{': the network has no biases' if no_bias else ''})")
    problems = []
    for k, p in params.items():
        g = grads[k]
        if _other_byte_order(g, p):  # >f8 is float64 too: the same numbers, taken in native order
            grads[k] = g = g.astype(p.dtype)
        message, fixed = _shape_or_dtype(k, g, p)
        if message is None:
            continue
        if not keep_going or fixed is None:
            raise ContractViolation(message)
        problems.append(message)
        grads[k] = fixed
    bad = {k: ~np.isfinite(g) for k, g in grads.items()}
    bad = {k: b for k, b in bad.items() if b.any()}
    if bad:
        parts = []
        for k, b in bad.items():
            idx = tuple(int(i) for i in np.argwhere(b)[0])
            parts.append(f"d{k} holds {_count(int(b.sum()), 'non-finite value')}, first at {k}{list(idx)} = {grads[k][idx]}")
        raise ContractViolation("; ".join(parts), kind="non-finite")
    return problems


def _other_byte_order(g, p) -> bool:
    """Whether ``g`` has ``p``'s dtype in another byte order (kind and size equal, ``>f8`` for ``<f8``)."""
    return (isinstance(g, np.ndarray) and g.dtype != p.dtype and g.dtype.kind == p.dtype.kind
            and g.dtype.itemsize == p.dtype.itemsize)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _shape_or_dtype(k: str, g, p):
    """``(message, fixed)`` for a gradient whose type, shape or dtype is wrong (``fixed`` None
    when no single fix is right), or ``(None, None)`` when it mirrors its parameter."""
    if not isinstance(g, np.ndarray):
        kind, scalar = (g.get("type"), g.get("scalar")) if isinstance(g, dict) else (type(g).__name__, np.isscalar(g))
        hint = f": missing keepdims=True in {'d' + k} = sum(dz, axis=0, keepdims=True)?" if scalar else ""
        message = f"d{k} is a {kind}{' scalar' if scalar else ''}, not a NumPy array of shape {p.shape}{hint}"
        value = g.get("float") if isinstance(g, dict) else None
        fixed = np.full(p.shape, value, dtype=p.dtype) if scalar and value is not None and p.size == 1 else None
        return message, fixed
    if g.shape != p.shape:
        message = f"d{k} has shape {g.shape}, expected {p.shape}{_shape_hint(k, g.shape, p.shape)}"
        fixed = mend_shape(g, p.shape)
        return message, None if fixed is None else fixed.astype(p.dtype, copy=False)
    if g.dtype != p.dtype:
        return f"d{k} has dtype {g.dtype}, expected {p.dtype} like {k}", g.astype(p.dtype)
    return None, None


def mend_shape(g: np.ndarray, want: tuple):
    """``g`` in shape ``want`` when one fix is right, else None: the transpose of a matrix without
    unit sides, or the same non-unit sides reshaped ((H,) for (1, H), (1, H) for (H, 1))."""
    if g.shape == tuple(want)[::-1] and len(g.shape) == 2 and 1 not in g.shape:
        return np.ascontiguousarray(g.T)
    if g.size == int(np.prod(want)) and [d for d in g.shape if d != 1] == [d for d in want if d != 1]:
        return g.reshape(want)
    return None


def _shape_hint(key: str, got: tuple, want: tuple) -> str:
    if got == want[::-1]:
        return ": transposed?"
    if int(np.prod(got)) == int(np.prod(want)) and len(got) != len(want):
        step = f"d{key} = sum(dz, axis=0, keepdims=True)" if key.startswith("b") else f"d{key}"
        return f": it would silently broadcast; missing keepdims=True in {step}?"
    if key.startswith("b") and len(got) == 2 and got[1] == 1 and got[0] != 1:
        return f": summed over the wrong axis? d{key} = sum(dz, axis=0, keepdims=True)"
    return ""
