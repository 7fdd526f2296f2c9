"""Laws a correct backward obeys, usable outside pytest.

Each :class:`Law` is called as ``law(candidate, problem)`` and returns None when it holds, or
raises :class:`LawViolation` with a message naming the law, the parameter and the entry.
``candidate`` is a handle (:mod:`oracles.isolation`: the candidate in its worker process), a
:class:`~oracles.session.Session`, or in-process anything with the contract's signature
``backward(params, X, y)``. Each law declares the inputs it asks about; :func:`check_laws` has one
session ask them all at once, and the laws judge the outcomes it already has.
"""
from __future__ import annotations

import numpy as np

import functools
from dataclasses import dataclass
from typing import Callable

from oracles import policy
from oracles import registry
from oracles.candidate import ContractViolation, call_candidate
from oracles.compare import backward_magnitudes, compare
from oracles.session import Session
from reference.model import backward as reference_backward, forward, loss as reference_loss, n_layers


class LawViolation(AssertionError):
    """A law broken: its name, its lines (the agreement law's are the harness's verdict lines) and,
    for the agreement law, the point's result they were rendered from. ``message`` is the lines
    on one line, for a plain assertion or the JSON."""

    def __init__(self, law: str, *lines: str, result=None):
        self.law, self.lines, self.result = law, tuple(lines), result
        self.message = " | ".join(self.lines)
        super().__init__(f"{law}: {self.message}")


def _speaker(candidate):
    """The Conventional handle behind ``candidate`` (entries named as the candidate wrote them), or None."""
    return Session.of(candidate).speaker


def _grads(law, candidate, params, X, y):
    try:
        return call_candidate(candidate, params, X, y, finite_loss=False)[1]  # laws of gradients: the loss is the judge's
    except ContractViolation as exc:
        speaking = _speaker(candidate)
        raise LawViolation(law, speaking.rename(str(exc)) if speaking else str(exc)) from None


def shapes(candidate, problem):
    """Every gradient has its parameter's key, shape and dtype (and is finite)."""
    params, X, y = problem.arrays()
    _grads("shapes", candidate, params, X, y)


def finite(candidate, problem):
    """All gradients are finite for finite inputs, saturated logits included.

    The check itself is the contract's (``call_candidate`` rejects any non-finite entry and
    names it); this law is where the fuzz draws the saturated problems that expose it.
    """
    params, X, y = problem.arrays()
    _grads("finite", candidate, params, X, y)


GATING_ROWS = 3  # the one-row batches the gating law asks about: the first few rows


def _gating_batches(X, y, rows: int = GATING_ROWS) -> list:
    """The whole batch, then one-row batches of the first ``rows`` rows: ``(X, y, words)``."""
    return [(X, y, "the whole batch")] + [(X[r:r + 1], y[r:r + 1], f"the one-row batch X[{r}]")
                                          for r in range(min(rows, X.shape[0]))]


def _permuted(problem, X, y):
    order = np.random.default_rng(problem.seed).permutation(X.shape[0])
    return X[order], y[order]


