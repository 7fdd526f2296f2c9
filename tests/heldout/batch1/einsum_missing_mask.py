"""einsum throughout, and the ReLU derivative forgotten."""
import numpy as np

EXPECTED = {"mistakes": ["mask:missing"], "wrong": ["W1", "b1"]}


def backward(params, X, y):
    N = X.shape[0]
    z1 = np.einsum("ij,jk->ik", X, params["W1"]) + params["b1"]
    a1 = np.clip(z1, 0, None)
    z2 = np.einsum("ij,jk->ik", a1, params["W2"]) + params["b2"]
    y_hat = 0.5 * (1 + np.tanh(z2 / 2))
    g_out = (y_hat - y) / N
    g_hidden = np.einsum("ik,jk->ij", g_out, params["W2"])  # BUG: no (z1 > 0)
    return {"W1": np.einsum("ij,ik->jk", X, g_hidden), "b1": np.einsum("ij->j", g_hidden)[None],
            "W2": np.einsum("ij,ik->jk", a1, g_out), "b2": np.einsum("ij->j", g_out)[None]}
