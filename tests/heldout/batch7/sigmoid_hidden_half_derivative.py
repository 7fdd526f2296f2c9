"""A sigmoid hidden layer differentiated as (1 - a1) only (the a1 factor dropped)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1"], "activation": "sigmoid"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    a1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ W2.T * (1 - a1)  # BUG: a1 * (1 - a1)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
