"""torch layout on iris: softmax as exp(logits) / sum without subtracting the row max: inf / inf once a logit passes 709."""
import numpy as np

EXPECTED = {"mistakes": ["nan_exp_overflow"], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris", "convention": "torch",
            "scale": 20.0}


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    e = np.exp(logits)  # BUG: np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    g_logits = probs.copy()
    g_logits[np.arange(n), y] -= 1
    g_logits /= n
    g_h = g_logits @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_logits.T @ h, "b2": g_logits.sum(0)}
