"""Sigmoid hidden layers 64,64: the first layer's step left from a ReLU template (dz1 = da1 * (z1 > 0)), the second right."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:relu"], "wrong": ["W1", "b1"], "activation": "sigmoid", "hidden": [64, 64]}


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = sigmoid(z2)
    y_hat = sigmoid(a2 @ params["W3"] + params["b3"])
    dz3 = (y_hat - y) / N
    dz2 = (dz3 @ params["W3"].T) * a2 * (1 - a2)
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)  # BUG: a1 * (1 - a1)
    return {"W3": a2.T @ dz3, "b3": dz3.sum(axis=0, keepdims=True),
            "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True),
            "W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True)}
