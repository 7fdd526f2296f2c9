"""A regression habit: the output treated as linear with squared error, 2 (z2 - y) / N."""
import numpy as np

EXPECTED = {"mistakes": ["head:mse"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ W2 + b2
    dz2 = 2 * (z2 - y) / N  # BUG: the mse gradient of a linear output
    dz1 = dz2 @ W2.T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
