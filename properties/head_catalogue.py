"""The bug zoo's entries for the other heads and layouts: softmax, mse, L2, summed losses, and the
CS231n, deeplearning.ai and torch conventions.

Each function is written as the course's code writes it (its layout in, its layout and keys out,
its own forward inside, the L2 strength in its own code); none imports the reference. Each
:class:`~properties.catalogue.Entry` says the head and layout it is written for (``loss``,
``convention``, ``l2`` as that convention writes it, ``reduction``), and the zoo checks it under
exactly those (``compare-frameworks --bug-zoo --loss softmax --data iris.csv``, DESIGN.md "Heads
and conventions"). ``MUTANTS`` carry one classic mistake each; ``CORRECT`` are the same code
written right, in each convention.
"""
from __future__ import annotations

import numpy as np

from properties.catalogue import Entry

ALL = ("W1", "b1", "W2", "b2")
REG = 0.05  # the cs231n entries' reg
LAMBD = 0.7  # the deeplearning-ai entries' lambd


# ================================================================ CS231n: TwoLayerNet.loss (softmax + reg)

def _cs231n(params, X, y, reg=REG, bug=None):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    N = X.shape[0]
    h1 = np.maximum(0, X.dot(W1) + b1)  # (N, H)
    scores = h1.dot(W2) + b2  # (N, C)
    if bug == "no-max-shift":
        exp_scores = np.exp(scores)  # BUG: no max shift, overflows on saturated scores
    else:
        exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    if bug == "wrong-axis":
        probs = exp_scores / np.sum(exp_scores, axis=0, keepdims=True)  # BUG: normalized over the batch
    else:
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)  # (N, C)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()
    if bug == "index-as-one-hot":
        dscores = probs - y.reshape(-1, 1)  # BUG: y holds class indices, not a one-hot matrix
    elif bug != "no-minus-one":
        dscores[np.arange(N), y] -= 1  # (the BUG variant forgets this)
    dscores /= N
    grads = {}
    grads["W2"] = h1.T.dot(dscores)
    grads["b2"] = np.sum(dscores, axis=0)
    dh1 = dscores.dot(W2.T)
    dh1[h1 <= 0] = 0
    grads["W1"] = X.T.dot(dh1)
    grads["b1"] = np.sum(dh1, axis=0)
    if bug == "l2-no-2":
        grads["W2"] += reg * W2  # BUG: the derivative of reg * W^2 is 2 reg W
        grads["W1"] += reg * W1
    else:
        grads["W2"] += 2 * reg * W2
        grads["W1"] += 2 * reg * W1
    if bug == "l2-on-biases":
        grads["b2"] += 2 * reg * b2  # BUG: biases are not regularized
        grads["b1"] += 2 * reg * b1
    return loss, grads


def cs231n_two_layer_net(params, X, y):
    return _cs231n(params, X, y)


def cs231n_no_minus_one(params, X, y):
    return _cs231n(params, X, y, bug="no-minus-one")


def cs231n_wrong_axis(params, X, y):
    return _cs231n(params, X, y, bug="wrong-axis")


def cs231n_no_max_shift(params, X, y):
    return _cs231n(params, X, y, bug="no-max-shift")


def cs231n_index_as_one_hot(params, X, y):
    return _cs231n(params, X, y, bug="index-as-one-hot")


def cs231n_l2_no_2(params, X, y):
    return _cs231n(params, X, y, bug="l2-no-2")


def cs231n_l2_on_biases(params, X, y):
    return _cs231n(params, X, y, bug="l2-on-biases")


# ================================================================ deeplearning.ai: column-major, dW1 keys

