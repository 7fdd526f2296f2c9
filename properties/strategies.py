"""Hypothesis strategies for problems: network specs, batches, weights, kinks and saturation.

Strategies are small public functions that validate their arguments and draw only bounded,
finite values. A drawn :class:`Problem` is described by a few integers and words (spec, N,
seed, scale, labels, kink, saturation); its arrays come from ``np.random.default_rng(seed)``,
so a shrunk counterexample is short to read and one line reproduces it.
"""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np
from hypothesis import strategies as st

from oracles import options, policy
from reference.heads import L2_FORMS, LOSSES, REDUCTIONS
from reference.model import ACTIVATIONS, DTYPES, KINKED, Spec, forward, random_params

LABELS = ("both", "zeros", "ones")
KINKS = ("none", "on", "near")
NEAR_KINK = 1e-9  # "near" puts a pre-activation this far from 0
SATURATION = 40.0  # saturated problems have |z| >= this at the output
SOFTMAX_SATURATION = 800.0  # a saturated softmax has one logit this far ahead: exp of it overflows float64
REPLAY_MAX_N = 100_000  # a replayed problem's bounds: far beyond what the strategies draw
REPLAY_MAX_WIDTH = 4096


@dataclass(frozen=True)
class Problem:
    """Everything that defines one drawn problem; arrays are rebuilt from it deterministically."""

    sizes: tuple
    activation: str
    dtype: str
    N: int
    seed: int
    scale: float
    labels: str = "both"
    kink: str = "none"
    saturate: bool = False
    loss: str = "bce"  # the head (reference/heads.py); C = sizes[-1]
    reduction: str = "mean"
    l2: float = 0.0
    l2_form: str = "weight_decay"
    bias: bool = True  # False: the network has no biases (W1, ..., WL only)

    @property
    def spec(self) -> Spec:
        return Spec(self.sizes, self.activation, self.dtype, self.loss, self.reduction, self.l2, self.l2_form,
                    self.bias)

    def _targets(self, rng, X):
        """Labels for the head: softmax classes (``labels`` zeros/ones: all class 0 / all class C-1,
        both: every class at least once where N allows), mse targets of order 1."""
        C = self.sizes[-1]
        if self.loss == "softmax":
            if self.labels != "both":
                return np.full(self.N, 0 if self.labels == "zeros" else C - 1, dtype=np.int64)
            y = rng.integers(0, C, self.N).astype(np.int64)
            y[:min(C, self.N)] = np.arange(min(C, self.N))
            return y
        return rng.standard_normal((self.N, C))

    def arrays(self):
        """``(params, X, y)`` for this problem, built from ``default_rng(seed)``: fresh copies for
        each caller of arrays built once (the laws ask for them several times a problem)."""
        params, X, y = _built(self)
        return {k: v.copy() for k, v in params.items()}, X.copy(), y.copy()

    def _build(self):
        spec = self.spec
        rng = np.random.default_rng(self.seed)
        X = rng.standard_normal((self.N, self.sizes[0]))
        if self.loss != "bce":
            y = self._targets(rng, X)
        elif self.labels == "both":
            y = (rng.random((self.N, 1)) < 0.5).astype(float)
            y[0, 0], y[-1, 0] = 0.0, 1.0  # both classes whenever N >= 2
        else:
            y = np.full((self.N, 1), 1.0 if self.labels == "ones" else 0.0)
        params = {k: v.astype(np.float64) for k, v in random_params(spec, self.seed, self.scale).items()}
        if self.kink != "none":
            at = 0.0 if self.kink == "on" else NEAR_KINK * (1 if self.seed % 2 else -1)
            X[0] = 0.0
            if self.bias:  # row 0 of X is zero, so z1[0, 0] is exactly b1[0, 0]: on the kink, or within 1e-9 of it
                params["b1"][0, 0] = at
            elif self.kink == "on":  # X[0] = (1, 0, ..., 0) and W1[0, 0] = 0: z1[0, 0] is exactly 0, seen by dW1[0, 0]
                X[0, 0], params["W1"][0, 0] = 1.0, 0.0  # (a zero row would put units at 0 that no gradient sees)
            else:  # X[0] = (1e-9, 0, ..., 0): row 0 alone, every z1[0, j] within 1e-9 |W1[0, j]| of its kink (a weight
                X[0, 0] = at  # near 0 would put a whole unit near it on every row when D = 1: no loss smooth enough to descend)
            L = len(self.sizes) - 1
            for l in range(2, L):
                if self.kink == "on" and self.activation in KINKED and (self.seed >> (l - 2)) & 1:
                    # z_l[0, 0] = a_{l-1}[0] @ W_l[:, 0] + b_l[0, 0] is exactly 0 in any order and dtype
                    # when every product is 0: W_l[i, 0] = 0 wherever a_{l-1}[0, i] is not, and b_l[0, 0] = 0
                    _, cache = forward(params, X, self.activation)
                    params[f"W{l}"][cache[f"a{l - 1}"][0] != 0, 0] = 0.0
                    if self.bias:
                        params[f"b{l}"][0, 0] = 0.0
        if self.saturate and self.loss == "softmax":  # one class far ahead: exp(z) overflows without the max shift
            L = len(self.sizes) - 1
            params[f"b{L}"][...] = 0.0
            _, cache = forward(params, X, self.activation)
            reach = float(np.abs(cache[f"z{L}"]).max())
            params[f"b{L}"][0, self.seed % self.sizes[-1]] = SOFTMAX_SATURATION + 2 * reach
        elif self.saturate and self.loss == "bce":  # saturated logits (an identity output has none)
            L = len(self.sizes) - 1
            params[f"b{L}"][...] = 0.0
            _, cache = forward(params, X, self.activation)
            reach = float(np.abs(cache[f"z{L}"]).max())
            params[f"b{L}"][...] = (SATURATION + reach) * (1 if self.seed % 3 else -1)
        return ({k: v.astype(self.dtype) for k, v in params.items()}, X.astype(self.dtype),
                y if self.loss == "softmax" else y.astype(self.dtype))

    @property
    def has_kink(self) -> bool:
        """Whether some pre-activation sits exactly on a kink (the loss is not differentiable there)."""
        if self.activation not in KINKED:
            return False
        params, X, _ = self.arrays()
        _, cache = forward(params, X, self.activation)
        return any(np.any(cache[f"z{l}"] == 0) for l in range(1, len(self.sizes) - 1))

    HEAD_DEFAULTS = {"loss": "bce", "reduction": "mean", "l2": 0.0, "l2_form": "weight_decay", "bias": True}

    def to_dict(self) -> dict:
        """The fields; the head's and ``bias`` only where they differ from the lesson's (old lines stay as they were)."""
        d = asdict(self)
        d["sizes"] = list(self.sizes)
        for k, v in self.HEAD_DEFAULTS.items():
            if d[k] == v:
                del d[k]
        return d

    def describe(self) -> str:
        """``sizes=8,16,1 activation=relu dtype=float64 N=5 seed=3 scale=1 ...``: also the --replay format."""
        d = self.to_dict()
        d["sizes"] = ",".join(map(str, self.sizes))
        d["saturate"] = int(self.saturate)
        if "bias" in d:
            d["bias"] = int(self.bias)
        return " ".join(f"{k}={v}" for k, v in d.items())

    @classmethod
    def parse(cls, text: str) -> "Problem":
        """Inverse of :meth:`describe`; raises ValueError naming the bad field."""
        fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
        try:
            problem = cls(sizes=tuple(int(s) for s in fields["sizes"].split(",")),
                          activation=fields.get("activation", "relu"), dtype=fields.get("dtype", "float64"),
                          N=int(fields["N"]), seed=int(fields.get("seed", 0)),
                          scale=float(fields.get("scale", 1.0)), labels=fields.get("labels", "both"),
                          kink=fields.get("kink", "none"), saturate=bool(int(fields.get("saturate", 0))),
                          loss=fields.get("loss", "bce"), reduction=fields.get("reduction", "mean"),
                          l2=float(fields.get("l2", 0.0)), l2_form=fields.get("l2_form", "weight_decay"),
                          bias=options.yes_no(fields.get("bias", "1"), "bias"))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"--replay takes the line a fuzz failure prints (sizes=... N=... seed=...): {exc}") from None
        try:
            problem.spec  # validates sizes, activation, dtype and the head
        except ValueError as exc:
            raise ValueError(f"--replay: {exc}") from None
        if not 1 <= problem.N <= REPLAY_MAX_N or not 0 <= problem.seed < 2**32:
            raise ValueError(f"--replay: N must lie in 1..{REPLAY_MAX_N} and seed in 0..2**32-1, "
                             f"got N={problem.N} seed={problem.seed}")
        if not (np.isfinite(problem.scale) and problem.scale > 0) or max(problem.sizes) > REPLAY_MAX_WIDTH:
            raise ValueError(f"--replay: scale must be a positive finite number and every size at most "
                             f"{REPLAY_MAX_WIDTH}, got scale={problem.scale} sizes={','.join(map(str, problem.sizes))}")
        if problem.labels not in LABELS or problem.kink not in KINKS:
            raise ValueError(f"--replay: labels must be one of {', '.join(LABELS)}, kink one of {', '.join(KINKS)}")
        if problem.saturate and not problem.bias:
            raise ValueError("--replay: saturate=1 goes with biases (the output bias saturates the logits), not bias=0")
        options.l2(problem.l2, "--replay l2")  # the bound of --l2: beyond it no oracle resolves the data term
        spec = problem.spec
        directions = 0 if spec.n_params() <= policy.FD_EXHAUSTIVE_BUDGET else policy.FD_DIRECTIONS
        options.fits(problem.sizes, problem.N, directions, "--replay")  # before any array is built
        overflow = problem.overflow()
        if overflow:
            raise ValueError(f"--replay: the problem overflows {problem.dtype} (scale={problem.scale:g}"
                             f"{f', l2={problem.l2:g}' if problem.l2 else ''}): {overflow}; no check can be made there")
        return problem

    def overflow(self) -> str | None:
        """Where the reference's own forward or gradient on this problem is not finite in its dtype
        (a scale too large), in words; None when every number is finite."""
        from reference.model import backward, loss

        with np.errstate(all="ignore"):
            params, X, y = self.arrays()
            _, cache = forward(params, X, self.activation, self.loss)
            bad = [k for k, v in cache.items() if not np.all(np.isfinite(v))]
            if bad:
                return f"{bad[0]} is not finite"
            if not np.isfinite(loss(params, X, y, self.activation, self.spec.head)):
                return "the loss is not finite"
            grads = backward(params, X, y, self.activation, head=self.spec.head)
            bad = [k for k, v in grads.items() if not np.all(np.isfinite(v))]
        return f"the gradient d{bad[0]} is not finite" if bad else None


