"""Correct: deeplearning.ai's L_model_backward on Pima: dAL = -(Y/AL - (1-Y)/(1-AL)), then sigmoid_backward and linear_backward."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "convention": "deeplearning-ai"}


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), 1. / m * np.dot(dZ, A_prev.T), 1. / m * np.sum(dZ, axis=1, keepdims=True)


def backward(parameters, X, Y):
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2
    AL = 1 / (1 + np.exp(-Z2))
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dZ2 = dAL * AL * (1 - AL)  # sigmoid_backward
    dA1, dW2, db2 = linear_backward(dZ2, (A1, W2, b2))
    dZ1 = np.array(dA1, copy=True)
    dZ1[Z1 <= 0] = 0  # relu_backward
    _, dW1, db1 = linear_backward(dZ1, (X, W1, b1))
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