def _dlai(parameters, X, Y, head="bce", lambd=0.0, bug=None):
    """``L_model_forward`` / ``compute_cost`` / ``L_model_backward`` for one hidden ReLU layer: X (D, m),
    W (out, in), b (out, 1), Y (1, m) (bce, mse) or one-hot (C, m) (softmax)."""
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    m = X.shape[1]
    Z1 = np.dot(W1, X) + b1  # (H, m)
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2  # (C, m)
    if head == "softmax":
        T = np.exp(Z2 - np.max(Z2, axis=0, keepdims=True))
        A2 = T / np.sum(T, axis=0, keepdims=True)  # (C, m)
        cost = -np.sum(Y * np.log(A2)) / m
        dZ2 = (A2 - Y) / m
    elif head == "mse":
        A2 = Z2  # identity output
        cost = np.mean((A2 - Y) ** 2)
        dZ2 = 2 * (A2 - Y) / Y.size
    else:
        A2 = 1 / (1 + np.exp(-Z2))
        cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
        dZ2 = (A2 - Y) / m
    if lambd and bug != "l2-gradient-only":  # compute_cost_with_regularization (the BUG variant skips it)
        cost = cost + lambd / (2 * m) * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    axis = 0 if bug == "bias-wrong-axis" else 1  # BUG variant: axis=0 sums over the units, not the batch
    dW2 = np.dot(dZ2, A1.T) + lambd / m * W2
    db2 = np.sum(dZ2, axis=axis, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.array(dA1, copy=True)
    dZ1[Z1 <= 0] = 0  # relu_backward
    dW1 = np.dot(dZ1, X.T) + lambd / m * W1
    db1 = np.sum(dZ1, axis=axis, keepdims=True)
    return float(np.squeeze(cost)), {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def dlai_backward(parameters, X, Y):
    return _dlai(parameters, X, Y)


def dlai_backward_with_regularization(parameters, X, Y):
    return _dlai(parameters, X, Y, lambd=LAMBD)


def dlai_l2_gradient_only(parameters, X, Y):
    return _dlai(parameters, X, Y, lambd=LAMBD, bug="l2-gradient-only")


def dlai_bias_wrong_axis(parameters, X, Y):
    return _dlai(parameters, X, Y, bug="bias-wrong-axis")


def dlai_softmax(parameters, X, Y):
    return _dlai(parameters, X, Y, head="softmax")


def dlai_softmax_bias_wrong_axis(parameters, X, Y):
    return _dlai(parameters, X, Y, head="softmax", bug="bias-wrong-axis")


def dlai_mse_with_regularization(parameters, X, Y):
    return _dlai(parameters, X, Y, head="mse", lambd=LAMBD)


def dlai_mse_l2_gradient_only(parameters, X, Y):
    return _dlai(parameters, X, Y, head="mse", lambd=LAMBD, bug="l2-gradient-only")


# ================================================================ torch layout (nn.Linear), by hand

def _torch(params, X, y, head="bce", bug=None):
    """``W`` is ``fc.weight`` (out, in), ``b`` is ``fc.bias`` (out,); y (N,) (int64 classes for softmax)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N, C = X.shape[0], W2.shape[0]
    z1 = X @ W1.T + b1  # (N, H)
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2.T + b2  # (N, C)
    if head == "softmax":
        logp = z2 - z2.max(axis=1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))  # F.log_softmax
        loss = -logp[np.arange(N), y].mean()  # F.nll_loss
        dz2 = np.exp(logp)
        dz2[np.arange(N), y] -= 1
        dz2 /= N
    elif head == "mse":
        target = y.reshape(N, C)
        loss = ((z2 - target) ** 2).mean()  # F.mse_loss
        dz2 = 2 * (z2 - target) / (N * C)
    else:
        target = y.reshape(N, 1)
        loss = (np.logaddexp(0, z2) - target * z2).mean()  # F.binary_cross_entropy_with_logits
        dz2 = (1 / (1 + np.exp(-z2)) - target) / N
    dW2 = dz2.T @ a1  # (C, H): (out, in)
    db2 = dz2.sum(axis=0)  # (C,)
    dz1 = (dz2 @ W2) * (z1 > 0)
    dW1 = X.T @ dz1 if bug == "dW-in-out" else dz1.T @ X  # (H, D); the BUG variant: the lesson's (in, out)
    db1 = dz1.sum(axis=0)  # (H,)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def torch_layout(params, X, y):
    return _torch(params, X, y)


def torch_layout_dw_in_out(params, X, y):
    return _torch(params, X, y, bug="dW-in-out")


def torch_layout_softmax(params, X, y):
    return _torch(params, X, y, head="softmax")


def torch_layout_mse(params, X, y):
    return _torch(params, X, y, head="mse")


# ================================================================ per example, summed (Nielsen), the lesson's layout

def _per_example(params, X, y, head="bce", averaged=False):
    """One example at a time, each example's gradient added up: ``--reduction sum``."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    nabla = {k: np.zeros_like(v) for k, v in params.items()}
    for x, t in zip(X, y):
        z1 = x @ W1 + b1[0]  # (H,)
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2 + b2[0]  # (C,)
        if head == "softmax":
            e = np.exp(z2 - z2.max())
            delta2 = e / e.sum()
            delta2[int(t)] -= 1
        elif head == "mse":
            delta2 = 2 * (z2 - t)
        else:
            delta2 = 1 / (1 + np.exp(-z2)) - t
        nabla["W2"] += np.outer(a1, delta2)
        nabla["b2"] += delta2
        delta1 = (W2 @ delta2) * (z1 > 0)  # (H,)
        nabla["W1"] += np.outer(x, delta1)
        nabla["b1"] += delta1
    if averaged:  # BUG: the mean's gradient, though the loss this code is checked for is summed
        return {k: v / X.shape[0] for k, v in nabla.items()}
    return nabla


def per_example(params, X, y):
    return _per_example(params, X, y)


def per_example_averaged(params, X, y):
    return _per_example(params, X, y, averaged=True)


def per_example_softmax(params, X, y):
    return _per_example(params, X, y, head="softmax")


def per_example_mse(params, X, y):
    return _per_example(params, X, y, head="mse")


# ================================================================ mse, the lesson's layout

def _mse(params, X, y, half=False):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N, C = X.shape[0], W2.shape[1]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(z1, 0)
    y_hat = a1 @ W2 + b2  # (N, C): identity output
    loss = np.mean((y_hat - y) ** 2)
    if half:
        dz2 = (y_hat - y) / (N * C)  # BUG: the gradient of 1/2 (y_hat - y)^2, not of the MSE
    else:
        dz2 = 2 * (y_hat - y) / (N * C)  # (N, C)
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0, keepdims=True)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0, keepdims=True)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mse(params, X, y):
    return _mse(params, X, y)


