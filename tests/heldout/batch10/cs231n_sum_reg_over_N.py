"""CS231n on Pima (sigmoid) with a summed loss and reg: the data term is summed correctly, but the reg gradient is divided by N."""
import numpy as np

EXPECTED = {"mistakes": ["l2_divided_by_N"], "wrong": ["W1", "W2"], "convention": "cs231n", "reduction": "sum",
            "l2": 0.5}

reg = 0.5


def backward(params, X, y):
    N = X.shape[0]
    h = np.maximum(0, X @ params["W1"] + params["b1"])
    s = (h @ params["W2"] + params["b2"])[:, 0]
    p = 1 / (1 + np.exp(-s))
    ds = (p - y)[:, None]  # the summed loss: no / N
    grads = {"W2": h.T @ ds + 2 * reg * params["W2"] / N, "b2": ds.sum(axis=0)}  # BUG: 2 * reg * W2
    dh = ds @ params["W2"].T * (h > 0)
    grads["W1"] = X.T @ dh + 2 * reg * params["W1"] / N  # BUG: 2 * reg * W1
    grads["b1"] = dh.sum(axis=0)
    return grads
