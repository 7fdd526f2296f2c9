"""A sigmoid hidden layer whose backward reuses the output's y_hat * (1 - y_hat) (copied one line up)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1"], "activation": "sigmoid"}


def sig(z):
    return 1 / (1 + np.exp(-z))


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = sig(z1)
    y_hat = sig(a1 @ W2 + b2)
    dz2 = (y_hat - y) / N
    dz1 = (dz2 @ W2.T) * y_hat * (1 - y_hat)  # BUG: a1 * (1 - a1)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
