"""Exhaustive central differences of the canonical loss, from cached activations.

Only the reference's *forward* is used, so this oracle checks backward against forward.
Perturbing ``W_l[i, j]`` (or ``b_l[j]``) by ``h`` moves column ``j`` of ``z_l`` by
``h * a_{l-1}[:, i]`` (or ``h``) and nothing else in layer ``l``. Every perturbed loss is
therefore the cached loss plus the change on the rows whose activations change, pushed
through the layers above: batched across the entries of one unit under a memory bound,
never a Python loop over entries and never a full forward per entry.

Everything runs in float64; float32 weights are upcast exactly, so the oracle is the true
gradient at the candidate's own point.

Kinks (DESIGN.md, contract 6): the step of an entry *crosses* a kink when a ReLU (or leaky
ReLU) pre-activation lies on another side of 0 at ``w + h`` or at ``w - h`` than at ``w``; the
quotient would then mix two slopes (a naive check of a correct backward reports a relative error
of 0.18 on the real data at the lesson's init). Such an entry is differenced again with a step
that does not cross, row by row (the loss is a mean over rows and each row's loss moves only with
its own pre-activations): ``h`` shrunk by each of ``policy.FD_NEAR_KINK_FACTORS`` in turn,
centrally where both sides are clear, else one-sided to second order (``w + t``, ``w + 2t``) on
the side that is. Every entry gets a value; at an exact kink (a pre-activation exactly 0) that is a
one-sided derivative, and the verdict there is the subgradient interval's (:mod:`oracles.kinks`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from oracles import policy
from reference.model import KINKED, LEAKY_SLOPE, Spec, activate, forward, n_layers


@dataclass
class FiniteDifferences:
    loss: float
    grads: dict  # float64, same keys and shapes as the parameters
    near_kink: dict  # bool, True where the default +-h crosses a kink and a step that does not decided


def _moved(Z, units, column):
    """Logits (2B, N, C): copy ``b`` of ``Z`` (N, C) with column ``units[b]`` set to ``column[b]`` (N,)."""
    out = np.broadcast_to(Z, (len(units),) + Z.shape).copy()
    out[np.arange(len(units))[:, None], np.arange(Z.shape[0])[None, :], units[:, None]] = column
    return out


class _Point:
    """The network at one point, in float64, with its forward cache."""

    def __init__(self, spec: Spec, params: dict, X, y):
        self.activation = spec.activation
        self.head = spec.head
        self.params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        if not spec.bias:  # a bias held at 0 is no bias: the same forward; its entries are differenced, never returned
            self.params.update({f"b{l}": np.zeros((1, self.params[f"W{l}"].shape[1]))
                                for l in range(1, n_layers(self.params) + 1)})
        self.X = np.asarray(X, dtype=np.float64)
        self.y = self.head.targets(y, np.float64)  # (N,) classes or (N, C)
        self.L = n_layers(self.params)
        self.N = self.X.shape[0]
        self.C = self.params[f"W{self.L}"].shape[1]
        self.divisor = self.head.divisor(self.N, self.C)  # the loss is sum(row losses) / divisor (+ L2)
        _, self.cache = forward(self.params, self.X, self.activation)
        self.zL = self.cache[f"z{self.L}"]  # (N, C)
        self.row_loss = self._row_loss(self.zL, self.y)  # (N,)
        self.loss = self.head.value(self.zL, self.y, self.params)
        self.kinked = self.activation in KINKED
        self._linear = {}

    def _row_loss(self, Z, y):
        """Per-row loss (..., R) of the head from logits (..., R, C); ``y`` the rows' targets."""
        return self.head.row_loss(Z, y)

    def linear(self, l: int):
        """``(G, T)`` (N, H_l) when layer ``l`` feeds one piecewise-linear hidden layer, else None.

        Moving ``a_l[r, j]`` by ``d`` moves ``z_{l+1}[r]`` by ``d * W_{l+1}[j]``; while no entry of
        ``z_{l+1}[r]`` reaches its kink (``|d| < T[r, j] = min_k |z_{l+1}[r, k]| / |W_{l+1}[j, k]|``)
        every mask stays put and the logit moves by exactly ``d * G[r, j]``, with
        ``G = (act'(z_{l+1}) * W_L.T) @ W_{l+1}.T``. Rows beyond ``T`` take the full path.
        With C > 1 logits ``G`` is (N, H_l, C): ``G[r, j, c] = sum_k W_{l+1}[j, k] act'(z_{l+1})[r, k] W_L[k, c]``.
        """
        if l != self.L - 2 or self.activation not in ("relu", "leaky_relu", "identity"):
            return None
        if l not in self._linear:
            W, z = self.params[f"W{l + 1}"], self.cache[f"z{l + 1}"]  # (H_l, H), (N, H)
            slope = np.ones_like(z) if self.activation == "identity" else np.where(z > 0, 1.0, 0.0 if self.activation == "relu" else LEAKY_SLOPE)
            if self.C == 1:
                G = (slope * self.params[f"W{self.L}"][:, 0]) @ W.T  # (N, H_l)
            else:
                G = np.einsum("rk,kc,jk->rjc", slope, self.params[f"W{self.L}"], W, optimize=True)  # (N, H_l, C)
            T = np.full(G.shape[:2], np.inf)
            if self.kinked:
                absW = np.abs(W)
                for j in range(W.shape[0]):
                    with np.errstate(divide="ignore", invalid="ignore"):
                        ratio = np.where(absW[j] > 0, np.abs(z) / absW[j], np.inf)  # (N, H)
                    T[:, j] = ratio.min(axis=1)
            self._linear[l] = (G, T)
        return self._linear[l]

    def deltas(self, l: int):
        """Steps and pre-activation shifts for every entry of layer ``l``, unit by unit.

        Entry ``e = j * (D + 1) + i`` is ``W_l[i, j]`` for ``i < D`` and ``b_l[j]`` for ``i = D``.
        Returns ``h`` (E,), ``dz`` (E, N): the shift of column ``units[e]`` of ``z_l``, and ``units`` (E,).
        """
        W, b = self.params[f"W{l}"], self.params[f"b{l}"]
        D, H = W.shape
        h = policy.fd_step(np.vstack([W, b])).T  # (H, D+1)
        a_prev = np.hstack([self.cache[f"a{l - 1}"], np.ones((self.N, 1))])  # (N, D+1)
        dz = h[:, :, None] * a_prev.T[None]  # (H, D+1, N)
        return h.reshape(-1), dz.reshape(H * (D + 1), self.N), np.repeat(np.arange(H), D + 1)

    def shifted(self, l: int, units, dz):
        """Loss changes for shifts ``+dz`` and ``-dz`` (B, N) of columns ``units`` (B,) of ``z_l``.

        Returns ``(s_plus, s_minus, crossed)``, each (B,) (``crossed`` (2B,): +dz rows, then -dz):
        ``s`` is ``sum_rows(loss_row(shifted) - loss_row(cached))``; ``crossed`` says whether a kinked
        pre-activation lies on another side of 0 at ``+dz`` (or ``-dz``) than at the cached point.
        """
        B = dz.shape[0]
        z0 = self.cache[f"z{l}"][:, units].T  # (B, N)
        z = np.concatenate([z0 + dz, z0 - dz])  # (2B, N): +h rows, then -h rows
        crossed = np.zeros(2 * B, dtype=bool)
        if l == self.L:
            s = (self._row_loss(_moved(self.zL, np.tile(units, 2), z), self.y)
                 - self.row_loss).sum(axis=1)
            return s[:B], s[B:], crossed
        if self.kinked:
            crossed |= ((z > 0) != np.tile(z0 > 0, (2, 1))).any(axis=1)
        a_old = np.tile(self.cache[f"a{l}"][:, units].T, (2, 1))  # (2B, N)
        a_new = activate(z, self.activation)  # (2B, N)
        rows = np.flatnonzero((a_new != a_old).any(axis=0))  # only rows whose activation changes
        da = a_new[:, rows] - a_old[:, rows]  # (2B, R)
        if l == self.L - 1:  # the logits move by da * W_L[j]
            zL = self.zL[rows] + da[:, :, None] * self.params[f"W{self.L}"][np.tile(units, 2)][:, None, :]  # (2B, R, C)
            s = (self._row_loss(zL, self.y[rows]) - self.row_loss[rows]).sum(axis=1)
            return s[:B], s[B:], crossed
        W_next = self.params[f"W{l + 1}"][np.tile(units, 2)]  # (2B, H): the rows the shifts feed
        if self.linear(l) is not None:
            s_plus, s_minus, above = self._shifted_linear(l, units, rows, da, W_next)
            return s_plus, s_minus, crossed | above
        zl = self.cache[f"z{l + 1}"][rows] + da[:, :, None] * W_next[:, None, :]  # (2B, R, H)
        for m in range(l + 1, self.L):
            if self.kinked:
                crossed |= ((zl > 0) != (self.cache[f"z{m}"][rows] > 0)).reshape(2 * B, -1).any(axis=1)
            zl = activate(zl, self.activation) @ self.params[f"W{m + 1}"] + self.params[f"b{m + 1}"]
        s = (self._row_loss(zl, self.y[rows]) - self.row_loss[rows]).sum(axis=1)  # (2B,)
        return s[:B], s[B:], crossed

    def shifted_rows(self, l: int, units, dz):
        """:meth:`shifted` row by row, by the full path: ``(change, crossed)``, each (2B, N) (+dz rows,
        then -dz): each row's loss change, and whether a kinked pre-activation of that row lies on
        another side of 0 than at the cached point."""
        B = dz.shape[0]
        z0 = self.cache[f"z{l}"][:, units].T  # (B, N)
        z = np.concatenate([z0 + dz, z0 - dz])  # (2B, N)
        crossed = np.zeros(z.shape, dtype=bool)
        if l == self.L:
            return self._row_loss(_moved(self.zL, np.tile(units, 2), z), self.y) - self.row_loss, crossed
        if self.kinked:
            crossed |= (z > 0) != np.tile(z0 > 0, (2, 1))
        a_old = np.tile(self.cache[f"a{l}"][:, units].T, (2, 1))  # (2B, N)
        a_new = activate(z, self.activation)  # (2B, N)
        rows = np.flatnonzero((a_new != a_old).any(axis=0))  # only rows whose activation changes
        da = a_new[:, rows] - a_old[:, rows]  # (2B, R)
        W_next = self.params[f"W{l + 1}"][np.tile(units, 2)]  # (2B, H)
        zl = self.cache[f"z{l + 1}"][rows] + da[:, :, None] * W_next[:, None, :]  # (2B, R, H)
        for m in range(l + 1, self.L):
            if self.kinked:
                crossed[:, rows] |= ((zl > 0) != (self.cache[f"z{m}"][rows] > 0)).any(axis=2)
            zl = activate(zl, self.activation) @ self.params[f"W{m + 1}"] + self.params[f"b{m + 1}"]
        change = np.zeros(z.shape)
        change[:, rows] = self._row_loss(zl, self.y[rows]) - self.row_loss[rows]
        return change, crossed

    def near_kink(self, l: int, units, dz, h):
        """Derivatives (B,) for entries whose default step crosses a kink, row by row (the loss is a
        mean over rows, and a row's loss moves only with its own pre-activations): each row takes
        ``h * f`` for the first factor ``f`` of the policy at which it can, centrally where neither
        side crosses one of its kinks, else one-sided to second order, ``(4 s(t) - s(2t)) / 2t``, on
        a side where neither ``t`` nor ``2t`` does. A row crossing on both sides at every factor
        (kinks within reach on both sides) keeps the central quotient at the last one."""
        B = len(units)
        rows = np.zeros((B, self.N))
        todo = np.ones((B, self.N), dtype=bool)
        for f in policy.FD_NEAR_KINK_FACTORS:
            t = (h * f)[:, None]  # (B, 1)
            change, crossed = self.shifted_rows(l, units, dz * f)
            change2, crossed2 = self.shifted_rows(l, units, 2 * dz * f)
            plus, minus, plus2, minus2 = change[:B], change[B:], change2[:B], change2[B:]
            todo &= ~_decide_rows(rows, todo, t, (plus, minus, plus2, minus2),
                                  (crossed[:B], crossed[B:], crossed2[:B], crossed2[B:]))
            if not todo.any():
                break
        return rows.sum(axis=1) / self.divisor

    def _shifted_linear(self, l: int, units, rows, da, W_next):
        """:meth:`shifted` above one piecewise-linear layer: exact moves of the logit from ``G``
        where no mask can flip, the full path for the few (entry, row) pairs that might."""
        B = len(units)
        G, T = self.linear(l)
        u = np.tile(units, 2)
        safe = np.abs(da) < T[rows][:, u].T  # (2B, R)
        safe = np.tile(safe[:B] & safe[B:], (2, 1))  # +h and -h take the same path
        if self.C == 1:
            zL = self.zL[rows, 0] + da * G[rows][:, u].T  # (2B, R): one logit
        else:
            zL = self.zL[rows][None] + da[:, :, None] * G[rows[:, None], u[None, :]].transpose(1, 0, 2)  # (2B, R, C)
        crossed = np.zeros(2 * B, dtype=bool)
        pb, pr = np.nonzero(~safe)  # pairs near a kink: +h pairs first, then the -h ones in the same order
        if pb.size:
            z0 = self.cache[f"z{l + 1}"][rows[pr]]  # (P, H)
            zl = z0 + da[pb, pr][:, None] * W_next[pb]  # (P, H)
            if self.kinked:
                np.logical_or.at(crossed, pb, ((zl > 0) != (z0 > 0)).any(axis=1))
            if self.C == 1:
                zL[pb, pr] = activate(zl, self.activation) @ self.params[f"W{self.L}"][:, 0] + self.params[f"b{self.L}"][0, 0]
            else:
                zL[pb, pr] = activate(zl, self.activation) @ self.params[f"W{self.L}"] + self.params[f"b{self.L}"][0]
        s = (self._row_loss(zL if self.C > 1 else zL[..., None], self.y[rows]) - self.row_loss[rows]).sum(axis=1)
        return s[:B], s[B:], crossed


