"""Name the likely bug: patterns in how a candidate's gradients differ from the oracles'.

Advisory, not an oracle: it may use the reference's forward and ``backprop`` to build the
gradients that known mistakes would produce, and reports those the candidate matches.
"""
from __future__ import annotations

import numpy as np

from oracles import policy
from reference.model import backprop, backward, forward, n_layers

DERIVATIVE = {"relu": "(z{l} > 0)", "leaky_relu": "where(z{l} > 0, 1, 0.01)", "tanh": "(1 - a{l}**2)",
              "sigmoid": "a{l} * (1 - a{l})", "identity": "1"}


def step(key: str, L: int, activation: str = "relu") -> str:
    """The backward step that computes ``key`` (``W2`` -> ``dW2 = a1.T @ dz2``; ``z1``, ``a1`` too)."""
    kind, l = key[0], int(key[1:])
    if kind == "W":
        return f"dW{l} = {'X' if l == 1 else f'a{l - 1}'}.T @ dz{l}"
    if kind == "b":
        return f"db{l} = sum(dz{l}, axis=0, keepdims=True)"
    if kind == "z" and l == L:
        return f"dz{L} = (y_hat - y) / N"
    if kind == "z":
        return f"dz{l} = da{l} * {DERIVATIVE[activation].format(l=l)}"
    return f"da{l} = dz{l + 1} @ W{l + 1}.T"


def _is(value: float, factor: float) -> bool:
    return bool(policy.FACTOR.close(value, factor))


def explain_ratio(r: float, N: int, L: int):
    """Words for a constant factor ``r`` between candidate and oracle, or None when none fits."""
    first = step(f"z{L}", L)
    if N > 1 and _is(r, N):
        return f"a missing 1/N in {first}?"
    if _is(r, -1):
        return f"a flipped sign: (y - y_hat) instead of (y_hat - y) in {first}?"
    if N > 1 and _is(r, -N):
        return f"a flipped sign and a missing 1/N in {first}?"
    if N > 1 and _is(r * N, 1):
        return "divided by N twice?"
    M = N / r
    if M > 1 and _is(M, round(M)):
        return f"divides by {round(M)} where N = {N}: a hard-coded batch size?"
    return None


