"""Softmax on digits, lesson layout: dscores is already / N, and each weight gradient is / N again."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["W1", "W2"], "data": "digits"}


def backward(params, X, y):
    N = X.shape[0]
    h_in = X @ params["W1"] + params["b1"]
    h = np.maximum(h_in, 0)
    s = h @ params["W2"] + params["b2"]
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dscores = p.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dh = dscores @ params["W2"].T * (h_in > 0)
    return {"W1": X.T @ dh / N, "b1": dh.sum(axis=0, keepdims=True),  # BUG: / N again
            "W2": h.T @ dscores / N, "b2": dscores.sum(axis=0, keepdims=True)}  # BUG: / N again
