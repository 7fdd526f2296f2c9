"""Correct: relu 64,64 with einsum everywhere and the masks as boolean multiplies."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "hidden": [64, 64]}


def backward(params, X, y):
    z1 = np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"]
    a1 = z1 * (z1 > 0)
    z2 = np.einsum("nh,hk->nk", a1, params["W2"]) + params["b2"]
    a2 = z2 * (z2 > 0)
    z3 = np.einsum("nk,ko->no", a2, params["W3"]) + params["b3"]
    d3 = (np.where(z3 >= 0, 1 / (1 + np.exp(-np.abs(z3))), 1 - 1 / (1 + np.exp(-np.abs(z3)))) - y) / len(X)
    d2 = np.einsum("no,ko->nk", d3, params["W3"]) * (z2 > 0)
    d1 = np.einsum("nk,hk->nh", d2, params["W2"]) * (z1 > 0)
    return {"W1": np.einsum("nd,nh->dh", X, d1), "b1": np.einsum("nh->h", d1)[None, :],
            "W2": np.einsum("nh,nk->hk", a1, d2), "b2": np.einsum("nk->k", d2)[None, :],
            "W3": np.einsum("nk,no->ko", a2, d3), "b3": np.einsum("no->o", d3)[None, :]}
