"""The forward memoized on the data's id, whatever the weights are now."""
import numpy as np

EXPECTED = {"mistakes": ["state:previous-call"], "wrong": ["W1", "b1", "W2", "b2"]}

_memo = {}


def _forward(params, X):
    key = id(X)  # BUG: the weights are not part of the key
    if key not in _memo:
        z1 = X @ params["W1"] + params["b1"]
        a1 = np.maximum(0, z1)
        y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
        _memo[key] = (z1, a1, y_hat)
    return _memo[key]


def backward(params, X, y):
    z1, a1, y_hat = _forward(params, X)
    dz2 = (y_hat - y) / X.shape[0]
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
