"""Hidden 64,64: each step back divides by N again (da_l = dz_(l+1) @ W.T / N): layer 2 carries 1/N, layer 1 1/N^2."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N", "factor:1/N^2"], "wrong": ["W1", "b1", "W2", "b2"], "hidden": [64, 64]}


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]  # (N, 64)
    a1 = np.maximum(0, z1)
    z2 = a1 @ params["W2"] + params["b2"]  # (N, 64)
    a2 = np.maximum(0, z2)
    y_hat = 1 / (1 + np.exp(-(a2 @ params["W3"] + params["b3"])))  # (N, 1)
    dz3 = (y_hat - y) / N
    da2 = dz3 @ params["W3"].T / N  # BUG: dz3 is already averaged
    dz2 = da2 * (z2 > 0)
    da1 = dz2 @ params["W2"].T / N  # BUG: same, compounding
    dz1 = da1 * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True),
            "W3": a2.T @ dz3, "b3": dz3.sum(0, keepdims=True)}
