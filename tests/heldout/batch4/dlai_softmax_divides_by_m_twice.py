"""deeplearning.ai column-major softmax on wine: dZ2 = (A2 - Y) / m, then 1/m again in every dW and db."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine",
            "convention": "deeplearning-ai"}


def softmax(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = softmax(parameters["W2"] @ A1 + parameters["b2"])
    dZ2 = (A2 - Y) / m  # BUG: averaged here, and again below
    dW2 = (1 / m) * dZ2 @ A1.T
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = parameters["W2"].T @ dZ2 * (Z1 > 0)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
