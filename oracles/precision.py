"""Errors that are no formula: a finite-difference estimate, float32 rounding, random noise.

Tried only where no mistake of the grammar reproduces the candidate's numbers. Each is said when
the candidate's numbers carry that computation's error pattern, tested against the same
computation done here:

- a finite-difference estimate (:func:`finite_differences`): forward or central differences in
  float64 at a step h of 1e-1 ... 1e-8, computed here on a few entries (the worst and some spread
  ones) and compared with the candidate's, named when one reproduces them within its own rounding
  (``eps * |L| / h``) and explains most of the error; in float32, where rounding swamps any
  comparison, when every sampled entry is a whole multiple of float32's spacing at the loss over
  h (a float32 difference quotient can take no other value);
- float32 rounding (:func:`float32_pattern`): every wrong parameter off by the size of the
  reference's own backward computed in float32 (within a factor :data:`FLOAT32_SPREAD`),
  dense (most entries differ) and within float32's tolerance;
- seeded random noise (:func:`same_noise`, across points): ``g - right`` (or ``g / right - 1``)
  the same numbers at two different points, with both signs: a generator seeded each call.

The search is bounded: at most ``3 * len(STEPS)`` loss evaluations per :data:`PROBE` entry (the
second entry only for a step the first fits), then :data:`SAMPLE` entries for the one that fits;
the float32 test reads the candidate's numbers only (measured in ``docs/diagnosis.md``).
"""
from __future__ import annotations

import numpy as np

from oracles import policy
from oracles.mistakes import Finding, Pieces
from reference.model import backward, forward

STEPS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
PROBE = 2  # entries every (scheme, dtype, h) is tried on first
SAMPLE = 12  # entries the one that fits is checked on
MIN_ENTRIES = 6  # fewer entries than this (a lone bias): no finite-difference or float32 claim
EXPLAINED = 0.25  # an estimate explains the error when ||g - fd|| <= this * ||g - right|| on the sample
ROUNDING = 16.0  # an estimate reproduces an entry within ROUNDING * eps * |L| / h (another loss's rounding)
QUANTUM = 0.02  # how far from a whole number of float32 spacings a float32 difference quotient may lie
FLOAT32_SPREAD = 10.0  # the candidate's error within this factor of the float32 reference's, both ways


def _loss(p: Pieces, params: dict, X, y) -> float:
    _, cache = forward(params, X, p.act, p.head.loss)
    return p.head.value(cache[f"z{p.L}"], y, params)


class _Estimates:
    """Finite-difference estimates of single entries at the checked point, in float64 or float32."""

    def __init__(self, p: Pieces, dtype):
        self.p, self.dtype = p, dtype
        self.P = {k: v.astype(dtype) for k, v in p.P.items()}
        self.X = p.X.astype(dtype)
        self.y = p.y.astype(dtype) if p.y.dtype.kind == "f" else p.y
        self.base = _loss(p, self.P, self.X, self.y)
        self.eps = float(np.finfo(dtype).eps)

    def at(self, k: str, i: int, h: float, scheme: str) -> float:
        def moved(step):
            W = self.P[k].copy()
            W.flat[i] = W.flat[i] + self.dtype(step)
            return _loss(self.p, dict(self.P, **{k: W}), self.X, self.y)
        if scheme == "forward":
            return (moved(h) - self.base) / h
        return (moved(h) - moved(-h)) / (2 * h)

    def slack(self, h: float) -> float:
        return ROUNDING * self.eps * max(abs(self.base), 1e-300) / h


