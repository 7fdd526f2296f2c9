"""The HIPS autograd oracle: the network written again in ``autograd.numpy``, ``value_and_grad``.

autograd differentiates NumPy code as written, by tracing it: a fourth implementation, independent
of the reference (never called), of finite differences, torch and JAX. Opt in with
``--oracles finite-differences,torch,jax,autograd``. Only the spec (sizes, activation, dtype,
head) and the arrays cross over.
"""
from __future__ import annotations

import numpy as np

from oracles.torch_oracle import l2_coefficient  # the convention's reading of l2; no torch import

LEAKY_SLOPE = 0.01


def _activation(anp, name):
    # np.where, not np.maximum: autograd splits a tie of maximum's arguments half and half, while
    # ReLU's gradient at 0 is taken as 0 (torch's and the lesson's)
    return {"relu": lambda z: anp.where(z > 0, z, 0.0), "identity": lambda z: z, "tanh": anp.tanh,
            "sigmoid": lambda z: 0.5 * (anp.tanh(0.5 * z) + 1),
            "leaky_relu": lambda z: anp.where(z > 0, z, LEAKY_SLOPE * z)}[name]


def _bce(anp, z, y):
    return anp.sum(anp.logaddexp(0.0, z) - y * z, axis=1), 1


def _softmax(anp, z, y):  # y: (N,) int64 classes
    from autograd.scipy.special import logsumexp

    return logsumexp(z, axis=1) - z[np.arange(z.shape[0]), y.reshape(-1)], 1


def _mse(anp, z, y):  # torch's MSELoss: the mean over rows and outputs
    return anp.sum((z - y) ** 2, axis=1), z.shape[1]


def _quadratic(anp, z, y):  # Nielsen's network.py: half the squared error of a sigmoid output
    return 0.5 * anp.sum((0.5 * (anp.tanh(0.5 * z) + 1) - y) ** 2, axis=1), 1


# each head in autograd.numpy: (anp, logits z (N, C), y: (N, C) floats or (N,) integer classes)
# -> (row losses (N,), terms per row in the mean)
HEADS = {"bce": _bce, "softmax": _softmax, "mse": _mse, "quadratic": _quadratic}


def autograd_oracle(spec, params: dict, X, y):
    """``(loss, grads)`` from ``autograd.value_and_grad`` in the spec's dtype; grads as float64."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    dtype = np.dtype(spec.dtype)
    X = np.asarray(X, dtype=dtype)
    target = np.asarray(y)
    if target.dtype.kind == "f":  # numbers or 0/1 labels, as (N, C); integer classes stay as they are
        target = target.astype(dtype).reshape(X.shape[0], -1)
    act = _activation(anp, spec.activation)
    n_layers = len(spec.sizes) - 1
    N = X.shape[0]

    def loss(P):
        a = X
        for l in range(1, n_layers + 1):
            z = anp.dot(a, P[f"W{l}"]) + P[f"b{l}"] if spec.bias else anp.dot(a, P[f"W{l}"])  # no b: no bias
            a = act(z) if l < n_layers else z
        rows, per_row = HEADS[spec.loss](anp, z, target)
        value = anp.sum(rows) / (N * per_row) if spec.reduction == "mean" else anp.sum(rows)
        if spec.l2:
            c = l2_coefficient(spec, N)
            value = value + c * sum(anp.sum(P[k] ** 2) for k in P if k.startswith("W"))
        return value

    value, grads = value_and_grad(loss)({k: np.asarray(v, dtype=dtype) for k, v in params.items()})
    return float(value), {k: np.asarray(g, dtype=np.float64) for k, g in grads.items()}
