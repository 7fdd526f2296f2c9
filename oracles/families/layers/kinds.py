"""The kinds of layer, as a from-scratch course (CS231n) writes them: each kind's argument order,
how its hyper-parameters are passed, what its backward returns, and how the harness draws its
arrays. NumPy only: the frameworks' rewrites live in :mod:`oracles.families.layers.frameworks`.

``args``: the arrays the forward takes, in order (``x`` first); ``grads``: the arrays the backward
returns the gradients of, in order (``dx`` first where x is differentiated); ``style``: how the
hyper-parameters follow the arrays: ``None`` (none), ``"dict"`` (one positional dict, CS231n's
``conv_param``), ``"keywords"``; ``outputs``: arrays the forward returns before its cache
(``lstm_step``: ``next_h, next_c``); ``loss``: a loss ``(x, y) -> (loss, dx)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np

GRID = 1.0  # a kinked kind's second point has x on this grid: exact zeros (ReLU) and exact ties (max pooling, hinge margins)


@dataclass(frozen=True)
class Kind:
    name: str
    args: tuple
    grads: tuple
    shapes: Callable  # (rng, hyper) -> {name: shape} of the float arrays in args
    style: str | None = None
    hyper_name: str = ""  # as the course names the dict: conv_param
    defaults: Callable = field(default=lambda rng, second: {})  # (rng, second point?) -> drawn hyper-parameters
    outputs: tuple = ("out",)
    loss: bool = False
    ints: dict = field(default_factory=dict)  # name -> (shape(arrays, hyper), high): integer arrays, held fixed
    bools: tuple = ()  # of the ints, those drawn from {0, 1} and given as booleans (a mask)
    smooth: bool = True  # no kinks: both points drawn from the normal (a grid would only risk a zero variance);
    # finite differences need no kink search in any array (central, two evaluations per entry: .structure)
    linear: tuple = ()  # the arrays sum(out * dout) is linear in, each with the others held (one-sided
    # differences, one evaluation per entry: .structure)
    statistical: bool = False  # dropout: no framework replays its mask; it is read from the forward's output
    ties: Callable | None = None  # (arrays, hyper, douts) -> (lo, hi) of dx where kinks couple entries (max pooling)
    also: tuple = ()  # hyper-parameters of further points at the first seed (dropout's test mode)
    tie_groups: Callable | None = None  # (arrays, hyper) -> [mask of x]: entries that move together smoothly
    fill: Callable | None = None  # (rng, hyper, arrays) -> hyper: what the hyper-parameters hold of the arrays' shapes
    forward_only: tuple = ()  # modes in which only the forward is checked (batch norm's test mode)
    stacks: tuple = ()  # ({array: axis}, out axis): slices the layer computes apart (a batch's rows, a
    # convolution's filters), which the forward's worker may evaluate many perturbed copies of in one call
    units: tuple = ()  # ((array, ((axis, gate blocks), ...)), ...): a recurrent layer's hidden-unit axes, along
    # which the forward's worker may set many perturbed copies of the layer side by side in one call (its
    # weights, shared by every row and step, which no batch stacking reaches); the outputs' last axis too

    @property
    def fixed(self) -> tuple:
        return tuple(a for a in self.args if a not in self.grads)

    def message(self, hyper: dict) -> dict:
        """How the worker calls the forward (:func:`oracles.worker.layer_losses`)."""
        return {"args": list(self.args), "style": self.style, "hyper": hyper, "outputs": len(self.outputs),
                "loss": self.loss, "stacks": [[dict(group), axis] for group, axis in self.stacks],
                "units": [[name, [list(a) for a in axes]] for name, axes in self.units]}

    def hyper(self, rng, given: dict, second: bool = False) -> dict:
        """The drawn hyper-parameters with the user's ``given`` ones over them (``second``: at the
        second point, where a kind draws what the first did not cover: stride 1 after 2, pad 0 after 1)."""
        drawn = self.defaults(rng, second)
        unknown = sorted(set(given) - set(drawn))
        if unknown:
            known = ", ".join(drawn) or "no hyper-parameters"
            raise ValueError(f"--layer-args: {self.name} takes {known}, not {', '.join(unknown)}")
        return {**drawn, **given}

    def draw(self, rng, hyper: dict, grid: bool) -> dict:
        """The forward's arrays: normal floats (x on a grid of :data:`GRID` when ``grid``), integers for ``ints``."""
        out = {}
        for name, shape in self.shapes(rng, hyper).items():
            a = rng.standard_normal(shape)
            if name == "x" and grid:
                a = np.round(a / GRID) * GRID
            out[name] = a
        for name, (shape, high) in self.ints.items():
            out[name] = rng.integers(0, high(out, hyper), size=shape(out, hyper))
            if name in self.bools:  # a mask (temporal_softmax_loss): booleans, as the course draws it
                out[name] = out[name].astype(bool)
        return {k: out[k] for k in self.args}


