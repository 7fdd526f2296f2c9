"""The judge's arithmetic on losses the forward's worker returned: central differences over every
entry, and kinks found, not assumed.

Each entry ``w`` is stepped by ``h = cbrt(eps) * max(1, |w|)`` (:func:`oracles.policy.fd_step`), in
float64, to ``w +- h`` and ``w +- 2h``. The central difference ``(L(w+h) - L(w-h)) / 2h`` is the
oracle's value. The one-sided differences of second order, right ``(-3 L(w) + 4 L(w+h) - L(w+2h))
/ 2h`` and left ``(3 L(w) - 4 L(w-h) + L(w-2h)) / 2h``, agree with each other and with the
central difference to O(h^2) where the forward is smooth; where any two of the three disagree by
more than the policy's float64 finite-difference tolerance (whatever the
candidate's dtype: the differences are float64's) plus their rounding error (``16 eps |L| / h``),
a kink lies within 2h of ``w`` and a gradient is held to the interval they span (:class:`Found`,
read by :func:`oracles.compare.compare` as a subgradient interval). The side without the kink is
exact, so the interval holds the true derivative; a kink at 2h/3 from ``w`` leaves one one-sided
difference exact on both sides, and only the central one shows it: hence three, not two.

An entry where a kink was found is differenced again at ``h/4``, ``h/16``, ``h/64``
(``policy.FD_NEAR_KINK_FACTORS``, as the built-in family does near a ReLU's kink): where the three
agree at a finer step the forward is smooth within ``2h f`` of ``w`` and that step's central difference
is the oracle's value; where they never agree the interval is the union of every step's. Two kinks
within ``2h`` on either side of ``w`` (two rows of a batch crossing near one entry) leave no exact
one-sided difference at ``h``: a finer step separates them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from oracles import policy
from oracles.compare import _errors, _whole
from oracles.families.forward.points import ForwardError

EPS = float(np.finfo(np.float64).eps)
EVALUATIONS_PER_ENTRY = 4  # w+h, w-h, w+2h, w-2h
SMOOTH, LINEAR = "smooth", "linear"  # the structures a caller may vouch for (:func:`differences`)
SCREENED = "screened"  # no promise: one-sided at sqrt(eps), then searched where a gradient disagrees (:func:`screened`)
SEARCHED = "kinks searched"  # how the report names a param differenced without a shortcut
EVALUATIONS = {SMOOTH: 2, LINEAR: 1, SCREENED: 1}  # per entry: w +- h; w + h_lin; w + h_s (the kink search: EVALUATIONS_PER_ENTRY)
BATCH_SECONDS = 1.0  # the perturbations sent in one message take about this long to evaluate
MAX_BATCH = 4096


@dataclass
class Found:
    """The kinks found in one parameter: where the one-sided differences disagree, ``[lo, hi]``."""

    lo: np.ndarray
    hi: np.ndarray
    alpha: float = 0.0

    @property
    def mask(self) -> np.ndarray:
        return self.hi > self.lo

    def slopes(self, g, tol, scale: float = 1.0) -> np.ndarray:
        """No slope is read at a kink found this way (the forward's kink is not known to be a ReLU's)."""
        return np.empty(0)


@dataclass
class Differences:
    loss: float
    central: dict  # param -> array (float64)
    kinks: dict  # param -> Found
    nondeterministic: str | None = None
    steps: dict = field(default_factory=dict)  # param -> the first step h of each entry (flat)
    scales: dict = field(default_factory=dict)  # param -> the tolerance's scale at the first step
    refined: dict = field(default_factory=dict)  # param -> bool (flat): entries differenced at finer steps
    batch: int = MAX_BATCH
    structure: dict = field(default_factory=dict)  # param -> SMOOTH or LINEAR: differenced without the kink search
    searched: dict = field(default_factory=dict)  # param -> bool (flat): entries the kink search has run on
    evaluations: dict = field(default_factory=dict)  # param -> forward evaluations spent on it (the point's aside)


def differences(side, params: dict, inputs: dict, structure: dict | None = None) -> Differences:
    """Every entry of every param, differenced through ``side.losses`` in batches, in float64 whatever
    the params' dtype (kinks found at the float64 row's tolerance: :func:`detection_tolerance`); the
    params named in ``structure`` (``{name: SMOOTH, LINEAR or SCREENED}``) with fewer evaluations and
    no kink search (:func:`verify` searches the entries a gradient disagrees with)."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    structure = {k: v for k, v in (structure or {}).items() if k in params}
    first = side.losses(params, inputs, [], base=2)  # the forward twice at the point: determinism
    nondeterministic = None
    if first[0] != first[1]:
        nondeterministic = (f"the forward gave two losses for the same params and inputs ({first[0]!r} and "
                            f"{first[1]!r}): randomness inside the forward? pass its seed among the inputs")
    loss = float(first[0])
    steps, linear_steps = {}, {}
    for k, w in params.items():
        flat = w.reshape(-1)
        h = policy.fd_step(flat)
        steps[k] = (flat + h) - flat  # a step the float64 sum represents exactly
        if structure.get(k) == LINEAR:
            linear_steps[k] = (flat + policy.fd_linear_step(flat)) - flat
        elif structure.get(k) == SCREENED:
            linear_steps[k] = (flat + policy.fd_screen_step(flat)) - flat
    seconds = getattr(side, "per_evaluation", None)  # as the worker timed the two: the round trip left out
    if not seconds:
        seconds = side.last_seconds / 2 if getattr(side, "last_seconds", None) else 1e-3
    seconds = max(seconds, 1e-6)
    budget = min(BATCH_SECONDS, getattr(side, "limit", BATCH_SECONDS) / 10)  # well inside one message's time limit
    batch = int(min(MAX_BATCH, max(EVALUATIONS_PER_ENTRY, budget / seconds)))
    per = {k: EVALUATIONS.get(structure.get(k), EVALUATIONS_PER_ENTRY) for k in params}
    blocks = [stepped(k, params[k].reshape(-1), np.arange(params[k].size), linear_steps.get(k, h), per[k])
              for k, h in steps.items()]
    losses = evaluate(side, params, inputs, blocks, batch)
    central, kinks, at = {}, {}, 0
    tol = detection_tolerance()
    for k, w in params.items():
        n = w.size
        got = losses[at:at + per[k] * n].reshape(n, per[k]).T
        at += per[k] * n
        if structure.get(k) in (LINEAR, SCREENED):
            c = (got[0] - loss) / linear_steps[k]
        elif structure.get(k) == SMOOTH:
            c = (got[0] - got[1]) / (2 * steps[k])
        else:
            c, lo, hi, kink = _sides(loss, *got, steps[k], tol, None)
        if k in structure:
            lo, hi, kink = c.copy(), c.copy(), np.zeros(n, dtype=bool)
        central[k] = c
        kinks[k] = (lo, hi, kink, policy.gradient_scale(c, tol.unit))
    refined = {k: kink.copy() for k, (_, _, kink, _) in kinks.items()}
    scales = {k: scale for k, (_, _, _, scale) in kinks.items()}
    finer = _refine(side, params, inputs, loss, steps, central, kinks, tol, batch)
    kinks = {k: Found(lo.reshape(params[k].shape), hi.reshape(params[k].shape)) for k, (lo, hi, _, _) in kinks.items()}
    central = {k: c.reshape(params[k].shape) for k, c in central.items()}
    searched = {k: np.full(params[k].size, k not in structure) for k in params}
    spent = {k: per[k] * params[k].size + finer.get(k, 0) for k in params}
    return Differences(loss, central, kinks, nondeterministic, steps, scales, refined, batch, structure, searched,
                       spent)


