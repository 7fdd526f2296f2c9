"""dz2 written y - y_hat, the sign then fixed on the returned weight gradients but not the biases."""
import numpy as np

EXPECTED = {"mistakes": ["factor:-1"], "wrong": ["b1", "b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    delta2 = (y - y_hat) / N  # the ascent direction
    delta1 = delta2 @ W2.T * (z1 > 0)
    return {"W1": -(X.T @ delta1), "b1": delta1.sum(axis=0, keepdims=True),  # BUG: -delta1.sum(...)
            "W2": -(a1.T @ delta2), "b2": delta2.sum(axis=0, keepdims=True)}  # BUG: -delta2.sum(...)
