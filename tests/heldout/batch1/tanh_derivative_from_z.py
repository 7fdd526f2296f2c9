"""A tanh hidden layer with 1 - z1**2 where 1 - a1**2 belongs."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:tanh-from-z"], "wrong": ["W1", "b1"], "activation": "tanh"}


def backward(params, X, y):
    N = X.shape[0]
    pre = np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"]
    hid = np.tanh(pre)
    logit = np.einsum("nh,ho->no", hid, params["W2"]) + params["b2"]
    prob = 1.0 / (1.0 + np.exp(-logit))
    d_logit = (prob - y) / N
    d_hid = np.einsum("no,ho->nh", d_logit, params["W2"])
    d_pre = d_hid * (1.0 - pre ** 2)  # BUG: the derivative of tanh from the pre-activation
    return {"W1": np.einsum("nd,nh->dh", X, d_pre), "b1": d_pre.sum(axis=0)[None, :],
            "W2": np.einsum("nh,no->ho", hid, d_logit), "b2": d_logit.sum(axis=0)[None, :]}
