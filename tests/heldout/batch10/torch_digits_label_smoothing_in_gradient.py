"""torch layout on digits: the gradient uses label-smoothed targets (0.9 on the class, 0.1 / C spread) while the loss is plain cross-entropy."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1", "W2", "b2"], "data": "digits", "convention": "torch"}


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    e = np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    C = logits.shape[1]
    target = np.full_like(probs, 0.1 / C)
    target[np.arange(n), y] += 0.9  # BUG: the loss is CrossEntropyLoss() without label_smoothing
    g = (probs - target) / n
    g_h = g @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g.T @ h, "b2": g.sum(0)}
