"""Divides by N - 1, as an unbiased variance would."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N-1"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    m = len(X)
    h_pre = X.dot(params["W1"]) + params["b1"]
    h = np.where(h_pre > 0, h_pre, 0.0)
    logits = h.dot(params["W2"]) + params["b2"]
    p = 1 / (1 + np.exp(-logits))
    delta_out = (p - y) / (m - 1)  # BUG: N - 1
    delta_hidden = delta_out.dot(params["W2"].T) * (h_pre > 0)
    return {
        "W2": h.T.dot(delta_out),
        "b2": delta_out.sum(0, keepdims=True),
        "W1": X.T.dot(delta_hidden),
        "b1": delta_hidden.sum(0, keepdims=True),
    }
