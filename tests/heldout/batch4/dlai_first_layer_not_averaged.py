"""deeplearning.ai column-major on Pima: dZ2 = A2 - Y, 1/m in layer 2's dW and db, forgotten in layer 1's."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N"], "wrong": ["W1", "b1"], "convention": "deeplearning-ai"}


def relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = A2 - Y
    grads = {"dW2": np.dot(dZ2, A1.T) / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
    dZ1 = relu_backward(np.dot(W2.T, dZ2), Z1)
    grads["dW1"] = np.dot(dZ1, X.T)  # BUG: no / m
    grads["db1"] = np.sum(dZ1, axis=1, keepdims=True)  # BUG: no / m
    return grads
