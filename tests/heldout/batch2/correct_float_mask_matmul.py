"""Correct: the mask as a float matrix, sums as matrix products with a ones vector."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


def backward(params, X, y):
    N = X.shape[0]
    ones = np.ones((1, N))
    z1 = X @ params["W1"] + ones.T @ params["b1"]
    mask = (z1 > 0).astype(float)
    a1 = z1 * mask
    z2 = a1 @ params["W2"] + ones.T @ params["b2"]
    y_hat = np.where(z2 >= 0, 1 / (1 + np.exp(-np.abs(z2))), 1 - 1 / (1 + np.exp(-np.abs(z2))))
    dz2 = (y_hat - y) / N
    dz1 = (dz2 @ params["W2"].T) * mask
    return {"W1": X.T @ dz1, "b1": ones @ dz1, "W2": a1.T @ dz2, "b2": ones @ dz2}
