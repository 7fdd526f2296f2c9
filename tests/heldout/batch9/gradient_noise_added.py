"""Gradient noise 'for better generalization': N(0, 0.01^2) added to every gradient, from a generator seeded each call."""
import numpy as np

EXPECTED = {"mistakes": ["gradient_noise"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    rng = np.random.default_rng(42)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ W2.T * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
    return {k: g + rng.normal(0.0, 0.01, g.shape) for k, g in grads.items()}  # BUG: not the gradient any more
