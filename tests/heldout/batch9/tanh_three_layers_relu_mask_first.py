"""A tanh network with three hidden layers (16,16,16), written as a loop, whose first layer backpropagates through (z1 > 0)."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:relu"], "wrong": ["W1", "b1"], "activation": "tanh", "hidden": [16, 16, 16]}


def backward(params, X, y):
    L = len(params) // 2
    a, zs, acts = X, [], [X]
    for l in range(1, L):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        a = np.tanh(z)
        zs.append(z)
        acts.append(a)
    y_hat = 1 / (1 + np.exp(-(a @ params[f"W{L}"] + params[f"b{L}"])))
    dz = (y_hat - y) / X.shape[0]
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = acts[l - 1].T @ dz
        grads[f"b{l}"] = dz.sum(axis=0, keepdims=True)
        if l > 1:
            da = dz @ params[f"W{l}"].T
            if l - 1 == 1:
                dz = da * (zs[0] > 0)  # BUG: the first layer copied from the relu version: 1 - a1 ** 2
            else:
                dz = da * (1 - acts[l - 1] ** 2)
    return grads
