"""Checked as a summed loss (--reduction sum, per-example code's loss), but the backward averages over N."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["W1", "b1", "W2", "b2"], "reduction": "sum"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / len(X)  # BUG: the summed loss has no / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
