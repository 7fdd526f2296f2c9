"""Correct: per-example loop with weight_decay on Pima: each example's data gradient over N, the decay added once after the loop."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "l2": 0.01}

weight_decay = 0.01


def backward(params, X, y):
    N = X.shape[0]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for x_i, y_i in zip(X, y):
        x_i = x_i[None, :]
        z1 = x_i @ params["W1"] + params["b1"]
        a1 = np.maximum(0, z1)
        y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
        dz2 = (y_hat - y_i) / N
        dz1 = dz2 @ params["W2"].T * (z1 > 0)
        grads["W2"] += a1.T @ dz2
        grads["b2"] += dz2
        grads["W1"] += x_i.T @ dz1
        grads["b1"] += dz1
    grads["W1"] += weight_decay * params["W1"]
    grads["W2"] += weight_decay * params["W2"]
    return grads