def to_differences_tolerance(kinks: Found, fd_tol, scale: float) -> Found:
    """``kinks`` (the intervals where the forward bends) widened by the finite-difference tolerance:
    at a kink an exact gradient (autograd's, torch's, JAX's) is one subgradient among many (a tie of
    ``np.maximum`` gives 1/2), so there the candidate is held to the differences' interval, whose
    ends are known to the differences' tolerance (a flat side's slope read as 1.5e-10, not 0), not
    to the exact gradient's far tighter one."""
    at = kinks.mask
    return Found(np.where(at, kinks.lo - fd_tol.bound(kinks.lo, scale), kinks.lo),
                 np.where(at, kinks.hi + fd_tol.bound(kinks.hi, scale), kinks.hi), kinks.alpha)


def verify(side, params: dict, inputs: dict, found: Differences, against: list, tol) -> int:
    """Search again (in full, :func:`search`) the entries of the params differenced with a shortcut
    (``found.structure``) whose difference disagrees, under ``tol`` (its screen's share,
    ``policy.screen_tolerance``, for a SCREENED param), with any gradient of ``against`` (dicts by
    param name); returns how many entries were searched."""
    masks = {}
    for k, way in found.structure.items():
        mask = np.zeros(np.shape(found.central[k]), dtype=bool)
        held = policy.screen_tolerance(tol) if way == SCREENED else tol
        for grads in against:
            mask |= wrong_entries(grads[k], found.central[k], held)
        masks[k] = mask
    return search(side, params, inputs, found, masks)


