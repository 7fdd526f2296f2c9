"""A Layer class per dense layer (relu 64,64): the second layer's backward masks with (z <= 0), the first with (z > 0)."""
import numpy as np

EXPECTED = {"mistakes": ["mask:inverted"], "wrong": ["W1", "b1", "W2", "b2"], "hidden": [64, 64]}


class Dense:
    def __init__(self, W, b, relu, flip=False):
        self.W, self.b, self.relu, self.flip = W, b, relu, flip

    def forward(self, x):
        self.x = x
        self.z = x @ self.W + self.b
        return np.maximum(self.z, 0) if self.relu else self.z

    def backward(self, grad):
        if self.relu:
            grad = grad * ((self.z <= 0) if self.flip else (self.z > 0))  # BUG (flip): the wrong side of 0
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0, keepdims=True)
        return grad @ self.W.T


def backward(params, X, y):
    layers = [Dense(params["W1"], params["b1"], True), Dense(params["W2"], params["b2"], True, flip=True),
              Dense(params["W3"], params["b3"], False)]
    h = X
    for layer in layers:
        h = layer.forward(h)
    grad = (1 / (1 + np.exp(-h)) - y) / X.shape[0]
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return {f"{k}{i}": getattr(layer, f"d{k}") for i, layer in enumerate(layers, 1) for k in ("W", "b")}
