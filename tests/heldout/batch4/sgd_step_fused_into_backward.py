"""A training loop's step fused into the backward: W2 is updated (rebound, not in place) before da1 uses it."""
import numpy as np

EXPECTED = {"mistakes": ["order:updated-too-early"], "wrong": ["W1", "b1"]}

LR = 0.5


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / N
    dW2 = a1.T @ dz2
    db2 = np.sum(dz2, axis=0, keepdims=True)
    W2 = W2 - LR * dW2  # BUG: the step before the backward is done
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": np.sum(dz1, axis=0, keepdims=True), "W2": dW2, "b2": db2}
