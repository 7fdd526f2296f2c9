"""Correct: one example at a time, the per-example gradients summed (a summed loss: --reduction sum)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "reduction": "sum"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(X.shape[0]):
        x = X[i][:, None]  # (D, 1)
        z1 = W1.T @ x + b1.T  # (H, 1)
        a1 = np.maximum(z1, 0)
        z2 = W2.T @ a1 + b2.T  # (1, 1)
        p = 1 / (1 + np.exp(-z2))
        d2 = p - y[i]
        d1 = (W2 @ d2) * (z1 > 0)
        total["W2"] += a1 @ d2.T
        total["b2"] += d2.T
        total["W1"] += x @ d1.T
        total["b1"] += d1.T
    return total
