"""A module constant BATCH_SIZE = 32 from a mini-batch loop, used as the divisor on the full batch."""
import numpy as np

EXPECTED = {"mistakes": ["factor:hard-coded-N"], "wrong": ["W1", "b1", "W2", "b2"]}

BATCH_SIZE = 32


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / BATCH_SIZE  # BUG: not X.shape[0]
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
