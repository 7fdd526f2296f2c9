"""Correct: deeplearning.ai returns (cost, grads), the cost without an epsilon (log(0) at saturated AL: not finite), dZ = AL - Y exact."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "convention": "deeplearning-ai", "scale": 10.0}


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    AL = 1 / (1 + np.exp(-(np.dot(parameters["W2"], A1) + parameters["b2"])))
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    dZ2 = AL - Y
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    return cost, {"dW1": np.dot(dZ1, X.T) / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
                  "dW2": np.dot(dZ2, A1.T) / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
