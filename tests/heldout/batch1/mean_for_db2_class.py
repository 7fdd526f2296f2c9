"""A layer class whose bias gradient is a mean, though the upstream gradient is already averaged."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["b1", "b2"]}


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, g, bias_mean=False):
        self.dW = self.x.T @ g
        self.db = g.mean(axis=0, keepdims=True) if bias_mean else g.sum(axis=0, keepdims=True)
        return g @ self.W.T


def backward(params, X, y):
    l1, l2 = Dense(params["W1"], params["b1"]), Dense(params["W2"], params["b2"])
    z1 = l1.forward(X)
    a1 = np.maximum(z1, 0)
    p = 1 / (1 + np.exp(-l2.forward(a1)))
    g = (p - y) / len(X)
    da1 = l2.backward(g, bias_mean=True)  # BUG: db2 = mean(dz2)
    l1.backward(da1 * (z1 > 0), bias_mean=True)  # BUG: db1 = mean(dz1)
    return {"W1": l1.dW, "b1": l1.db, "W2": l2.dW, "b2": l2.db}
