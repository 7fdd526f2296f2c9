"""The classic mistakes of a course's layers, each the gradients it would give, computed by the
harness (torch, and NumPy for the simplest) on the same arrays and dout: a failing backward whose
gradients are one of these, entry for entry, is named. A constant factor between a gradient and
the oracles' (N, 1/N, the window's size, p ...) is named too, whatever the kind.

A mistake is named only where it reproduces every gradient the candidate returned (the policy's
``hypothesis`` tolerance) and differs from the right gradients at this point.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from oracles import policy
from oracles.families.layers.frameworks import torch_layer
from oracles.families.layers.kinds import KINDS


@dataclass(frozen=True)
class Mistake:
    id: str
    words: str
    grads: Callable  # (kind, arrays, hyper, douts, right) -> {name: array}: what the mistake's backward returns


def _conv_flipped(kind, arrays, hyper, douts, right):
    flipped = dict(arrays, w=np.ascontiguousarray(arrays["w"][:, :, ::-1, ::-1]))
    return dict(right, x=torch_layer(kind, flipped, hyper, douts)[1]["x"])


def _conv_stride_ignored(kind, arrays, hyper, douts, right):
    """The windows walked at stride 1 in the backward: dout's (Ho, Wo) entries placed at offsets i, j,
    not i * stride, j * stride (the vjp of a stride-1 convolution whose first Ho x Wo outputs are dout's)."""
    import torch
    import torch.nn.functional as F

    t = {k: torch.tensor(arrays[k], dtype=torch.float64, requires_grad=True) for k in ("x", "w", "b")}
    out = F.conv2d(t["x"], t["w"], t["b"], stride=1, padding=hyper["pad"])
    dout = torch.tensor(douts[0])
    cotangent = torch.zeros_like(out)
    Ho, Wo = dout.shape[2:]
    cotangent[:, :, :Ho, :Wo] = dout
    got = torch.autograd.grad(out, [t["x"], t["w"], t["b"]], cotangent)
    return {k: g.numpy() for k, g in zip(("x", "w", "b"), got)}


def _embedding_overwrites(kind, arrays, hyper, douts, right):
    dW = np.zeros(arrays["W"].shape)
    dW[arrays["x"]] = douts[0]  # a repeated word keeps one of its gradients, as NumPy assigns
    return {"W": dW}


def _window_sum(kind, arrays, hyper, douts, right):
    """Each window's dout sent whole to every position of it: average pooling's gradient times the window."""
    size = hyper["pool_height"] * hyper["pool_width"]
    return {"x": torch_layer(KINDS["avg_pool"], arrays, hyper, douts)[1]["x"] * size}


def _norm_without_mean_terms(axis, kind, arrays, hyper, douts, right):
    std = np.sqrt(arrays["x"].var(axis=axis, keepdims=True) + hyper["eps"])
    return dict(right, x=douts[0] * arrays["gamma"] / std)


def _dropout_not_rescaled(kind, arrays, hyper, douts, right):
    return dict(right, x=right["x"] * hyper["p"])


def _not_carried(state: str, kind, arrays, hyper, douts, right):
    """The recurrence's gradient cut between steps: through h (and c), or through c alone."""
    import torch

    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in arrays.items()}
    prev, c, hs = t["h0"], torch.zeros_like(t["h0"]), []
    for step in range(t["x"].shape[1]):
        if step:
            prev = prev if state == "c" else prev.detach()
            c = c.detach()
        a = t["x"][:, step] @ t["Wx"] + prev @ t["Wh"] + t["b"]
        if kind.name == "rnn":
            prev = torch.tanh(a)
        else:
            i, f, o, g = a.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            prev = torch.sigmoid(o) * torch.tanh(c)
        hs.append(prev)
    out = torch.stack(hs, dim=1)
    got = torch.autograd.grad(out, [t[k] for k in kind.grads], torch.tensor(douts[0]))
    return {k: g.numpy() for k, g in zip(kind.grads, got)}


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _step(kind, arrays, hyper, douts, right, cell_tanh: bool = True, g_slope: str = "tanh"):
    """The RNN or LSTM step's backward in NumPy, with one of its derivatives as a mistake takes it: the
    RNN's without tanh's slope (its one mistake here), the LSTM's g gate's slope as tanh's or a
    sigmoid's, its cell's tanh or none."""
    x, prev_h, Wx, Wh, b = (arrays[k] for k in ("x", "prev_h", "Wx", "Wh", "b"))
    if kind.name == "rnn_step":
        da = douts[0]  # tanh's derivative (1 - next_h ** 2) left out
        return {"x": da @ Wx.T, "prev_h": da @ Wh.T, "Wx": x.T @ da, "Wh": prev_h.T @ da, "b": da.sum(axis=0)}
    a = x @ Wx + prev_h @ Wh + b
    H = prev_h.shape[1]
    i, f, o, g = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    c = f * arrays["prev_c"] + i * g
    dh, dc_in = douts
    dc = dc_in + dh * o * ((1 - np.tanh(c) ** 2) if cell_tanh else 1.0)
    da = np.hstack([dc * g * i * (1 - i), dc * arrays["prev_c"] * f * (1 - f), dh * np.tanh(c) * o * (1 - o),
                    dc * i * ((1 - g ** 2) if g_slope == "tanh" else g * (1 - g))])
    return {"x": da @ Wx.T, "prev_h": da @ Wh.T, "prev_c": dc * f, "Wx": x.T @ da, "Wh": prev_h.T @ da,
            "b": da.sum(axis=0)}


