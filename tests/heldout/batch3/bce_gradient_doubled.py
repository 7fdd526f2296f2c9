"""The squared-error habit: dz2 = 2 (y_hat - y) / N for cross-entropy."""
import numpy as np

EXPECTED = {"mistakes": ["factor:2"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = 2 * (y_hat - y) / X.shape[0]  # BUG
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
