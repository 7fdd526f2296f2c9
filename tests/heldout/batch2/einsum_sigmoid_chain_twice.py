"""einsum style: the output delta multiplied by the sigmoid's derivative on top of (y_hat - y)."""
import numpy as np

EXPECTED = {"mistakes": ["head:sigmoid-mse"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    N = X.shape[0]
    z1 = np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"]
    a1 = np.maximum(z1, 0)
    z2 = np.einsum("nh,ho->no", a1, params["W2"]) + params["b2"]
    s = 1 / (1 + np.exp(-z2))
    dz2 = np.einsum("no,no->no", (s - y) / N, s * (1 - s))  # BUG
    dz1 = np.einsum("no,ho->nh", dz2, params["W2"]) * (z1 > 0)
    return {"W1": np.einsum("nd,nh->dh", X, dz1), "b1": dz1.sum(0, keepdims=True),
            "W2": np.einsum("nh,no->ho", a1, dz2), "b2": dz2.sum(0, keepdims=True)}
