"""deeplearning.ai column-major on Pima: the forward computes Z1 = W1 X (b1 left out); the backward is otherwise right."""
import numpy as np

EXPECTED = {"mistakes": ["bias:missing-in-forward"], "wrong": ["W1", "b1", "W2", "b2"], "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, W2, b2 = parameters["W1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X)  # BUG: + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
    dZ2 = A2 - Y
    dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)
    return {"dW1": np.dot(dZ1, X.T) / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": np.dot(dZ2, A1.T) / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
