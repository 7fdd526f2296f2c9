"""Kinks are subgradients, checked (DESIGN.md, contract 6): the interval each gradient entry may take.

Where a ReLU (or leaky ReLU) pre-activation sits exactly at 0 the loss has no derivative, and
relu'(0) may be any slope ``s`` in ``[alpha, 1]`` (alpha = 0 for relu, ``LEAKY_SLOPE`` for leaky
relu), chosen independently for every (layer, row, unit) at the kink. A gradient entry is
correct when it lies in the set of values the backward gives over all those choices; this
module computes that set, entry by entry, as an interval ``[lo, hi]``, from the forward cache.

How: the backward is run once in *affine form*. ``dz_l`` is a center ``C_l`` (N, H_l) plus
generators ``G_l`` (K, H_l), one per kink, each owned by one row: the row's value is
``C_l[r] + sum_{k owned by r} eps_k G_l[k]`` for some ``eps_k`` in [-1, 1]. At a kink unit
``dz = da * s`` with ``s = c + rho * eps`` (``c = (1 + alpha) / 2``, ``rho = (1 - alpha) / 2``):
the center takes ``c * da`` and a new generator ``rho * |da|`` is added at that unit. Matmuls
with ``W.T`` and the fixed slopes elsewhere are linear, so they carry generators exactly. A
gradient entry is then ``sum_r a[r, i] dz[r, j]``: its center is ``a.T @ C`` and its radius
``|a[owner]|.T @ |G|``, exactly, because every generator belongs to one row and is independent.

*Exact* when every row's kinks lie in one layer (the usual case: one layer's rows at 0): the
affine form is then the set itself. A row with kinks in several layers meets a product of
slopes (the gradient is multilinear in them, so its range is spanned by the vertices of
``[alpha, 1]^K``): with at most ``VERTEX_LIMIT`` kinks the row's backward runs at every vertex and
its range per unit is exact again. Beyond that the affine form goes on: ``da`` already carries
generators at the lower kink and the new generator takes ``rho * (|C| + sum |G|)``, which is
sound (it contains every choice) but may be wider than the exact set. :attr:`Kinks.exact` says
whether any row needed that.

Pure NumPy, float64 (float32 weights and data are upcast exactly; a pre-activation that is 0 in
the candidate's own dtype counts as a kink too).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from oracles import policy
from reference.model import KINKED, LEAKY_SLOPE, Spec, activation_grad, forward, n_layers

VERTEX_LIMIT = 10  # a row with kinks in several layers and at most this many: 2**10 vertices, exact


def lowest_slope(activation: str) -> float:
    """The lower end of the subdifferential at 0: relu 0, leaky relu its negative slope."""
    return LEAKY_SLOPE if activation == "leaky_relu" else 0.0


@dataclass
class Interval:
    """The subgradient interval of one parameter's gradient, entry by entry (float64).

    ``lo``, ``hi``: the ends. ``at_low``, ``at_one``: the gradient with every kink at slope
    alpha (relu'(0) = 0, the reference's and torch's convention) and at slope 1
    (relu'(0) = 1, the mask ``z >= 0``). ``mask``: entries whose interval is not a point.
    """

    lo: np.ndarray
    hi: np.ndarray
    at_low: np.ndarray
    at_one: np.ndarray
    alpha: float
    parts: list = field(default_factory=list, repr=False)  # [(a_owner (K, D), G (K, H))] for projections
    readable: np.ndarray | None = None  # entries moved by the kinks of one layer only: linear in a uniform slope

    @property
    def mask(self) -> np.ndarray:
        return self.hi > self.lo

    def contains(self, g, tol: policy.Tolerance, scale: float = 1.0) -> np.ndarray:
        """Boolean array: ``g`` within tolerance of the nearest point of ``[lo, hi]``."""
        g = np.asarray(g, dtype=np.float64)
        return tol.close(g, np.clip(g, self.lo, self.hi), scale)

    def slopes(self, g, tol: policy.Tolerance, scale: float = 1.0) -> np.ndarray:
        """The uniform relu'(0) each interval entry implies (``g = at_low + (s - alpha) * span``), where
        the span between slope alpha and slope 1 is large enough to read it (else nothing)."""
        g = np.asarray(g, dtype=np.float64)
        span = self.at_one - self.at_low
        readable = self.mask if self.readable is None else self.mask & self.readable
        readable = readable & (np.abs(span) > policy.KINK_SPAN_READABLE * tol.bound(self.at_low, scale))
        with np.errstate(divide="ignore", invalid="ignore"):
            s = self.alpha + (1 - self.alpha) * (g[readable] - self.at_low[readable]) / span[readable]
        return s

    def project(self, V) -> "Interval":
        """The interval of ``<V[d], g>`` for directions ``V`` (K, *shape): what a directional check needs."""
        V = np.asarray(V, dtype=np.float64)
        axes = tuple(range(1, V.ndim))
        center = ((self.lo + self.hi) / 2 * V).sum(axis=axes)
        radius = np.zeros(V.shape[0])
        for a_owner, G in self.parts:  # each generator's contribution is the outer product a_owner[k] x G[k]
            W = V.reshape(V.shape[0], a_owner.shape[1], G.shape[1])
            radius += np.abs(np.einsum("ki,dij,kj->dk", a_owner, W, G)).sum(axis=1)
        return Interval(center - radius, center + radius, (self.at_low * V).sum(axis=axes),
                        (self.at_one * V).sum(axis=axes), self.alpha)


@dataclass
class Kinks:
    """Every exact kink at one point: how many, whether the intervals are exact, and the intervals.

    ``intervals`` is empty where no kinked pre-activation is exactly 0: the loss is
    differentiable there and every oracle is compared exactly.
    """

    count: int = 0
    exact: bool = True
    intervals: dict = field(default_factory=dict)

    def get(self, key: str):
        return self.intervals.get(key)


def _zeros(spec: Spec, params: dict, X, cache: dict) -> dict:
    """``{l: (N, H_l) bool}``: hidden pre-activations exactly 0, in float64 or in the spec's dtype."""
    L = n_layers(params)
    zeros = {l: cache[f"z{l}"] == 0 for l in range(1, L)}
    if np.dtype(spec.dtype) != np.float64:
        _, own = forward({k: np.asarray(v, dtype=spec.dtype) for k, v in params.items()},
                         np.asarray(X, dtype=spec.dtype), spec.activation)
        zeros = {l: z | (own[f"z{l}"] == 0) for l, z in zeros.items()}
    return zeros


def subgradients(spec: Spec, params: dict, X, y) -> Kinks:
    """The subgradient interval of every gradient entry at ``params`` (see the module docstring)."""
    if spec.activation not in KINKED:
        return Kinks()
    P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    X64 = np.asarray(X, dtype=np.float64)
    head = spec.head
    y64 = head.targets(y, np.float64)
    L, N = n_layers(P), X64.shape[0]
    _, cache = forward(P, X64, spec.activation)
    zeros = _zeros(spec, params, X, cache)
    count = int(sum(z.sum() for z in zeros.values()))
    if count == 0:
        return Kinks()
    alpha = lowest_slope(spec.activation)
    c, rho = (1 + alpha) / 2, (1 - alpha) / 2
    dz = head.dz_top(cache[f"z{L}"], y64)  # dzL: (N, C)
    C, G, owner = dz, np.zeros((0, dz.shape[1])), np.zeros(0, dtype=int)  # dz_l = C[r] + sum_k eps_k G[k]
    origin = np.zeros(0, dtype=int)  # the layer of each generator's kink
    dz_low, dz_one = dz, dz  # every kink at slope alpha, every kink at slope 1
    in_layers = sum(z.any(axis=1).astype(int) for z in zeros.values())  # (N,) layers with a kink, per row
    per_row = sum(z.sum(axis=1) for z in zeros.values())  # (N,) kinks per row
    several = in_layers >= 2
    enumerated = np.flatnonzero(several & (per_row <= VERTEX_LIMIT))  # rows whose range comes from vertices
    exact = not (several & (per_row > VERTEX_LIMIT)).any()
    vertex = _vertex_ranges(spec, P, cache, zeros, dz, enumerated, alpha)
    intervals = {}
    for l in range(L, 0, -1):
        a = cache[f"a{l - 1}"]  # (N, H_{l-1})
        keep = ~np.isin(owner, enumerated)  # generators of the rows the affine form decides
        a_keep, G_keep, origin_keep = a[owner[keep]], G[keep], origin[keep]  # (K, H_{l-1}), (K, H_l)
        C_used = C.copy()
        mid, rad = vertex[l]  # (E, H_l): enumerated rows' exact center and radius
        C_used[enumerated] = mid
        a_rows = a[enumerated]  # (E, H_{l-1})
        # the layers (>= l) whose kinks move each enumerated row's dz_l: one layer reads as a uniform slope
        above = [[m for m in range(l, L) if zeros[m][r].any()] for r in enumerated]
        single = {m: np.array([x == [m] for x in above], dtype=bool) for m in range(1, L)}
        mixed = np.array([len(x) > 1 for x in above], dtype=bool)
        decay = head.l2_grads({"W": P[f"W{l}"]}, N)["W"] if head.l2 else 0.0  # the L2 term: exact, no kink
        for key, center, radius, low, one, part, exact_part in (
                (f"W{l}", a.T @ C_used + decay, np.abs(a_keep).T @ np.abs(G_keep), a.T @ dz_low + decay,
                 a.T @ dz_one + decay,
                 lambda g, rows_: np.abs(a_keep[g]).T @ np.abs(G_keep[g]) + np.abs(a_rows[rows_]).T @ rad[rows_],
                 np.abs(a_rows).T @ rad),
                (f"b{l}", C_used.sum(axis=0, keepdims=True), np.abs(G_keep).sum(axis=0, keepdims=True),
                 dz_low.sum(axis=0, keepdims=True), dz_one.sum(axis=0, keepdims=True),
                 lambda g, rows_: (np.abs(G_keep[g]).sum(axis=0) + rad[rows_].sum(axis=0))[None],
                 rad.sum(axis=0, keepdims=True))):
            # entries moved by one layer's kinks only read as a uniform slope
            layers = sum((part(origin_keep == m, single[m]) > 0).astype(int) for m in range(1, L))
            layers = layers + 2 * (part(np.zeros(len(G_keep), dtype=bool), mixed) > 0)
            radius = radius + exact_part
            own = a_keep if key.startswith("W") else np.ones((len(G_keep), 1))
            rows_as = a_rows if key.startswith("W") else np.ones((len(enumerated), 1))
            parts = [(own, G_keep), (np.repeat(rows_as, rad.shape[1], axis=0),  # one generator per (row, unit)
                                     (rad[:, :, None] * np.eye(rad.shape[1])[None]).reshape(-1, rad.shape[1]))]
            intervals[key] = Interval(center - radius, center + radius, low, one, alpha, parts,
                                      np.asarray(layers) <= 1)
        if l == 1:
            break
        W = P[f"W{l}"]
        zero = zeros[l - 1]  # (N, H_{l-1})
        slope = activation_grad(cache[f"z{l - 1}"], cache[f"a{l - 1}"], spec.activation)  # (N, H_{l-1})
        da_C, da_G = C @ W.T, G @ W.T  # da_{l-1}: center (N, H_{l-1}), generators (K, H_{l-1})
        spread = np.zeros(da_C.shape)  # sum over a row's generators of |da| at each unit
        np.add.at(spread, owner, np.abs(da_G))
        rows, units = np.nonzero(zero)
        middle = np.where(zero, c, slope)  # (N, H_{l-1})
        C, G = da_C * middle, da_G * middle[owner]
        new = np.zeros((len(rows), W.shape[0]))
        new[np.arange(len(rows)), units] = rho * (np.abs(da_C[rows, units]) + spread[rows, units])
        G, owner = np.vstack([G, new]), np.concatenate([owner, rows])
        origin = np.concatenate([origin, np.full(len(rows), l - 1)])
        dz_low = (dz_low @ W.T) * np.where(zero, alpha, slope)
        dz_one = (dz_one @ W.T) * np.where(zero, 1.0, slope)
    order = list(params)
    return Kinks(count, bool(exact), {k: intervals[k] for k in order})


def _vertex_ranges(spec: Spec, P: dict, cache: dict, zeros: dict, dz, rows, alpha: float) -> dict:
    """``{l: (mid, rad)}``, each (E, H_l): the exact range of ``dz_l[r]`` for each row of ``rows``, from
    its backward at every vertex of ``[alpha, 1]^K`` (its K kinks' slopes; multilinear, so the
    extremes are at vertices)."""
    L = n_layers(P)
    lo = {l: np.zeros((len(rows), P[f"W{l}"].shape[1])) for l in range(1, L + 1)}
    hi = {l: np.zeros((len(rows), P[f"W{l}"].shape[1])) for l in range(1, L + 1)}
    for e, r in enumerate(rows):
        at = [(l, j) for l in range(1, L) for j in np.flatnonzero(zeros[l][r])]
        V = np.array(list(itertools.product((alpha, 1.0), repeat=len(at))))  # (2^K, K)
        d = np.tile(dz[r], (len(V), 1))  # dzL at every vertex: (2^K, C)
        for l in range(L, 0, -1):
            lo[l][e], hi[l][e] = d.min(axis=0), d.max(axis=0)
            if l == 1:
                break
            s = np.tile(activation_grad(cache[f"z{l - 1}"][r], cache[f"a{l - 1}"][r], spec.activation), (len(V), 1))
            for k, (m, j) in enumerate(at):
                if m == l - 1:
                    s[:, j] = V[:, k]
            d = (d @ P[f"W{l}"].T) * s  # dz_{l-1} at every vertex: (2^K, H_{l-1})
    return {l: ((lo[l] + hi[l]) / 2, (hi[l] - lo[l]) / 2) for l in lo}


def name_slope(slopes, alpha: float):
    """Which value at 0 a candidate appears to use: ``"0"``, ``"1"``, ``"1/2"``, alpha, ``"mixed"``, or None."""
    slopes = np.asarray(slopes, dtype=np.float64).ravel()
    slopes = slopes[np.isfinite(slopes)]
    if slopes.size == 0:
        return None
    names = ({"0": 0.0, "1": 1.0, "1/2": 0.5} if alpha == 0 else
             {f"{alpha:g}": alpha, "1": 1.0, f"(1+{alpha:g})/2": (1 + alpha) / 2, "0": 0.0})
    for name, value in names.items():
        if np.all(policy.KINK_SLOPE.close(slopes, value)):
            return name
    lo, hi = float(slopes.min()), float(slopes.max())
    if policy.KINK_SLOPE.close(lo, hi):
        return f"{(lo + hi) / 2:.3g}"
    return "mixed"
