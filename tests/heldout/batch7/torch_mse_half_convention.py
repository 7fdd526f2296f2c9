"""torch layout on diabetes progression: the gradient of 0.5 * mean((out - y) ** 2), checked against MSELoss."""
import numpy as np

EXPECTED = {"mistakes": ["mse:no-2"], "wrong": ["W1", "b1", "W2", "b2"], "data": "diabetes_progression",
            "convention": "torch"}


def backward(params, x, y):
    y = y[:, None]
    pre = x @ params["W1"].T + params["b1"]
    act = np.maximum(pre, 0)
    out = act @ params["W2"].T + params["b2"]
    d_out = (out - y) / x.shape[0]  # BUG: the 0.5 * (out - y) ** 2 habit
    d_pre = d_out @ params["W2"] * (pre > 0)
    return {"W1": d_pre.T @ x, "b1": d_pre.sum(0), "W2": d_out.T @ act, "b2": d_out.sum(0)}
