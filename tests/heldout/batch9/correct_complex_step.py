"""Correct: a numerical backward that is exact, complex-step differentiation Im(L(w + ih)) / h with h = 1e-30."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


def loss(params, X, y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.where(z1.real > 0, z1, 0)  # relu, analytic in the imaginary direction
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


def backward(params, X, y):
    h = 1e-30
    grads = {}
    for k, W in params.items():
        g = np.zeros(W.shape)
        for idx in np.ndindex(W.shape):
            moved = {name: v.astype(complex) for name, v in params.items()}
            moved[k][idx] += 1j * h
            g[idx] = loss(moved, X, y).imag / h
        grads[k] = g
    return grads