# The mistakes' functions take their settings first, bound with partial when the tables are built (at
# import): the code that computes a mistake's gradients runs when a diagnosis asks, never at import.
MISTAKES = {
    "relu": [Mistake("relu-no-mask", "dout passed through unmasked: relu's backward keeps only the entries where "
                     "x > 0", lambda kind, arrays, hyper, douts, right: {"x": douts[0]})],
    "rnn_step": [Mistake("rnn-step-no-tanh-derivative", "tanh's derivative (1 - next_h ** 2) is missing",
                         _step)],
    "lstm_step": [Mistake("lstm-g-gate-sigmoid-derivative", "the g gate's derivative taken as a sigmoid's, "
                          "g * (1 - g), not tanh's, 1 - g ** 2", partial(_step, g_slope="sigmoid")),
                  Mistake("lstm-no-cell-tanh-derivative", "dnext_h reaches the cell without tanh's derivative "
                          "(1 - tanh(next_c) ** 2)", partial(_step, cell_tanh=False))],
    "conv": [Mistake("conv-flipped-kernel", "dx through the kernel flipped (w[:, :, ::-1, ::-1]): the forward is a "
                     "cross-correlation, and its dx uses w as it is", _conv_flipped),
             Mistake("conv-stride-ignored", "the backward walks the windows at stride 1: dout[i, j] belongs to the "
                     "window at i * stride, j * stride", _conv_stride_ignored)],
    "embedding": [Mistake("embedding-overwrites", "dW[x] = dout overwrites: a word that appears more than once "
                          "keeps one of its gradients instead of their sum (np.add.at accumulates)",
                          _embedding_overwrites)],
    "max_pool": [Mistake("max-pool-every-position", "each window's dout sent to every position of the window, not "
                         "to its maximum alone", _window_sum)],
    "avg_pool": [Mistake("avg-pool-not-divided", "average pooling's dx not divided by the window's size "
                         "(pool_height * pool_width)", _window_sum)],
    "batchnorm": [Mistake("batchnorm-no-mean-terms", "dx = dout * gamma / std: the terms through the batch mean and "
                          "variance are missing", partial(_norm_without_mean_terms, 0))],
    "layernorm": [Mistake("layernorm-no-mean-terms", "dx = dout * gamma / std: the terms through the row's mean and "
                          "variance are missing", partial(_norm_without_mean_terms, -1))],
    "dropout": [Mistake("dropout-not-rescaled", "the backward forgets 1/p: dx = dout * mask, without the rescale "
                        "the forward applied", _dropout_not_rescaled)],
    "rnn": [Mistake("rnn-not-carried", "dh is not carried back through time: each step's backward gets only its "
                    "own dh[:, t], not dh[:, t] + the dprev_h of the step after it", partial(_not_carried, "h"))],
    "lstm": [Mistake("lstm-not-carried", "dh and dc are not carried back through time: each step's backward gets "
                     "only its own dh[:, t]", partial(_not_carried, "h")),
             Mistake("lstm-cell-not-carried", "the cell's gradient is not carried back through time: dprev_c is "
                     "dropped between steps (dh is carried)", partial(_not_carried, "c"))],
}


def _normalized(axis, arrays, hyper, unbiased=False, eps_outside=False):
    """Batch (axis 0) or layer (axis -1) normalization's output written with one of the classic slips."""
    x, eps = arrays["x"], hyper["eps"]
    var = x.var(axis=axis, keepdims=True, ddof=1 if unbiased else 0)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return [(x - x.mean(axis=axis, keepdims=True)) / std * arrays["gamma"] + arrays["beta"]]


def _no_transpose(arrays, hyper):
    """Spatial batch norm's forward with the classic reshape slip (training mode)."""
    x, eps = arrays["x"], hyper["eps"]
    flat = x.reshape(-1, x.shape[1])
    x_hat = (flat - flat.mean(axis=0)) / np.sqrt(flat.var(axis=0) + eps)
    return [(x_hat * arrays["gamma"] + arrays["beta"]).reshape(x.shape)]