def _decide_rows(rows, todo, t, changes, crossed):
    """Write into ``rows`` each still-undecided row's derivative at step ``t``: central where
    neither side crosses a kink, else second-order one-sided on a side whose steps ``t`` and ``2t``
    both stay put. ``changes``: the loss changes at ``+t, -t, +2t, -2t``; ``crossed``: whether
    each crosses. Returns the rows decided."""
    plus, minus, plus2, minus2 = changes
    cp, cm, cp2, cm2 = crossed
    central = todo & ~cp & ~cm
    right = todo & ~central & ~cp & ~cp2
    left = todo & ~central & ~right & ~cm & ~cm2
    rows[todo] = ((plus - minus) / (2 * t))[todo]
    rows[right] = ((4 * plus - plus2) / (2 * t))[right]
    rows[left] = (-(4 * minus - minus2) / (2 * t))[left]
    return central | right | left


def _blocks(point: _Point, l: int):
    """Slices of layer ``l``'s entries to perturb at once under the memory bound.

    Whole units together when several fit and layers lie between them and the logit (one call
    for a small layer); else one unit at a time (split if it does not fit), so the rows whose
    activation changes are that unit's alone: measured faster where the logit is one step away.
    """
    D, H = point.params[f"W{l}"].shape
    width = point.params[f"W{l + 1}"].shape[1] if l < point.L and point.linear(l) is None else 1
    per_entry = 2 * 8 * point.N * width * point.C * 4  # +h and -h, a few float64 (N, H) blocks each
    step = max(1, policy.FD_MEMORY_BYTES // per_entry)
    if step >= D + 1 and l < point.L - 1:
        units = step // (D + 1)
        return [slice(j * (D + 1), min(H, j + units) * (D + 1)) for j in range(0, H, units)]
    return [slice(j * (D + 1) + i, j * (D + 1) + min(D + 1, i + step))
            for j in range(H) for i in range(0, D + 1, step)]


def fd_gradients(spec: Spec, params: dict, X, y) -> FiniteDifferences:
    """Central differences for every entry of every parameter; near a kink, a step that does not cross."""
    point = _Point(spec, params, X, y)
    grads, near = {}, {}
    for l in range(1, point.L + 1):
        D, H = point.params[f"W{l}"].shape
        h, dz, units = point.deltas(l)
        deriv = np.empty(h.shape)
        crossed = np.zeros(h.shape, dtype=bool)
        blocks = _blocks(point, l)
        for part in blocks:
            s_plus, s_minus, both = point.shifted(l, units[part], dz[part])
            crossed[part] = both.reshape(2, -1).any(axis=0)
            deriv[part] = (s_plus - s_minus) / (2 * h[part] * point.divisor)
        todo = np.flatnonzero(crossed)
        size = max(1, blocks[0].stop - blocks[0].start)
        for start in range(0, todo.size, size):
            e = todo[start:start + size]
            deriv[e] = point.near_kink(l, units[e], dz[e], h[e])
        deriv, crossed = deriv.reshape(H, D + 1).T, crossed.reshape(H, D + 1).T  # (D+1, H)
        grads[f"W{l}"], grads[f"b{l}"] = deriv[:D], deriv[D:]
        near[f"W{l}"], near[f"b{l}"] = crossed[:D], crossed[D:]
    if point.head.l2:  # the L2 term is a quadratic: its gradient 2 c W is exact, added analytically
        for k, g in point.head.l2_grads(point.params, point.N).items():
            grads[k] = grads[k] + g
    order = list(params)
    return FiniteDifferences(point.loss, {k: grads[k] for k in order}, {k: near[k] for k in order})


def finite_differences(spec: Spec, params: dict, X, y):
    """The oracle form (DESIGN.md, contract 4): ``(loss, grads)``."""
    result = fd_gradients(spec, params, X, y)
    return result.loss, result.grads


def _one_entry(spec: Spec, params: dict, X, y, key: str, index):
    """``(point, h, (s_plus, s_minus, crossed))`` for the default step of one entry (for tests)."""
    point = _Point(spec, params, X, y)
    l, (i, j) = int(key[1:]), index
    h, dz, units = point.deltas(l)
    D = point.params[f"W{l}"].shape[0]
    e = j * (D + 1) + (i if key.startswith("W") else D)
    return point, h[e], point.shifted(l, units[e:e + 1], dz[e:e + 1])


def perturbed_losses(spec: Spec, params: dict, X, y, key: str, index):
    """``(loss(w + h), loss(w - h), h)`` for one entry, computed the fast way (for tests)."""
    point, h, (s_plus, s_minus, _) = _one_entry(spec, params, X, y, key, index)
    return point.loss + s_plus[0] / point.divisor, point.loss + s_minus[0] / point.divisor, h


def crossing_sides(spec: Spec, params: dict, X, y, key: str, index):
    """``(plus, minus)``: whether the default step of one entry crosses a kink at ``w + h``, ``w - h`` (for tests)."""
    _, _, (_, _, crossed) = _one_entry(spec, params, X, y, key, index)
    return bool(crossed[0]), bool(crossed[1])


@dataclass
class Directional:
    """Central differences along seeded random directions, per parameter.

    ``derivatives[k]`` (K,) are the directional derivatives along ``directions[k]`` (K, *shape),
    unit Gaussian directions in parameter ``k``'s own subspace; ``near_kink[k]`` (K,) flags
    directions whose default +-h crosses a kink and a step that does not decided.
    """

    loss: float
    derivatives: dict
    directions: dict
    near_kink: dict

    def project(self, grads: dict) -> dict:
        """A gradient's projections on the same directions: comparable with ``derivatives``."""
        return {k: np.tensordot(V, np.asarray(grads[k], dtype=np.float64), axes=V.ndim - 1)
                for k, V in self.directions.items()}


def _one_direction(evaluate, h: float):
    """``(derivative, crossed)`` along one direction; ``evaluate(t) -> (row changes (N,), rows crossed (N,))``.

    The rule of :meth:`_Point.near_kink`: central at ``h`` where no row crosses a kink; else row by
    row, ``h`` times each policy factor, centrally where both sides are clear, else one-sided
    (second order) on a side that is.
    """
    (plus, cp), (minus, cm) = evaluate(h), evaluate(-h)
    if not (cp.any() or cm.any()):
        return float((plus - minus).sum()) / (2 * h), False
    rows = np.zeros(plus.shape)
    todo = np.ones(plus.shape, dtype=bool)
    for f in policy.FD_NEAR_KINK_FACTORS:
        t = h * f
        (plus, cp), (minus, cm) = evaluate(t), evaluate(-t)
        (plus2, cp2), (minus2, cm2) = evaluate(2 * t), evaluate(-2 * t)
        todo &= ~_decide_rows(rows, todo, t, (plus, minus, plus2, minus2), (cp, cm, cp2, cm2))
        if not todo.any():
            break
    return float(rows.sum()), True


def answer_digest(grads: dict) -> bytes:
    """A hash of a candidate's answer: every gradient's key, shape and float64 values, in key order."""
    h = hashlib.sha256()
    for k in sorted(grads):
        v = np.ascontiguousarray(np.asarray(grads[k], dtype=np.float64))
        h.update(f"{k}{v.shape}".encode())
        h.update(v.tobytes())
    return h.digest()


def direction_entropy(seed: int, point: str, key: str, answer: bytes) -> list:
    """The seed of parameter ``key``'s random directions at ``point``: from ``--seed``, the point's
    name, the parameter's name and :func:`answer_digest` of the candidate's answer, so the directions
    are drawn after the candidate answered and it cannot put its error where they do not look."""
    digest = hashlib.sha256(b"\0".join([str(int(seed)).encode(), point.encode(), key.encode(), answer])).digest()
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, len(digest), 4)]


