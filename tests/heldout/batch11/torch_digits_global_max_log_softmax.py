"""torch layout on digits, log-softmax shifted by the batch's max (logits.max(), no axis): rows far below it underflow to a zero sum, log(0) = -inf."""
import numpy as np

EXPECTED = {"mistakes": ["nan_log_of_zero"], "wrong": ["W1", "b1", "W2", "b2"], "data": "digits",
            "convention": "torch", "scale": 20.0}


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    shifted = logits - logits.max()  # BUG: logits.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    g_logits = np.exp(log_probs)
    g_logits[np.arange(n), y] -= 1
    g_logits /= n
    g_h = g_logits @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g_logits.T @ h, "b2": g_logits.sum(0)}
