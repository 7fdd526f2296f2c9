"""Check a candidate backward at named points against the oracles under one policy.

``run(...)`` is the library call behind ``compare-frameworks``: it returns a
:class:`~oracles.report.Report` and prints nothing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from oracles import policy
from oracles.candidate import Candidate, ContractViolation, call_candidate
from oracles.compare import compare
from oracles.diagnosis import diagnose, explain_loss, reconcile
from oracles.finite_differences import fd_directions, fd_gradients
from oracles.report import PointResult, Report
from reference.model import Spec, forward, init_params, lesson_loss, loss as reference_loss, random_params

ORACLES = ("finite-differences", "torch", "jax")
GENERIC_SCALE = 1.0  # pre-activations of order 1: a point where biases and saturation matter


@dataclass
class Point:
    name: str
    params: dict
    about: str


def lesson_point(spec: Spec, seed: int = 0) -> Point:
    return Point("lesson-init", init_params(spec, seed),
                 f"the lesson's init: RandomState({seed}).randn * 0.1 weights, zero biases")


def generic_point(spec: Spec, seed: int = 0) -> Point:
    return Point("generic", random_params(spec, seed + 1, GENERIC_SCALE),
                 f"seeded default_rng({seed + 1}) weights at scale {GENERIC_SCALE}/sqrt(fan_in), non-zero biases")


def default_points(spec: Spec, seed: int = 0) -> list:
    return [lesson_point(spec, seed), generic_point(spec, seed)]


def _oracle(name: str):
    if name == "torch":
        from oracles.torch_oracle import torch_oracle

        return torch_oracle
    if name == "jax":
        from oracles.jax_oracle import jax_oracle

        return jax_oracle
    raise ValueError(f"unknown oracle {name!r}")


def _agreement(results: dict, dtype: str, kinks: dict) -> list:
    """Which oracles agree with each other, parameter by parameter, under the policy."""
    names = list(results)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            # an FD comparison uses the FD tolerance; torch vs jax the tighter of the two
            tol_name = "finite-differences" if "finite-differences" in (a, b) else b
            tol = policy.tolerance(tol_name, dtype)
            ok = all(compare(k, a, results[a][k], results[b][k], tol, kinks.get(k)).passed
                     for k in results[a])
            pairs.append((a, b, ok))
    return pairs


FD_MODES = ("auto", "exhaustive", "directions")


def fd_mode(spec: Spec, mode: str = "auto") -> str:
    """Which finite-difference mode runs: every entry, or random directions above the budget."""
    if mode == "auto":
        return "exhaustive" if spec.n_params() <= policy.FD_EXHAUSTIVE_BUDGET else "directions"
    return mode


def loss_scale(params: dict, X) -> float:
    """The unit the loss tolerance's ``atol`` is counted in: ``max(1, mean |z_L| bound)``.

    Rounding in a forward grows with the magnitudes summed, not with the result: a logit of 40
    made of terms of 3,000 carries their rounding. The forward of ``|params|`` on ``|X|``
    without activations bounds those magnitudes (every activation here has slope at most 1),
    and the loss moves by at most the logit's error per row.
    """
    absolute = {k: np.abs(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
    _, cache = forward(absolute, np.abs(np.asarray(X, dtype=np.float64)), "identity")
    return max(1.0, float(cache[f"z{len(params) // 2}"].mean()))


def _timed(timings: dict, name: str, fn):
    start = time.perf_counter()
    out = fn()
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
    return out


def _run_oracles(spec, params, X, y, oracles, timings, mode, directions, result):
    """Torch's and jax's losses into ``result.losses`` (finite differences use the reference's own
    forward, in float64: no second opinion on the loss); returns (grads by oracle, kinks,
    directional FD or None)."""
    grads_by_oracle, kinks, projected = {}, {}, None
    for name in oracles:
        if name == "finite-differences" and fd_mode(spec, mode) == "directions":
            count = directions or policy.FD_DIRECTIONS
            projected = _timed(timings, name, lambda: fd_directions(spec, params, X, y, count))
            result.fd_mode = f"directions ({count} per parameter)"
        elif name == "finite-differences":
            fd = _timed(timings, name, lambda: fd_gradients(spec, params, X, y))
            grads_by_oracle[name], kinks = fd.grads, fd.kinks
        else:
            result.losses[name], grads_by_oracle[name] = _timed(
                timings, name, lambda: _oracle(name)(spec, params, X, y))
    return grads_by_oracle, kinks, projected


def check_point(spec: Spec, point: Point, X, y, candidate: Candidate, oracles=ORACLES,
                timings: dict | None = None, previous: Point | None = None, mode: str = "auto",
                directions: int | None = None) -> PointResult:
    """Every check at one point: forward agreement first, then each gradient against each oracle.

    ``previous``: the point checked just before with the same candidate (helps name a stale cache).
    """
    timings = {} if timings is None else timings
    X = np.asarray(X, dtype=spec.dtype)
    y = np.asarray(y, dtype=spec.dtype)
    params = point.params
    result = PointResult(point.name, point.about)
    result.losses["reference"] = reference_loss(params, X, y, spec.activation)
    grads_by_oracle, kinks, projected = _run_oracles(spec, params, X, y, oracles, timings, mode, directions, result)
    try:
        cand_loss, cand_grads = _timed(timings, "candidate", lambda: call_candidate(candidate, params, X, y))
    except ContractViolation as exc:
        result.violation = str(exc)
        cand_loss, cand_grads = None, None
    if cand_loss is not None:
        result.losses["candidate"] = cand_loss
    loss_tol = policy.tolerance("loss", spec.dtype)
    ref = result.losses["reference"]
    scale = loss_scale(params, X)
    result.loss_agrees = {k: bool(loss_tol.close(v, ref, scale)) for k, v in result.losses.items() if k != "reference"}
    if not result.loss_agrees.get("candidate", True):
        y_hat, _ = forward(params, X, spec.activation)
        finding = explain_loss(cand_loss, ref, X.shape[0], lesson_loss(y_hat, y), spec.dtype)
        result.loss_agrees["candidate"] = finding.kind == "note"  # the lesson's own loss passes, with a note
        result.add(finding)
    result.agreement = _agreement(grads_by_oracle, spec.dtype, kinks)
    if cand_grads is None:
        return result
    along = projected.project(cand_grads) if projected is not None else {}
    for k in params:
        result.checks[k] = {}
        for name in oracles:
            tol = policy.tolerance(name, spec.dtype)
            if name in grads_by_oracle:
                result.checks[k][name] = compare(k, name, cand_grads[k], grads_by_oracle[name][k], tol, kinks.get(k))
            elif projected is not None and name == "finite-differences":
                result.checks[k][name] = compare(k, name, along[k], projected.derivatives[k], tol, projected.kinks[k])
    wrong = [k for k in params if not all(c.passed for c in result.checks[k].values())]
    consensus = grads_by_oracle.get("torch") or grads_by_oracle.get("jax") or grads_by_oracle.get("finite-differences")
    if wrong and consensus is not None:
        result.add(diagnose(spec, params, X, y, cand_grads, consensus, wrong, previous.params if previous else None))
    elif wrong:
        result.diagnosis.append("directional differences say which parameters are wrong, not which entries "
                                "or why: add the torch or jax oracle for a diagnosis")
    return result


def versions() -> dict:
    """Versions of numpy, torch and jax for the report (None where one is not installed)."""
    import importlib.metadata as md

    out = {}
    for package in ("numpy", "torch", "jax"):
        try:
            out[package] = md.version(package)
        except md.PackageNotFoundError:
            out[package] = None
    return out


def run(spec: Spec, data, candidate: Candidate, oracles=ORACLES, seed: int = 0, points=None,
        mode: str = "auto", directions: int | None = None) -> Report:
    """Check ``candidate`` at the lesson's init and a generic point (or ``points``).

    ``mode``: finite differences over every entry (``exhaustive``), along random ``directions``,
    or ``auto`` (exhaustive up to the policy's parameter budget).
    """
    start = time.perf_counter()
    data = data.astype(spec.dtype)
    timings = {}
    points = points or default_points(spec, seed)
    results = [check_point(spec, p, data.X, data.y, candidate, oracles, timings, previous, mode, directions)
               for previous, p in zip([None] + points[:-1], points)]
    reconcile(results)  # a cause must hold at every point where the candidate was wrong
    timings["total"] = time.perf_counter() - start
    fd = None
    if "finite-differences" in oracles:
        fd = results[0].fd_mode if fd_mode(spec, mode) == "directions" else "exhaustive (every entry)"
    return Report(data=data.describe(), spec=spec.to_dict(), candidate=candidate.name,
                  oracles=list(oracles), points=results, fd_mode=fd,
                  timings_s={k: round(v, 6) for k, v in timings.items()}, versions=versions())
