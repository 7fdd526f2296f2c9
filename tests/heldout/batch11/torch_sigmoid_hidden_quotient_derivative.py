"""torch layout, sigmoid hidden layer whose derivative is written exp(-z) / (1 + exp(-z))**2: inf / inf where z1 < -709."""
import numpy as np

EXPECTED = {"mistakes": ["nan_exp_overflow"], "wrong": ["W1", "b1"], "activation": "sigmoid",
            "convention": "torch", "scale": 300.0}


def backward(params, x, y):
    n, y = x.shape[0], y[:, None]
    pre = x @ params["W1"].T + params["b1"]
    hid = 0.5 * (1 + np.tanh(pre / 2))  # a sigmoid that never overflows
    out = hid @ params["W2"].T + params["b2"]
    g_out = (0.5 * (1 + np.tanh(out / 2)) - y) / n
    e = np.exp(-pre)
    g_pre = (g_out @ params["W2"]) * e / (1 + e) ** 2  # BUG: inf / inf; hid * (1 - hid) is safe
    return {"W1": g_pre.T @ x, "b1": g_pre.sum(0), "W2": g_out.T @ hid, "b2": g_out.sum(0)}
