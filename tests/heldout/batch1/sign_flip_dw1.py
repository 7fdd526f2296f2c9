"""Gradient ascent on W1 only: a minus sign in dW1."""
import numpy as np

EXPECTED = {"mistakes": ["factor:-1"], "wrong": ["W1"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    dW1 = -(X.T @ dz1)  # BUG: minus
    return {"W1": dW1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
