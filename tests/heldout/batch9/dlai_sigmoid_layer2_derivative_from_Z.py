"""deeplearning.ai, sigmoid hidden layers (16,16): the second hidden layer's sigmoid_backward is fed Z2 where A2 belongs."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:sigmoid-from-z"], "wrong": ["W1", "b1", "W2", "b2"], "activation": "sigmoid",
            "hidden": [16, 16], "convention": "deeplearning-ai"}


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    A3 = sigmoid(parameters["W3"] @ A2 + parameters["b3"])
    dZ3 = A3 - Y
    dA2 = parameters["W3"].T @ dZ3
    dZ2 = dA2 * Z2 * (1 - Z2)  # BUG: A2 * (1 - A2)
    dA1 = parameters["W2"].T @ dZ2
    dZ1 = dA1 * A1 * (1 - A1)
    return {"dW3": dZ3 @ A2.T / m, "db3": dZ3.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m,
            "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}