def relu_gating(candidate, problem, rows: int = GATING_ROWS):
    """ReLU gates the gradient: where a pre-activation is < 0 nothing passes; where it is exactly 0,
    any share in [0, 1] of it may (relu'(0) is any subgradient: DESIGN.md, contract 6).

    (a) A hidden unit off on the whole batch (z <= 0 on every row) has zero gradient in its
    outgoing row of the next W (its activation is 0 whatever relu'(0) is). Its column of W and
    its entry of b are zero when z < 0 on every row; when some rows sit exactly at 0 they lie in
    their subgradient interval (:mod:`oracles.kinks`, within the policy's torch tolerance).
    (b) The same on one-row batches (the first ``rows`` rows): for one sample ``db_l = dz_l``, so
    this is ``dz = 0`` where the pre-activation is ``< 0`` and ``dz`` in ``[0, da]`` where it is 0.
    Applies to ``relu`` only; passes trivially for other activations. With L2 the weights'
    gradients carry the exact ``2 c W`` besides: a gated entry equals it (within the torch tolerance).
    """
    from oracles.kinks import subgradients
    from oracles.policy import gradient_scale

    if problem.activation != "relu":
        return
    params, X, y = problem.arrays()
    L = n_layers(params)
    tol = policy.tolerance("torch", problem.dtype)
    batches = _gating_batches(X, y, rows)
    head = problem.spec.head

    def carried(g, key, index) -> tuple:
        """What a gated slice carries beyond what it may (exactly 0, or only the L2 term's 2 c W):
        ``(what, the first such entry)`` in words, or None when it carries nothing more."""
        got = np.atleast_1d(np.asarray(g[key][index], dtype=np.float64))
        if not head.l2 or not key.startswith("W"):
            bad = np.flatnonzero(got != 0)
            return ("non-zero", f"{got[bad[0]]:.3g}") if bad.size else None
        decay = np.atleast_1d(head.l2_grads({key: params[key].astype(np.float64)}, Xb.shape[0])[key][index])
        bad = np.flatnonzero(~tol.close_array(got, decay))
        return (("not the L2 term 2 c W alone", f"{got[bad[0]]:.3g} where 2 c W is {decay[bad[0]]:.3g}")
                if bad.size else None)

    for Xb, yb, where in batches:
        _, cache = forward(params, Xb, "relu")
        grads = _grads("relu-gating", candidate, params, Xb, yb)
        kinks = None
        for l in range(1, L):
            z = cache[f"z{l}"]
            for j in map(int, np.flatnonzero((z <= 0).all(axis=0))):
                extra = carried(grads, f"W{l + 1}", (j, slice(None)))
                if extra:
                    raise LawViolation("relu-gating", f"unit {j} of layer {l} has z{l} <= 0 on {where}, yet "
                                       f"dW{l + 1} is {extra[0]} in its row ({extra[1]})")
                incoming = [(k, index) for k, index in ((f"b{l}", (0, j)), (f"W{l}", (slice(None), j))) if k in params]
                if (z[:, j] < 0).all():
                    for k, index in incoming:
                        extra = carried(grads, k, index)
                        if extra:
                            raise LawViolation("relu-gating", f"unit {j} of layer {l} has z{l} < 0 on {where}, "
                                               f"yet d{k} is {extra[0]} there ({extra[1]})")
                    continue
                kinks = kinks or subgradients(problem.spec, params, Xb, yb)
                for k, index in incoming:
                    interval = kinks.get(k)
                    scale = gradient_scale(np.concatenate([interval.lo.ravel(), interval.hi.ravel()]))
                    inside = interval.contains(grads[k], tol, scale)[index]
                    if not np.all(inside):
                        at = (int(np.flatnonzero(~np.atleast_1d(inside))[0]), j) if k.startswith("W") else (0, j)
                        raise LawViolation("relu-gating", f"unit {j} of layer {l} sits exactly at 0 on {where}: "
                                           f"d{k}{list(at)} = {grads[k][at]:.6g} lies outside its subgradient "
                                           f"interval [{interval.lo[at]:.6g}, {interval.hi[at]:.6g}] (relu'(0) "
                                           f"must be in [0, 1])")


