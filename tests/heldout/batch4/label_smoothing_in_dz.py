"""Training code's label smoothing (y * 0.9 + 0.05) left in the backward of the plain cross-entropy."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1", "W2", "b2"]}

SMOOTH = 0.1


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    target = y * (1 - SMOOTH) + SMOOTH / 2  # BUG: the checked loss uses the plain labels
    dz2 = (y_hat - target) / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
