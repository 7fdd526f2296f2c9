"""relu 16,16, two mistakes at once: dz3 = 2 * (y_hat - y) / N (a squared-error habit) and no mask on the first hidden layer."""
import numpy as np

EXPECTED = {"mistakes": ["factor:2", "mask:missing"], "wrong": ["W1", "b1", "W2", "b2", "W3", "b3"],
            "hidden": [16, 16]}


def backward(params, X, y):
    N = len(y)
    z1 = X @ params["W1"] + params["b1"]
    h1 = np.maximum(z1, 0)
    z2 = h1 @ params["W2"] + params["b2"]
    h2 = np.maximum(z2, 0)
    out = 1 / (1 + np.exp(-(h2 @ params["W3"] + params["b3"])))
    d3 = 2 * (out - y) / N  # BUG: (out - y) / N
    d2 = d3 @ params["W3"].T * (z2 > 0)
    d1 = d2 @ params["W2"].T  # BUG: * (z1 > 0) forgotten
    return {"W1": X.T @ d1, "b1": d1.sum(0, keepdims=True), "W2": h1.T @ d2, "b2": d2.sum(0, keepdims=True),
            "W3": h2.T @ d3, "b3": d3.sum(0, keepdims=True)}
