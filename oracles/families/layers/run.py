"""One layer check: two drawn points, the two workers, every oracle at every point, the report.

At each point the harness draws x, the params and ``dout`` (seeded; the second point's x on a grid,
for exact zeros and ties), and asks:

- the candidate's worker for the user's forward and then backward on its own cache: the outputs
  and the gradients;
- torch and JAX (in the judge: our code) for the layer's outputs and their vjp with the same dout;
  the outputs say whether the user's forward is the layer it claims to be;
- the forward's worker for ``sum(out * dout)`` at perturbed arrays: finite differences of the
  user's own forward, with kinks found (:func:`oracles.families.forward.judge.differences`).

Every gradient is compared with all three oracles; at a kink found, with the interval the
one-sided differences span.
"""
from __future__ import annotations

import time

import numpy as np

from oracles import policy, registry
from oracles.compare import agrees, compare
from oracles.families.forward.judge import differences, summary, to_differences_tolerance, verify
from oracles.families.forward.points import ForwardError
from oracles.families.forward.sides import source_of
from oracles.families.layers import directions as along
from oracles.families.layers.frameworks import FRAMEWORKS, running_averages
from oracles.families.layers.kinds import GRID, KINDS
from oracles.families.layers.laws import check_laws
from oracles.families.layers.mistakes import diagnose, diagnose_forward
from oracles.families.layers.report import LayerPoint, LayerReport
from oracles.families.layers.sides import LayerForwardSide, PairSide
from oracles.families.layers.structure import declared
from oracles.families.layers.ties import NAME, along_ties

FD = registry.DIFFERENCES
FD_MODE = ("every entry, differences of sum(out * dout) through your forward in float64: where your forward agrees "
           "with torch's and JAX's layer, one-sided in the arrays the layer is linear in and central in those it "
           "is smooth in; elsewhere central, kinks found where the one-sided differences disagree; an entry whose "
           "difference disagrees with torch's, JAX's or your gradient searched for kinks again")
FD_DIRECTIONS = ("{count} random directions per array (drawn after your backward answered), differences of "
                 "sum(out * dout) through your forward along each in float64, as on every entry (one-sided or "
                 "central where your forward agrees with the layer, kinks found elsewhere)")


def kind_of(name: str):
    if name not in KINDS:
        raise ForwardError(f"--layer {name!r} is not a layer kind: choose from {', '.join(KINDS)}")
    return KINDS[name]


def check_layer(kind, forward, backward=None, *, layer_args=None, seed=0, fuzz=0, timeout=None, memory=None,
                forbid_import=(), directions=None, **hyper):
    """Check ``backward(dout, cache) -> (dx, *dparams)`` against the gradient of ``forward(x, *params,
    [hyper]) -> (out, cache)``, and ``forward`` against the layer ``kind`` computed by torch and JAX.

    A loss kind (``softmax_loss``, ``svm_loss``) is one function ``(x, y) -> (loss, dx)``: give it as
    ``forward`` (``backward`` may be omitted or the same). ``layer_args`` (a dict) and ``hyper``
    fix hyper-parameters (``stride=2, pad=1``); the others are drawn at each point. ``fuzz``: that
    many more points drawn (seeds ``seed + 2`` on), up to the first that fails. ``directions``:
    finite differences along that many random directions per array instead of every entry (0:
    every entry; None: every entry up to the policy's budget, :mod:`.directions`). ForwardError
    (exit 2) for bad input.
    """
    start = time.perf_counter()
    kind = kind_of(kind) if isinstance(kind, str) else kind  # a name, or a Kind of KINDS
    given = {**(layer_args or {}), **hyper}
    if kind.loss and backward is None:
        backward = forward
    if backward is None:
        raise ForwardError(f"{kind.name} needs a backward: --candidate FILE.py:{kind.name}_backward")
    forward_source = source_of(forward, "--forward")
    backward_source = source_of(backward, "--candidate")
    points = draw_points(kind, seed, given, directions)
    worker = {"timeout": timeout, "memory": memory}
    fside = LayerForwardSide(forward_source, None, **worker).start()
    bside, failure = None, None
    try:
        bside = PairSide(backward_source, None if kind.loss else forward_source, None, forbid=forbid_import,
                         **worker).start()
        results = [_judge(kind, fside, bside, p, laws=bool(fuzz)) for p in points]
        fuzzed = _fuzz(kind, fside, bside, given, seed, fuzz, results, directions) if fuzz else None
    except ForwardError as exc:
        failure = exc
    finally:
        fside.close()
        if bside is not None:
            bside.close()
    # read once its workers ended: one died of (or stopped on) a signal the judge did not send
    signalled = any(getattr(side.worker, "signalled", None) is not None for side in (fside, bside) if side is not None)
    if failure is not None:
        failure.signalled = signalled  # a gradebook grades that candidate again, alone
        raise failure
    timings = {"total": time.perf_counter() - start, "candidate": bside.seconds}
    count = max(p.get("directions", 0) for p in points)
    fd_mode = FD_DIRECTIONS.format(count=count) if count else FD_MODE
    return LayerReport(data={"source": f"drawn (seeds {seed}, {seed + 1})"}, spec={"family": "layers"},
                       candidate=backward_source.name, oracles=[FD, *FRAMEWORKS], points=results,
                       timings_s=timings, versions=_versions_all(), fd_mode=fd_mode, forward=forward_source.name,
                       points_from=f"drawn at seeds {seed}, {seed + 1}", kind=kind.name, fuzz=fuzzed,
                       signalled=signalled)


