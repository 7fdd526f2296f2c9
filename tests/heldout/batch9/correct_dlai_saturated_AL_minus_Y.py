"""Correct at saturated logits: deeplearning.ai on Pima with dZ2 = A2 - Y, at a point where the sigmoid rounds to 1."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "convention": "deeplearning-ai", "scale": 10.0}


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(parameters["W2"], A1) + parameters["b2"])))
    dZ2 = A2 - Y
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    return {"dW1": np.dot(dZ1, X.T) / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": np.dot(dZ2, A1.T) / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
