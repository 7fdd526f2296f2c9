"""A trainer object that accumulates gradients and never zeroes them between calls."""
import numpy as np


EXPECTED = {"mistakes": ["state:previous-call"], "wrong": ["W1", "b1", "W2", "b2"]}


class Trainer:
    def __init__(self):
        self.grads = None

    def __call__(self, params, X, y):
        if self.grads is None:
            self.grads = {k: np.zeros_like(v) for k, v in params.items()}
        N = X.shape[0]
        z1 = X @ params["W1"] + params["b1"]
        a1 = np.maximum(z1, 0)
        y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
        dz2 = (y_hat - y) / N
        dz1 = dz2 @ params["W2"].T * (z1 > 0)
        self.grads["W2"] += a1.T @ dz2  # BUG: += on buffers never zeroed
        self.grads["b2"] += dz2.sum(0, keepdims=True)
        self.grads["W1"] += X.T @ dz1
        self.grads["b1"] += dz1.sum(0, keepdims=True)
        return {k: v.copy() for k, v in self.grads.items()}


backward = Trainer()
