"""The JAX oracle: the network written again in JAX, ``jax.value_and_grad``, jit-compiled.

It never calls reference code. float64 runs inside ``jax.enable_x64(True)`` so the precision of
other JAX code in the user's process is left as it was. ``jax.jit`` caches one compilation
per (depth, activation) function and per input shape and dtype.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

LEAKY_SLOPE = 0.01  # jax.nn.leaky_relu's default


@lru_cache(maxsize=None)
def _value_and_grad(activation: str, n_layers: int):
    import jax
    import jax.numpy as jnp

    act = {"relu": jax.nn.relu, "identity": lambda z: z, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid,
           "leaky_relu": lambda z: jax.nn.leaky_relu(z, LEAKY_SLOPE)}[activation]

    def loss_fn(params, X, y):
        a = X
        for l in range(1, n_layers + 1):
            z = a @ params[f"W{l}"] + params[f"b{l}"]
            a = act(z) if l < n_layers else z
        return jnp.mean(jnp.logaddexp(0.0, z) - y * z)

    return jax.jit(jax.value_and_grad(loss_fn))


def jax_oracle(spec, params: dict, X, y):
    """``(loss, grads)`` from ``jax.value_and_grad``; grads as float64 NumPy arrays."""
    import jax

    fn = _value_and_grad(spec.activation, len(spec.sizes) - 1)
    with jax.enable_x64(spec.dtype == "float64"):
        value, grads = fn({k: np.asarray(v, dtype=spec.dtype) for k, v in params.items()},
                          np.asarray(X, dtype=spec.dtype), np.asarray(y, dtype=spec.dtype))
        return float(value), {k: np.asarray(grads[k], dtype=np.float64) for k in params}
