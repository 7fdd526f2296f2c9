"""torch-like names on wine: the softmax gradient divided by the number of classes, not the batch size."""
import numpy as np

EXPECTED = {"mistakes": ["head:mean-wrong-axis"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine", "convention": "torch"}


def backward(params, x, labels):
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    num_classes = logits.shape[1]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    grad_logits = (p - np.eye(num_classes)[labels]) / num_classes  # BUG: / x.shape[0]
    grad_h = grad_logits @ params["W2"] * (h_pre > 0)
    return {"W1": grad_h.T @ x, "b1": grad_h.sum(0), "W2": grad_logits.T @ h, "b2": grad_logits.sum(0)}
