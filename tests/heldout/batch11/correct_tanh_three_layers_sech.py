"""Correct: tanh 16,16,16 whose derivative is 1 / cosh(z)**2 (sech^2, right on z), at a saturated point where cosh overflows to inf."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "activation": "tanh", "hidden": [16, 16, 16], "scale": 300.0}


def backward(params, X, y):
    L = len(params) // 2
    zs, acts = [], [X]
    for l in range(1, L):
        zs.append(acts[-1] @ params[f"W{l}"] + params[f"b{l}"])
        acts.append(np.tanh(zs[-1]))
    zL = acts[-1] @ params[f"W{L}"] + params[f"b{L}"]
    dz = (0.5 * (1 + np.tanh(zL / 2)) - y) / X.shape[0]
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = acts[l - 1].T @ dz
        grads[f"b{l}"] = dz.sum(axis=0, keepdims=True)
        if l > 1:
            with np.errstate(over="ignore"):
                dz = (dz @ params[f"W{l}"].T) / np.cosh(zs[l - 2]) ** 2
    return grads
