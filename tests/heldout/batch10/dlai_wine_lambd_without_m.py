"""deeplearning.ai softmax on wine with lambd: dW = 1/m * dZ @ A.T + lambd * W, the L2 term's 1/m left out (m times too large)."""
import numpy as np

EXPECTED = {"mistakes": ["l2_times_N"], "wrong": ["W1", "W2"], "data": "wine", "convention": "deeplearning-ai",
            "l2": 0.1}

lambd = 0.1


def backward(parameters, X, Y):
    m = X.shape[1]
    cache = {}
    cache["Z1"] = parameters["W1"] @ X + parameters["b1"]
    cache["A1"] = np.maximum(cache["Z1"], 0)
    Z2 = parameters["W2"] @ cache["A1"] + parameters["b2"]
    T = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
    A2 = T / T.sum(axis=0, keepdims=True)
    grads = {}
    dZ2 = A2 - Y
    grads["dW2"] = 1. / m * dZ2 @ cache["A1"].T + lambd * parameters["W2"]  # BUG: lambd / m * W2
    grads["db2"] = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (parameters["W2"].T @ dZ2) * (cache["Z1"] > 0)
    grads["dW1"] = 1. / m * dZ1 @ X.T + lambd * parameters["W1"]  # BUG: lambd / m * W1
    grads["db1"] = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return grads
