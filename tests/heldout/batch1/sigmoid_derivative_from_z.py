"""A sigmoid hidden layer whose derivative is computed from z1 instead of a1."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:sigmoid-from-z"], "wrong": ["W1", "b1"], "activation": "sigmoid"}


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = _sig(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    y_hat = _sig(z2)
    dz2 = (y_hat - y) / N
    da1 = dz2 @ params["W2"].T
    dz1 = da1 * z1 * (1 - z1)  # BUG: sigma'(z) = a (1 - a), not z (1 - z)
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