def draw_points(kind, seed: int, given: dict, directions=None) -> list:
    """The points every check of ``kind`` at ``seed`` meets: seeds ``seed`` and ``seed + 1`` (the
    second on the grid for a kinked kind), then the kind's extra modes at ``seed``. ForwardError
    (exit 2) for hyper-parameters the harness cannot draw."""
    points = [_draw(kind, s, given, second=(s == seed + 1), directions=directions) for s in (seed, seed + 1)]
    return points + [_draw(kind, seed, {**given, **more}, second=False, directions=directions) for more in kind.also]


def _fuzz(kind, fside, bside, given: dict, seed: int, examples: int, results: list, directions=None) -> dict:
    """``examples`` more points, drawn as the first two are (seeds ``seed + 2`` on, every other one a
    second point); the first that fails joins ``results``, with the seed that replays it."""
    for i in range(examples):
        s, second = seed + 2 + i, i % 2 == 1
        point = _draw(kind, s, given, second=second, directions=directions)
        point["name"] = f"fuzz {i + 1}: seed {s}" + (" (second point)" if second else "")
        judged = _judge(kind, fside, bside, point, laws=True)
        if not judged.passed:
            results.append(judged)
            replay = ("--fuzz 1 " if judged.laws else "") + f"--seed {s - 1 if second else s}"  # the laws need --fuzz
            return {"passed": False, "examples": i + 1, "seed": s, "replay": replay,
                    "summary": f"failed at drawn point {i + 1} of {examples} (seed {s}): its report is the last "
                               f"point above; replay it with {replay}"}
    return {"passed": True, "examples": examples,
            "summary": f"{examples} more points drawn (seeds {seed + 2} to {seed + 1 + examples}): every check agrees"}


