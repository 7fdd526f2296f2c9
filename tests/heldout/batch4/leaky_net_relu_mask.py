"""A leaky-ReLU network whose backward still uses the ReLU mask (the 0.01 slope forgotten)."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:relu"], "wrong": ["W1", "b1"], "activation": "leaky_relu"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = len(X)
    z1 = X @ W1 + b1
    a1 = np.where(z1 > 0, z1, 0.01 * z1)
    yh = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (yh - y) / N
    dz1 = (dz2 @ W2.T) * (z1 > 0)  # BUG: leaky's derivative is 0.01 where z1 <= 0
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
