"""deeplearning.ai L2 on Pima: the cost's lambd / (2 m) sum W^2 is right, the gradient adds lambd * W (no / m)."""
import numpy as np

EXPECTED = {"mistakes": ["l2_times_N"], "wrong": ["W1", "W2"], "convention": "deeplearning-ai", "l2": 0.7}

lambd = 0.7


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
    dZ2 = A2 - Y
    dW2 = 1. / m * np.dot(dZ2, A1.T) + lambd * W2  # BUG: lambd / m * W2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (A1 > 0)
    dW1 = 1. / m * np.dot(dZ1, X.T) + lambd * W1  # BUG: lambd / m * W1
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
