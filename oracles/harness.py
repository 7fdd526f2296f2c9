"""Check a candidate backward at named points against the oracles under one policy.

``run(...)`` is the library call behind ``compare-frameworks``: it returns a
:class:`~oracles.report.Report` and prints nothing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from oracles import background, policy
from oracles.bias_contract import bias_finding
from oracles.candidate import ContractViolation, unpack
from oracles.compare import agrees, backward_magnitudes, compare
from oracles.conventions import Conventional
from oracles.diagnosis import diagnose, explain_loss
from oracles.mistakes import Finding
from oracles.finite_differences import answer_digest, direction_entropy, fd_directions, fd_gradients
from oracles.kinks import subgradients
from oracles.nan_origin import MADE_HERE, head_story_fits, origin_finding, traced
from oracles import registry
from oracles.registry import DIFFERENCES, FRAMEWORKS, NAMES as ORACLES, PACKAGES
from oracles.report import PointResult, Report
from reference.heads import LESSON
from reference.model import Spec, backward as reference_backward, forward, init_params, lesson_loss, n_layers
from reference.model import loss as reference_loss, random_params

GENERIC_SCALE = 1.0  # pre-activations of order 1: a point where biases and saturation matter


@dataclass
class Point:
    name: str
    params: dict
    about: str


def make_spec(data, hidden, activation: str = "relu", dtype: str = "float64", loss: str = "bce",
              reduction: str = "mean", l2: float = 0.0, convention: str = "lesson", bias: bool = True) -> Spec:
    """The Spec a run checks: the data's inputs and outputs, the head, L2 in the convention's own form,
    with or without biases."""
    from oracles.conventions import L2_FORM

    return Spec((data.features, *hidden, data.n_outputs), activation, dtype, loss, reduction, l2, L2_FORM[convention],
                bias)


def lesson_point(spec: Spec, seed: int = 0) -> Point:
    return Point("lesson-init", init_params(spec, seed),
                 f"the lesson's init: RandomState({seed}).randn * 0.1 weights, {'zero' if spec.bias else 'no'} biases")


def generic_point(spec: Spec, seed: int = 0) -> Point:
    return Point("generic", random_params(spec, seed + 1, GENERIC_SCALE),
                 f"seeded default_rng({seed + 1}) weights at scale {GENERIC_SCALE}/sqrt(fan_in), "
                 f"{'non-zero' if spec.bias else 'no'} biases")


def default_points(spec: Spec, seed: int = 0) -> list:
    return [lesson_point(spec, seed), generic_point(spec, seed)]


def _agreement(results: dict, dtype: str, kinks: dict, intervals=None, unit: float = 1.0,
               magnitudes: dict | None = None) -> list:
    """Which oracles agree with each other, parameter by parameter, under the policy (at an exact
    kink: both oracles' values lie in the subgradient interval)."""
    names = list(results)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            # an FD comparison uses the FD tolerance; torch vs jax the tighter of the two
            tol_name = DIFFERENCES if DIFFERENCES in (a, b) else b
            tol = policy.tolerance(tol_name, dtype, unit=unit)
            sub = intervals.get if intervals is not None else (lambda k: None)
            m = (magnitudes or {}).get
            ok = all(agrees(results[a][k], results[b][k], tol, sub(k), m(k, 0.0))
                     and (sub(k) is None or agrees(results[b][k], results[a][k], tol, sub(k), m(k, 0.0)))
                     for k in results[a])
            pairs.append((a, b, ok))
    return pairs


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
    return max(1.0, float(cache[f"z{n_layers(params)}"].mean()))


def _timed(timings: dict, name: str, fn):
    start = time.perf_counter()
    out = fn()
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
    return out


@dataclass
class Prepared:
    """The judge's side of one point, computed once for every candidate checked there."""

    spec: Spec
    point: Point
    X: np.ndarray
    y: np.ndarray
    oracles: tuple
    losses: dict  # reference, torch, jax
    grads: dict  # oracle -> grads (exhaustive finite differences, torch, jax)
    near_kink: dict  # finite differences: entries decided with a step that avoids a kink
    intervals: dict  # entries at an exact kink: subgradient intervals (oracles.kinks)
    directions: int  # finite differences along this many random directions per parameter (0: every entry),
    # drawn for each candidate once it has answered (directional())
    fd_mode: str
    agreement: list
    loss_scale: float
    timeout: float  # the default time limit of one candidate call here
    seed: int = 0  # --seed: with the point's and parameter's names and the answer, seeds the directions
    magnitudes: dict = None  # per parameter, what a backward's rounding grows with (compare.backward_magnitudes)


def _inputs(spec: Spec, X, y):
    """``X`` in the spec's dtype; ``y`` (N, C) floats, or (N,) int64 classes for softmax."""
    return np.asarray(X, dtype=spec.dtype), spec.head.targets(y, spec.dtype)


def _framework(name: str, ahead: dict, spec: Spec, params: dict, X, y):
    """A framework oracle's ``(loss, grads)``: from its background process when it answered, else here."""
    return (name in ahead and ahead[name]()) or background.oracle(name)(spec, params, X, y)


def prepare(spec: Spec, point: Point, X, y, oracles=ORACLES, timings: dict | None = None,
            mode: str = "auto", directions: int | None = None, ahead: dict | None = None, seed: int = 0) -> Prepared:
    """The reference's loss and every oracle's gradients at ``point``: no candidate involved.

    ``ahead``: ``{oracle: callable}`` giving that oracle's answer computed elsewhere
    (:mod:`oracles.background`), or None, in which case it is computed here. Finite differences
    along random directions are not computed here: their directions depend on the candidate's
    answer (:func:`directional`).
    """
    timings = {} if timings is None else timings
    ahead = ahead or {}
    X, y = _inputs(spec, X, y)
    params = point.params
    losses = {"reference": reference_loss(params, X, y, spec.activation, spec.head)}
    grads, near_kink, count, used = {}, {}, 0, "exhaustive (every entry)"
    for name in sorted(oracles, key=lambda n: n in ahead):  # what runs here first, while the others finish
        if name == DIFFERENCES and fd_mode(spec, mode) == "directions":
            count = directions or policy.FD_DIRECTIONS
            used = f"directions ({count} per parameter)"
        elif name == DIFFERENCES:
            fd = _timed(timings, name, lambda: fd_gradients(spec, params, X, y))
            grads[name], near_kink = fd.grads, fd.near_kink
        else:
            losses[name], grads[name] = _timed(timings, name, lambda: _framework(name, ahead, spec, params, X, y))
    losses = {k: losses[k] for k in ("reference", *oracles) if k in losses}  # in the order asked for
    grads = {k: grads[k] for k in oracles if k in grads}
    start = time.perf_counter()
    reference_backward(params, X, y, spec.activation, head=spec.head)
    timeout = policy.call_timeout(time.perf_counter() - start)
    intervals = subgradients(spec, params, X, y)  # entries at an exact kink: any relu'(0) in [alpha, 1]
    magnitudes = backward_magnitudes(spec, params, X, y)
    return Prepared(spec, point, X, y, tuple(oracles), losses, grads, near_kink, intervals, count, used,
                    _agreement(grads, spec.dtype, near_kink, intervals, spec.head.unit(X.shape[0], spec.classes),
                               magnitudes),
                    loss_scale(params, X), timeout, seed, magnitudes)


def directional(prepared: Prepared, grads: dict):
    """Finite differences along ``prepared.directions`` random directions per parameter, drawn
    after the candidate answered ``grads``: each parameter's from ``--seed``, the point's name, the
    parameter's name and a hash of the answer (:func:`oracles.finite_differences.direction_entropy`).
    The same candidate, seed and data give the same directions; no candidate can know them ahead."""
    p = prepared
    answer = answer_digest(grads)
    entropy = {k: direction_entropy(p.seed, p.point.name, k, answer) for k in p.point.params}
    return fd_directions(p.spec, p.point.params, p.X, p.y, p.directions, entropy=entropy)


def evaluate(prepared: Prepared, candidate, timings: dict | None = None, repeat: bool = True):
    """The candidate's Outcome at the point, and (``repeat``) the first of
    ``policy.DETERMINISM_CALLS - 1`` further calls on the same inputs that differs from it (else the last)."""
    timings = {} if timings is None else timings
    p = prepared

    def call():
        return _timed(timings, "candidate", lambda: candidate.evaluate(p.point.params, p.X, p.y, timeout=p.timeout))

    first = call()
    if first.failure is None and _non_finite(first):  # where the first NaN or inf comes from, and its line
        raised = candidate.evaluate(p.point.params, p.X, p.y, errstate=True, timeout=p.timeout)
        first = replace(first, fp_error=raised.failure)
    if not repeat or first.failure is not None:
        return first, None
    again = None
    for _ in range(policy.DETERMINISM_CALLS - 1):
        again = call()
        if nondeterminism(first, again, p.point.params, p.loss_scale):
            break
    return first, again


def _non_finite(outcome) -> bool:
    returned = outcome.returned
    values = [v["array"] for _, v in returned.get("grads", []) if "array" in v]
    loss = returned.get("loss", {}).get("float", 0.0) if returned["kind"] == "loss+grads" else 0.0
    return not np.isfinite(loss) or any(not np.isfinite(v).all() for v in values if v.dtype.kind in "fc")


def non_finite_cause(outcome, prepared) -> str:
    """Why a candidate's values are not finite, as far as the evidence goes: the first
    floating-point error and its line; saturation only where the logits are saturated, in the
    words of the head (a sigmoid saturates, a softmax's exp overflows, an identity output neither)."""
    N = prepared.X.shape[0]
    parts = []
    if outcome.fp_error:
        text = outcome.fp_error.replace("the candidate crashed ", "")
        one_row = " (one row: N - 1 = 0, or the spread of a single row?)" if N == 1 and "divide" in text and (
            not traced(outcome.fp_error) or any(w in text for w in ("std", "var", "- 1"))) else ""
        parts.append(f"{'where the first NaN or inf is made' if traced(outcome.fp_error) else 'the first floating-point error'}: "
                     f"{text.replace(f'FloatingPointError: {MADE_HERE}', 'FloatingPointError:')}{one_row}")
    hint = saturation_hint(prepared) if head_story_fits(outcome.fp_error) else ""
    # a traced line with no warning names no operation: the head's story is still the evidence
    said = bool(outcome.fp_error) and (not traced(outcome.fp_error) or origin_finding(outcome.fp_error) is not None)
    if hint and (not said or not prepared.spec.head.output.hint_in_error_line):
        parts.append(hint)
    return "".join(f"; {p}" for p in parts)


def _logits(prepared) -> np.ndarray:
    """The point's logits ``z_L`` (N, C), in float64, from the network's own forward."""
    spec = prepared.spec
    _, cache = forward(prepared.point.params, prepared.X, spec.activation)
    return np.asarray(cache[f"z{spec.n_layers}"], dtype=np.float64)


def saturation_hint(prepared) -> str:
    """The head's own way of overflowing at these logits, or ``""`` where they are moderate."""
    z = _logits(prepared)
    return prepared.spec.head.output.saturation_hint(z, policy.SATURATED_LOGIT) if z.size else ""


def loss_overflow_excused(prepared) -> str:
    """Why a non-finite loss returned with finite gradients passes here, or ``""`` where it does not:
    where the head's probabilities round to 0 in the point's dtype (``Output.log_underflow``)."""
    z = _logits(prepared)
    return prepared.spec.head.output.log_underflow(z, prepared.spec.dtype) if z.size else ""


def _why_calls_differ(a: dict, b: dict, tol) -> str:
    """Gradients that grow call by call (the second exactly twice the first, everywhere) are
    accumulated; anything else is state or randomness."""
    if all(tol.close_array(b[k], 2 * a[k]).all() for k in a) and any(np.any(a[k] != 0) for k in a):
        return ("every gradient of the second call is exactly twice the first: gradients accumulated "
                "across calls (a += into a buffer kept between calls, never zeroed?)")
    return "state kept between calls (a cache, a counter) or randomness?"


def nondeterminism(first, second, params: dict, loss_scale: float = 1.0) -> str | None:
    """Where two calls on the same inputs differ beyond the policy's determinism row, in words."""
    if second is None:
        return None
    try:
        loss_a, a, _ = unpack(first, params, keep_going=True, finite_loss=False)
    except ContractViolation:
        return None  # the first call broke the contract: that is the finding, said elsewhere
    try:
        loss_b, b, _ = unpack(second, params, keep_going=True, finite_loss=False)
    except ContractViolation as exc:
        return f"not deterministic: a second call on the same point broke the contract: {exc}"
    tol = policy.tolerance("determinism", str(next(iter(params.values())).dtype))
    for k in a:
        c = compare(k, "first call", b[k], a[k], tol)
        if not c.passed:
            idx = ", ".join(map(str, c.worst_index))
            return (f"not deterministic: two calls on the same point differ at {k}[{idx}] "
                    f"(first {c.oracle_value:.6g}, then {c.candidate_value:.6g}): {_why_calls_differ(a, b, tol)}")
    if loss_a is not None and loss_b is not None and not (loss_a == loss_b or np.isnan(loss_a) and np.isnan(loss_b)) \
            and not tol.close(loss_b, loss_a, loss_scale):
        return f"not deterministic: two calls on the same point return losses {loss_a:.12g} and {loss_b:.12g}"
    return None


def judge(prepared: Prepared, first, second=None, previous: Point | None = None,
          timings: dict | None = None) -> PointResult:
    """Every comparison at one point: forward agreement first, then each gradient against each oracle.

    ``first`` and ``second`` are the candidate's Outcomes on the point's inputs (the second for
    the determinism check, or None); ``previous``: the point checked just before with the same
    candidate (helps name a stale cache).
    """
    p, spec, params = prepared, prepared.spec, prepared.point.params
    result = PointResult(p.point.name, p.point.about, fd_mode=p.fd_mode)
    result.losses = dict(p.losses)
    result.output = first.output
    try:  # a fixable shape is reported and fixed, so the values are checked too
        cand_loss, cand_grads, problems = unpack(first, params, keep_going=True, finite_loss=False)
        result.violation = "; ".join(problems) or None
    except ContractViolation as exc:
        result.violation = str(exc) + (non_finite_cause(first, p) if exc.kind == "non-finite" else "")
        cand_loss, cand_grads = None, None
        origin = origin_finding(first.fp_error) if exc.kind == "non-finite" else None
        if origin is not None:  # the operation that made the first NaN or inf, traced in the candidate's run
            result.add(origin)
        if exc.kind != "non-finite" and "shape" in str(exc):  # a bias's numbers, compared though its shape is wrong
            found = bias_finding(first, spec, params, p.X, p.y, str(exc))
            if found is not None:
                result.add(found)
    if cand_loss is not None and not np.isfinite(cand_loss):  # gradients finite: is the loss's inf excused?
        excused = loss_overflow_excused(p)
        if excused:
            result.add(Finding((), f"the candidate returned a non-finite loss ({cand_loss}) where the canonical loss "
                                   f"is {p.losses['reference']:.6g}: {excused}; the gradients are checked as usual",
                               (), "note"))
        else:
            cause = non_finite_cause(first, p)
            result.violation = "; ".join(filter(None, [result.violation, (
                f"the candidate returned a non-finite loss ({cand_loss}) where the canonical loss is "
                f"{p.losses['reference']:.6g} and no probability is near 0 or 1{cause}")]))
        cand_loss = None
    result.nondeterministic = nondeterminism(first, second, params, p.loss_scale) if cand_grads is not None else None
    if cand_loss is not None:
        result.losses["candidate"] = cand_loss
    loss_tol = policy.tolerance("loss", spec.dtype)
    ref = result.losses["reference"]
    result.loss_agrees = {k: bool(loss_tol.close(v, ref, p.loss_scale)) for k, v in result.losses.items() if k != "reference"}
    if not result.loss_agrees.get("candidate", True):
        y_hat, _ = forward(params, p.X, spec.activation)
        lesson = lesson_loss(y_hat, p.y) if spec.head == LESSON else None  # the lesson's printed loss: bce only
        finding = explain_loss(cand_loss, ref, p.X.shape[0], lesson, spec.dtype,
                               spec.head.penalty(params, p.X.shape[0]), spec.head.words())
        result.loss_agrees["candidate"] = finding.kind == "note"  # the lesson's own loss passes, with a note
        result.add(finding)
    result.agreement = p.agreement
    if cand_grads is None:
        return result
    projected = None
    if p.directions and DIFFERENCES in p.oracles:  # drawn now that the candidate has answered
        projected = _timed({} if timings is None else timings, DIFFERENCES, lambda: directional(p, cand_grads))
    along = projected.project(cand_grads) if projected is not None else {}
    unit = spec.head.unit(p.X.shape[0], spec.classes)  # a summed loss: rounding errors N times the mean's
    for k in params:
        result.checks[k] = {}
        for name in p.oracles:
            tol = policy.tolerance(name, spec.dtype, unit=unit)
            if name in p.grads:
                near = p.near_kink.get(k) if name == DIFFERENCES else None
                result.checks[k][name] = compare(k, name, cand_grads[k], p.grads[name][k], tol, p.intervals.get(k), near,
                                                 p.magnitudes[k])
            elif projected is not None and name == DIFFERENCES:
                sub = p.intervals.get(k).project(projected.directions[k]) if p.intervals.get(k) else None
                result.checks[k][name] = compare(k, name, along[k], projected.derivatives[k], tol, sub,
                                                 projected.near_kink[k], p.magnitudes[k])
    wrong = [k for k in params if not all(c.passed for c in result.checks[k].values())]
    consensus = next((p.grads[n] for n in (*FRAMEWORKS, DIFFERENCES) if n in p.grads), None)  # frameworks first
    if wrong and consensus is not None:
        result.add(diagnose(spec, params, p.X, p.y, cand_grads, consensus, wrong, previous.params if previous else None))
    elif wrong:
        result.diagnosis.append("directional differences say which parameters are wrong, not which entries "
                                "or why: add the torch or jax oracle for a diagnosis")
    return result


def check_point(spec: Spec, point: Point, X, y, candidate, oracles=ORACLES,
                timings: dict | None = None, previous: Point | None = None, mode: str = "auto",
                directions: int | None = None, repeat: bool = True) -> PointResult:
    """Every check at one point: prepare the oracles, ask the candidate (twice, for determinism), judge."""
    from oracles.session import Session

    prepared = prepare(spec, point, X, y, oracles, {} if timings is None else timings, mode, directions)
    return Session.of(candidate).check([prepared], timings, repeat, previous, across=False)[0]


def versions() -> dict:
    """Versions of NumPy and every framework oracle's package for the report (None where one is not installed)."""
    return registry.versions(PACKAGES)


def prepare_points(spec: Spec, data, oracles=ORACLES, seed: int = 0, points=None, mode: str = "auto",
                   directions: int | None = None, timings: dict | None = None) -> list:
    """Every point's oracles, once: shared by every candidate checked on the same data."""
    data = data.astype(spec.dtype)
    points = points or default_points(spec, seed)
    started = background.start(oracles, spec, points, *_inputs(spec, data.X, data.y))  # torch's import, overlapped
    return [prepare(spec, p, data.X, data.y, oracles, timings, mode, directions,
                    {name: (lambda a=a, i=i: a.answer(i)) for name, a in started.items()}, seed)
            for i, p in enumerate(points)]


def run(spec: Spec, data, candidate, oracles=ORACLES, seed: int = 0, points=None,
        mode: str = "auto", directions: int | None = None, prepared: list | None = None,
        convention: str | None = None) -> Report:
    """Check ``candidate`` (a handle, or a function run in-process) at the lesson's init and a
    generic point (or ``points``); ``prepared``: the points' oracles, when already computed.

    ``mode``: finite differences over every entry (``exhaustive``), along random ``directions``,
    or ``auto`` (exhaustive up to the policy's parameter budget).
    ``convention``: the layout the candidate speaks (:mod:`oracles.conventions`); the reference
    itself always speaks the canonical one.
    """
    from oracles.session import Session

    start = time.perf_counter()
    timings = {}
    session = Session(candidate, convention, spec.loss)
    candidate = session.handle
    if prepared is None:
        prepared = prepare_points(spec, data, oracles, seed, points, mode, directions, timings)
    results = session.check(prepared, timings)
    timings["total"] = time.perf_counter() - start
    fd = prepared[0].fd_mode if DIFFERENCES in oracles else None
    report = Report(data=data.describe(), spec=spec.to_dict(), candidate=candidate.name,
                    oracles=list(oracles), points=results, fd_mode=fd,
                    timings_s={k: round(v, 6) for k, v in timings.items()}, versions=versions())
    if isinstance(candidate, Conventional) and prepared:
        params = prepared[0].point.params
        if candidate.convention != "lesson" or candidate.key_style == "dW1":  # else the lesson's own names: unsaid
            report.notes.append(candidate.describe(params))
        report.convention = {"name": candidate.convention, "key_style": candidate.key_style or "W1",
                             "parameters": candidate.names(params)}
    report.notes.extend(data.notes() if hasattr(data, "notes") else [])
    if not getattr(candidate, "isolated", True) and candidate.name != "reference":
        report.notes.append("--no-isolation: the candidate ran inside the judge's own process, "
                            "where it could change the verdict")
    return report
