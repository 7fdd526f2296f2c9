"""Weight decay folded into the returned gradients (0.5 * lambda * W, lambda = 0.02), no term in the loss."""
import numpy as np

EXPECTED = {"mistakes": ["term:l2-gradient-only"], "wrong": ["W1", "W2"]}

weight_decay = 0.02


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    for name in ("W1", "W2"):
        grads[name] = grads[name] + 0.5 * weight_decay * params[name]  # BUG
    return grads
