"""A forward autograd cannot trace: it writes into an array in place (a common way to write a
clipped output). Finite differences still check it. Linear model, clipped predictions, mean
squared error."""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 2))  # (N, D)
    y = rng.normal(size=(7, 1))  # (N, 1)
    return {"w": rng.normal(size=(2, 1))}, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    y_hat = np.zeros((X.shape[0], 1))  # (N, 1)
    y_hat[:] = X @ params["w"]  # in place: autograd stops here
    return np.mean((y_hat - y) ** 2)


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    return {"w": 2 * X.T @ (X @ params["w"] - y) / X.shape[0]}


def backward_buggy(params, inputs):
    X, y = inputs["X"], inputs["y"]
    return {"w": X.T @ (X @ params["w"] - y) / X.shape[0]}  # the 2 of the square is missing
