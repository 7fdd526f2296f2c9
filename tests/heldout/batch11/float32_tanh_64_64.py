"""A tanh 64,64 network whose backward runs in float32 (weights and data cast with .astype(np.float32)), checked in float64.

db3, one sum of N float32 numbers, stays within float64's tolerance (~3e-8 relative at both points)."""
import numpy as np

EXPECTED = {"mistakes": ["float32_precision"], "wrong": ["W1", "b1", "W2", "b2", "W3"],
            "activation": "tanh", "hidden": [64, 64]}


def backward(params, X, y):
    f = {k: v.astype(np.float32) for k, v in params.items()}  # BUG: the check is float64
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    a1 = np.tanh(X32 @ f["W1"] + f["b1"])
    a2 = np.tanh(a1 @ f["W2"] + f["b2"])
    p = 1 / (1 + np.exp(-(a2 @ f["W3"] + f["b3"])))
    d3 = (p - y32) / np.float32(len(X))
    d2 = d3 @ f["W3"].T * (1 - a2 * a2)
    d1 = d2 @ f["W2"].T * (1 - a1 * a1)
    out = {"W3": a2.T @ d3, "b3": d3.sum(0, keepdims=True), "W2": a1.T @ d2, "b2": d2.sum(0, keepdims=True),
           "W1": X32.T @ d1, "b1": d1.sum(0, keepdims=True)}
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}
