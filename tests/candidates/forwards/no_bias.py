"""A two-layer network without biases: ReLU hidden layer, sigmoid output, mean binary cross-entropy.

The bug: the output error is not divided by N (the loss is a mean, the gradient is a sum).
"""
import numpy as np


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 4))  # (N, D)
    y = (rng.random((12, 1)) < 0.5).astype(np.float64)  # (N, 1)
    params = {"W1": rng.normal(scale=0.5, size=(4, 6)), "W2": rng.normal(scale=0.5, size=(6, 1))}
    return params, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    z1 = X @ params["W1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    z2 = a1 @ params["W2"]  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)
    return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    z1 = X @ params["W1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"])))  # (N, 1)
    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    da1 = dz2 @ params["W2"].T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    return {"W1": dW1, "W2": dW2}


def backward_buggy(params, inputs):
    X, y = inputs["X"], inputs["y"]
    z1 = X @ params["W1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"])))  # (N, 1)
    dz2 = y_hat - y  # (N, 1): the 1/N of the mean is missing
    dW2 = a1.T @ dz2  # (H, 1)
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)  # (N, H)
    return {"W1": X.T @ dz1, "W2": dW2}
