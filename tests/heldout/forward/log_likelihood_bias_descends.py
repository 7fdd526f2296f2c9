"""Gradient ascent on the log-likelihood: the weights' direction climbs, but the bias's line was
pasted from the negative log-likelihood's code (p - y), so the bias descends."""
import numpy as np

FORWARD = "log_likelihood"
FUNCTION = "log_likelihood"
EXPECTED = {"b": "sign"}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    p = 1 / (1 + np.exp(-(X @ params["w"] + params["b"])))  # (N, 1)
    return {"w": X.T @ (y - p), "b": np.sum(p - y, axis=0, keepdims=True)}