def _sizes(rng, k: int, low: int = 2, high: int = 6) -> list:
    """``k`` different sizes in ``[low, high]``: no two axes alike, so a transpose or a wrong axis shows."""
    return [int(v) for v in rng.choice(np.arange(low, high + 1), size=k, replace=False)]


def _affine(rng, h):
    N, d1, d2, M = _sizes(rng, 4)
    return {"x": (N, d1, d2), "w": (d1 * d2, M), "b": (M,)}


def _rows(rng, h):
    N, D = _sizes(rng, 2)
    return {"x": (N, D)}


# The shapes of a family of kinds take their settings first, bound with partial in KINDS (built at import):
# the code that draws them runs at each draw, never at import.
def _norm(low, rng, h):
    N, D = _sizes(rng, 2, low, 7)
    return {"x": (N, D), "gamma": (D,), "beta": (D,)}


def _step(gates: int, cell: bool, rng, h):
    N, D, H = _sizes(rng, 3)
    out = {"x": (N, D), "prev_h": (N, H), "Wx": (D, gates * H), "Wh": (H, gates * H), "b": (gates * H,)}
    if cell:
        out["prev_c"] = (N, H)
    return out


def _sequence(gates: int, rng, h):
    N, T, D, H = _sizes(rng, 4, 2, 5)
    return {"x": (N, T, D), "h0": (N, H), "Wx": (D, gates * H), "Wh": (H, gates * H), "b": (gates * H,)}


def _temporal(rng, h):
    N, T, D, M = _sizes(rng, 4, 2, 5)
    return {"x": (N, T, D), "w": (D, M), "b": (M,)}


def _temporal_scores(rng, h):
    return {"x": tuple(_sizes(rng, 3, 2, 5))}


def _spatial(rng, h):
    N, C, H, W = _sizes(rng, 4, 2, 5)
    return {"x": (N, C, H, W), "gamma": (C,), "beta": (C,)}


def _bn_hyper(rng, second):
    return {"mode": "train", "eps": 1e-5, "momentum": 0.9}


def _running_stats(rng, hyper: dict, arrays: dict) -> dict:
    """Test mode normalizes with ``bn_param``'s running averages: drawn here, one per feature (channel)."""
    if hyper.get("mode") != "test":
        return hyper
    C = arrays["x"].shape[1]
    return {**hyper, "running_mean": rng.standard_normal(C), "running_var": rng.uniform(0.5, 2.0, C)}


def _conv_shapes(rng, h):
    s, p = h["stride"], h["pad"]
    F, C, HH, WW = 3, int(rng.integers(1, 4)), int(rng.choice([2, 3])), int(rng.choice([1, 2, 3]))

    def size(k):
        fits = [n for n in range(max(k - 2 * p, 2), 9) if (n + 2 * p - k) % s == 0 and n + 2 * p >= k]
        return int(rng.choice(fits[:4]))

    return {"x": (2, C, size(HH), size(WW)), "w": (F, C, HH, WW), "b": (F,)}


def _pool_shapes(rng, h):
    ph, pw, s = h["pool_height"], h["pool_width"], h["stride"]

    def size(k):  # two windows or more along each axis
        return int(rng.choice([n for n in range(k + 1, 10) if (n - k) % s == 0][:3]))

    return {"x": (2, 2, size(ph), size(pw))}


