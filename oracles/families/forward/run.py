"""One forward check: the points, the two workers, every oracle at every point, the report."""
from __future__ import annotations

import time

import numpy as np

from oracles import policy, registry
from oracles.candidate import ContractViolation, unpack
from oracles.compare import agrees, compare
from oracles.families.forward.diagnosis import diagnose
from oracles.families.forward.judge import (differences, extended, recheck, screened, spans, summary,
                                            to_differences_tolerance, wrong_entries)
from oracles.families.forward.points import ForwardError, Point, from_npz, inputs_of, params_of
from oracles.families.forward.report import ForwardPoint, ForwardReport
from oracles.families.forward.sides import BackwardSide, ForwardSide, source_of

FD, AUTOGRAD = registry.DIFFERENCES, registry.AUTOGRAD.name
FD_MODE = ("every entry of your forward in float64: one-sided at h = sqrt(eps) max(1, |w|), then, where a "
           "gradient disagrees with it, central at h = cbrt(eps) max(1, |w|) with kinks found where the one-sided "
           "differences disagree, and in long double where float64 loses the digits")


def check(backward, forward, *, init=None, params=None, inputs=None, data=None, target=None, loss="bce",
          seed=0, timeout=None, memory=None, forbid_import=(), mean_over_rows=False):
    """Check that ``backward(params, inputs)`` is the gradient of ``forward(params, inputs)``.

    Points: ``init(seed)`` at ``seed`` and ``seed + 1`` (params, or (params, inputs)); else
    ``params`` (a dict) or the ``params/`` arrays of ``inputs`` (a ``.npz`` path). Inputs: what
    ``init`` returned, else ``inputs`` (a dict, or the ``inputs/`` arrays of the ``.npz``), else
    ``{"X": X, "y": y}`` from ``data`` read as ``loss``'s targets. ForwardError (exit 2) for bad input.
    ``mean_over_rows``: the loss is a mean over the batch rows, and the batch law
    (:mod:`properties.forward_laws`) is asserted at each point too.
    """
    start = time.perf_counter()
    forward_source = source_of(forward, "--forward")
    backward_source = source_of(backward, "--candidate")
    init_source = source_of(init, "--init") if init is not None else None
    given_params, given_inputs, points_from = _given(params, inputs)
    worker = {"timeout": timeout, "memory": memory}
    fside = ForwardSide(forward_source, **worker).start()
    bside = None
    try:
        if init_source is not None:
            points, points_from = _from_init(fside, init_source, seed, given_inputs, data, target, loss)
        else:
            if given_params is None:
                raise ForwardError("--forward needs params: --init FILE.py:init, or --inputs FILE.npz with "
                                   "params/NAME arrays (the API: init= or params=)")
            chosen = given_inputs if given_inputs is not None else _data_inputs(data, target, loss)
            points = [Point("given", f"from {points_from}", given_params, chosen)]
        timings = {"points": time.perf_counter() - start}
        bside = BackwardSide(backward_source, forbid=forbid_import, **worker).start()
        results = [_judge(fside, bside, p, mean_over_rows, seed) for p in points]
    finally:
        fside.close()
        if bside is not None:
            bside.close()
    timings["total"] = time.perf_counter() - start
    return ForwardReport(data={"source": points_from}, spec={"family": "forward"}, candidate=backward_source.name,
                         oracles=[FD, AUTOGRAD], points=results, timings_s=timings, versions=_versions(),
                         fd_mode=FD_MODE, forward=forward_source.name, points_from=points_from)


def _given(params, inputs):
    """``(params or None, inputs or None, how they are named)`` from the API's dicts or a ``.npz``."""
    if isinstance(inputs, str):
        npz_params, npz_inputs = from_npz(inputs)
        if params is not None and npz_params is not None:
            raise ForwardError(f"{inputs}: params given twice (params= and the .npz's params/ arrays)")
        return (params_of(params, "params") if params is not None else npz_params), npz_inputs, inputs
    return (params_of(params, "params") if params is not None else None,
            inputs_of(inputs, "inputs") if inputs is not None else None, "params= and inputs=")


def _data_inputs(data, target, loss) -> dict:
    """``{"X": X, "y": y}`` of ``data``: a path, a packaged set's name, None (the default data) or a Dataset."""
    from reference.data import DataError, Dataset, load

    if isinstance(data, Dataset):
        return {"X": data.X, "y": data.y}
    try:
        dataset = load(data, target, loss)
    except DataError as exc:
        raise ForwardError(str(exc)) from None
    return {"X": dataset.X, "y": dataset.y}


def _from_init(fside, source, seed, given_inputs, data, target, loss):
    points, fallback = [], None
    for s in (seed, seed + 1):
        reply = fside.init(source, s)
        params = params_of(reply["params"], f"init({s}) params")
        if reply["inputs"] is not None:
            inputs = inputs_of(reply["inputs"], f"init({s}) inputs")
        else:
            if fallback is None:
                fallback = given_inputs if given_inputs is not None else _data_inputs(data, target, loss)
            inputs = fallback
        points.append(Point(f"seed {s}", f"params{' and inputs' if reply['inputs'] is not None else ''} "
                                         f"from {source.name}({s})", params, inputs))
    return points, f"{source.name} (seeds {seed}, {seed + 1})"


