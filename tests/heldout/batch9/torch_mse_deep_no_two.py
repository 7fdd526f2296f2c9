"""torch layout, hidden 64,64, on diabetes progression: the gradient of 0.5 * mean((out - y) ** 2), checked against MSELoss."""
import numpy as np

EXPECTED = {"mistakes": ["mse:no-2"], "wrong": ["W1", "b1", "W2", "b2", "W3", "b3"], "data": "diabetes_progression",
            "convention": "torch", "hidden": [64, 64]}


def backward(params, x, y):
    y = y[:, None]
    h1_pre = x @ params["W1"].T + params["b1"]
    h1 = np.maximum(h1_pre, 0)
    h2_pre = h1 @ params["W2"].T + params["b2"]
    h2 = np.maximum(h2_pre, 0)
    out = h2 @ params["W3"].T + params["b3"]
    g_out = (out - y) / len(x)  # BUG: 2 * (out - y) / len(x)
    g_h2 = g_out @ params["W3"] * (h2_pre > 0)
    g_h1 = g_h2 @ params["W2"] * (h1_pre > 0)
    return {"W1": g_h1.T @ x, "b1": g_h1.sum(0), "W2": g_h2.T @ h1, "b2": g_h2.sum(0),
            "W3": g_out.T @ h2, "b3": g_out.sum(0)}
