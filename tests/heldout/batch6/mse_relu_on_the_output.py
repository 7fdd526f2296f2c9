"""Regression on diabetes progression with a ReLU left on the output layer (forward and backward)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1", "W2", "b2"], "data": "diabetes_progression"}


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(0, z1)
    z2 = a1 @ params["W2"] + params["b2"]
    out = np.maximum(0, z2)  # BUG: the output of a regression is linear
    dz2 = 2 * (out - y) / len(X) * (z2 > 0)
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
