"""A sigmoid output with a quadratic cost (Nielsen's network): sigmoid hidden and output layers,
C = 1/(2N) sum ||y_hat - y||^2.

The bug: the output error drops the sigmoid's derivative (the cross-entropy's delta, y_hat - y,
used with the quadratic cost).
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(9, 4))  # (N, D)
    y = (rng.random((9, 2)) < 0.5).astype(np.float64)  # (N, C): one-hot-ish targets
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=(1, 5)),
              "W2": rng.normal(size=(5, 2)), "b2": rng.normal(size=(1, 2))}
    return params, {"X": X, "y": y}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    a1 = _sigmoid(X @ params["W1"] + params["b1"])  # (N, H)
    y_hat = _sigmoid(a1 @ params["W2"] + params["b2"])  # (N, C)
    return np.sum((y_hat - y) ** 2) / (2 * X.shape[0])


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    a1 = _sigmoid(X @ params["W1"] + params["b1"])  # (N, H)
    y_hat = _sigmoid(a1 @ params["W2"] + params["b2"])  # (N, C)
    dz2 = (y_hat - y) * y_hat * (1 - y_hat) / N  # (N, C)
    dz1 = (dz2 @ params["W2"].T) * a1 * (1 - a1)  # (N, H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}


def backward_buggy(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    a1 = _sigmoid(X @ params["W1"] + params["b1"])  # (N, H)
    y_hat = _sigmoid(a1 @ params["W2"] + params["b2"])  # (N, C)
    dz2 = (y_hat - y) / N  # (N, C): sigma'(z2) missing
    dz1 = (dz2 @ params["W2"].T) * a1 * (1 - a1)  # (N, H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
