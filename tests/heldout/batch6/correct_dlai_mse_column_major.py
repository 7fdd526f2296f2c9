"""Correct: deeplearning.ai column-major regression (linear output, mean squared error) on diabetes progression."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "diabetes_progression", "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    cost = np.mean((A2 - Y) ** 2)
    dZ2 = 2 * (A2 - Y) / m
    dW2 = np.dot(dZ2, A1.T)
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    return cost, {"dW1": np.dot(dZ1, X.T), "db1": np.sum(dZ1, axis=1, keepdims=True), "dW2": dW2, "db2": db2}