def descent(candidate, problem):
    """A step along -g lowers the loss for a small enough learning rate.

    Precisely (Armijo on a halving grid): with ``g`` the candidate's gradient, ``s = sum(g**2) > 0``
    and ``lr0 = DESCENT_STEP * max(1, |w|) / sqrt(s)`` (a step of relative length DESCENT_STEP), some
    ``lr = lr0 / 2**k`` with ``lr * s > DESCENT_FLOOR * max(1, loss)`` satisfies
    ``loss(w - lr g) <= loss(w) - 1e-4 * lr * s``, the losses in float64 (so strictly below
    ``loss(w)``: above the floor, ``1e-4 * lr * s`` is some 45 ulps of the loss). This holds for the
    true gradient wherever the loss is differentiable; an uphill direction fails it at every small
    rate, and so does the true direction made ``1 / ARMIJO_C`` (10^4) times too long or more (to
    first order the decrease is ``lr |G|^2 k`` for ``g = k G``, the bar ``ARMIJO_C lr k^2 |G|^2``).
    The law is not asserted where a pre-activation sits exactly on a kink, nor where even
    ``lr0 * s`` is below the rounding floor (a saturated, all-correct network: nothing measurable
    to descend).
    """
    if problem.has_kink:
        return
    params, X, y = problem.arrays()
    grads = _grads("descent", candidate, params, X, y)
    P = {k: v.astype(np.float64) for k, v in params.items()}
    G = {k: v.astype(np.float64) for k, v in grads.items()}
    head = problem.spec.head
    X64, y64 = X.astype(np.float64), head.targets(y, np.float64)
    base = reference_loss(P, X64, y64, problem.activation, head)
    with np.errstate(over="ignore", invalid="ignore"):
        s = sum(float((g * g).sum()) for g in G.values())
    if s == 0:
        return
    if not np.isfinite(s):  # |g|^2 overflows float64: measurable only where the exact gradient's does not
        true = reference_backward(P, X64, y64, problem.activation, head=head)
        with np.errstate(over="ignore", invalid="ignore"):
            exact = sum(float((g * g).sum()) for g in true.values())
        if not np.isfinite(exact):
            return
        raise LawViolation("descent", f"|g|^2 overflows float64 where the exact gradient's is {exact:.3g}: g is "
                           f"far too large to be this loss's gradient")
    norm = _norm(P.values())
    lr = policy.DESCENT_STEP * max(1.0, norm) / np.sqrt(s)
    floor = policy.DESCENT_FLOOR * max(1.0, abs(base))
    if not np.isfinite(lr):  # no finite step: |w| itself overflows float64
        return
    lr = float(lr)  # Python floats: lr * s is inf past float64, never a warning
    if lr * s <= floor:
        return
    while lr * s > floor:
        with np.errstate(over="ignore", invalid="ignore"):
            moved = {k: P[k] - lr * G[k] for k in P}
            value = reference_loss(moved, X64, y64, problem.activation, head)
        if value <= base - policy.ARMIJO_C * lr * s:
            return
        lr /= 2
    raise LawViolation("descent", f"no rate on the halving grid lowers the loss along -g by "
                       f"{policy.ARMIJO_C:g} lr |g|^2 (|g|^2 = {s:.3g}, loss {base:.6g}): g points uphill, or is "
                       f"some {1 / policy.ARMIJO_C:g} times too large or more")


