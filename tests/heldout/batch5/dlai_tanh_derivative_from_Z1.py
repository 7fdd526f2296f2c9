"""deeplearning.ai's planar-data network (tanh hidden layer) with 1 - np.power(Z1, 2) for 1 - np.power(A1, 2)."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:tanh-from-z"], "wrong": ["W1", "b1"], "activation": "tanh",
            "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(Z1, 2))  # BUG: A1, not Z1
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
