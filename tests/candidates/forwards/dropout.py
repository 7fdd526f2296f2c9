"""Inverted dropout on the hidden layer with a fixed mask: the mask comes from a seed among the
inputs, so every evaluation of one point drops the same units. Tanh hidden layer, linear output,
mean squared error.

The bug: the backward forgets to scale by 1/keep (it applies the mask, not the mask's scale).
"""
import numpy as np

KEEP = 0.8


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(10, 3))  # (N, D)
    y = rng.normal(size=(10, 1))  # (N, 1)
    params = {"W1": rng.normal(scale=0.6, size=(3, 8)), "b1": np.zeros((1, 8)),
              "W2": rng.normal(scale=0.6, size=(8, 1)), "b2": np.zeros((1, 1))}
    return params, {"X": X, "y": y, "seed": np.array(seed + 100)}


def _mask(inputs, shape):
    rng = np.random.default_rng(int(inputs["seed"]))
    return (rng.random(shape) < KEEP) / KEEP  # (N, H): 0 or 1/keep


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    a1 = np.tanh(X @ params["W1"] + params["b1"])  # (N, H)
    d1 = a1 * _mask(inputs, a1.shape)  # (N, H)
    y_hat = d1 @ params["W2"] + params["b2"]  # (N, 1)
    return np.mean((y_hat - y) ** 2)


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    a1 = np.tanh(X @ params["W1"] + params["b1"])  # (N, H)
    m = _mask(inputs, a1.shape)  # (N, H)
    d1 = a1 * m  # (N, H)
    dy = 2 * (d1 @ params["W2"] + params["b2"] - y) / N  # (N, 1)
    dz1 = (dy @ params["W2"].T) * m * (1 - a1 ** 2)  # (N, H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": d1.T @ dy, "b2": dy.sum(axis=0, keepdims=True)}


def backward_buggy(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    a1 = np.tanh(X @ params["W1"] + params["b1"])  # (N, H)
    m = _mask(inputs, a1.shape)  # (N, H)
    d1 = a1 * m  # (N, H)
    dy = 2 * (d1 @ params["W2"] + params["b2"] - y) / N  # (N, 1)
    dz1 = (dy @ params["W2"].T) * (m > 0) * (1 - a1 ** 2)  # (N, H): the 1/keep scale is lost
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": d1.T @ dy, "b2": dy.sum(axis=0, keepdims=True)}
