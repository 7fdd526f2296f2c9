"""One comparison helper: a candidate's gradient against an oracle's, under one tolerance.

Kinks are subgradients, checked (DESIGN.md, contract 6): where a subgradient interval is given
(:mod:`oracles.kinks`, entries affected by a pre-activation exactly at 0) an entry passes when it
lies within tolerance of the interval; every other entry is compared with the oracle's value.
No entry is excused. In float32 the whole parameter is held to the policy's whole-parameter
rule besides (``policy.WHOLE_ATOL``): every entry within tolerance, yet 0.13% off everywhere, fails.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from oracles.kinks import name_slope
from oracles.policy import Tolerance, gradient_scale


def ratio_words(r: float) -> str:
    """A ratio with enough digits to read: ``96x``, ``1.0013x (0.13% too large)``, ``-1x``."""
    d = r - 1
    if d == 0 or not np.isfinite(r):
        return f"{r:g}x"
    digits = max(6, 2 - int(np.floor(np.log10(abs(d)))))  # enough to show where r leaves 1
    text = f"{r:.{digits}g}x"
    if abs(d) < 0.1:
        text += f" ({abs(d) * 100:.2g}% too {'large' if d > 0 else 'small'})"
    return text


@dataclass
class Check:
    """The verdict for one (parameter, oracle) pair (DESIGN.md, contract 5).

    ``subgradient``: entries decided by a subgradient interval (an exact kink); ``near_kink``:
    entries whose finite difference took a step that does not cross a nearby kink; ``kinks``
    their total (the key DESIGN.md names). ``kink_value``: which relu'(0) the candidate appears
    to use at the exact kinks ("0", "1", "1/2", the leaky slope, "mixed"), None without any.
    ``interval``: ``[lo, hi]`` at the worst entry when an interval decided it.
    """

    param: str
    oracle: str
    passed: bool
    max_abs_err: float
    max_rel_err: float
    worst_index: list
    candidate_value: float
    oracle_value: float
    over_tolerance: int
    kinks: int
    worst_over_tolerance: float  # the worst entry's distance / (atol * scale + rtol |o|): over 1 fails
    atol: float
    rtol: float
    scale: float  # max(1, max |o|): atol is counted in these units
    subgradient: int = 0
    near_kink: int = 0
    kink_value: str | None = None
    interval: list | None = None
    # entry by entry, for the plot: |g - o| over the entry's tolerance (over 1 fails), and where a
    # subgradient interval decided
    ratios: object = field(default=None, repr=False, compare=False)
    at_kink: object = field(default=None, repr=False, compare=False)
    # the whole-parameter rule of the float32 rows (policy.WHOLE_ATOL): ||g - o|| / ||o|| over the
    # parameter, whether ||g - o|| is within the rule's bound, and its whole_rtol; None without the rule
    whole_rel_err: float | None = None
    whole_passed: bool | None = None
    whole_rtol: float | None = None
    # g . o / o . o: the candidate over the oracle along the oracle's direction (the whole line's ratio)
    whole_ratio: float | None = field(default=None, repr=False, compare=False)
    # the worst entry as the candidate wrote it, in its convention (``dW1[2, 0]`` for the canonical
    # ``W1[0, 2]`` of a (out, in) layout); None in the lesson's layout with W1 keys
    as_written: str | None = None

    @property
    def entry(self) -> str:
        """The worst entry as the text names it: the candidate's own name and index."""
        return self.as_written or f"{self.param}[{', '.join(map(str, self.worst_index))}]"

    @property
    def name(self) -> str:
        """The parameter as the text names it: the candidate's own gradient name (``dW1``), else its key."""
        return self.as_written.partition("[")[0] if self.as_written else self.param

    def to_dict(self) -> dict:
        d = asdict(self)
        del d["param"], d["oracle"], d["ratios"], d["at_kink"], d["whole_ratio"]
        # the ratio the text shows beside the worst entry: yours over the oracle's
        d["candidate_over_oracle"] = self.candidate_value / self.oracle_value if self.oracle_value else None
        return d

    def line(self, against: str = "candidate") -> str:
        """``torch vs candidate: W1[3, 2]: torch 0.0123, yours 0.0615 (5x)``: the worst entry, both
        values labelled (the oracle's first), their ratio, and how many entries are over tolerance."""
        yours = "yours" if against == "candidate" else against
        if self.over_tolerance == 0 and self.whole_passed is False:  # every entry within, the whole not
            along = (f"; {yours} / {self.oracle} along it: {ratio_words(self.whole_ratio)}"
                     if self.whole_ratio is not None and np.isfinite(self.whole_ratio) else "")
            return (f"{self.oracle} vs {against}: {self.name} as a whole: |{yours} - {self.oracle}| / |{self.oracle}| = "
                    f"{self.whole_rel_err:.2g} over the whole parameter, beyond its rounding (the policy allows "
                    f"{self.whole_rtol:g} at this dtype), though every entry is within the entrywise tolerance{along}")
        head = f"{self.oracle} vs {against}: {self.entry}:"
        over = f"{self.over_tolerance} entr{'y' if self.over_tolerance == 1 else 'ies'} over tolerance"
        if self.interval is not None:
            lo, hi = self.interval
            reads = f", the candidate's reads as {self.kink_value}" if self.kink_value else ""
            return (f"{head} {yours} {self.candidate_value:.6g}, outside the subgradient interval [{lo:.6g}, "
                    f"{hi:.6g}] at a kink (the slope at 0 is out of range{reads}), {over}")
        ratio = self.candidate_value / self.oracle_value if self.oracle_value else float("inf")
        tail = f" ({ratio_words(ratio)})" if np.isfinite(ratio) else ""
        return f"{head} {self.oracle} {self.oracle_value:.6g}, {yours} {self.candidate_value:.6g}{tail}, {over}"


