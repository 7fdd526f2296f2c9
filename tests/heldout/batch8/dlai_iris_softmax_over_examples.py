"""deeplearning.ai column-major softmax on iris, normalized along axis=1 (the examples), the row-major habit in a (C, m) layout."""
import numpy as np

EXPECTED = {"mistakes": ["softmax:wrong-axis"], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris",
            "convention": "deeplearning-ai"}


def softmax(Z):
    t = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return t / np.sum(t, axis=1, keepdims=True)  # BUG: axis=0 in a (C, m) layout


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = softmax(parameters["W2"] @ A1 + parameters["b2"])
    dZ2 = (A2 - Y) / m
    dZ1 = parameters["W2"].T @ dZ2 * (Z1 > 0)
    return {"dW1": dZ1 @ X.T, "db1": np.sum(dZ1, axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": np.sum(dZ2, axis=1, keepdims=True)}
