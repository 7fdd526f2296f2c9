"""The JAX oracle: the network written again in JAX, ``jax.value_and_grad``, jit-compiled.

It never calls reference code. float64 runs inside ``jax.enable_x64(True)`` so the precision of
other JAX code in the user's process is left as it was.

Compile once, not once per shape: arrays are zero-padded to shape buckets (powers of two, at
least 256 rows, 16 inputs and 32 units per layer), the static-shape idiom of JAX code. Padded
inputs and units have zero weights, so they add exact zeros to every real pre-activation; padded
rows carry a zero weight in a masked mean. The real entries' loss and gradients are unchanged.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from oracles.torch_oracle import l2_coefficient  # the convention's reading of l2; no torch import

LEAKY_SLOPE = 0.01  # jax.nn.leaky_relu's default
MIN_ROWS, MIN_INPUTS, MIN_UNITS = 256, 16, 32


def _bucket(n: int, least: int) -> int:
    return max(least, 1 << (int(n) - 1).bit_length())


def _bce(jax, jnp, z, y):
    return jnp.logaddexp(0.0, z) - y * z, False


def _softmax(jax, jnp, z, y):  # y: integer labels; cross-entropy from log_softmax
    one_hot = jax.nn.one_hot(y[:, 0], z.shape[1], dtype=z.dtype)
    return -jnp.sum(one_hot * jax.nn.log_softmax(z), axis=1, keepdims=True), False


def _mse(jax, jnp, z, y):  # the mean over rows and outputs
    return jnp.sum((z - y) ** 2, axis=1, keepdims=True), True


def _quadratic(jax, jnp, z, y):  # Nielsen's network.py: half the squared error of a sigmoid output
    return 0.5 * jnp.sum((jax.nn.sigmoid(z) - y) ** 2, axis=1, keepdims=True), False


# each head in JAX's words: (jax, jnp, logits z (rows, C), y) -> (row losses (rows, 1), whether the
# mean also divides by the C outputs); a head named in INTEGER_LABELS gets y as int32 class indices
HEADS = {"bce": _bce, "softmax": _softmax, "mse": _mse, "quadratic": _quadratic}
INTEGER_LABELS = ("softmax",)


@lru_cache(maxsize=None)
def _value_and_grad(activation: str, n_layers: int, loss: str = "bce", reduction: str = "mean"):
    import jax
    import jax.numpy as jnp

    act = {"relu": jax.nn.relu, "identity": lambda z: z, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid,
           "leaky_relu": lambda z: jax.nn.leaky_relu(z, LEAKY_SLOPE)}[activation]

    def loss_fn(params, X, y, row_weight, l2):
        a = X
        for l in range(1, n_layers + 1):
            z = a @ params[f"W{l}"] + params[f"b{l}"] if f"b{l}" in params else a @ params[f"W{l}"]  # no b{l}: no bias
            a = act(z) if l < n_layers else z
        per_row, outputs_count = HEADS[loss](jax, jnp, z, y)
        count = jnp.sum(row_weight) * (z.shape[1] if outputs_count else 1)
        total = jnp.sum(row_weight * per_row)
        value = total / count if reduction == "mean" else total
        decay = sum(jnp.sum(params[f"W{l}"] ** 2) for l in range(1, n_layers + 1))  # padded weights are 0
        return value + l2 * decay

    return jax.jit(jax.value_and_grad(loss_fn))


def _pad(a: np.ndarray, shape: tuple, dtype) -> np.ndarray:
    out = np.zeros(shape, dtype=dtype)
    out[tuple(slice(0, n) for n in a.shape)] = a
    return out


def jax_oracle(spec, params: dict, X, y):
    """``(loss, grads)`` from ``jax.value_and_grad``; grads as float64 NumPy arrays.

    The output layer is never padded (a padded logit would join the softmax); the head is
    ``jax.nn.log_softmax`` with ``jax.nn.one_hot`` labels (softmax), a squared error (mse) or
    ``logaddexp(0, z) - y z`` (bce), reduced by ``spec.reduction``, plus the L2 term on the weights.
    """
    import jax

    N = np.shape(X)[0]
    sizes = spec.sizes
    C = sizes[-1]
    padded = [_bucket(sizes[0], MIN_INPUTS)] + [_bucket(s, MIN_UNITS) for s in sizes[1:-1]] + [C]
    rows = _bucket(N, MIN_ROWS)
    P = {}
    for l in range(1, len(sizes)):
        P[f"W{l}"] = _pad(np.asarray(params[f"W{l}"]), (padded[l - 1], padded[l]), spec.dtype)
        if spec.bias:
            P[f"b{l}"] = _pad(np.asarray(params[f"b{l}"]), (1, padded[l]), spec.dtype)
    Xp = _pad(np.asarray(X), (rows, padded[0]), spec.dtype)
    if spec.loss in INTEGER_LABELS:
        yp = _pad(np.asarray(y).reshape(-1, 1).astype(np.int32), (rows, 1), np.int32)
    else:
        yp = _pad(np.asarray(y).reshape(N, -1), (rows, C), spec.dtype)
    weight = _pad(np.ones((N, 1)), (rows, 1), spec.dtype)
    fn = _value_and_grad(spec.activation, len(sizes) - 1, spec.loss, spec.reduction)
    l2 = np.asarray(l2_coefficient(spec, N), dtype=spec.dtype)
    with jax.enable_x64(spec.dtype == "float64"):
        value, grads = fn(P, Xp, yp, weight, l2)
        out = {k: np.asarray(grads[k], dtype=np.float64)[tuple(slice(0, n) for n in np.shape(params[k]))]
               for k in params}
        return float(value), out