def _draw(kind, seed: int, given: dict, second: bool, directions=None) -> dict:
    """One point: the hyper-parameters, the arrays and dout; a kinked kind's second point has x on a
    grid, except where the arrays are differenced along random directions (exact zeros and ties are
    checked entry by entry only)."""
    rng = np.random.default_rng(seed)
    grid = second and not kind.smooth
    try:
        hyper = kind.hyper(rng, given, second)
    except ValueError as exc:
        raise ForwardError(str(exc)) from None
    try:
        arrays = kind.draw(rng, hyper, False)
        count = along.count_for(kind, arrays, directions)
        grid = grid and not count
        if grid:
            arrays["x"] = np.round(arrays["x"] / GRID) * GRID
        if kind.fill is not None:
            hyper = kind.fill(rng, hyper, arrays)
        torch_outs, _ = FRAMEWORKS["torch"](kind, arrays, hyper)
    except (ValueError, RuntimeError, KeyError, TypeError, ZeroDivisionError) as exc:
        raise ForwardError(f"--layer-args {hyper}: not a {kind.name} layer the harness can draw ({exc})") from None
    douts = [np.ones(()) if kind.loss else rng.standard_normal(o.shape) for o in torch_outs]
    shapes = ", ".join(f"{k} {tuple(a.shape)}" for k, a in arrays.items())
    shown = {k: f"array {v.shape}" if isinstance(v, np.ndarray) else v for k, v in hyper.items()}
    held = f"{kind.hyper_name or 'hyper'} {shown}, " if hyper else ""
    about = f"{held}{shapes}" + (f", x on a grid of {GRID} (exact zeros and ties)" if grid else "")
    name = f"seed {seed}" + "".join(f" ({k} {v})" for k, v in given.items() if k == "mode" and v != "train")
    if count:
        about += f", differenced along {count} random directions per array"
    return {"name": name, "about": about, "hyper": hyper, "arrays": arrays, "douts": douts, "directions": count,
            "seed": seed}


def _judge(kind, fside, bside, point: dict, laws: bool = False) -> LayerPoint:
    """One point; with ``laws`` (the check fuzzes), the laws over the backward too (:mod:`.laws`)."""
    result = _judge_point(kind, fside, bside, point)
    grads = result.answered
    if laws and grads is not None:
        result.laws = check_laws(kind, bside, point["arrays"], point["douts"], grads)
    return result


def _judge_point(kind, fside, bside, point: dict) -> LayerPoint:
    arrays, douts, hyper = point["arrays"], point["douts"], point["hyper"]
    layer = kind.message(hyper)
    shapes = {f"d{k}": (arrays[k].shape, "float64") for k in kind.grads}
    result = LayerPoint(point["name"], point["about"], shapes=shapes, kind=kind.name)
    bside.layer = layer
    forward_only = hyper.get("mode") in kind.forward_only
    outcome = bside.pair(arrays, douts, forward_only=forward_only)
    result.output = outcome.output
    if outcome.failure is not None:
        result.violation = outcome.failure
        return result
    outs = outcome.returned["outs"]
    given = arrays
    if kind.statistical and hyper.get("mode") == "train":  # dropout: the mask the forward drew, read from its output, for the frameworks to apply
        given = {**arrays, "mask": _mask(kind, result, outs[0], arrays, hyper)}
    oracles = {name: fn(kind, given, hyper, douts) for name, fn in FRAMEWORKS.items()}
    if not _forward_agrees(kind, result, outs, oracles):
        return result  # outputs of other shapes: no sum(out * dout) to difference
    if result.not_the_layer:
        mine = [np.asarray(o["array"] if "array" in o else o["float"], dtype=np.float64) for o in outs]
        result.diagnosis += diagnose_forward(kind, given, hyper, mine, oracles["torch"][0])
    if kind.name in ("batchnorm", "spatial_batchnorm"):
        _running(result, dict(outcome.returned.get("hyper_after", [])), arrays, hyper)
    if forward_only:  # the course's backward is for training mode: the forward alone is checked here
        return result
    fside.layer = layer
    params = {k: arrays[k] for k in kind.grads}
    inputs = {**{k: arrays[k] for k in kind.fixed}, **{f"dout{i}": d for i, d in enumerate(douts)}}
    count = point.get("directions", 0)
    structure = declared(kind, the_layer=not result.not_the_layer)  # linear only for the layer itself
    if count:
        return _judge_along(kind, fside, point, result, outcome, oracles, given, params, inputs, structure)
    found = differences(fside, params, inputs, structure=structure)
    result.LOSS_BASE = "your loss" if kind.loss else "sum(out * dout)"  # what was differenced, as the report names it
    result.losses[result.LOSS_BASE] = found.loss
    result.nondeterministic = found.nondeterministic
    grads = _grads(kind, result, outcome.returned["grads"], arrays)
    if grads is None:
        return result
    result.answered = grads
    fd_tol = policy.tolerance(FD, "float64")
    verify(fside, params, inputs, found, [grads, *(vjp for _, vjp in oracles.values())], fd_tol)
    if kind.ties is not None:  # after any search, which would set the tied entries' intervals afresh
        _widen(found.kinks["x"], kind.ties(arrays, hyper, douts))
    result.differenced = summary(found)
    for k in kind.grads:
        per = {FD: compare(f"d{k}", FD, grads[k], found.central[k], fd_tol, subgradient=found.kinks[k])}
        per.update(_against_frameworks(k, grads, oracles, to_differences_tolerance(found.kinks[k], fd_tol,
                                                                                   found.scales[k])))
        result.checks[f"d{k}"] = per
    if result.failures():
        result.diagnosis += diagnose(kind, given, hyper, douts, grads, oracles["torch"][1])
    tied = along_ties(kind, fside, arrays, hyper, inputs, grads["x"]) if "x" in grads else None
    if tied is not None:
        result.checks[NAME] = {FD: tied}
        result.shapes[NAME] = ((int(np.size(tied.ratios)) if tied.ratios is not None else 0,), "float64")
    for name, (_, vjp) in oracles.items():
        together = all(agrees(vjp[k], found.central[k], fd_tol, found.kinks[k]) for k in kind.grads)
        result.agreement.append((FD, name, together))
    return result


