"""A layer object for tanh whose backward passes the gradient straight through."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:missing"], "wrong": ["W1", "b1"], "activation": "tanh"}


class Tanh:
    def forward(self, z):
        self.out = np.tanh(z)
        return self.out

    def backward(self, grad):
        return grad  # BUG: should be grad * (1 - self.out ** 2)


def backward(params, X, y):
    act = Tanh()
    z1 = X @ params["W1"] + params["b1"]
    a1 = act.forward(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    y_hat = 1 / (1 + np.exp(-z2))
    dz2 = (y_hat - y) / len(y)
    dz1 = act.backward(dz2 @ params["W2"].T)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
