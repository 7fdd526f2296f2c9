"""torch layout on diabetes progression: the weights get 2 * err / n, but the output bias is written err.mean() (its 2 forgotten)."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/2"], "wrong": ["b2"], "data": "diabetes_progression", "convention": "torch"}


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    out = (h @ params["W2"].T + params["b2"]).ravel()
    err = out - y
    g_out = (2 * err / n)[:, None]
    g_h = g_out @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_out.T @ h,
            "b2": np.array([err.mean()])}  # BUG: 2 * err.mean()
