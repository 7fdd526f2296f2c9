"""Sigmoid output with a quadratic cost: the derivative of the square written 2 (y_hat - y), though
the cost carries its 1/2 (sum / (2N))."""
import numpy as np

FORWARD = "sigmoid_quadratic"
EXPECTED = {"W1": "factor 2", "b1": "factor 2", "W2": "factor 2", "b2": "factor 2"}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    m = X.shape[0]
    a1 = sigmoid(X @ params["W1"] + params["b1"])  # (N, H)
    a2 = sigmoid(a1 @ params["W2"] + params["b2"])  # (N, C)
    delta2 = 2 * (a2 - y) * a2 * (1 - a2) / m  # (N, C)
    delta1 = delta2 @ params["W2"].T * a1 * (1 - a1)  # (N, H)
    return {"W1": X.T @ delta1, "b1": delta1.sum(0, keepdims=True),
            "W2": a1.T @ delta2, "b2": delta2.sum(0, keepdims=True)}
