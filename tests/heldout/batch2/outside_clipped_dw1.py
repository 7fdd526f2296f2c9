"""Outside the grammar: gradient clipping left inside the backward (dW1 clipped to +-0.01)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1"]}


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    dW1 = np.clip(X.T @ dz1, -0.01, 0.01)  # BUG
    return {"W1": dW1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
