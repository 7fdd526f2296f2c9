"""deeplearning.ai L2 on Pima: the decay loop adds lambd / m * b to db as well as lambd / m * W to dW."""
import numpy as np

EXPECTED = {"mistakes": ["l2:on-biases"], "wrong": ["b1", "b2"], "convention": "deeplearning-ai", "l2": 0.7}

lambd = 0.7


def backward(parameters, X, Y):
    m = X.shape[1]
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.maximum(0, Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(parameters["W2"], A1) + parameters["b2"])))
    dZ2 = A2 - Y
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (A1 > 0)
    grads = {"dW2": 1. / m * np.dot(dZ2, A1.T), "db2": 1. / m * np.sum(dZ2, axis=1, keepdims=True),
             "dW1": 1. / m * np.dot(dZ1, X.T), "db1": 1. / m * np.sum(dZ1, axis=1, keepdims=True)}
    for key in parameters:  # BUG: the L2 term is on the weights only
        grads["d" + key] += lambd / m * parameters[key]
    return grads
