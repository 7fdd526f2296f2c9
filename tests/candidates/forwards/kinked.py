"""A ReLU network whose point sits exactly on kinks: b1 is zero and one row of X is zero, so that
row's pre-activations are exactly 0 and a step of b1 either way crosses the kink. Mean squared error.

Either value of relu'(0) is a subgradient: ``backward`` (the mask z > 0) and ``backward_at_one``
(z >= 0) both pass. The bug: the mask taken as ``a1 >= 0``, true everywhere (relu(z) is never
negative), so the ReLU's derivative is lost.
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))  # (N, D)
    X[0] = 0.0  # row 0: z1 = b1 = 0 exactly
    y = rng.normal(size=(6, 1))  # (N, 1)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros((1, 4)), "W2": rng.normal(size=(4, 1))}
    return params, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    a1 = np.maximum(X @ params["W1"] + params["b1"], 0)  # (N, H)
    return np.mean((a1 @ params["W2"] - y) ** 2)


def _backward(params, inputs, mask):
    X, y = inputs["X"], inputs["y"]
    z1 = X @ params["W1"] + params["b1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    dy = 2 * (a1 @ params["W2"] - y) / X.shape[0]  # (N, 1)
    dz1 = (dy @ params["W2"].T) * mask(z1)  # (N, H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dy}


def backward(params, inputs):
    return _backward(params, inputs, lambda z: z > 0)


def backward_at_one(params, inputs):
    return _backward(params, inputs, lambda z: z >= 0)


def backward_buggy(params, inputs):
    return _backward(params, inputs, lambda z: np.maximum(z, 0) >= 0)  # a1 >= 0: always true
