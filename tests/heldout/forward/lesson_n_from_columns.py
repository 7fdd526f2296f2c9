"""The lesson's network with the batch size read from the wrong axis: m = X.shape[1] (8 features)
where m = X.shape[0] (768 rows) belongs, so every gradient is N/D times too large."""
import numpy as np

FORWARD = "lesson"
DATA = "diabetes"
EXPECTED = {"W1": "factor N/D", "b1": "factor N/D", "W2": "factor N/D", "b2": "factor N/D"}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    m = X.shape[1]
    z1 = X @ params["W1"] + params["b1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    a2 = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))  # (N, 1)
    dz2 = (a2 - y) / m  # (N, 1)
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)  # (N, H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2,
            "b2": dz2.sum(axis=0, keepdims=True)}
