"""A two-layer softmax classifier without biases and a SUMMED cross-entropy (no 1/N), with
integer class labels among the inputs (held fixed).

The bug: the backward averages (divides by N) although the loss is a sum.
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 5))  # (N, D)
    labels = rng.integers(0, 3, size=8)  # (N,) int
    params = {"W1": rng.normal(scale=0.4, size=(5, 7)), "W2": rng.normal(scale=0.4, size=(7, 3))}
    return params, {"X": X, "labels": labels}


def loss(params, inputs):
    X, labels = inputs["X"], inputs["labels"]
    a1 = np.maximum(X @ params["W1"], 0)  # (N, H)
    z2 = a1 @ params["W2"]  # (N, C)
    z2 = z2 - np.max(z2, axis=1, keepdims=True)  # (N, C)
    log_p = z2 - np.log(np.sum(np.exp(z2), axis=1, keepdims=True))  # (N, C)
    return -np.sum(log_p[np.arange(X.shape[0]), labels])


def backward(params, inputs):
    X, labels = inputs["X"], inputs["labels"]
    z1 = X @ params["W1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    z2 = a1 @ params["W2"]  # (N, C)
    p = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)  # (N, C)
    dz2 = p.copy()
    dz2[np.arange(X.shape[0]), labels] -= 1  # (N, C)
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)  # (N, H)
    return {"W1": X.T @ dz1, "W2": a1.T @ dz2}


def backward_buggy(params, inputs):
    grads = backward(params, inputs)
    N = inputs["X"].shape[0]
    return {k: g / N for k, g in grads.items()}  # the mean's 1/N on a summed loss
