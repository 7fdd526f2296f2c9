"""deeplearning.ai column-major on Pima: the ReLU mask taken as A1 >= 0, which is true everywhere."""
import numpy as np

EXPECTED = {"mistakes": ["mask:missing"], "wrong": ["W1", "b1"], "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(parameters["W2"], A1) + parameters["b2"])))
    dZ2 = A2 - Y
    dA1 = np.dot(parameters["W2"].T, dZ2)
    dZ1 = dA1 * (A1 >= 0)  # BUG: A1 > 0 (or Z1 > 0)
    return {"dW1": np.dot(dZ1, X.T) / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": np.dot(dZ2, A1.T) / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