def screened(side, params: dict, inputs: dict, against: list, tol) -> Differences:
    """The differences of a forward nobody vouches for, as a check spends them: every entry
    one-sided once at ``policy.fd_screen_step``, then the full search (``w +- h``, ``w +- 2h``, kinks
    found and refined) on every entry where a gradient of ``against`` (the candidate's, autograd's)
    lies outside ``policy.screen_tolerance(tol)`` of that difference. The gradients decide only where
    the search is spent; every value is a difference of the forward alone. An entry settled by the
    screen is one whose gradients agree with the forward's one-sided slope within half the
    tolerance (the other half is the screen's own error); a wrong entry is searched and held to the
    full search's value, with its kinks found, as without the screen."""
    found = differences(side, params, inputs, {k: SCREENED for k in params})
    verify(side, params, inputs, found, [a for a in against if a is not None], tol)
    return found


def summary(found, names: dict | None = None) -> dict:
    """``{array: {"as", "evaluations", "searched_again"}}``: how each array was differenced (for the report)."""
    out = {}
    for k, spent in found.evaluations.items():
        name = (names or {}).get(k, k)
        shortcut = found.structure.get(k)
        again = int(found.searched[k].sum()) if shortcut else 0
        out[name] = {"as": shortcut or SEARCHED, "evaluations": int(spent), "searched_again": again}
    return out


