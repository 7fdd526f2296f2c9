"""Huber regression, the clipped residual right but the mean's 1/N never written (the loss averages
over the 12 rows; this backward sums)."""
import numpy as np

FORWARD = "huber"
EXPECTED = {"w": "factor N", "b": "factor N"}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    r = X @ params["w"] + params["b"] - y  # (N, 1)
    dr = np.where(np.abs(r) <= 1.0, r, np.sign(r))  # (N, 1): no / N
    return {"w": X.T @ dr, "b": np.sum(dr, axis=0, keepdims=True)}
