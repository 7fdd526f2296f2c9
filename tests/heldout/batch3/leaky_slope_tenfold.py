"""Outside the grammar: a leaky ReLU network whose derivative uses slope 0.1 where the forward uses 0.01."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1"], "activation": "leaky_relu"}


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.where(z1 > 0, z1, 0.01 * z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / len(X)
    dz1 = dz2 @ params["W2"].T * np.where(z1 > 0, 1.0, 0.1)  # BUG: 0.1
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
