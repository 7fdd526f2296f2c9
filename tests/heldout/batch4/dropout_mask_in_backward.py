"""Inverted dropout (p = 0.2, a seeded mask) left in the backward of a forward that has none."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / N
    da1 = dz2 @ W2.T
    keep = np.random.default_rng(0).random(a1.shape) > 0.2
    da1 = da1 * keep / 0.8  # BUG: no dropout in the forward
    dz1 = da1 * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
