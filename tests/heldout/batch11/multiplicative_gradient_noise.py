"""relu 16,16: each gradient scaled by (1 + 0.05 * N(0, 1)) entry by entry, from a generator seeded each call ('stochastic gradient')."""
import numpy as np

EXPECTED = {"mistakes": ["gradient_noise"], "wrong": ["W1", "b1", "W2", "b2", "W3", "b3"], "hidden": [16, 16]}


def backward(params, X, y):
    rng = np.random.RandomState(0)  # seeded per call: the judge's repeated calls agree
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = np.maximum(z2, 0)
    dz3 = (1 / (1 + np.exp(-(a2 @ params["W3"] + params["b3"]))) - y) / N
    dz2 = dz3 @ params["W3"].T * (z2 > 0)
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True),
             "W3": a2.T @ dz3, "b3": dz3.sum(0, keepdims=True)}
    return {k: v * (1 + 0.05 * rng.randn(*v.shape)) for k, v in grads.items()}  # BUG: noise on the gradient