def mse_half(params, X, y):
    return _mse(params, X, y, half=True)


# ================================================================ the catalogue

def _softmax(*args, **kw):
    return Entry(*args, loss="softmax", **kw)


def _mse_entry(*args, **kw):
    return Entry(*args, loss="mse", **kw)


MUTANTS = [
    # softmax (CS231n's TwoLayerNet.loss, reg 0.05)
    _softmax("cs231n-no-minus-one", "dscores = probs / N: softmax's gradient without subtracting 1 at the true class",
             cs231n_no_minus_one, ALL, ("softmax:no-minus-one",), convention="cs231n", l2=REG),
    _softmax("cs231n-wrong-axis", "probs = exp / sum(exp, axis=0): softmax normalized over the batch, not the classes",
             cs231n_wrong_axis, ALL, ("softmax:wrong-axis",), convention="cs231n", l2=REG),
    _softmax("cs231n-no-max-shift", "exp(scores) without subtracting the row max: overflows once a logit passes 709",
             cs231n_no_max_shift, ALL, ("contract:non-finite",), "fuzz", convention="cs231n", l2=REG),
    _softmax("cs231n-index-as-one-hot", "dscores = probs - y[:, None]: integer labels used as a one-hot matrix",
             cs231n_index_as_one_hot, ALL, ("labels:one-hot-vs-index",), convention="cs231n", l2=REG),
    _softmax("cs231n-l2-no-2", "dW += reg * W: the gradient of reg * sum(W ** 2) without its 2",
             cs231n_l2_no_2, ("W1", "W2"), ("l2:no-2",), convention="cs231n", l2=REG),
    _softmax("cs231n-l2-on-biases", "db += 2 * reg * b: L2 on the biases too (invisible at zero biases)",
             cs231n_l2_on_biases, ("b1", "b2"), ("l2:on-biases",), "generic", convention="cs231n", l2=REG),
    _softmax("dlai-softmax-bias-wrong-axis", "db = np.sum(dZ, axis=0, keepdims=True): column-major bias summed over "
             "the units, shape (1, m)", dlai_softmax_bias_wrong_axis, ("b1", "b2"), ("contract:shape",),
             convention="deeplearning-ai"),
    # mse
    _mse_entry("mse-no-2", "dz2 = (y_hat - y) / N: the 1/2 (y_hat - y)^2 convention's gradient on the mean squared "
               "error", mse_half, ALL, ("mse:no-2",)),
    _mse_entry("dlai-mse-l2-gradient-only", "lambd / m * W added to dW but the cost without lambd / (2 m) sum W^2",
               dlai_mse_l2_gradient_only, (), ("l2:missing-in-loss",), convention="deeplearning-ai", l2=LAMBD),
    # bce in the other layouts
    Entry("dlai-l2-gradient-only", "lambd / m * W added to dW but compute_cost without the L2 term",
          dlai_l2_gradient_only, (), ("l2:missing-in-loss",), convention="deeplearning-ai", l2=LAMBD),
    Entry("torch-layout-dW-in-out", "dW1 = X.T @ dz1: the lesson's (in, out) gradient for nn.Linear's (out, in) weight",
          torch_layout_dw_in_out, ("W1",), ("contract:shape",), convention="torch"),
    Entry("per-example-averaged", "the per-example sums divided by N at the end, for a loss summed over the batch",
          per_example_averaged, ALL, ("factor:1/N",), reduction="sum"),
    Entry("dlai-bias-wrong-axis", "db = np.sum(dZ, axis=0, keepdims=True): column-major bias summed over the "
          "units, shape (1, m)", dlai_bias_wrong_axis, ("b1", "b2"), ("contract:shape",),
          convention="deeplearning-ai"),
]

