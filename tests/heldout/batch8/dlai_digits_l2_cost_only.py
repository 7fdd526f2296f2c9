"""deeplearning.ai softmax on digits with lambd: compute_cost_with_regularization is right, backward_propagation_with_regularization never adds lambd / m * W."""
import numpy as np

EXPECTED = {"mistakes": ["l2_missing_from_gradient"], "wrong": ["W1", "W2"], "data": "digits",
            "convention": "deeplearning-ai", "l2": 0.7}

lambd = 0.7


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2
    T = np.exp(Z2 - np.max(Z2, axis=0, keepdims=True))
    A2 = T / np.sum(T, axis=0, keepdims=True)
    cross_entropy = -np.sum(Y * np.log(A2)) / m
    L2_regularization_cost = lambd / (2 * m) * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    cost = cross_entropy + L2_regularization_cost
    dZ2 = A2 - Y
    dW2 = 1. / m * np.dot(dZ2, A1.T)  # BUG: + lambd / m * W2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)  # BUG: + lambd / m * W1
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return cost, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