def _against_frameworks(k: str, grads: dict, oracles: dict, kinks) -> dict:
    return {name: compare(f"d{k}", name, grads[k], vjp[k], policy.tolerance(name, "float64"), subgradient=kinks)
            for name, (_, vjp) in oracles.items()}


def _judge_along(kind, fside, point: dict, result: LayerPoint, outcome, oracles: dict, given: dict, params: dict,
                 inputs: dict, structure: dict) -> LayerPoint:
    """:func:`_judge`'s gradients where the arrays are differenced along random directions
    (:mod:`.directions`), drawn once the backward answered: finite differences hold ``V . g``, torch
    and JAX every entry (the point is off the grid: no exact zero or tie)."""
    grads = _grads(kind, result, outcome.returned["grads"], point["arrays"])
    if grads is None:
        return result
    result.answered = grads
    V = along.draw(point["seed"], point["name"], grads, {k: params[k].shape for k in kind.grads},
                   point["directions"])
    found = along.along(fside, params, inputs, V, structure)
    first = found[kind.grads[0]]
    result.LOSS_BASE = "your loss" if kind.loss else "sum(out * dout)"
    result.losses[result.LOSS_BASE] = first.loss
    result.nondeterministic = first.nondeterministic
    mine = along.project(V, grads)
    fd_tol = policy.tolerance(FD, "float64")
    theirs = {name: along.project(V, vjp) for name, (_, vjp) in oracles.items()}
    for k in kind.grads:
        verify(along.Along(fside, params, V[k], k), {"t": np.zeros(len(V[k]))}, inputs, found[k],
               [{"t": mine[k]}, *({"t": t[k]} for t in theirs.values())], fd_tol)
        result.differenced.update(summary(found[k], {"t": k}))
    for k in kind.grads:
        per = {FD: compare(f"d{k}", FD, mine[k], found[k].central["t"], fd_tol, subgradient=found[k].kinks["t"])}
        per.update(_against_frameworks(k, grads, oracles, None))
        result.checks[f"d{k}"] = per
    if result.failures():
        result.diagnosis += diagnose(kind, given, point["hyper"], point["douts"], grads, oracles["torch"][1])
    for name in oracles:
        together = all(agrees(theirs[name][k], found[k].central["t"], fd_tol, found[k].kinks["t"]) for k in kind.grads)
        result.agreement.append((FD, name, together))
    return result


