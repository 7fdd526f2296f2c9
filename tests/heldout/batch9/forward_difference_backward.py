"""A 'backward' that is a one-sided finite-difference estimate, (loss(w + h) - loss(w)) / h with h = 1e-5, entry by entry."""
import numpy as np

EXPECTED = {"mistakes": ["finite_difference_estimate"], "wrong": ["W1", "b1", "W2", "b2"]}


def loss(params, X, y):
    a1 = np.maximum(0, X @ params["W1"] + params["b1"])
    z2 = a1 @ params["W2"] + params["b2"]
    return np.mean(np.logaddexp(0, z2) - y * z2)


def backward(params, X, y):
    h = 1e-5
    base = loss(params, X, y)
    grads = {}
    for k, W in params.items():
        g = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            moved = dict(params, **{k: W.copy()})
            moved[k][idx] += h
            g[idx] = (loss(moved, X, y) - base) / h  # BUG: an estimate, O(h) off, not the gradient
        grads[k] = g
    return grads
