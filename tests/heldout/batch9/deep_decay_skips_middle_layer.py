"""Hidden 64,64 with weight_decay: the decay added to dW1 and dW3 by hand, dW2 forgotten."""
import numpy as np

EXPECTED = {"mistakes": ["l2_missing_from_gradient"], "wrong": ["W2"], "hidden": [64, 64], "l2": 0.05}

weight_decay = 0.05


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(0, z1)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = np.maximum(0, z2)
    y_hat = 1 / (1 + np.exp(-(a2 @ params["W3"] + params["b3"])))
    dz3 = (y_hat - y) / N
    dz2 = dz3 @ params["W3"].T * (z2 > 0)
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1 + weight_decay * params["W1"], "b1": dz1.sum(0, keepdims=True),
            "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True),  # BUG: + weight_decay * params["W2"]
            "W3": a2.T @ dz3 + weight_decay * params["W3"], "b3": dz3.sum(0, keepdims=True)}