def spans(side, params: dict, inputs: dict, found: Differences, masks: dict) -> dict:
    """The entries of ``masks`` where the forward bends, however faintly: ``{param: Found}`` holding,
    at those entries, the hull of the three differences at the first step (central and both
    one-sided of second order) where their spread exceeds their rounding (``16 eps |L| / h``), and
    ``found``'s kink intervals everywhere else. A kink whose jump is below the finite-difference
    tolerance is not a kink :func:`differences` reports (the candidate is within tolerance of the
    central difference either way), yet two exact gradients can differ there by the jump: the
    candidate's relu'(0) = 0 against autograd's 1/2 at a tie of ``np.maximum``. The one-sided slopes
    bound every subgradient of the entry, so the hull is where a gradient may lie; at a smooth entry
    the spread is rounding and nothing is added."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    out = {k: Found(f.lo.copy(), f.hi.copy()) for k, f in found.kinks.items()}
    todo = {k: np.flatnonzero(np.asarray(m, dtype=bool).reshape(-1)) for k, m in masks.items()}
    todo = {k: idx for k, idx in todo.items() if idx.size}
    if not todo:
        return out
    blocks = [stepped(k, params[k].reshape(-1), idx, found.steps[k][idx]) for k, idx in todo.items()]
    losses = evaluate(side, params, inputs, blocks, found.batch)
    at = 0
    for k, idx in todo.items():
        m = idx.size
        plus, minus, plus2, minus2 = losses[at:at + EVALUATIONS_PER_ENTRY * m].reshape(m, 4).T
        at += EVALUATIONS_PER_ENTRY * m
        *three, noise = _three(found.loss, plus, minus, plus2, minus2, found.steps[k][idx])
        three = np.stack(three)
        bends = three.max(axis=0) - three.min(axis=0) > noise
        lo, hi = out[k].lo.reshape(-1), out[k].hi.reshape(-1)
        lo[idx] = np.where(bends, np.minimum(lo[idx], three.min(axis=0)), lo[idx])
        hi[idx] = np.where(bends, np.maximum(hi[idx], three.max(axis=0)), hi[idx])
        found.evaluations[k] = found.evaluations.get(k, 0) + EVALUATIONS_PER_ENTRY * m
    return out


def extended(side, params: dict, inputs: dict, found: Differences, masks: dict, tol) -> dict:
    """Where the forward's float64 arithmetic loses the digits the differences need: the entries of
    ``masks`` differenced again, centrally, with the forward run in ``np.longdouble`` (the params, the
    float inputs and the losses; step ``cbrt(eps)`` of long double), and held to those differences
    wherever the float64 ones lie outside ``tol`` of them. Returns ``{param: bool mask}`` of the
    entries held so (``found`` updated there: central value and interval); ``{}`` where NumPy has
    no wider float, or the forward fails in long double.

    ``log(1 - 1 / (1 + exp(-z)))`` at z = 27 keeps 4 of float64's 16 digits: its differences, and
    autograd's gradient of the same arithmetic, miss a right backward's ``y_hat - y`` by 1e-4
    relative and more. The candidate's failing entries only choose where to look; the value held to
    is a difference of the forward alone."""
    wide = np.finfo(np.longdouble)
    todo = {k: np.flatnonzero(np.asarray(m, dtype=bool).reshape(-1)) for k, m in masks.items()}
    todo = {k: idx for k, idx in todo.items() if idx.size}
    if wide.eps >= EPS or not todo:
        return {}
    blocks, steps = [], {}
    for k, idx in todo.items():
        w = np.asarray(params[k], dtype=np.longdouble).reshape(-1)[idx]
        h = np.cbrt(wide.eps) * np.maximum(1, np.abs(w))
        h = (w + h) - w
        steps[k] = h
        blocks.append((k, np.repeat(idx, 2), np.stack([w + h, w - h], axis=1).reshape(-1)))
    try:
        losses = evaluate(_Wide(side), params, inputs, blocks, found.batch)
    except ForwardError:  # a forward that cannot run in long double keeps its float64 differences
        return {}
    out, at = {}, 0
    for k, idx in todo.items():
        m = idx.size
        plus, minus = losses[at:at + 2 * m].reshape(m, 2).T
        at += 2 * m
        found.evaluations[k] = found.evaluations.get(k, 0) + 2 * m
        wide_central = ((plus - minus) / (2 * steps[k])).astype(np.float64)
        central = found.central[k].reshape(-1)
        off = np.isfinite(wide_central) & ~(np.abs(central[idx] - wide_central)
                                            <= tol.bound(wide_central, found.scales[k]))
        if not off.any():
            continue
        held = idx[off]
        central[held] = wide_central[off]
        lo, hi = found.kinks[k].lo.reshape(-1), found.kinks[k].hi.reshape(-1)
        lo[held], hi[held] = wide_central[off], wide_central[off]
        mask = np.zeros(central.size, dtype=bool)
        mask[held] = True
        out[k] = mask.reshape(np.shape(found.central[k]))
    return out


class _Wide:
    """A forward's side asked for its losses in long double (:func:`extended`)."""

    def __init__(self, side):
        self.side = side

    def losses(self, params, inputs, perturb, base=0):
        return self.side.losses(params, inputs, perturb, base, extended=True)


def detection_tolerance():
    """The tolerance a kink is found with, and a finer step judged smooth: the float64 finite-difference
    row, whatever the candidate's dtype. The differences are float64 arithmetic (float32 params are
    upcast exactly), and their truncation and rounding are float64's: a kink is there when the three
    differences disagree by more than float64's differences can. Found with a float32 row's tolerance
    (atol 1e-4 of the scale), a kink whose jump is below it was missed, and its central difference, off
    by up to that much in every entry of one unit's column, made a correct float32 backward fail the
    whole-parameter rule (``policy.WHOLE_ATOL``) against it."""
    return policy.tolerance("finite-differences", "float64")


def stepped(name: str, flat: np.ndarray, idx: np.ndarray, h: np.ndarray, count: int = EVALUATIONS_PER_ENTRY) -> tuple:
    """The block ``(name, indices, values)`` stepping each entry ``idx`` of ``flat`` by ``h`` to
    ``w + h``, ``w - h``, ``w + 2h``, ``w - 2h``, in that order, the first ``count`` of them
    (:data:`EVALUATIONS_PER_ENTRY`; 2 for a smooth param, 1 for a linear one)."""
    w = flat[idx]
    values = np.stack([w + h, w - h, w + 2 * h, w - 2 * h][:count], axis=1).reshape(-1)
    return name, np.repeat(np.asarray(idx, dtype=np.int64), count), values


