"""The lesson's layout with weight_decay: a helper adds weight_decay * W, then the training step's gradient hook adds it again."""
import numpy as np

EXPECTED = {"mistakes": ["l2_doubled"], "wrong": ["W1", "W2"], "l2": 0.03}

weight_decay = 0.03


def add_decay(grads, params):
    return {k: g + weight_decay * params[k] if k.startswith("W") else g for k, g in grads.items()}


def data_gradients(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(0, z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / N
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
            "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}


def backward(params, X, y):
    grads = add_decay(data_gradients(params, X, y), params)
    return add_decay(grads, params)  # BUG: the decay is already in grads
