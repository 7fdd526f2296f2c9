"""Correct: Linear and ReLU objects with forward/backward and a clipped-exp sigmoid."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, d):
        self.dW, self.db = self.x.T @ d, d.sum(axis=0, keepdims=True)
        return d @ self.W.T


class ReLU:
    def forward(self, z):
        self.mask = z > 0
        return z * self.mask

    def backward(self, d):
        return d * self.mask


def backward(params, X, y):
    fc1, act, fc2 = Linear(params["W1"], params["b1"]), ReLU(), Linear(params["W2"], params["b2"])
    z2 = fc2.forward(act.forward(fc1.forward(X)))
    y_hat = 1 / (1 + np.exp(-np.clip(z2, -500, 500)))
    fc1.backward(act.backward(fc2.backward((y_hat - y) / len(X))))
    return {"W1": fc1.dW, "b1": fc1.db, "W2": fc2.dW, "b2": fc2.db}
