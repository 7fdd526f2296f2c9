"""deeplearning.ai layout: db = np.sum(dZ) / m, a scalar summed over the units too (db2 right in value, db1 not)."""
import numpy as np

EXPECTED = {"mistakes": ["contract:shape", "bias_summed_over_every_axis"], "wrong": ["b1"],
            "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(parameters["W2"], A1) + parameters["b2"])))
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2) / m  # BUG: np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1) / m  # BUG: same; here the units are summed together
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
