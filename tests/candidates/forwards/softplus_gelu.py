"""A softplus hidden layer, a GELU (tanh approximation) second layer and a linear readout, mean
squared error.

The bug: GELU's derivative written as if the tanh's argument did not depend on z (only the
0.5 (1 + tanh(.)) term kept).
"""
import numpy as np

C = np.sqrt(2 / np.pi)


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(9, 3))  # (N, D)
    y = rng.normal(size=(9, 1))  # (N, 1)
    params = {"W1": rng.normal(size=(3, 5)), "W2": rng.normal(scale=0.5, size=(5, 4)),
              "W3": rng.normal(scale=0.5, size=(4, 1))}
    return params, {"X": X, "y": y}


def _gelu(z):
    return 0.5 * z * (1 + np.tanh(C * (z + 0.044715 * z ** 3)))


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    a1 = np.logaddexp(0, X @ params["W1"])  # (N, H1): softplus
    a2 = _gelu(a1 @ params["W2"])  # (N, H2)
    return np.mean((a2 @ params["W3"] - y) ** 2)


def _backward(params, inputs, exact):
    X, y = inputs["X"], inputs["y"]
    z1 = X @ params["W1"]  # (N, H1)
    a1 = np.logaddexp(0, z1)  # (N, H1)
    z2 = a1 @ params["W2"]  # (N, H2)
    t = np.tanh(C * (z2 + 0.044715 * z2 ** 3))  # (N, H2)
    a2 = 0.5 * z2 * (1 + t)  # (N, H2)
    dout = 2 * (a2 @ params["W3"] - y) / X.shape[0]  # (N, 1)
    gelu_grad = 0.5 * (1 + t) + (0.5 * z2 * (1 - t ** 2) * C * (1 + 3 * 0.044715 * z2 ** 2) if exact else 0)
    dz2 = (dout @ params["W3"].T) * gelu_grad  # (N, H2)
    dz1 = (dz2 @ params["W2"].T) / (1 + np.exp(-z1))  # (N, H1): softplus' = sigmoid
    return {"W1": X.T @ dz1, "W2": a1.T @ dz2, "W3": a2.T @ dout}


def backward(params, inputs):
    return _backward(params, inputs, True)


def backward_buggy(params, inputs):
    return _backward(params, inputs, False)
