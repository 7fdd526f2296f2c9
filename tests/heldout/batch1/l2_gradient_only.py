"""Weight decay added to the weight gradients though the loss has no L2 term."""
import numpy as np

EXPECTED = {"mistakes": ["term:l2-gradient-only"], "wrong": ["W1", "W2"]}

LAMBDA = 1e-3


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ W2 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    dz2 = (y_hat - y) / N
    dW2 = a1.T @ dz2 + LAMBDA * W2  # BUG: regularization in the gradient only
    db2 = dz2.sum(axis=0, keepdims=True)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1 + LAMBDA * W1  # BUG
    db1 = dz1.sum(axis=0, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
