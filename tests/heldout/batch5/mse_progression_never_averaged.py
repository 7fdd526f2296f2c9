"""MSE head on diabetes progression in the lesson's layout: d_out = 2 * (out - y), the / N forgotten."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N"], "wrong": ["W1", "b1", "W2", "b2"], "data": "diabetes_progression"}


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    out = a1 @ params["W2"] + params["b2"]
    d_out = 2 * (out - y)  # BUG: / len(X)
    d_a1 = d_out @ params["W2"].T
    d_z1 = d_a1 * (z1 > 0)
    return {"W1": X.T @ d_z1, "b1": d_z1.sum(axis=0, keepdims=True),
            "W2": a1.T @ d_out, "b2": d_out.sum(axis=0, keepdims=True)}