def evaluate(side, params: dict, inputs: dict, blocks: list, batch: int) -> np.ndarray:
    """The losses at every perturbation of ``blocks``, in order, ``batch`` perturbations per message
    to the forward's worker (the point itself crosses once per message)."""
    out, part, size = [], [], 0
    for name, idx, values in blocks:
        at = 0
        while at < idx.size:
            take = min(batch - size, idx.size - at)
            part.append((name, idx[at:at + take], values[at:at + take]))
            size, at = size + take, at + take
            if size == batch:
                out.append(side.losses(params, inputs, part))
                part, size = [], 0
    if part:
        out.append(side.losses(params, inputs, part))
    return np.concatenate(out) if out else np.empty(0)


def wrong_entries(g, o, tol, subgradient=None) -> np.ndarray:
    """Where ``g`` is outside ``tol`` of ``o`` (or of its kink interval): the entries to look at again.
    Where every entry is within ``tol`` but the whole parameter is not (the float32 rows' rule), the
    entries outside the float64 row's tolerance (:func:`detection_tolerance`): the rule is as exact as
    the differences, so a difference moved by kinks below float32's entrywise tolerance is looked at
    again before it fails a correct backward."""
    g, _, _, _, _, nearest, scale, err, bound = _errors(g, o, tol, subgradient)
    wrong = ~(err <= bound)
    if not wrong.any() and _whole(g, nearest, scale, tol)[1] is False:
        *_, err, bound = _errors(g, o, detection_tolerance(), subgradient)
        wrong = ~(err <= bound)
    return wrong


def recheck(side, params: dict, inputs: dict, found: Differences, masks: dict) -> int:
    """The entries of ``masks`` (a bool array per param) not yet differenced at finer steps are, as
    where a kink was found (:func:`_refine`), and ``found`` updated; returns how many.

    Two kinks within one step on either side of an entry (two rows of a batch crossing there) move
    all three differences alike: they agree with each other, the test for a kink passes, and the
    central difference is off by more than the tolerance. Such an entry is looked at again when
    a gradient disagrees with it (the candidate's, or autograd's of the same forward); the value it
    is then held to is still a difference of the forward alone."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    state, central, count = {}, {}, 0
    for k, mask in masks.items():
        todo = np.asarray(mask, dtype=bool).reshape(-1) & ~found.refined[k]
        if not todo.any():
            continue
        found.refined[k] = found.refined[k] | todo
        lo, hi = found.kinks[k].lo.reshape(-1).copy(), found.kinks[k].hi.reshape(-1).copy()
        state[k] = (lo, hi, todo, found.scales[k])
        central[k] = found.central[k].reshape(-1).copy()
        count += int(todo.sum())
    if not count:
        return 0
    tol = detection_tolerance()
    spent = _refine(side, params, inputs, found.loss, found.steps, central, state, tol, found.batch)
    for k, (lo, hi, _, _) in state.items():
        shape = params[k].shape
        found.central[k], found.kinks[k] = central[k].reshape(shape), Found(lo.reshape(shape), hi.reshape(shape))
        found.evaluations[k] = found.evaluations.get(k, 0) + spent.get(k, 0)
    return count


def search(side, params: dict, inputs: dict, found: Differences, masks: dict) -> int:
    """The full search (:func:`differences` without a ``structure``: ``w +- h``, ``w +- 2h``, kinks
    found and differenced again at finer steps) on the entries of ``masks`` (a bool array per param)
    that were differenced without it, and ``found`` updated there; returns how many.

    The caller's word for a param's structure is a promise about the layer; the forward it was given
    may break it (a kink or a curvature the layer has not): an entry whose shortcut difference
    disagrees with a gradient it should equal is searched as if no structure had been declared."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    todo = {}
    for k, mask in masks.items():
        idx = np.flatnonzero(np.asarray(mask, dtype=bool).reshape(-1) & ~found.searched[k])
        if idx.size:
            todo[k] = idx
    if not todo:
        return 0
    tol = detection_tolerance()
    blocks = [stepped(k, params[k].reshape(-1), idx, found.steps[k][idx]) for k, idx in todo.items()]
    losses = evaluate(side, params, inputs, blocks, found.batch)
    state, central, at = {}, {}, 0
    for k, idx in todo.items():
        m = idx.size
        got = losses[at:at + EVALUATIONS_PER_ENTRY * m].reshape(m, EVALUATIONS_PER_ENTRY).T
        at += EVALUATIONS_PER_ENTRY * m
        c, flo, fhi, fkink = _sides(found.loss, *got, found.steps[k][idx], tol, found.scales[k])
        cen = found.central[k].reshape(-1).copy()
        lo, hi = found.kinks[k].lo.reshape(-1).copy(), found.kinks[k].hi.reshape(-1).copy()
        cen[idx], lo[idx], hi[idx] = c, flo, fhi
        kink = np.zeros(cen.size, dtype=bool)
        kink[idx] = fkink
        found.searched[k][idx] = True
        found.refined[k][idx] = fkink
        found.evaluations[k] = found.evaluations.get(k, 0) + EVALUATIONS_PER_ENTRY * m
        state[k], central[k] = (lo, hi, kink, found.scales[k]), cen
    finer = _refine(side, params, inputs, found.loss, found.steps, central, state, tol, found.batch)
    for k, (lo, hi, _, _) in state.items():
        shape = params[k].shape
        found.central[k], found.kinks[k] = central[k].reshape(shape), Found(lo.reshape(shape), hi.reshape(shape))
        found.evaluations[k] += finer.get(k, 0)
    return sum(idx.size for idx in todo.values())


