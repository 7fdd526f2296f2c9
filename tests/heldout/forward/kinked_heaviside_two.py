"""The ReLU's derivative written np.heaviside(z1, 2) (the second argument, the value at exactly 0,
mistyped for 0): right wherever z1 is not 0; at the kinks of row 0 the slope is 2."""
import numpy as np

FORWARD = "kinked"
EXPECTED = {"b1": "entries at kinks"}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    z1 = X @ params["W1"] + params["b1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    z2 = a1 @ params["W2"]  # (N, 1)
    dy = (z2 - y) * 2 / X.shape[0]  # (N, 1)
    dz1 = (dy @ params["W2"].T) * np.heaviside(z1, 2.0)  # (N, H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dy}