def max_pool_ties(arrays: dict, hyper: dict, douts: list):
    """Each entry's interval of generalized gradients of ``sum(out * dout)`` in x (None without a tie).

    A window whose maximum is tied sends its dout to its tied entries in any convex shares, so a
    tied entry may receive any part of it between ``min(0, dout)`` and ``max(0, dout)``; a sole
    maximum receives all of it. An entry in several windows (overlapping pools) sums these. The
    one-sided differences alone give a narrower interval there: stepping one entry moves it above
    (or below) its ties in every window at once, while the other entries' choice may differ per
    window (torch's first maximum of each window is one such choice).
    """
    x, dout = arrays["x"], douts[0]
    ph, pw, s = hyper["pool_height"], hyper["pool_width"], hyper["stride"]
    lo, hi, tied = np.zeros(x.shape), np.zeros(x.shape), np.zeros(x.shape, dtype=bool)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            at = (slice(None), slice(None), slice(i * s, i * s + ph), slice(j * s, j * s + pw))
            window = x[at]
            top = window == window.max(axis=(2, 3), keepdims=True)
            many = top.sum(axis=(2, 3), keepdims=True) > 1
            d = dout[:, :, i, j][:, :, None, None]
            lo[at] += np.where(top & ~many, d, 0.0) + np.where(top & many, np.minimum(d, 0.0), 0.0)
            hi[at] += np.where(top & ~many, d, 0.0) + np.where(top & many, np.maximum(d, 0.0), 0.0)
            tied[at] |= top & many
    return (lo, hi) if tied.any() else None


