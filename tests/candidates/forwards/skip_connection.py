"""A residual block: h = x + tanh(x W1) W2, then a linear readout and mean squared error.

The bug: the backward forgets the skip path's gradient (dx gets only the branch, not the identity).
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 4))  # (N, D)
    y = rng.normal(size=(8, 1))  # (N, 1)
    params = {"W0": rng.normal(scale=0.5, size=(4, 4)), "W1": rng.normal(scale=0.5, size=(4, 6)),
              "W2": rng.normal(scale=0.5, size=(6, 4)), "V": rng.normal(scale=0.5, size=(4, 1))}
    return params, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    x = X @ params["W0"]  # (N, D)
    h = x + np.tanh(x @ params["W1"]) @ params["W2"]  # (N, D)
    return np.mean((h @ params["V"] - y) ** 2)


def _backward(params, inputs, skip):
    X, y = inputs["X"], inputs["y"]
    x = X @ params["W0"]  # (N, D)
    a = np.tanh(x @ params["W1"])  # (N, H)
    h = x + a @ params["W2"]  # (N, D)
    dout = 2 * (h @ params["V"] - y) / X.shape[0]  # (N, 1)
    dh = dout @ params["V"].T  # (N, D)
    dz = (dh @ params["W2"].T) * (1 - a ** 2)  # (N, H)
    dx = skip * dh + dz @ params["W1"].T  # (N, D)
    return {"W0": X.T @ dx, "W1": x.T @ dz, "W2": a.T @ dh, "V": h.T @ dout}


def backward(params, inputs):
    return _backward(params, inputs, 1.0)


def backward_buggy(params, inputs):
    return _backward(params, inputs, 0.0)  # the identity path's dh dropped
