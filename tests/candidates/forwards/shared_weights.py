"""One weight matrix used twice (a tied two-step map): z = tanh(tanh(X W) W), mean squared error
against Y.

The bug: the gradient of the shared W keeps only its second use (the last layer's), as if the two
uses were different weights.
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3))  # (N, D)
    Y = rng.normal(size=(7, 3))  # (N, D)
    return {"W": rng.normal(scale=0.6, size=(3, 3))}, {"X": X, "Y": Y}


def loss(params, inputs):
    X, Y = inputs["X"], inputs["Y"]
    a1 = np.tanh(X @ params["W"])  # (N, D)
    a2 = np.tanh(a1 @ params["W"])  # (N, D)
    return np.mean((a2 - Y) ** 2)


def _backward(params, inputs, both):
    X, Y = inputs["X"], inputs["Y"]
    W = params["W"]
    a1 = np.tanh(X @ W)  # (N, D)
    a2 = np.tanh(a1 @ W)  # (N, D)
    dz2 = 2 * (a2 - Y) / Y.size * (1 - a2 ** 2)  # (N, D)
    dz1 = (dz2 @ W.T) * (1 - a1 ** 2)  # (N, D)
    return {"W": a1.T @ dz2 + (X.T @ dz1 if both else 0)}


def backward(params, inputs):
    return _backward(params, inputs, True)


def backward_buggy(params, inputs):
    return _backward(params, inputs, False)
