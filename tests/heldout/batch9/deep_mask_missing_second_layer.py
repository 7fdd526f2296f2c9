"""Hidden 64,64: the ReLU mask applied on the first hidden layer, forgotten on the second (dz2 = da2)."""
import numpy as np

EXPECTED = {"mistakes": ["mask:missing"], "wrong": ["W1", "b1", "W2", "b2"], "hidden": [64, 64]}


def backward(params, X, y):
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ W2 + b2
    a2 = np.maximum(0, z2)
    y_hat = 1 / (1 + np.exp(-(a2 @ W3 + b3)))
    dz3 = (y_hat - y) / N
    da2 = dz3 @ W3.T
    dz2 = da2  # BUG: * (z2 > 0)
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": np.sum(dz1, axis=0, keepdims=True),
            "W2": a1.T @ dz2, "b2": np.sum(dz2, axis=0, keepdims=True),
            "W3": a2.T @ dz3, "b3": np.sum(dz3, axis=0, keepdims=True)}