def _judge(fside, bside, point: Point, mean_over_rows: bool = False, seed: int = 0) -> ForwardPoint:
    """Every oracle at one point, the candidate's gradients compared with each (and the batch law,
    ``mean_over_rows``, its permutation drawn from ``seed``)."""
    shapes = {k: (p.shape, str(p.dtype)) for k, p in point.params.items()}
    result = ForwardPoint(point.name, point.about, shapes=shapes)
    traced = fside.autograd({k: p.astype(np.float64) for k, p in point.params.items()}, point.inputs)
    auto = None
    if traced["kind"] == "grads":
        auto = {k: v["array"] for k, v in traced["grads"]}
    else:
        where = f" at {traced['where']}" if traced.get("where") else ""
        message = f": {traced['message']}" if traced.get("message") else ""
        result.autograd = (f"autograd could not trace the forward{where} ({traced.get('type')}{message}); "
                           f"the other oracles still ran")
    outcome = bside.evaluate(point.params, point.inputs)
    result.output = outcome.output
    try:
        loss, grads = unpack(outcome, point.params)
    except ContractViolation as exc:
        result.violation = str(exc)
        grads = None
    fd_tol = policy.tolerance(FD, point.dtype)
    if grads is None:  # nothing to screen with: every entry searched, for the forward's loss and determinism
        found = differences(fside, point.params, point.inputs)
    else:
        found = screened(fside, point.params, point.inputs, [grads, auto], fd_tol)
    result.losses["forward"] = found.loss
    result.nondeterministic = found.nondeterministic
    if grads is None:
        return result
    if loss is not None:
        tol = policy.tolerance("loss", point.dtype)
        result.losses["candidate"] = loss
        result.loss_agrees["candidate"] = bool(tol.close(loss, found.loss, max(1.0, abs(found.loss))))
    auto_tol = policy.tolerance(AUTOGRAD, point.dtype)
    suspect = {k: wrong_entries(g, found.central[k], fd_tol, found.kinks[k]) for k, g in grads.items()}
    if auto is not None:
        suspect = {k: m | wrong_entries(auto[k], found.central[k], fd_tol, found.kinks[k]) for k, m in suspect.items()}
    recheck(fside, point.params, point.inputs, found, suspect)
    held = extended(fside, point.params, point.inputs, found,
                    {k: wrong_entries(g, found.central[k], fd_tol, found.kinks[k]) for k, g in grads.items()}, fd_tol)
    for k, mask in held.items():  # autograd differentiated the same float64 arithmetic: held to them there too
        if auto is not None:
            auto[k] = np.where(mask, found.central[k], auto[k])
        result.imprecise[k] = int(mask.sum())
    if held:  # a forward that loses digits here: autograd's gradient of it is no longer exact to rounding
        auto_tol = fd_tol
    bends = {}
    if auto is not None:  # where the candidate agrees with the differences, not with autograd: a faint bend?
        bends = spans(fside, point.params, point.inputs, found,
                      {k: wrong_entries(g, auto[k], auto_tol, found.kinks[k])
                       & ~wrong_entries(g, found.central[k], fd_tol, found.kinks[k]) for k, g in grads.items()})
    result.differenced = summary(found)
    for k, g in grads.items():
        per = {FD: compare(k, FD, g, found.central[k], fd_tol, subgradient=found.kinks[k])}
        if auto is not None:
            at_kinks = to_differences_tolerance(bends[k], fd_tol, found.scales[k])
            per[AUTOGRAD] = compare(k, AUTOGRAD, g, auto[k], auto_tol, subgradient=at_kinks)
        result.checks[k] = per
    together = None
    if auto is not None:
        together = all(agrees(auto[k], found.central[k], fd_tol, found.kinks[k]) for k in grads)
        result.agreement.append((FD, AUTOGRAD, together))
    if mean_over_rows:
        from properties.forward_laws import LawBroken, batch_law

        try:
            result.batch_asserted = batch_law(fside, bside, point.params, point.inputs, grads, found.loss, point.dtype,
                                              seed)
        except LawBroken as exc:
            result.batch, result.batch_asserted = exc.message, True
    wrong = [k for k, per in result.checks.items() if not all(c.passed for c in per.values())]
    if wrong:
        oracle, name, tol = (auto, AUTOGRAD, auto_tol) if together else (found.central, FD, fd_tol)
        for cause in diagnose(grads, oracle, found.kinks, point.inputs, wrong, tol, name):
            result.causes[cause.param] = cause.kind
            result.diagnosis.append(f"{cause.param}: {cause.text}")
    return result


def _versions() -> dict:
    return registry.versions(("numpy", "autograd"))
