"""Correct: torch layout on iris with weight_decay, decayed in a loop over parameters that skips the 1-D ones (the biases), as AdamW users write it."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "iris", "convention": "torch", "l2": 0.02}

weight_decay = 0.02


def backward(params, x, y):
    n = x.shape[0]
    pre = x @ params["W1"].T + params["b1"]
    act = np.maximum(pre, 0)
    logits = act @ params["W2"].T + params["b2"]
    log_probs = logits - logits.max(axis=1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    grad_logits = np.exp(log_probs)
    grad_logits[np.arange(n), y] -= 1.0
    grad_logits /= n
    grad_pre = (grad_logits @ params["W2"]) * (pre > 0)
    grads = {"W2": grad_logits.T @ act, "b2": grad_logits.sum(axis=0),
             "W1": grad_pre.T @ x, "b1": grad_pre.sum(axis=0)}
    for name, p in params.items():
        if p.ndim > 1:
            grads[name] = grads[name] + weight_decay * p
    return grads