_built = functools.lru_cache(maxsize=64)(Problem._build)  # a Problem is frozen, so hashable


def _check_range(name, low, high, lowest):
    if not (lowest <= low <= high):
        raise ValueError(f"{name}: need {lowest} <= min <= max, got {low}..{high}")


def specs(min_depth: int = 1, max_depth: int = 3, max_width: int = 32, max_inputs: int = 16,
          activations=ACTIVATIONS, dtypes=("float64",), inputs=None, losses=("bce",), classes=None,
          reductions=("mean",), l2s=(0.0,), l2_forms=("weight_decay",), biases=(True,)):
    """Network specs: ``min_depth..max_depth`` hidden layers of width 1..max_width, D in 1..max_inputs.

    The head: one of ``losses`` (the lesson's bce by default), its outputs C (bce 1; softmax
    2..6, mse 1..3, or ``classes`` when given), one of ``reductions``, an L2 strength from ``l2s``
    written as one of ``l2_forms``; with biases or without, one of ``biases``.
    """
    _check_range("depth", min_depth, max_depth, 0)
    _check_range("width", 1, max_width, 1)
    _check_range("inputs", 1, max_inputs, 1)
    unknown = [a for a in activations if a not in ACTIVATIONS] + [d for d in dtypes if d not in DTYPES]
    if unknown or not activations or not dtypes:
        raise ValueError(f"unknown or empty activations/dtypes: {unknown}")
    bad = ([x for x in losses if x not in LOSSES] + [x for x in reductions if x not in REDUCTIONS]
           + [x for x in l2_forms if x not in L2_FORMS])
    if bad or not losses or not reductions or not l2s or not l2_forms:
        raise ValueError(f"unknown or empty losses/reductions/l2_forms: {bad}")
    if not biases or not set(biases) <= {True, False}:
        raise ValueError(f"biases takes True and/or False, got {biases!r}")
    D = st.just(inputs) if inputs else st.integers(1, max_inputs)
    hidden = st.lists(st.integers(1, max_width), min_size=min_depth, max_size=max_depth)
    if tuple(losses) == ("bce",) and tuple(reductions) == ("mean",) and tuple(l2s) == (0.0,) and tuple(biases) == (True,):
        return st.builds(lambda d, h, a, t: Spec((d, *h, 1), a, t), D, hidden,
                         st.sampled_from(tuple(activations)), st.sampled_from(tuple(dtypes)))

    def outputs(loss):
        if loss == "bce":
            return st.just(1)
        if classes is not None:
            return st.just(int(classes))
        return st.integers(2, 6) if loss == "softmax" else st.integers(1, 3)

    head = st.sampled_from(tuple(losses)).flatmap(lambda loss: st.tuples(st.just(loss), outputs(loss)))
    return st.builds(lambda d, h, a, t, lc, r, l2, form, b: Spec((d, *h, lc[1]), a, t, lc[0], r, l2, form, b), D,
                     hidden, st.sampled_from(tuple(activations)), st.sampled_from(tuple(dtypes)), head,
                     st.sampled_from(tuple(reductions)), st.sampled_from(tuple(l2s)),
                     st.sampled_from(tuple(l2_forms)), st.sampled_from(tuple(biases)))