class _Point:
    """The forward at the checked point in float64, and the tolerance hypotheses are held to."""

    def __init__(self, spec, params, X, y, previous=None):
        self.act, self.dtype = spec.activation, spec.dtype
        self.P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        self.L, self.N = n_layers(self.P), self.X.shape[0]
        _, self.cache = forward(self.P, self.X, self.act)
        self.dzL = (self.cache["y_hat"] - self.y) / self.N
        self.steps = {}  # dz_l and da_l of the exact backward, by name
        self.true = backward(self.P, self.X, self.y, self.act, self.steps)
        self.tol = policy.tolerance("hypothesis", spec.dtype)
        self.previous = previous  # the parameters of the point checked before this one, if any

    def close(self, g, h) -> bool:
        return bool(np.all(self.tol.close_array(g, h)))

    def significant(self, o):
        """Entries of ``o`` larger than rounding: a ratio is only read off these."""
        return np.abs(o) > self.tol.atol

    def ratio(self, g, o):
        """The constant r != 1 with g == r * o on every significant entry, or None."""
        significant = self.significant(o)
        if not significant.any():
            return None
        r = float(np.median(g[significant] / o[significant]))
        if r in (0.0, 1.0) or not self.close(g, r * o):
            return None
        # one entry always has "a constant ratio": only a recognizable factor means anything there
        if significant.sum() < 2 and explain_ratio(r, self.N, self.L) is None:
            return None
        return r

    def hypotheses(self):
        """(description, grads): the gradients that known whole-backward mistakes produce."""
        P, cache, L, act, N, y = self.P, self.cache, self.L, self.act, self.N, self.y
        hidden = act != "identity" and L > 1
        if hidden:
            yield (f"a missing activation derivative (the mask {DERIVATIVE[act].format(l='1')}) "
                   f"in {step('z1', L, act)}", backprop(P, cache, self.dzL, L, "identity"))
            if act in ("relu", "leaky_relu"):
                yield (f"the mask on the wrong side of 0: (z1 < 0) where {step('z1', L, act)}",
                       backprop(P, cache, self.dzL, L, lambda z, a: (z < 0).astype(z.dtype)))
            for other in ("relu", "tanh", "sigmoid"):
                if other != act:
                    yield (f"the activation derivative of {other} ({DERIVATIVE[other].format(l='1')}) "
                           f"where {step('z1', L, act)} belongs", backprop(P, cache, self.dzL, L, other))
            swapped = dict(cache, **{f"a{l}": cache[f"z{l}"] for l in range(1, L)})
            yield (f"a wrong cached value: z where a belongs (dW2 = z1.T @ dz2, not {step('W2', L)})",
                   backprop(P, swapped, self.dzL, L, act))
        true, steps = self.true, self.steps
        for l in range(1, L):  # da_l where dz_l belongs, in one of the two products only
            yield (f"dW{l} = {'X' if l == 1 else f'a{l - 1}'}.T @ da{l}: da{l} where dz{l} belongs",
                   dict(true, **{f"W{l}": cache[f"a{l - 1}"].T @ steps[f"da{l}"]}))
            yield (f"db{l} = sum(da{l}): da{l} where dz{l} belongs",
                   dict(true, **{f"b{l}": steps[f"da{l}"].sum(axis=0, keepdims=True)}))
        y_hat = cache["y_hat"]
        yield (f"the logit used where y_hat belongs in {step(f'z{L}', L)}",
               backprop(P, cache, (cache[f"z{L}"] - y) / N, L, act))
        yield (f"the MSE chain on cross-entropy: an extra sigmoid derivative y_hat * (1 - y_hat) in "
               f"{step(f'z{L}', L)}", backprop(P, cache, self.dzL * y_hat * (1 - y_hat), L, act))
        for l in range(1, L + 1):
            if np.any(P[f"b{l}"] != 0):
                no_bias = dict(P, **{f"b{l}": np.zeros_like(P[f"b{l}"])})
                yield (f"a forward that drops b{l} (z{l} = {'X' if l == 1 else f'a{l - 1}'} @ W{l}, "
                       f"no + b{l}; invisible while biases are zero)", backward(no_bias, self.X, y, act))
        if self.previous is not None:
            _, stale = forward({k: np.asarray(v, dtype=np.float64) for k, v in self.previous.items()}, self.X, act)
            yield ("a stale cache: its forward is the previous point's (state kept between calls)",
                   backprop(P, stale, (stale["y_hat"] - y) / N, L, act))

    def updated_too_early(self, g, oracle):
        """(l, lr) when W_l was moved by -lr * dW_l before da_{l-1} = dz_l @ W_l.T, else None."""
        for l in range(self.L, 1, -1):
            if not all(self.close(g[k], oracle[k]) for k in self.P if int(k[1:]) >= l):
                continue
            below = [k for k in self.P if int(k[1:]) < l]
            # the gradients below l are linear in the W_l that da_{l-1} uses
            M = backprop(dict(self.P, **{f"W{l}": oracle[f"W{l}"]}), self.cache, self.steps[f"dz{l}"], l, self.act)
            m = np.concatenate([M[k].ravel() for k in below])
            d = np.concatenate([(g[k] - oracle[k]).ravel() for k in below])
            if m.any() and d.any():
                lr = -float(m @ d) / float(m @ m)
                if lr > 0 and all(self.close(g[k], oracle[k] - lr * M[k]) for k in below):
                    return l, lr
        return None


