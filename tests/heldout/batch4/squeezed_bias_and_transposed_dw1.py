"""db1 without keepdims (a (H,) vector), and dW1 built as dz1.T @ X then reshaped to W1's shape."""
import numpy as np

EXPECTED = {"mistakes": ["transpose"], "wrong": ["W1"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    p = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    d2 = (p - y) / N
    d1 = d2 @ W2.T * (z1 > 0)
    dW1 = np.reshape(d1.T @ X, W1.shape)  # BUG: (H, D) numbers poured into (D, H)
    return {"W1": dW1, "b1": d1.sum(axis=0), "W2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True)}  # b1 (H,)
