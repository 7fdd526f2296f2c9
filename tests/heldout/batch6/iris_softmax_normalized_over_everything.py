"""Softmax on iris, lesson layout, normalized by the sum over the whole score matrix (no axis)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris"}


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    scores = a1 @ params["W2"] + params["b2"]
    e = np.exp(scores - scores.max())
    probs = e / e.sum()  # BUG: e.sum(axis=1, keepdims=True)
    probs[np.arange(N), y] -= 1
    dz2 = probs / N
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
