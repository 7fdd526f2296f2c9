"""torch layout on digits: the gradient of the log-likelihood, (onehot - probs) / n, used for the loss's (a flipped sign)."""
import numpy as np

EXPECTED = {"mistakes": ["factor:-1"], "wrong": ["W1", "b1", "W2", "b2"], "data": "digits", "convention": "torch"}


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    log_probs = logits - logits.max(1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(1, keepdims=True))
    g_logits = (np.eye(logits.shape[1])[y] - np.exp(log_probs)) / n  # BUG: probs - onehot
    g_h = g_logits @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_logits.T @ h, "b2": g_logits.sum(0)}
