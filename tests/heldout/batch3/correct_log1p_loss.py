"""Correct: the loss as max(z, 0) - y z + log1p(exp(-|z|)), returned with the gradients."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ params["W2"] + params["b2"]
    loss = np.mean(np.maximum(z2, 0) - y * z2 + np.log1p(np.exp(-np.abs(z2))))
    y_hat = np.exp(np.minimum(z2, 0)) / (1 + np.exp(-np.abs(z2)))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return loss, {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
