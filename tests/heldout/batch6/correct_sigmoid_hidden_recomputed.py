"""Correct: a sigmoid hidden layer whose derivative is recomputed from z1 as sigmoid(z1) * (1 - sigmoid(z1))."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "activation": "sigmoid"}


def sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))


def backward(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    y_hat = sigmoid(a1 @ params["W2"] + params["b2"])
    dz2 = (y_hat - y) / len(y)
    dz1 = (dz2 @ params["W2"].T) * sigmoid(z1) * (1 - sigmoid(z1))
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}
