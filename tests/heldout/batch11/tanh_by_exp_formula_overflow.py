"""tanh written out as (e^z - e^-z) / (e^z + e^-z) in the forward the backward recomputes: inf / inf once |z1| passes 710."""
import numpy as np

EXPECTED = {"mistakes": ["nan_exp_overflow"], "wrong": ["W1", "b1", "W2", "b2"], "activation": "tanh",
            "scale": 300.0}


def tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))  # BUG: overflows; np.tanh(z) does not


def backward(params, X, y):
    N = X.shape[0]
    a1 = tanh(X @ params["W1"] + params["b1"])
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ params["W2"].T * (1 - a1 ** 2)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2,
            "b2": dz2.sum(axis=0, keepdims=True)}
