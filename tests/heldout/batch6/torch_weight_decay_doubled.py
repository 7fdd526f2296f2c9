"""torch layout with weight_decay: the loss's weight_decay / 2 * sum W^2 differentiated as 2 * weight_decay * W."""
import numpy as np

EXPECTED = {"mistakes": ["l2_doubled"], "wrong": ["W1", "W2"], "convention": "torch", "l2": 0.01}

weight_decay = 0.01


def backward(params, x, y):
    y = y.reshape(-1, 1)
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    p = 1 / (1 + np.exp(-(h @ params["W2"].T + params["b2"])))
    g_out = (p - y) / x.shape[0]
    g_h = g_out @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x + 2 * weight_decay * params["W1"], "b1": g_h.sum(0),  # BUG: weight_decay * W1
            "W2": g_out.T @ h + 2 * weight_decay * params["W2"], "b2": g_out.sum(0)}  # BUG: weight_decay * W2
