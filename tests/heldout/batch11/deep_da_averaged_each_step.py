"""relu 16,16,16, a loop that divides the propagated gradient by N at every step (da = dz @ W.T / N): 1/N, 1/N^2, 1/N^3 down the layers."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N", "factor:1/N^2", "factor:1/N^3"],
            "wrong": ["W1", "b1", "W2", "b2", "W3", "b3"], "hidden": [16, 16, 16]}


def backward(params, X, y):
    n = X.shape[0]
    L = len(params) // 2
    acts, pres = [X], []
    for l in range(1, L + 1):
        pres.append(acts[-1] @ params[f"W{l}"] + params[f"b{l}"])
        acts.append(np.maximum(pres[-1], 0) if l < L else 1 / (1 + np.exp(-pres[-1])))
    grads, dz = {}, (acts[-1] - y) / n
    for l in range(L, 0, -1):
        grads[f"W{l}"] = acts[l - 1].T @ dz
        grads[f"b{l}"] = np.sum(dz, axis=0, keepdims=True)
        if l > 1:
            dz = (dz @ params[f"W{l}"].T) / n * (pres[l - 2] > 0)  # BUG: the / n belongs only at the top
    return grads