def explain_loss(candidate: float, reference: float, N: int, lesson: float | None = None,
                 dtype: str = "float64") -> str:
    """Words for a candidate's loss that disagrees with the canonical one."""
    r = candidate / reference if reference else float("inf")
    if N > 1 and _is(r, N):
        return f"the candidate's loss is {N}x the canonical loss: summed over the batch, not averaged?"
    if lesson is not None and policy.tolerance("loss", dtype).close(candidate, lesson):
        return ("the candidate's loss is the lesson's -mean(y log(y_hat + 1e-8) + ...): the canonical loss "
                "is mean(logaddexp(0, z) - y * z)")
    return f"the candidate's loss is {r:.6g}x the canonical loss mean(logaddexp(0, z) - y * z)"


def diagnose(spec, params, X, y, grads: dict, oracle: dict, wrong: list, previous=None) -> list:
    """Findings, most specific first, for a candidate whose ``wrong`` parameters disagree.

    ``previous``: the parameters of the point checked before this one (to spot a stale cache).
    """
    if not wrong:
        return []
    point = _Point(spec, params, X, y, previous)
    L, N = point.L, point.N
    g = {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}
    ratios = {k: point.ratio(g[k], oracle[k]) for k in wrong}
    values = {round(r, 9) for r in ratios.values() if r is not None}
    silent = [k for k in params if k not in wrong and not point.significant(oracle[k]).any()]
    if len(wrong) + len(silent) == len(params) and None not in ratios.values() and len(values) == 1:
        r = ratios[wrong[0]]
        why = explain_ratio(r, N, L) or f"a stray factor {r:.6g} in {step(f'z{L}', L)}?"
        return [f"the candidate is exactly {r:.6g}x the oracle everywhere: {why}"]
    names = ", ".join(f"d{k}" for k in wrong)
    findings = [f"the candidate matches {text} (wrong: {names})" for text, h in point.hypotheses()
                if all(point.close(g[k], h[k]) for k in params)]
    early = point.updated_too_early(g, oracle)
    if early:
        l, lr = early
        findings.append(f"W{l} was updated (lr ~ {lr:.3g}) before {step(f'a{l - 1}', L)} used it: "
                        f"weights updated before the backward finished (wrong: {names})")
    for k in wrong:
        findings.extend(_one_parameter(point, k, g[k], oracle[k], ratios[k], len(wrong) > 1))
    if not findings:
        findings.append(_where_it_enters(wrong, list(params), L, spec.activation))
    return findings


def _one_parameter(point, k, g, o, r, several):
    L, N = point.L, point.N
    if r is not None:
        if N > 1 and _is(r * N, 1):
            why = (f"mean instead of sum in {step(k, L)} (divided by N twice)?" if k[0] == "b"
                   else f"divided by N twice: an extra 1/N in {step(k, L)}?")
        elif _is(r, -1):
            why = f"a flipped sign in {step(k, L)}?"
        else:
            why = (explain_ratio(r, N, L) if several else None) or f"a stray factor {r:.6g} in {step(k, L)}?"
        return [f"d{k} is exactly {r:.6g}x the oracle: {why}"]
    if g.shape[0] == g.shape[1] and point.close(g, o.T) and not point.close(g, o):
        return [f"d{k} is the transpose of the oracle's: operands swapped in {step(k, L)}?"]
    if not g.any():
        return [f"d{k} is all zeros: was {step(k, L)} skipped or its input zeroed?"]
    return []


def _where_it_enters(wrong: list, keys: list, L: int, activation: str) -> str:
    """Name the first backward step whose output disagrees."""
    order = sorted(keys, key=lambda k: (-int(k[1:]), k[0] != "W"))  # WL, bL, ..., W1, b1
    first = next(k for k in order if k in wrong)
    l = int(first[1:])
    partner = f"{'b' if first[0] == 'W' else 'W'}{l}"
    if partner not in wrong:
        return f"only d{first} is wrong at layer {l}: check {step(first, L)}"
    if l == L:
        return f"every gradient from layer {L} down is wrong: the error enters at {step(f'z{L}', L)}"
    agree = ", ".join(f"d{k}" for k in order if int(k[1:]) > l)
    return f"{agree} agree; the error enters at {step(f'a{l}', L)} or {step(f'z{l}', L, activation)}"
