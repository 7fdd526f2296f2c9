"""Functional style: both bias gradients taken as means of deltas already divided by N."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["b1", "b2"]}


def dense_backward(x, W, delta):
    return x.T @ delta, delta.mean(axis=0, keepdims=True), delta @ W.T  # BUG: mean


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    delta2 = (y_hat - y) / X.shape[0]
    dW2, db2, da1 = dense_backward(a1, params["W2"], delta2)
    dW1, db1, _ = dense_backward(X, params["W1"], da1 * (z1 > 0))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
