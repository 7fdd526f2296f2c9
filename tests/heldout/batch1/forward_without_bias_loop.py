"""Hidden units computed one by one, each without its bias."""
import numpy as np

EXPECTED = {"mistakes": ["bias:missing-in-forward"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N, H = X.shape[0], W1.shape[1]
    z1 = np.empty((N, H))
    for j in range(H):
        z1[:, j] = X @ W1[:, j]  # BUG: + b1[0, j] left out
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    dz2 = (y_hat - y) / N
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2,
            "b2": dz2.sum(axis=0, keepdims=True)}
