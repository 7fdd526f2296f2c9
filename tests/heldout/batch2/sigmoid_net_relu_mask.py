"""A sigmoid hidden layer in the forward, the ReLU mask copied into the backward."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:relu"], "wrong": ["W1", "b1"], "activation": "sigmoid"}


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ params["W2"] + params["b2"]
    y_hat = 1 / (1 + np.exp(-z2))
    dz2 = (y_hat - y) / N
    da1 = dz2 @ params["W2"].T
    dz1 = da1 * (z1 > 0)  # BUG: copied from the relu version
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