def _norm(arrays) -> float:
    """The Euclidean norm of every entry, scaled by the largest so that no square overflows
    (inf only where the norm itself is beyond float64)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays if np.size(a)]
    top = max((float(np.abs(a).max()) for a in arrays), default=0.0)
    if top == 0.0 or not np.isfinite(top):
        return top
    with np.errstate(over="ignore"):
        return top * float(np.sqrt(sum(float(((a / top) ** 2).sum()) for a in arrays)))


def permutation(candidate, problem):
    """Gradients are invariant under a permutation of the batch (to rounding: the policy's torch tolerance)."""
    params, X, y = problem.arrays()
    g = _grads("permutation", candidate, params, X, y)
    h = _grads("permutation", candidate, params, *_permuted(problem, X, y))
    tol = policy.tolerance("torch", problem.dtype, unit=problem.spec.head.unit(X.shape[0], problem.sizes[-1]))
    magnitudes = backward_magnitudes(problem.spec, params, X, y)  # float32's whole rule: rounding's unit
    for k in params:
        c = compare(k, "permuted batch", g[k], h[k].astype(np.float64), tol, magnitude=magnitudes[k])
        if not c.passed:
            raise LawViolation("permutation", c.line("the original order"))


def identity_passes_da(candidate, problem):
    """With the identity activation dz_l == da_l (the lesson's Exercise 3), so db_l == db_{l+1} @ W_{l+1}.T.
    A law of the biases' gradients: it holds trivially for a network without biases."""
    if problem.activation != "identity" or not problem.bias:
        return
    params, X, y = problem.arrays()
    g = {k: v.astype(np.float64) for k, v in _grads("identity", candidate, params, X, y).items()}
    tol = policy.tolerance("torch", problem.dtype)
    magnitudes = backward_magnitudes(problem.spec, params, X, y)  # float32's whole rule: rounding's unit
    for l in range(1, n_layers(params)):
        implied = g[f"b{l + 1}"] @ params[f"W{l + 1}"].astype(np.float64).T
        c = compare(f"b{l}", f"db{l + 1} @ W{l + 1}.T", g[f"b{l}"], implied, tol, magnitude=magnitudes[f"b{l}"])
        if not c.passed:
            raise LawViolation("identity", c.line())


def determinism(candidate, problem):
    """Two calls on the same inputs give the same gradients (to the policy's determinism row).

    The second call goes past the session's memory, to the candidate itself.
    """
    from oracles.harness import loss_scale, nondeterminism

    params, X, y = problem.arrays()
    session = Session.of(candidate)
    first = session.evaluate(params, X, y)
    if first.failure is not None:
        return  # the contract laws say what went wrong
    second = session.second(params, X, y)
    found = nondeterminism(first, second, params, loss_scale(params, X))
    if found:
        raise LawViolation("determinism", found)


@functools.lru_cache(maxsize=512)
def prepared(problem, oracles: tuple):
    """The oracles' side of a drawn problem, computed once: a problem's arrays are a function of
    its description, and fuzz runs (the zoo's above all) meet the same problems again."""
    from oracles.harness import Point, prepare

    params, X, y = problem.arrays()
    return prepare(problem.spec, Point("fuzz", params, problem.describe()), X, y, oracles)


def agreement(candidate, problem, oracles=registry.NAMES, point=None):
    """The candidate agrees with each oracle on the drawn problem under the policy (at an exact
    kink: within the subgradient interval). ``point``: the problem's oracles when already
    computed (a gradebook's, shared by every candidate); else :func:`prepared`'s."""
    from oracles.harness import evaluate, judge

    point = prepared(problem, tuple(oracles)) if point is None else point
    first, _ = evaluate(point, Session.of(candidate), repeat=False)
    result = judge(point, first)
    speaking = _speaker(candidate)
    if speaking:
        speaking.speak(result)
    if not result.passed:
        raise LawViolation("agreement", *result.verdict_lines(), result=result)


def _own_point(problem) -> list:
    params, X, y = problem.arrays()
    return [(params, X, y)]


def _gating_inputs(problem) -> list:
    if problem.activation != "relu":
        return []
    params, X, y = problem.arrays()
    return [(params, Xb, yb) for Xb, yb, _ in _gating_batches(X, y)]


def _permutation_inputs(problem) -> list:
    params, X, y = problem.arrays()
    return [(params, X, y), (params, *_permuted(problem, X, y))]


@dataclass(frozen=True)
class Law:
    """A law: its ``judge(candidate, problem)`` (None when it holds, else a :class:`LawViolation`),
    the inputs it asks the candidate about (``asks(problem)``) and whether it asks the problem's
    own point a second time (the determinism law). Called as ``law(candidate, problem)``, it asks
    its inputs through a :class:`Session` on the candidate, then judges."""

    name: str
    judge: Callable
    asks: Callable = _own_point
    again: bool = False

    def __call__(self, candidate, problem, *more):
        session = Session.of(candidate)
        session.ask(self.asks(problem), again=self.again)
        return self.judge(session, problem, *more)


LAWS = {law.name: law for law in (
    Law("shapes", shapes), Law("finite", finite), Law("relu-gating", relu_gating, _gating_inputs),
    Law("descent", descent), Law("permutation", permutation, _permutation_inputs),
    Law("identity", identity_passes_da), Law("determinism", determinism, again=True),
    Law("agreement", agreement))}


def check_laws(candidate, problem, laws=None, oracles=registry.NAMES, point=None) -> list:
    """Every law on one problem; returns the violations (empty when all hold). ``point``: the
    problem's oracles, when already computed (:func:`agreement`).

    One :class:`Session` asks every input the laws declare in one round trip, each distinct input
    once (and the problem's own point a second time when the determinism law runs); the laws then
    judge the outcomes it has.
    """
    session = Session.of(candidate)
    laws = tuple(laws or LAWS)
    session.ask([*_own_point(problem), *(i for name in laws for i in LAWS[name].asks(problem))],
                again=any(LAWS[name].again for name in laws))
    out = []
    for name in laws:
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a gradient of 1e308 is a verdict, not a warning
                if name == "agreement":
                    agreement(session, problem, oracles, point)
                else:
                    LAWS[name].judge(session, problem)
        except LawViolation as exc:
            out.append(exc)
    return out