def _running(result: LayerPoint, after: dict, arrays: dict, hyper: dict) -> None:
    """bn_param's running averages after the call: in training mode against
    :func:`frameworks.running_averages`, in test mode as they were (test mode reads them, never updates)."""
    test = hyper.get("mode") == "test"
    expected_all = {k: hyper[k] for k in ("running_mean", "running_var")} if test else running_averages(arrays, hyper)
    for name, expected in expected_all.items():
        mine = after.get(name)
        if mine is None or np.shape(mine["array"]) != expected.shape:
            result.forward_shape = (f"bn_param[{name!r}] after the call is "
                                    f"{'missing' if mine is None else 'of shape ' + str(np.shape(mine['array']))}: "
                                    f"{'test' if test else 'training'} mode keeps the running averages there, "
                                    f"shape {expected.shape}")
            return
        result.forward_checks[f"bn_param[{name!r}]"] = {"torch": compare(name, "torch", mine["array"], expected,
                                                                          policy.tolerance("torch", "float64"))}


def _widen(found, ties) -> None:
    """Where the layer couples tied entries (:func:`oracles.families.layers.kinds.max_pool_ties`),
    each entry's interval is the union of the one found and the layer's own."""
    if ties is None:
        return
    lo, hi = ties
    coupled = hi > lo
    found.lo = np.where(coupled, np.minimum(found.lo, lo), found.lo)
    found.hi = np.where(coupled, np.maximum(found.hi, hi), found.hi)


def _mask(kind, result: LayerPoint, out: dict, arrays: dict, hyper: dict) -> np.ndarray:
    """Where dropout's output is not 0 (x is drawn from the normal: never 0 itself); the kept fraction
    held to ``p`` within five standard deviations of a binomial draw (p is the probability of keeping)."""
    x = arrays["x"]
    if "array" not in out or out["array"].shape != x.shape:
        return np.ones(x.shape, dtype=bool)  # the shape is reported by _forward_agrees
    kept = out["array"] != 0
    p, n = hyper["p"], kept.size
    spread = 5 * np.sqrt(p * (1 - p) / n)
    if abs(kept.mean() - p) > spread:
        result.forward_shape = (f"it keeps {kept.mean():.0%} of the units, and p = {p} keeps {p:.0%} "
                                f"(+-{spread:.0%}): p is the probability of keeping a unit, not of dropping it")
    return kept


def _forward_agrees(kind, result: LayerPoint, outs: list, oracles: dict) -> bool:
    """Record the forward's outputs against each framework's; False when their shapes differ."""
    if result.forward_shape is not None:
        return False
    theirs = oracles["torch"][0]
    for name, mine, expected in zip(kind.outputs, outs, theirs):
        if "array" not in mine and "float" not in mine:
            result.forward_shape = f"its {name} is a {mine.get('type')}, not an array"
            return False
        value = np.asarray(mine["array"] if "array" in mine else mine["float"], dtype=np.float64)
        if value.shape != expected.shape:
            result.forward_shape = f"its {name} has shape {value.shape}; the layer's is {expected.shape}"
            return False
        result.forward_checks[name] = {o: compare(name, o, value, outputs[kind.outputs.index(name)],
                                                  policy.tolerance(o, "float64"))
                                       for o, (outputs, _) in oracles.items()}
    return True


def _grads(kind, result: LayerPoint, returned: list, arrays: dict) -> dict | None:
    """The backward's gradients by name, or None with the contract it broke recorded."""
    names = ", ".join(f"d{k}" for k in kind.grads)
    if len(returned) != len(kind.grads):
        result.violation = (f"the backward returned {len(returned)} value{'s' * (len(returned) != 1)}; "
                            f"{kind.name}'s backward returns {names}")
        return None
    grads = {}
    for k, value in zip(kind.grads, returned):
        if "array" not in value:
            result.violation = f"d{k} is a {value.get('type')}, not a NumPy array"
            return None
        g = value["array"]
        if g.shape != arrays[k].shape:
            result.violation = f"d{k} has shape {g.shape}; {k} has {arrays[k].shape}"
            return None
        if np.iscomplexobj(g):  # compare would drop the imaginary part: a wrong one would pass unseen
            result.violation = f"d{k} is complex ({g.dtype}); the gradient of a real layer is real"
            return None
        if not np.isfinite(g).all():
            result.violation = f"d{k} holds non-finite values"
            return None
        grads[k] = g
    return grads


def _versions_all() -> dict:
    return registry.versions(("numpy", "torch", "jax"))
