"""Correct: deeplearning.ai column-major softmax on digits with L2 (lambd / (2 m) sum W^2)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "digits", "convention": "deeplearning-ai", "l2": 0.7}

lambd = 0.7


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    T = np.exp(Z2 - np.max(Z2, axis=0, keepdims=True))
    A2 = T / np.sum(T, axis=0, keepdims=True)
    dZ2 = A2 - Y
    dW2 = 1. / m * dZ2 @ A1.T + lambd / m * W2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * dZ1 @ X.T + lambd / m * W1
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
