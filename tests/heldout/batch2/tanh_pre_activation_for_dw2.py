"""A tanh network whose dW2 multiplies the pre-activation."""
import numpy as np

EXPECTED = {"mistakes": ["cache:z-for-a"], "wrong": ["W2"], "activation": "tanh"}


def backward(params, X, y):
    N = X.shape[0]
    s1 = X @ params["W1"] + params["b1"]
    h1 = np.tanh(s1)
    s2 = h1 @ params["W2"] + params["b2"]
    p = 1 / (1 + np.exp(-s2))
    d2 = (p - y) / N
    d1 = (d2 @ params["W2"].T) * (1 - h1 ** 2)
    return {"W1": X.T @ d1, "b1": d1.sum(0, keepdims=True), "W2": s1.T @ d2, "b2": d2.sum(0, keepdims=True)}  # BUG: s1
