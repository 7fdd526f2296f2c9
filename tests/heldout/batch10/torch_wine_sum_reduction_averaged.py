"""torch layout on wine with CrossEntropyLoss(reduction="sum"): the backward still divides the logits' gradient by n (the mean habit)."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine", "convention": "torch",
            "reduction": "sum"}


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    e = np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    probs[np.arange(n), y] -= 1
    g_logits = probs / n  # BUG: reduction="sum" has no 1/n
    g_h = g_logits @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_logits.T @ h, "b2": g_logits.sum(0)}
