"""Hidden 64,64: da1 = dz2 @ W2 without the transpose, which the square (64, 64) W2 lets through."""
import numpy as np

EXPECTED = {"mistakes": ["step:W-not-transposed"], "wrong": ["W1", "b1"], "hidden": [64, 64]}


def backward(params, X, y):
    N = len(X)
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = np.maximum(z2, 0)
    y_hat = 1 / (1 + np.exp(-(a2 @ params["W3"] + params["b3"])))
    dz3 = (y_hat - y) / N
    dz2 = (dz3 @ params["W3"].T) * (z2 > 0)
    dz1 = (dz2 @ params["W2"]) * (z1 > 0)  # BUG: params["W2"].T
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True),
            "W3": a2.T @ dz3, "b3": dz3.sum(0, keepdims=True)}