def _errors(g, o, tol: Tolerance, subgradient=None):
    """``g`` and ``o`` as float64, the exact-kink mask, the interval ``[lo, hi]`` each entry is held
    to, the nearest point of it, the parameter's scale, each entry's error and its bound."""
    g = np.asarray(g, dtype=np.float64)
    o = np.asarray(o, dtype=np.float64)
    at = subgradient.mask if subgradient is not None else None
    if at is None or not at.any():  # differentiable here: the oracle's value
        at, lo, hi, nearest = np.zeros(o.shape, dtype=bool), o, o, o
        scale = gradient_scale(o, tol.unit)
    else:
        lo, hi = np.where(at, subgradient.lo, o), np.where(at, subgradient.hi, o)
        scale = gradient_scale(np.concatenate([o[~at], lo[at], hi[at]]), tol.unit)
        nearest = np.clip(g, lo, hi)  # the oracle's value, or the nearest point of the interval
    with np.errstate(over="ignore", invalid="ignore"):  # 1.7e308 against -1.7e308: an infinite error, no warning
        err = np.abs(g - nearest)
        return g, o, at, lo, hi, nearest, scale, err, tol.bound(nearest, scale)


def backward_magnitudes(spec, params: dict, X, y) -> dict:
    """Per parameter, the largest magnitude a backward's rounding grows with: the gradient of the
    same network written on absolute values, every activation's slope taken as 1 (in float64).

    The counterpart of the forward's ``harness.loss_scale``: a float32 backward rounds each term
    it sums, ``|a_{l-1}|^T |dz_l|``, not their (possibly cancelling) result, and a slope computed
    as ``1 - a**2`` near saturation carries an error of float32's epsilon times the upstream
    ``|da_l|``, however small the slope. ``dz_L`` counts ``|dz_L| + 1 / divisor`` (its own rounding
    is of the probabilities' size, 1, not of their difference). The whole-parameter rule counts its
    absolute term in ``max(S, this)``; at the lesson's points it is below 1 and changes nothing.
    """
    from reference.model import backprop, forward, n_layers

    P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    X = np.asarray(X, dtype=np.float64)
    L = n_layers(P)
    _, cache = forward(P, X, spec.activation)
    Z = cache[f"z{L}"]
    N, C = Z.shape
    with np.errstate(all="ignore"):  # a problem whose numbers overflow: an infinite scale, no warning
        dz = np.abs(spec.head.dz_top(Z, spec.head.targets(y, np.float64))) + 1.0 / spec.head.divisor(N, C)
        grads = backprop({k: np.abs(v) for k, v in P.items()}, {k: np.abs(v) for k, v in cache.items()},
                         dz, L, "identity")
    return {k: float(np.abs(g).max()) if g.size else 0.0 for k, g in grads.items()}


