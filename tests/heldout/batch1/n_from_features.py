"""A mean over the batch taken with X.shape[1] (the number of features) instead of X.shape[0]."""
import numpy as np

EXPECTED = {"mistakes": ["factor:D"], "wrong": ["W1", "b1", "W2", "b2"]}


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[1]  # BUG: features, not rows
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    y_hat = sigmoid(z2)
    dz2 = (y_hat - y) / N
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0, keepdims=True)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": dW2, "b2": db2}
