"""dL/dy_hat used as dz2: the sigmoid's derivative left out of the chain."""
import numpy as np

EXPECTED = {"mistakes": ["chain:missing-sigmoid-derivative"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ W2 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    dy_hat = (-y / y_hat + (1 - y) / (1 - y_hat)) / N
    dz2 = dy_hat  # BUG: forgot * y_hat * (1 - y_hat)
    dW2 = a1.T @ dz2
    db2 = np.sum(dz2, axis=0, keepdims=True)
    dz1 = dz2 @ W2.T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": np.sum(dz1, axis=0, keepdims=True), "W2": dW2, "b2": db2}
