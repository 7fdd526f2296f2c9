"""A one-sided difference in float32 ((L(w + h) - L(w)) / h, h = 1e-2, the loss in float32): truncation and float32 rounding."""
import numpy as np

EXPECTED = {"mistakes": ["finite_difference_estimate", "float32_precision"], "wrong": ["W1", "b1", "W2", "b2"]}


def _loss32(p, X, y):
    a = np.maximum(X @ p["W1"] + p["b1"], np.float32(0))
    z = a @ p["W2"] + p["b2"]
    return np.mean(np.logaddexp(np.float32(0), z) - y * z)


def backward(params, X, y):
    X, y = X.astype(np.float32), y.astype(np.float32)
    p = {k: v.astype(np.float32) for k, v in params.items()}
    h = np.float32(1e-2)
    base = _loss32(p, X, y)
    grads = {}
    for k in p:
        g = np.zeros(p[k].shape)
        for idx in np.ndindex(p[k].shape):
            saved = p[k][idx]
            p[k][idx] = saved + h
            g[idx] = (_loss32(p, X, y) - base) / h  # BUG: a float32 forward difference
            p[k][idx] = saved
        grads[k] = g
    return grads
