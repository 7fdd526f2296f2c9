"""Dropout: the scaled mask multiplied into dz1 twice (once as d1's derivative, once more when the
activation's derivative was written), so the hidden layer's gradients are 1/keep = 1.25 times
too large: a constant factor, but not one the inputs' shapes explain."""
import numpy as np

FORWARD = "dropout"
EXPECTED = {"W1": "constant", "b1": "constant"}
KEEP = 0.8


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    a1 = np.tanh(X @ params["W1"] + params["b1"])  # (N, H)
    m = (np.random.default_rng(int(inputs["seed"])).random(a1.shape) < KEEP) / KEEP  # (N, H)
    d1 = a1 * m  # (N, H)
    dy = 2 * (d1 @ params["W2"] + params["b2"] - y) / N  # (N, 1)
    dd1 = (dy @ params["W2"].T) * m  # (N, H)
    dz1 = dd1 * m * (1 - a1 ** 2)  # (N, H): m again
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": d1.T @ dy, "b2": dy.sum(axis=0, keepdims=True)}
