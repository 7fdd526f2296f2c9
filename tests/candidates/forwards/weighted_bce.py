"""Logistic regression with per-sample weights among the inputs: L = sum_i s_i bce_i / sum_i s_i.

The bug: the weights applied in the loss but divided by N instead of their sum in the backward.
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(10, 4))  # (N, D)
    y = (rng.random((10, 1)) < 0.4).astype(np.float64)  # (N, 1)
    s = rng.uniform(0.2, 3.0, size=(10, 1))  # (N, 1): sample weights
    return {"w": rng.normal(size=(4, 1)), "b": rng.normal(size=(1, 1))}, {"X": X, "y": y, "s": s}


def loss(params, inputs):
    X, y, s = inputs["X"], inputs["y"], inputs["s"]
    z = X @ params["w"] + params["b"]  # (N, 1)
    bce = np.logaddexp(0, z) - y * z  # (N, 1)
    return np.sum(s * bce) / np.sum(s)


def _backward(params, inputs, divisor):
    X, y, s = inputs["X"], inputs["y"], inputs["s"]
    p = 1 / (1 + np.exp(-(X @ params["w"] + params["b"])))  # (N, 1)
    dz = s * (p - y) / divisor(s)  # (N, 1)
    return {"w": X.T @ dz, "b": dz.sum(axis=0, keepdims=True)}


def backward(params, inputs):
    return _backward(params, inputs, np.sum)


def backward_buggy(params, inputs):
    return _backward(params, inputs, len)  # N, not the weights' sum
