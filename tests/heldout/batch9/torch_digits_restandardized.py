"""torch layout on digits: the inputs standardized again inside, (x - mean) / std, which is 0/0 on digits' constant pixels."""
import numpy as np

EXPECTED = {"mistakes": ["nan_division_by_zero"], "wrong": ["W1", "b1", "W2", "b2"], "data": "digits",
            "convention": "torch"}


def backward(params, x, y):
    x = (x - x.mean(axis=0)) / x.std(axis=0)  # BUG: a constant column has std 0 (and x is standardized already)
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    e = np.exp(logits - logits.max(1, keepdims=True))
    g_logits = e / e.sum(1, keepdims=True)
    g_logits[np.arange(n), y] -= 1
    g_logits /= n
    g_h = g_logits @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_logits.T @ h, "b2": g_logits.sum(0)}