CORRECT = [
    _softmax("cs231n-two-layer-net", "CS231n's TwoLayerNet.loss: softmax + reg * sum(W ** 2), b (out,)",
             cs231n_two_layer_net, convention="cs231n", l2=REG),
    _softmax("dlai-softmax", "deeplearning.ai's layout with a softmax output, Y one-hot (C, m), dW1 keys",
             dlai_softmax, convention="deeplearning-ai"),
    _softmax("torch-layout-softmax", "nn.Linear's layout by hand: log_softmax + nll_loss, W (out, in)",
             torch_layout_softmax, convention="torch"),
    _softmax("per-example-softmax", "one example at a time, summed over the batch (Nielsen)",
             per_example_softmax, reduction="sum"),
    _mse_entry("mse", "identity output, mean((y_hat - y) ** 2), the lesson's layout", mse),
    _mse_entry("torch-layout-mse", "nn.Linear's layout by hand with F.mse_loss", torch_layout_mse, convention="torch"),
    _mse_entry("dlai-mse-l2", "deeplearning.ai's layout, squared error + lambd / (2 m) sum W^2",
               dlai_mse_with_regularization, convention="deeplearning-ai", l2=LAMBD),
    _mse_entry("per-example-mse", "one example at a time, summed over the batch", per_example_mse, reduction="sum"),
    Entry("dlai-backward", "deeplearning.ai's L_model_backward: X (D, m), W (out, in), b (out, 1), dW1 keys",
          dlai_backward, convention="deeplearning-ai"),
    Entry("dlai-backward-l2", "deeplearning.ai's backward_propagation_with_regularization, lambd 0.7",
          dlai_backward_with_regularization, convention="deeplearning-ai", l2=LAMBD),
    Entry("torch-layout", "nn.Linear's layout by hand: W (out, in), b (out,), y (N,)", torch_layout, convention="torch"),
    Entry("per-example", "Nielsen's backprop: one example at a time, summed over the batch", per_example,
          reduction="sum"),
]


def select(loss: str = "bce", convention: str | None = None, reduction: str | None = None,
           l2: bool = False) -> tuple:
    """``(mutants, correct)`` of the head ``loss``, narrowed to ``convention``, ``reduction`` and (``l2``)
    entries with L2 when given."""
    def keep(e):
        return (e.loss == loss and (convention is None or e.convention == convention)
                and (reduction is None or e.reduction == reduction) and (not l2 or e.l2 > 0))

    return [e for e in MUTANTS if keep(e)], [e for e in CORRECT if keep(e)]