def fd_directions(spec: Spec, params: dict, X, y, count: int = 16, seed: int = 0,
                  entropy: dict | None = None) -> Directional:
    """Directional derivatives along ``count`` seeded Gaussian directions per parameter.

    ``entropy``: ``{key: seed}`` (:func:`direction_entropy`), each parameter's own generator; without
    it one ``default_rng(seed)`` draws every parameter's in turn. Each costs two forwards from the
    perturbed layer up (the cached activations below it do not move), so this scales to networks
    too big for the exhaustive check.
    """
    point = _Point(spec, params, X, y)
    rng = np.random.default_rng(seed)
    derivatives, directions, near = {}, {}, {}
    for key in params:
        w = point.params[key]
        V = (np.random.default_rng(entropy[key]) if entropy is not None else rng).standard_normal((count, *w.shape))
        V /= np.sqrt((V * V).sum(axis=tuple(range(1, V.ndim)), keepdims=True))  # unit directions
        h = policy.FD_STEP_FACTOR * max(1.0, float(np.abs(w).max()))
        d, crossed = np.empty(count), np.zeros(count, dtype=bool)
        l = int(key[1:])
        below = point.cache[f"a{l - 1}"]  # layers under the perturbed one are unchanged
        above = {f"W{m}": point.params[f"W{m}"] for m in range(l, point.L + 1)}
        above.update({f"b{m}": point.params[f"b{m}"] for m in range(l, point.L + 1)})
        base = [point.cache[f"z{m}"] > 0 for m in range(l, point.L)]  # the sides at w

        def evaluate(t, v):
            moved = dict(above, **{key: w + t * v})
            moved = {f"{p}{m - l + 1}": moved[f"{p}{m}"] for m in range(l, point.L + 1) for p in "Wb"}
            _, cache = forward(moved, below, point.activation)
            change = point._row_loss(cache[f"z{point.L - l + 1}"], point.y) - point.row_loss  # (N,)
            crossed = np.zeros(point.N, dtype=bool)
            for m, side in enumerate(base, start=1):
                if point.kinked:
                    crossed |= ((cache[f"z{m}"] > 0) != side).any(axis=1)
            return change / point.divisor, crossed

        for k in range(count):
            d[k], crossed[k] = _one_direction(lambda t: evaluate(t, V[k]), h)
        if point.head.l2 and key.startswith("W"):  # the L2 term's exact derivative along each direction
            d += np.tensordot(V, point.head.l2_grads({key: w}, point.N)[key], axes=V.ndim - 1)
        derivatives[key], directions[key], near[key] = d, V, crossed
    return Directional(point.loss, derivatives, directions, near)
