"""Weighted binary cross-entropy normalized by the sum of the weights; the backward divides by the
number of rows instead: every gradient sum(s)/N times too large (a factor of the data's values,
not of its shapes)."""
import numpy as np

FORWARD = "weighted_bce"
EXPECTED = {"w": "constant", "b": "constant"}


def backward(params, inputs):
    X, y, s = inputs["X"], inputs["y"], inputs["s"]
    p = 1 / (1 + np.exp(-(X @ params["w"] + params["b"])))  # (N, 1)
    dz = s * (p - y) / len(y)  # (N, 1)
    return {"w": X.T @ dz, "b": dz.sum(axis=0, keepdims=True)}
