"""The lesson's backward with every array cast to float32 first (a habit from GPU code), returned as float64.

db2, one sum of N float32 numbers, stays within float64's tolerance (relative error ~1e-8 at both
points); W1, b1 and W2 carry float32's rounding beyond it."""
import numpy as np

EXPECTED = {"mistakes": ["float32_precision"], "wrong": ["W1", "b1", "W2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = (params[k].astype(np.float32) for k in ("W1", "b1", "W2", "b2"))
    X, y = X.astype(np.float32), y.astype(np.float32)  # BUG: the check is in float64
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    return {k: v.astype(np.float64) for k, v in grads.items()}