def _whole(g, nearest, scale: float, tol: Tolerance):
    """The whole-parameter rule (None, None, None without it): ``(||g - o|| / ||o||, passed, g.o / o.o)``,
    ``o`` the oracle's values (at an exact kink the nearest point of the interval); ``scale`` the
    rule's unit (``max(S, backward magnitude)``)."""
    if tol.whole_rtol is None:
        return None, None, None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        diff, norm = float(np.linalg.norm(g - nearest)), float(np.linalg.norm(nearest))
        passed = bool(diff <= tol.whole_bound(nearest, scale))  # NaN is never within
        rel = diff / norm if norm else (0.0 if diff == 0 else float("inf"))
        ratio = float(np.vdot(g, nearest)) / norm ** 2 if norm else None
    return float(rel), passed, ratio


def agrees(g, o, tol: Tolerance, subgradient=None, magnitude: float = 0.0) -> bool:
    """:func:`compare`'s verdict alone, without the rest of the Check (the oracles' agreement at
    every drawn problem asks only this)."""
    g, _, _, _, _, nearest, scale, err, bound = _errors(g, o, tol, subgradient)
    whole = _whole(g, nearest, max(scale, magnitude), tol)[1]
    return bool((err <= bound).all()) and whole is not False  # NaN is never within


def compare(param: str, oracle: str, g, o, tol: Tolerance, subgradient=None, near_kink=None,
            magnitude: float = 0.0) -> Check:
    """Compare candidate ``g`` with oracle ``o`` entry by entry.

    ``subgradient``: an :class:`oracles.kinks.Interval` for this parameter (or None); where its
    interval is not a point, ``g`` must lie within tolerance of ``[lo, hi]`` instead of ``o``.
    ``near_kink``: bool mask of entries the oracle decided with a step that avoids a kink
    (counted, compared like every other entry). ``magnitude``: the parameter's
    :func:`backward_magnitudes` entry; the whole-parameter rule (float32) counts its absolute term in
    ``max(S, magnitude)``.
    """
    g, o, at, lo, hi, nearest, scale, err, bound = _errors(g, o, tol, subgradient)
    near = 0 if near_kink is None else int((np.asarray(near_kink, dtype=bool) & ~at).sum())
    over = ~(err <= bound)  # NaN counts as over
    nonzero = nearest != 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        excess = np.where(np.isnan(err), np.inf, err / bound)
        relative = (err[nonzero] / np.abs(nearest[nonzero])).max() if nonzero.any() else 0.0
    worst = np.unravel_index(int(np.argmax(excess)), o.shape) if o.size else ()
    whole_rel, whole_passed, whole_ratio = _whole(g, nearest, max(scale, magnitude), tol)
    kink_value = None
    if at.any():
        kink_value = name_slope(subgradient.slopes(g, tol, scale), subgradient.alpha)
    return Check(
        param=param,
        oracle=oracle,
        passed=not over.any() and whole_passed is not False,
        max_abs_err=float(err.max()) if o.size else 0.0,
        max_rel_err=float(relative),
        worst_index=[int(i) for i in worst],
        candidate_value=float(g[worst]) if o.size else 0.0,
        oracle_value=float(o[worst]) if o.size else 0.0,
        over_tolerance=int(over.sum()),
        kinks=int(at.sum()) + near,
        worst_over_tolerance=float(max(excess[worst], 0.0)) if o.size else 0.0,
        atol=tol.atol,
        rtol=tol.rtol,
        scale=scale,
        subgradient=int(at.sum()),
        near_kink=near,
        kink_value=kink_value,
        interval=[float(lo[worst]), float(hi[worst])] if o.size and at[worst] else None,
        ratios=excess,
        at_kink=at,
        whole_rel_err=whole_rel,
        whole_passed=whole_passed,
        whole_rtol=tol.whole_rtol,
        whole_ratio=whole_ratio,
    )
