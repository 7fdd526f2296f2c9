"""deeplearning.ai's dAL = -(Y/AL - (1-Y)/(1-AL)) where the sigmoid rounds AL to 1: 0/0 and 1/0 at saturated rows."""
import numpy as np

EXPECTED = {"mistakes": ["nan_division_by_zero"], "wrong": ["W1", "b1", "W2", "b2"], "convention": "deeplearning-ai",
            "scale": 10.0}


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    AL = 1 / (1 + np.exp(-(np.dot(parameters["W2"], A1) + parameters["b2"])))
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))  # BUG: 1 - AL is 0 once AL rounds to 1
    dZ2 = dAL * AL * (1 - AL)
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
