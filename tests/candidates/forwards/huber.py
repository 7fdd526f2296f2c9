"""Linear regression with the Huber loss (delta 1), mean over rows; residuals on both sides of the
threshold.

The bug: the gradient of the quadratic part used everywhere (the residual not clipped to delta).
"""
import numpy as np

DELTA = 1.0


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3))  # (N, D)
    y = 3 * rng.normal(size=(12, 1))  # (N, 1): many residuals beyond delta
    return {"w": rng.normal(size=(3, 1)), "b": np.zeros((1, 1))}, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    r = X @ params["w"] + params["b"] - y  # (N, 1)
    quadratic = 0.5 * r ** 2
    linear = DELTA * (np.abs(r) - 0.5 * DELTA)
    return np.mean(np.where(np.abs(r) <= DELTA, quadratic, linear))


def _backward(params, inputs, clip):
    X, y = inputs["X"], inputs["y"]
    r = X @ params["w"] + params["b"] - y  # (N, 1)
    dr = (np.clip(r, -DELTA, DELTA) if clip else r) / X.shape[0]  # (N, 1)
    return {"w": X.T @ dr, "b": dr.sum(axis=0, keepdims=True)}


def backward(params, inputs):
    return _backward(params, inputs, True)


def backward_buggy(params, inputs):
    return _backward(params, inputs, False)
