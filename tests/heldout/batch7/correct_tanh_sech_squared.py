"""Correct: a tanh hidden layer differentiated as 1 / cosh(z1) ** 2."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "activation": "tanh"}


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.tanh(z1)
    y_hat = 0.5 * (1 + np.tanh(0.5 * (a1 @ params["W2"] + params["b2"])))  # the sigmoid, via tanh
    dz2 = (y_hat - y) / X.shape[0]
    dz1 = dz2 @ params["W2"].T / np.cosh(z1) ** 2
    return {"W1": X.T @ dz1, "b1": np.sum(dz1, axis=0, keepdims=True),
            "W2": a1.T @ dz2, "b2": np.sum(dz2, axis=0, keepdims=True)}
