"""torch layout with weight_decay on Pima: the loss adds weight_decay / 2 * sum W^2, the gradients never add weight_decay * W."""
import numpy as np

EXPECTED = {"mistakes": ["l2_missing_from_gradient"], "wrong": ["W1", "W2"], "convention": "torch", "l2": 0.01}

weight_decay = 0.01


def backward(params, x, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    y = y.reshape(-1, 1)
    h_pre = x @ W1.T + b1
    h = np.maximum(h_pre, 0)
    logits = h @ W2.T + b2
    p = 1 / (1 + np.exp(-logits))
    loss = np.mean(np.logaddexp(0, logits) - y * logits)
    loss += weight_decay / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    g_logits = (p - y) / x.shape[0]
    g_h = g_logits @ W2 * (h_pre > 0)
    grads = {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_logits.T @ h, "b2": g_logits.sum(0)}  # BUG: + weight_decay * W
    return loss, grads
