"""A tanh hidden layer differentiated with the sigmoid's a1 * (1 - a1) (copied from a sigmoid network)."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:sigmoid"], "wrong": ["W1", "b1"], "activation": "tanh"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    m = X.shape[0]
    a1 = np.tanh(X @ W1 + b1)
    out = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))
    delta2 = (out - y) / m
    delta1 = delta2 @ W2.T * a1 * (1 - a1)  # BUG: 1 - a1 ** 2
    return {"W1": X.T @ delta1, "b1": delta1.sum(0, keepdims=True), "W2": a1.T @ delta2, "b2": delta2.sum(0, keepdims=True)}
