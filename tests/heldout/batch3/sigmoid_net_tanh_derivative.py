"""A sigmoid hidden layer differentiated as tanh: 1 - a1**2."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:tanh"], "wrong": ["W1", "b1"], "activation": "sigmoid"}


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / len(X)
    dz1 = dz2 @ params["W2"].T * (1 - a1 ** 2)  # BUG
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