def _three(loss, plus, minus, plus2, minus2, h):
    """``(central, right, left, noise)`` of entries stepped by ``h``: the central difference, the
    one-sided ones of second order, and the rounding they may carry (``16 eps |L| / h``)."""
    c = (plus - minus) / (2 * h)
    right = (-3 * loss + 4 * plus - plus2) / (2 * h)
    left = (3 * loss - 4 * minus + minus2) / (2 * h)
    noise = 16 * EPS * np.maximum.reduce([np.abs(plus2), np.abs(minus2), np.full(c.size, abs(loss))]) / h
    return c, right, left, noise


def _sides(loss, plus, minus, plus2, minus2, h, tol, scale):
    """``(central, lo, hi, kink)`` of entries stepped by ``h``: ``lo == hi == central`` where smooth."""
    c, right, left, noise = _three(loss, plus, minus, plus2, minus2, h)
    scale = policy.gradient_scale(c, tol.unit) if scale is None else scale
    spread = np.maximum.reduce([np.abs(right - left), np.abs(c - left), np.abs(c - right)])
    kink = spread > tol.bound(c, scale) + noise
    lo = np.where(kink, np.minimum.reduce([left, right, c]), c)
    hi = np.where(kink, np.maximum.reduce([left, right, c]), c)
    return c, lo, hi, kink


def _refine(side, params, inputs, loss, steps, central, kinks, tol, batch) -> dict:
    """Entries where a kink was found are differenced again with steps ``h f`` for each factor of
    :data:`oracles.policy.FD_NEAR_KINK_FACTORS` below 1. Where the three differences agree at a finer
    step, no kink lies within ``2 h f`` of the entry: the forward is smooth there and the central
    difference at that step is the oracle's value. Where they never agree, the entry's interval is the
    union of every step's (two kinks on either side of an entry within ``2h``, one of several rows
    each, leave no exact one-sided difference at the first step: a finer one separates them).
    Returns the evaluations spent, per param."""
    spent = {}
    for factor in sorted((f for f in policy.FD_NEAR_KINK_FACTORS if f < 1), reverse=True):
        open_ = {k: np.flatnonzero(kinks[k][2]) for k in kinks}
        blocks, finer = [], {}
        for k, idx in open_.items():
            if not idx.size:
                continue
            flat = params[k].reshape(-1)
            h = (flat[idx] + steps[k][idx] * factor) - flat[idx]
            finer[k] = h
            spent[k] = spent.get(k, 0) + EVALUATIONS_PER_ENTRY * idx.size
            blocks.append(stepped(k, flat, idx, h))
        if not blocks:
            return spent
        losses = evaluate(side, params, inputs, blocks, batch)
        at = 0
        for k, h in finer.items():
            idx, m = open_[k], h.size
            plus, minus, plus2, minus2 = losses[at:at + EVALUATIONS_PER_ENTRY * m].reshape(m, 4).T
            at += EVALUATIONS_PER_ENTRY * m
            lo, hi, kink, scale = kinks[k]
            c, flo, fhi, fkink = _sides(loss, plus, minus, plus2, minus2, h, tol, scale)
            smooth = idx[~fkink]
            central[k][smooth], lo[smooth], hi[smooth] = c[~fkink], c[~fkink], c[~fkink]
            kink[smooth] = False
            still = idx[fkink]
            lo[still] = np.minimum(lo[still], flo[fkink])
            hi[still] = np.maximum(hi[still], fhi[fkink])
    return spent
