"""Correct: a loop over hidden units, half-open relu'(0) = 0.5 via heaviside."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N, H = X.shape[0], W1.shape[1]
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    y_hat = np.where(z2 >= 0, 1 / (1 + np.exp(-np.abs(z2))), np.exp(-np.abs(z2)) / (1 + np.exp(-np.abs(z2))))
    dz2 = (y_hat - y) / N
    dW1, db1, dW2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2)
    for j in range(H):
        dW2[j, 0] = a1[:, j] @ dz2[:, 0]
        dz1_j = dz2[:, 0] * W2[j, 0] * np.heaviside(z1[:, j], 0.5)
        dW1[:, j] = X.T @ dz1_j
        db1[0, j] = dz1_j.sum()
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": dz2.sum(axis=0, keepdims=True)}