FORWARD_MISTAKES = {
    "batchnorm": [Mistake("batchnorm-batch-statistics-in-test-mode", "test mode normalized with the batch's own "
                          "mean and variance, not bn_param's running_mean and running_var", partial(_normalized, 0)),
                  Mistake("batchnorm-unbiased-variance", "the batch's variance divided by N - 1 (the layer divides "
                          "by N)", partial(_normalized, 0, unbiased=True)),
                  Mistake("batchnorm-eps-outside-sqrt", "eps added outside the square root: (x - mean) / (std + eps)",
                          partial(_normalized, 0, eps_outside=True))],
    "layernorm": [Mistake("layernorm-unbiased-variance", "the row's variance divided by D - 1 (the layer divides "
                          "by D)", partial(_normalized, -1, unbiased=True)),
                  Mistake("layernorm-eps-outside-sqrt", "eps added outside the square root: (x - mean) / (std + eps)",
                          partial(_normalized, -1, eps_outside=True))],
    "spatial_batchnorm": [Mistake("spatial-batchnorm-no-transpose", "x reshaped to (N * H * W, C) without moving "
                                  "the channels last first (x.reshape(-1, C), not x.transpose(0, 2, 3, 1).reshape"
                                  "(-1, C)): each column mixes channels and positions", _no_transpose)],
    "affine": [Mistake("affine-no-bias", "out = x w: the bias is not added",
                       lambda arrays, hyper: [arrays["x"].reshape(arrays["x"].shape[0], -1) @ arrays["w"]])],
    "dropout": [Mistake("dropout-forward-not-rescaled", "the kept units are not divided by p (inverted dropout "
                        "divides them, so that test mode is the identity)",
                        lambda arrays, hyper: [arrays["x"] * arrays["mask"]])],
}


def diagnose_forward(kind, arrays: dict, hyper: dict, outs: list, right: list) -> list:
    """Words for the forward mistakes the candidate's outputs reproduce (``right``: torch's outputs)."""
    found = []
    for mistake in FORWARD_MISTAKES.get(kind.name, []):
        try:
            theirs = mistake.grads(arrays, hyper)
        except (KeyError, ValueError):
            continue
        named = {str(i): o for i, o in enumerate(theirs)}
        if not _matches(named, {str(i): o for i, o in enumerate(right)}) and \
                _matches({str(i): o for i, o in enumerate(outs)}, named):
            found.append(f"{mistake.words} [{mistake.id}]")
    return found


def _matches(mine: dict, theirs: dict) -> bool:
    tol = policy.tolerance("hypothesis", "float64")
    return all(k in theirs and np.shape(mine[k]) == np.shape(theirs[k]) and bool(tol.close_array(mine[k], theirs[k]).all())
               for k in mine)


def diagnose(kind, arrays: dict, hyper: dict, douts: list, grads: dict, right: dict) -> list:
    """Words for the mistakes the candidate's ``grads`` reproduce (``right``: the torch oracle's)."""
    found = []
    for mistake in MISTAKES.get(kind.name, []):
        try:
            theirs = mistake.grads(kind, arrays, hyper, douts, right)
        except (RuntimeError, ValueError, KeyError):
            continue
        if not _matches(theirs, right) and _matches(grads, theirs):
            found.append(f"{mistake.words} [{mistake.id}]")
    if not found:
        found += _factors(kind, arrays, hyper, grads, right)
    return found


def _factors(kind, arrays, hyper, grads, right) -> list:
    """``dx is 4 (N) times the gradient`` where a failing gradient is a constant multiple of the right one."""
    names = {"N": arrays["x"].shape[0] if "x" in arrays else None, "p": hyper.get("p"),
             "the window's size": (hyper["pool_height"] * hyper["pool_width"]) if "pool_height" in hyper else None}
    tol = policy.tolerance("hypothesis", "float64")
    out = []
    for k, g in grads.items():
        o = right[k]
        if tol.close_array(g, o).all() or not np.any(o):
            continue
        c = float(np.vdot(g, o) / np.vdot(o, o))
        if abs(c) < 1e-12 or not tol.close_array(g, c * o).all():
            continue
        named = [f"{label} = {v:g}" for label, v in names.items() if v and policy.FACTOR.close(c, v)]
        named += [f"1 / {label} (1/{v:g})" for label, v in names.items() if v and policy.FACTOR.close(c * v, 1.0)]
        why = f" ({named[0]})" if named else ""
        out.append(f"d{k} is {c:.6g}{why} times the gradient at every entry [factor]")
    return out
