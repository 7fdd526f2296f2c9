"""Logistic regression trained by gradient ASCENT on the log-likelihood.

The contract: the backward returns the gradient of exactly what the forward returns. Code that
climbs the log-likelihood gives that log-likelihood as its forward (``log_likelihood``) and its
ascent direction as the backward (``ascent``). ``neg_log_likelihood`` is the same model's loss;
checked against ``ascent`` it fails with a ratio of -1: give the function you climb.

The bug: the ascent direction written with the descent sign, X^T (p - y).
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(15, 3))  # (N, D)
    y = (rng.random((15, 1)) < 0.5).astype(np.float64)  # (N, 1)
    params = {"w": rng.normal(size=(3, 1)), "b": rng.normal(size=(1, 1))}
    return params, {"X": X, "y": y}


def log_likelihood(params, inputs):
    X, y = inputs["X"], inputs["y"]
    z = X @ params["w"] + params["b"]  # (N, 1)
    return np.sum(y * z - np.logaddexp(0, z))  # sum of y log p + (1 - y) log(1 - p)


def neg_log_likelihood(params, inputs):
    return -log_likelihood(params, inputs)


def ascent(params, inputs):
    X, y = inputs["X"], inputs["y"]
    p = 1 / (1 + np.exp(-(X @ params["w"] + params["b"])))  # (N, 1)
    return {"w": X.T @ (y - p), "b": np.sum(y - p, axis=0, keepdims=True)}


def ascent_buggy(params, inputs):
    X, y = inputs["X"], inputs["y"]
    p = 1 / (1 + np.exp(-(X @ params["w"] + params["b"])))  # (N, 1)
    return {"w": X.T @ (p - y), "b": np.sum(p - y, axis=0, keepdims=True)}  # the descent direction
