"""A stray 2 (from a squared-error habit) in dW1 and a 4 in dW2."""
import numpy as np

EXPECTED = {"mistakes": ["factor:2", "factor:4"], "wrong": ["W1", "W2"]}


class TwoLayer:
    def __init__(self, params):
        self.p = params

    def forward(self, X):
        self.X = X
        self.z1 = X @ self.p["W1"] + self.p["b1"]
        self.a1 = np.maximum(0, self.z1)
        self.z2 = self.a1 @ self.p["W2"] + self.p["b2"]
        self.out = 1 / (1 + np.exp(-self.z2))
        return self.out

    def backward(self, y):
        n = self.X.shape[0]
        g2 = (self.out - y) / n
        g1 = (g2 @ self.p["W2"].T) * (self.z1 > 0)
        return {
            "W1": 2 * self.X.T @ g1,  # BUG: stray 2
            "b1": g1.sum(axis=0, keepdims=True),
            "W2": 4 * self.a1.T @ g2,  # BUG: stray 4
            "b2": g2.sum(axis=0, keepdims=True),
        }


def backward(params, X, y):
    net = TwoLayer(params)
    net.forward(X)
    return net.backward(y)