def _entries(p: Pieces, g: dict, wrong: list, count: int) -> list:
    """(param, flat index) of the worst entries (by error over the parameter's scale), then spread ones."""
    scored = []
    for k in wrong:
        err = np.abs(g[k] - p.true[k]).ravel() / policy.gradient_scale(p.true[k])
        scored += [(float(e), k, i) for i, e in enumerate(err)]
    scored.sort(reverse=True)
    worst = [(k, i) for _, k, i in scored[:count // 2]]
    rest = [(k, i) for _, k, i in scored[count // 2:]]
    spread = rest[::max(1, len(rest) // max(1, count - len(worst)))][:count - len(worst)]
    return worst + spread


def finite_differences(p: Pieces, g: dict, wrong: list):
    """``(ids, words)`` when the candidate's numbers are a finite-difference estimate's, else None."""
    probe, sample = _entries(p, g, wrong, PROBE), _entries(p, g, wrong, SAMPLE)
    if len(sample) < MIN_ENTRIES:  # a few numbers fit some step by chance: no claim
        return None
    cand = np.array([g[k].flat[i] for k, i in sample])
    right = np.array([p.true[k].flat[i] for k, i in sample])
    off = float(np.linalg.norm(cand - right))
    if off == 0:
        return None
    est = _Estimates(p, np.float64)  # float32 estimates are told by their spacing (:func:`_float32_quantized`)
    for scheme in ("forward", "central"):
        for h in STEPS:
            if not all(abs(g[k].flat[i] - est.at(k, i, h, scheme)) <= est.slack(h) + p.tol.rtol * abs(g[k].flat[i])
                       for k, i in probe):  # all() stops at the first entry that does not fit
                continue
            fd = np.array([est.at(k, i, h, scheme) for k, i in sample])
            if np.all(np.abs(cand - fd) <= est.slack(h) + p.tol.rtol * np.abs(cand)) \
                    and np.linalg.norm(cand - fd) <= EXPLAINED * off:
                return _fd_words(scheme, np.float64, h, f"reproduce the candidate's numbers on {len(sample)} entries "
                                                        f"(the worst and some spread ones) within that estimate's "
                                                        f"rounding ({est.slack(h):.2g})")
    return _float32_quantized(p, g, sample)


def _float32_quantized(p: Pieces, g: dict, sample: list):
    """Float32 differences whose rounding swamps the truncation: each entry an exact multiple of
    the float32 loss's spacing over the step (``(L(w + h) - L(w)) / h`` can take no other value),
    for the smallest step of :data:`STEPS` where it holds on every sampled entry."""
    est = _Estimates(p, np.float32)
    ulp = float(np.spacing(np.float32(abs(est.base))))
    values = np.array([g[k].flat[i] for k, i in sample])
    for times, h in sorted(((t, h) for t in (1, 2) for h in STEPS), key=lambda c: c[0] * c[1]):  # the finest first
        scheme = "central" if times == 2 else "forward"
        q = values * times * float(np.float32(h)) / ulp
        read = np.abs(q) >= 1
        if read.sum() >= MIN_ENTRIES and np.all(np.abs(q[read] - np.round(q[read])) <= QUANTUM):
            return _fd_words(scheme, np.float32, h, f"fit: each of {len(sample)} sampled entries is a whole multiple "
                                                    f"of float32's spacing at the loss ({ulp:.3g}) over "
                                                    f"{'2h' if times > 1 else 'h'}, as only such a quotient can be "
                                                    f"(a step {times * h:g} apart: the scheme is not told apart so)")
    return None


def _fd_words(scheme: str, dtype, h: float, evidence: str) -> tuple:
    formula = "(L(w + h) - L(w)) / h" if scheme == "forward" else "(L(w + h) - L(w - h)) / 2h"
    ids = ("finite_difference_estimate",) + (("float32_precision",) if dtype is np.float32 else ())
    order = "O(h)" if scheme == "forward" else "O(h^2)"
    return ids, (f"the gradients are a finite-difference estimate, not a backward: {scheme} differences {formula} "
                 f"in {np.dtype(dtype).name} at h = {h:g} {evidence}; its error is truncation ({order}) and "
                 f"rounding, not a formula")


def float32_pattern(p: Pieces, g: dict, wrong: list):
    """``(ids, words)`` when every wrong parameter is off by float32's rounding, else None."""
    p32 = {k: v.astype(np.float32) for k, v in p.P.items()}
    y32 = p.y.astype(np.float32) if p.y.dtype.kind == "f" else p.y
    h32 = backward(p32, p.X.astype(np.float32), y32, p.act, head=p.head)
    f32 = policy.tolerance("torch", "float32")
    ratios = []
    if sum(int(p.significant(p.true[k]).sum()) for k in wrong) < MIN_ENTRIES:
        return None
    for k in wrong:
        off, theirs = np.linalg.norm(g[k] - p.true[k]), np.linalg.norm(h32[k] - p.true[k])
        sig = p.significant(p.true[k])
        differs = np.abs(g[k] - p.true[k])[sig] > 64 * np.finfo(np.float64).eps * np.abs(p.true[k])[sig]
        if not (theirs > 0 and differs.size and 1 / FLOAT32_SPREAD <= off / theirs <= FLOAT32_SPREAD and differs.mean() >= 0.5
                and np.all(f32.close_array(g[k], p.true[k]))):
            return None
        ratios.append(off / theirs)
    return ("float32_precision",), (
        f"the differences have the size and spread of float32 rounding: {', '.join(f'd{k}' for k in wrong)} "
        f"{'is' if len(wrong) == 1 else 'are'} off by {min(ratios):.2g} to {max(ratios):.2g} times what the same "
        f"backward computed in float32 is off, in most entries, and within float32's tolerance: a backward in "
        f"float32 (an .astype(np.float32), float32 data) checked in float64 (--dtype float32 checks it as float32)")


def precision_finding(p: Pieces, g: dict, wrong: list) -> Finding | None:
    """The finding for an error that is no formula (finite differences, float32), or None."""
    found = finite_differences(p, g, wrong) or float32_pattern(p, g, wrong)
    return Finding(found[0], f"{found[1]} (wrong: {', '.join(f'd{k}' for k in wrong)})", tuple(wrong)) if found else None


def residuals(p: Pieces, g: dict) -> dict:
    """The candidate's error at a point, for :func:`same_noise`: per parameter (added, relative, where relative is read)."""
    out = {}
    with np.errstate(all="ignore"):
        for k in p.P:
            sig = p.significant(p.true[k])
            out[k] = (g[k] - p.true[k], np.where(sig, g[k] / p.true[k] - 1, 0.0), sig)  # a 0 divisor's entry: 0
    return out


def _same(x, y) -> bool:
    """``x`` and ``y`` (every wrong parameter's error, one after the other) the same numbers, with both signs."""
    return (x.size >= 2 and bool(np.any(x > 0) and np.any(x < 0))
            and bool(np.allclose(x, y, rtol=policy.FACTOR.rtol, atol=policy.FACTOR.rtol * float(np.max(np.abs(x))))))


def same_noise(a: dict, b: dict, wrong: list):
    """``(ids, words)`` when two points' errors on every wrong parameter are the same numbers
    (added, or relative where both points' right values are read), with both signs: noise from a
    generator seeded each call; else None."""
    for j, how, formula in ((0, "added to", "g = right + e"), (1, "multiplying", "g = right * (1 + e)")):
        pairs = []
        for k in wrong:
            if k not in a or k not in b or a[k][0].shape != b[k][0].shape:
                return None
            both = a[k][2] & b[k][2] if j == 1 else np.ones(a[k][0].shape, bool)
            pairs.append((a[k][j][both], b[k][j][both]))
        x, y = (np.concatenate([pair[i].ravel() for pair in pairs]) for i in (0, 1))
        if _same(x, y):
            spread = float(np.std(x))
            return ("gradient_noise",), (
                f"random noise {how} the gradients ({formula}, e of spread {spread:.2g}): the candidate's error is "
                f"the same numbers at two different points, with both signs, which no formula of the point gives: "
                f"a random generator seeded the same at every call (wrong: {', '.join(f'd{k}' for k in wrong)})")
    return None