def max_pool_tie_groups(arrays: dict, hyper: dict) -> list:
    """The tied maxima of each window with a tie, one mask of x each: moved together, they stay the
    window's maximum on both sides, so a gradient's sum over them is that window's dout (where no
    other window they lie in has a kink along the same move: the judge checks that too)."""
    x = arrays["x"]
    ph, pw, s = hyper["pool_height"], hyper["pool_width"], hyper["stride"]
    groups = []
    for i in range(1 + (x.shape[2] - ph) // s):
        for j in range(1 + (x.shape[3] - pw) // s):
            for n in range(x.shape[0]):
                for c in range(x.shape[1]):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    top = window == window.max()
                    if top.sum() > 1:
                        mask = np.zeros(x.shape, dtype=bool)
                        mask[n, c, i * s:i * s + ph, j * s:j * s + pw] = top
                        groups.append(mask)
    return groups


def _conv_hyper(rng, second):
    """Stride 2 with padding at the first point, stride 1 without at the second: each bug that shows
    only with a stride, only with padding or only without it (``dxp[:, :, pad:-pad]``) shows at one."""
    return {"stride": 1 if second else 2, "pad": 0 if second else 1}


def _pool_hyper(rng, second):
    """Windows 2 or 3 high and wide; stride 1 (overlapping windows: their gradients add up) at the
    first point, 2 at the second, where x is on a grid and ties are checked window by window (a
    move of a window's tied maxima crosses no other window's kink where windows barely overlap)."""
    return {"pool_height": int(rng.choice([2, 3])), "pool_width": int(rng.choice([2, 3])),
            "stride": 2 if second else 1}


ROWS = (({"x": 0}, 0),)  # a batch's rows computed apart


def _units(gates: int, *states: str) -> tuple:
    """A recurrent layer's hidden units: the states' second axis, ``Wx``'s and ``b``'s gate blocks
    (i, f, o, g as CS231n orders them), ``Wh``'s rows and gate blocks (:attr:`Kind.units`)."""
    return (*((s, ((1, 1),)) for s in states), ("Wx", ((1, gates),)), ("Wh", ((0, 1), (1, gates))),
            ("b", ((0, gates),)))


KINDS = {k.name: k for k in (
    # affine_forward(x, w, b): x (N, d_1, ..., d_k), w (D, M) with D = d_1 ... d_k, b (M,); backward -> (dx,
    # dw, db), dx shaped as x
    Kind("affine", ("x", "w", "b"), ("x", "w", "b"),
         _affine, linear=("x", "w", "b"),
         stacks=(({"x": 0}, 0), ({"w": 1, "b": 0}, 1))),
    # relu_forward(x); backward -> dx
    Kind("relu", ("x",), ("x",), _rows, smooth=False,
         stacks=ROWS),
    # sigmoid_forward(x); backward -> dx
    Kind("sigmoid", ("x",), ("x",), _rows, stacks=ROWS),
    # tanh_forward(x); backward -> dx
    Kind("tanh", ("x",), ("x",), _rows, stacks=ROWS),
    # leaky_relu_forward(x, alpha=...); backward -> dx
    Kind("leaky_relu", ("x",), ("x",), _rows, style="keywords", smooth=False,
         defaults=lambda rng, second: {"alpha": float(rng.choice([0.01, 0.1, 0.2]))},
         stacks=ROWS),
    # softmax_loss(x, y) -> (loss, dx): x (N, C) scores, y (N,) labels in [0, C); the mean over N
    Kind("softmax_loss", ("x", "y"), ("x",), _rows, outputs=("loss",), loss=True,
         ints={"y": ((lambda a, h: (a["x"].shape[0],)), (lambda a, h: a["x"].shape[1]))}),
    # svm_loss(x, y) -> (loss, dx): the multiclass hinge loss with margin 1, summed over the wrong classes,
    # the mean over N
    Kind("svm_loss", ("x", "y"), ("x",), _rows, outputs=("loss",), loss=True, smooth=False,
         ints={"y": ((lambda a, h: (a["x"].shape[0],)), (lambda a, h: a["x"].shape[1]))}),
    # batchnorm_forward(x, gamma, beta, bn_param): x (N, D), training mode (the batch's mean and biased
    # variance), and test mode (bn_param's running_mean and running_var; the forward alone); backward -> (dx,
    # dgamma, dbeta)
    Kind("batchnorm", ("x", "gamma", "beta"), ("x", "gamma", "beta"),
         partial(_norm, 4), style="dict", hyper_name="bn_param", defaults=_bn_hyper, linear=("gamma", "beta"),
         also=({"mode": "test"},), fill=_running_stats, forward_only=("test",),
         stacks=(({"x": 1, "gamma": 0, "beta": 0}, 1),)),
    # spatial_batchnorm_forward(x, gamma, beta, bn_param): x (N, C, H, W), gamma and beta (C,), each channel
    # normalized over N, H and W; training and test mode as batchnorm; backward -> (dx, dgamma, dbeta)
    Kind("spatial_batchnorm", ("x", "gamma", "beta"), ("x", "gamma", "beta"),
         _spatial, style="dict", hyper_name="bn_param", defaults=_bn_hyper, linear=("gamma", "beta"),
         also=({"mode": "test"},), fill=_running_stats, forward_only=("test",),
         stacks=(({"x": 1, "gamma": 0, "beta": 0}, 1),)),
    # layernorm_forward(x, gamma, beta, ln_param): x (N, D), each row normalized; backward -> (dx, dgamma,
    # dbeta)
    Kind("layernorm", ("x", "gamma", "beta"), ("x", "gamma", "beta"),
         partial(_norm, 3), style="dict", hyper_name="ln_param", linear=("gamma", "beta"),
         defaults=lambda rng, second: {"eps": 1e-5},
         stacks=ROWS),  # each row normalized by its own statistics
    # dropout_forward(x, dropout_param): inverted dropout, dropout_param {p, mode, seed}, p the probability of
    # keeping a unit, the kept ones divided by p; training mode, the mask drawn from seed, and test mode (the
    # identity); backward -> dx
    Kind("dropout", ("x",), ("x",), lambda rng, h: {"x": (20, 25)}, style="dict", hyper_name="dropout_param",
         defaults=lambda rng, second: {"p": float(rng.choice([0.3, 0.6, 0.8])), "mode": "train",
                               "seed": int(rng.integers(0, 2**31))},
         statistical=True, also=({"mode": "test"},)),
    # conv_forward_naive(x, w, b, conv_param): x (N, C, H, W), w (F, C, HH, WW), b (F,), conv_param {stride,
    # pad} (zero padding on both sides); cross-correlation as torch and CS231n compute it; backward -> (dx,
    # dw, db)
    Kind("conv", ("x", "w", "b"), ("x", "w", "b"), _conv_shapes, style="dict", hyper_name="conv_param",
         defaults=_conv_hyper, linear=("x", "w", "b"),
         stacks=(({"x": 0}, 0), ({"w": 0, "b": 0}, 1))),
    # max_pool_forward_naive(x, pool_param): x (N, C, H, W), pool_param {pool_height, pool_width, stride};
    # backward -> dx
    Kind("max_pool", ("x",), ("x",), _pool_shapes, style="dict", hyper_name="pool_param",
         defaults=_pool_hyper, smooth=False, ties=max_pool_ties,
         tie_groups=max_pool_tie_groups,
         stacks=ROWS),
    # avg_pool_forward_naive(x, pool_param): as max_pool, the mean of each window; backward -> dx
    Kind("avg_pool", ("x",), ("x",), _pool_shapes, style="dict", hyper_name="pool_param",
         defaults=_pool_hyper, linear=("x",),
         stacks=ROWS),
    # rnn_step_forward(x, prev_h, Wx, Wh, b) -> (next_h, cache): next_h = tanh(x Wx + prev_h Wh + b);
    # backward(dnext_h, cache) -> (dx, dprev_h, dWx, dWh, db)
    Kind("rnn_step", ("x", "prev_h", "Wx", "Wh", "b"), ("x", "prev_h", "Wx", "Wh", "b"),
         partial(_step, 1, False),
         outputs=("next_h",),
         stacks=(({"x": 0, "prev_h": 0}, 0),), units=_units(1, "prev_h")),
    # lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b) -> (next_h, next_c, cache): gates i, f, o, g in that
    # order along the 4H columns; backward(dnext_h, dnext_c, cache) -> (dx, dprev_h, dprev_c, dWx, dWh, db)
    Kind("lstm_step", ("x", "prev_h", "prev_c", "Wx", "Wh", "b"), ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
         partial(_step, 4, True),
         outputs=("next_h", "next_c"),
         stacks=(({"x": 0, "prev_h": 0, "prev_c": 0}, 0),), units=_units(4, "prev_h", "prev_c")),
    # rnn_forward(x, h0, Wx, Wh, b) -> (h, cache): x (N, T, D), h (N, T, H), the step of rnn_step over T;
    # backward(dh, cache) -> (dx, dh0, dWx, dWh, db)
    Kind("rnn", ("x", "h0", "Wx", "Wh", "b"), ("x", "h0", "Wx", "Wh", "b"),
         partial(_sequence, 1), outputs=("h",),
         stacks=(({"x": 0, "h0": 0}, 0),), units=_units(1, "h0")),
    # lstm_forward(x, h0, Wx, Wh, b) -> (h, cache): x (N, T, D), h (N, T, H), the cell starts at 0, the step
    # of lstm_step over T; backward(dh, cache) -> (dx, dh0, dWx, dWh, db)
    Kind("lstm", ("x", "h0", "Wx", "Wh", "b"), ("x", "h0", "Wx", "Wh", "b"),
         partial(_sequence, 4), outputs=("h",),
         stacks=(({"x": 0, "h0": 0}, 0),), units=_units(4, "h0")),
    # word_embedding_forward(x, W): x (N, T) integer word ids in [0, V), W (V, D); out (N, T, D); backward ->
    # dW (repeated words accumulate)
    Kind("embedding", ("x", "W"), ("W",), lambda rng, h: {"W": tuple(_sizes(rng, 2, 3, 6))}, linear=("W",),
         ints={"x": ((lambda a, h: (2, 5)), (lambda a, h: a["W"].shape[0]))}),
    # temporal_affine_forward(x, w, b): x (N, T, D), w (D, M), b (M,); out (N, T, M); backward -> (dx, dw, db)
    Kind("temporal_affine", ("x", "w", "b"), ("x", "w", "b"),
         _temporal, linear=("x", "w", "b"),
         stacks=(({"x": 0}, 0), ({"w": 1, "b": 0}, 2))),
    # temporal_softmax_loss(x, y, mask) -> (loss, dx): x (N, T, V) scores, y (N, T) labels, mask (N, T)
    # booleans; the masked cross-entropy summed over T, the mean over N
    Kind("temporal_softmax_loss", ("x", "y", "mask"), ("x",), _temporal_scores, outputs=("loss",),
         loss=True,
         ints={"y": ((lambda a, h: a["x"].shape[:2]), (lambda a, h: a["x"].shape[2])),
               "mask": ((lambda a, h: a["x"].shape[:2]), (lambda a, h: 2))}, bools=("mask",)),
)}
NAMES = tuple(KINDS)  # as oracles.families.layers.names.NAMES says them, without NumPy