def scales(low: float = 1e-3, high: float = 10.0):
    """Weight scales, log-uniform between ``low`` and ``high``; shrinks toward 1."""
    if not (0 < low <= high):
        raise ValueError(f"scales: need 0 < low <= high, got {low}, {high}")
    lo, hi = float(np.log10(low)), float(np.log10(high))
    mid = min(max(0.0, lo), hi)

    def scale(e: float) -> float:  # 10 ** log10(high) may round past high: held to the bounds
        return float(min(max(10.0 ** e, low), high))

    return st.one_of(st.just(scale(mid)), st.floats(lo, hi).map(scale))


def problems(spec_strategy=None, min_n: int = 1, max_n: int = 256, scale_strategy=None,
             labels=LABELS, kinks=KINKS, saturate=(False, True)):
    """Whole problems: a spec, N in ``min_n..max_n``, a seed, a scale, labels, kinks, saturation (with
    biases only: the output bias saturates the logits, and without it no weight puts every row past 40)."""
    _check_range("N", min_n, max_n, 1)
    if not set(labels) <= set(LABELS) or not set(kinks) <= set(KINKS):
        raise ValueError(f"labels must come from {LABELS}, kinks from {KINKS}")
    spec_strategy = specs() if spec_strategy is None else spec_strategy
    scale_strategy = scales() if scale_strategy is None else scale_strategy
    return st.builds(
        lambda spec, N, seed, scale, lab, kink, sat: Problem(
            spec.sizes, spec.activation, spec.dtype, N, seed, scale, lab, kink, sat and spec.bias, spec.loss,
            spec.reduction, spec.l2, spec.l2_form, spec.bias),
        spec_strategy, st.integers(min_n, max_n), st.integers(0, 2**32 - 1), scale_strategy,
        st.sampled_from(tuple(labels)), st.sampled_from(tuple(kinks)), st.sampled_from(tuple(saturate)))


def lesson_problems(**kwargs):
    """Problems on the lesson's architecture (one ReLU hidden layer), any D, H and N."""
    return problems(specs(min_depth=1, max_depth=1, activations=("relu",)), **kwargs)


def candidate_problems(spec: Spec):
    """Problems for a user's candidate: its depth, activation, dtype, head (loss, classes,
    reduction, L2) and biases kept, everything else drawn (inputs, widths, batch size, scale, labels,
    kinks, saturation)."""
    depth = len(spec.hidden)
    return problems(specs(depth, depth, activations=(spec.activation,), dtypes=(spec.dtype,),
                          losses=(spec.loss,), classes=spec.classes, reductions=(spec.reduction,),
                          l2s=(spec.l2,), l2_forms=(spec.l2_form,), biases=(spec.bias,)))
