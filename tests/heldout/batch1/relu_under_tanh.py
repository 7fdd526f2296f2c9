"""The lesson's ReLU backward, checked with --activation tanh."""
import numpy as np

EXPECTED = {"mistakes": ["activation:relu"], "wrong": ["W1", "b1", "W2", "b2"], "activation": "tanh"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ W2 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    dz2 = (y_hat - y) / N
    dW2 = a1.T @ dz2
    db2 = np.sum(dz2, axis=0, keepdims=True)
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0)
    dW1 = X.T @ dz1
    db1 = np.sum(dz1, axis=0, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
