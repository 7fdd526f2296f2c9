"""deeplearning.ai column-major on Pima: dW2 = 1/m dZ2 Z1.T, the linear cache's Z where A_prev belongs."""
import numpy as np

EXPECTED = {"mistakes": ["cache:z-for-a"], "wrong": ["W2"], "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = A2 - Y
    dW2 = 1 / m * dZ2 @ Z1.T  # BUG: A1.T
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return {"dW1": 1 / m * dZ1 @ X.T, "db1": 1 / m * np.sum(dZ1, axis=1, keepdims=True), "dW2": dW2, "db2": db2}
