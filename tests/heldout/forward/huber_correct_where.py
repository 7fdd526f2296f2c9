"""Correct: the Huber gradient written with np.where and a division at the end (must pass, no diagnosis)."""
import numpy as np

FORWARD = "huber"
EXPECTED = {}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    r = X @ params["w"] + params["b"] - y  # (N, 1)
    g = np.where(r > 1.0, 1.0, np.where(r < -1.0, -1.0, r))  # (N, 1)
    return {"w": X.T @ g / len(y), "b": g.sum(axis=0, keepdims=True) / len(y)}
