"""deeplearning.ai column-major regression on diabetes progression: the mean taken over A2.shape[0] (the one output), not m."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N"], "wrong": ["W1", "b1", "W2", "b2"], "data": "diabetes_progression",
            "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = np.dot(parameters["W2"], A1) + parameters["b2"]  # (1, m)
    dZ2 = 2 * (A2 - Y) / A2.shape[0]  # BUG: A2.shape[1] (m) in a column-major layout
    dW2 = np.dot(dZ2, A1.T)
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    return {"dW1": np.dot(dZ1, X.T), "db1": np.sum(dZ1, axis=1, keepdims=True), "dW2": dW2, "db2": db2}
