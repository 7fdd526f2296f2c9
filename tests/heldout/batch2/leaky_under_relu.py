"""A leaky-ReLU network (slope 0.01), checked with the default --activation relu."""
import numpy as np

EXPECTED = {"mistakes": ["activation:leaky_relu"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.where(z1 > 0, z1, 0.01 * z1)
    z2 = a1 @ params["W2"] + params["b2"]
    y_hat = 1 / (1 + np.exp(-z2))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ params["W2"].T * np.where(z1 > 0, 1.0, 0.01)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
