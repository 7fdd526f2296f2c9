"""Candidate backwards: load one from a file or module, call it safely, check its contract.

A candidate is ``backward(params, X, y) -> grads`` or ``-> (loss, grads)`` (DESIGN.md, contract 2).
It is called on read-only copies; anything it does against the contract becomes a
:class:`ContractViolation` whose message names exactly what happened.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from reference.model import backward as reference_backward


class CandidateError(ValueError):
    """The candidate cannot be loaded (a usage error: exit 2)."""


class ContractViolation(Exception):
    """The candidate ran but broke its contract (a failed check: exit 1)."""


@dataclass
class Candidate:
    name: str
    fn: object

    def __call__(self, params, X, y):
        return self.fn(params, X, y)


def reference_candidate(activation: str) -> Candidate:
    return Candidate("reference", partial(reference_backward, activation=activation))


def load_candidate(target: str) -> Candidate:
    """``path/to/file.py:backward`` or ``package.module:backward`` -> a Candidate."""
    source, sep, attr = target.rpartition(":")
    if not sep or not source or not attr:
        raise CandidateError(f"{target}: --candidate takes FILE.py:FUNCTION or MODULE:FUNCTION")
    if source.endswith(".py") or "/" in source or "\\" in source:
        path = Path(source)
        if not path.is_file():
            raise CandidateError(f"{path}: candidate file not found")
        module_name = f"_candidate_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        folder = str(path.resolve().parent)
        if folder not in sys.path:  # as when the file runs as a script: its siblings import
            sys.path.insert(0, folder)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's file failed to import: say where, no traceback
            raise CandidateError(f"{path}: candidate file failed to import: {_one_line(exc)}") from None
    else:
        try:
            module = importlib.import_module(source)
        except Exception as exc:
            raise CandidateError(f"{source}: candidate module not importable: {_one_line(exc)}") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise CandidateError(f"{source}: no function {attr!r} in the candidate")
    return Candidate(target, fn)


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()
    return text[0] if text else type(exc).__name__


def _where(exc: BaseException) -> str:
    """The innermost frame of the traceback, as ``file:line``."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


def _read_only(a: np.ndarray) -> np.ndarray:
    copy = np.array(a, copy=True)
    copy.setflags(write=False)
    return copy


def call_candidate(candidate: Candidate, params: dict, X, y):
    """Run the candidate on read-only copies; returns ``(loss or None, grads)``, contract checked."""
    p_in = {k: _read_only(v) for k, v in params.items()}
    given = dict(p_in)  # the arrays handed over, to see whether the dict was rebound
    X_in, y_in = _read_only(X), _read_only(y)
    try:
        out = candidate(p_in, X_in, y_in)
    except ValueError as exc:
        if "read-only" in str(exc):
            raise ContractViolation(f"the candidate wrote into its inputs{_where(exc)} "
                                    f"(an in-place update of the caller's weights or data?)") from None
        raise ContractViolation(f"the candidate crashed{_where(exc)}: {_one_line(exc)}") from None
    except Exception as exc:
        raise ContractViolation(f"the candidate crashed{_where(exc)}: {_one_line(exc)}") from None
    if set(p_in) != set(given) or any(p_in[k] is not given[k] for k in given):
        raise ContractViolation("the candidate changed the params dict it was given "
                                "(replaced or removed an entry: an update of the caller's weights?)")
    loss, grads = _unpack(out)
    check_grads(grads, params)
    return loss, grads


def _unpack(out):
    if isinstance(out, dict):
        return None, out
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        loss = out[0]
        try:
            loss = float(np.asarray(loss).reshape(()))
        except (TypeError, ValueError):
            raise ContractViolation(f"the candidate returned a loss that is not a scalar: {type(out[0]).__name__}") from None
        if not np.isfinite(loss):
            raise ContractViolation(f"the candidate returned a non-finite loss ({loss})")
        return loss, out[1]
    raise ContractViolation(f"the candidate returned {type(out).__name__}; expected a grads dict "
                            f"or a (loss, grads) tuple")


def check_grads(grads: dict, params: dict) -> None:
    """Gradients mirror parameters: same keys, shapes and dtypes, all finite."""
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
            hint = (f": missing keepdims=True in {'d' + k} = sum(dz, axis=0, keepdims=True)?"
                    if np.isscalar(g) or isinstance(g, np.generic) else "")
            raise ContractViolation(f"d{k} is a {type(g).__name__} scalar, not a NumPy array of shape "
                                    f"{p.shape}{hint}" if hint else
                                    f"d{k} is a {type(g).__name__}, not a NumPy array of shape {p.shape}")
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
