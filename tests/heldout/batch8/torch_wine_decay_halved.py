"""torch layout on wine with weight_decay: the gradient adds 0.5 * weight_decay * W (the 1/2 of the loss term kept)."""
import numpy as np

EXPECTED = {"mistakes": ["l2:no-2"], "wrong": ["W1", "W2"], "data": "wine", "convention": "torch", "l2": 0.01}

weight_decay = 0.01


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    e = np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    onehot = np.eye(logits.shape[1])[y]
    g_logits = (probs - onehot) / n
    g_h = g_logits @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x + 0.5 * weight_decay * params["W1"],  # BUG: weight_decay * W1
            "b1": g_h.sum(0),
            "W2": g_logits.T @ h + 0.5 * weight_decay * params["W2"],  # BUG: weight_decay * W2
            "b2": g_logits.sum(0)}
