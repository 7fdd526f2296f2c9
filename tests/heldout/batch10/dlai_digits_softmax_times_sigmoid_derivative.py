"""deeplearning.ai softmax on digits: dZ2 = (A2 - Y) * A2 * (1 - A2), the sigmoid_backward habit on top of the softmax's own derivative."""
import numpy as np

EXPECTED = {"mistakes": ["softmax_extra_jacobian"], "wrong": ["W1", "b1", "W2", "b2"], "data": "digits",
            "convention": "deeplearning-ai"}


def softmax_backward(dA, cache):
    A = cache
    return dA * A * (1 - A)  # BUG: (A2 - Y) is already dL/dZ2


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    T = np.exp(Z2 - np.max(Z2, axis=0, keepdims=True))
    A2 = T / np.sum(T, axis=0, keepdims=True)
    dZ2 = softmax_backward(A2 - Y, A2)
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (Z1 > 0)
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
