"""Correct: returns the lesson's loss (with + 1e-8) beside the canonical gradients."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ W2 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    loss = -np.mean(y * np.log(y_hat + 1e-8) + (1 - y) * np.log(1 - y_hat + 1e-8))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    return float(loss), grads
