"""torch layout on iris: dL/dprobs = -onehot / probs / n used as the gradient of the logits (the softmax's Jacobian never applied)."""
import numpy as np

EXPECTED = {"mistakes": ["softmax_dprobs_as_dscores"], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris",
            "convention": "torch"}


def backward(params, x, y):
    n = x.shape[0]
    pre = x @ params["W1"].T + params["b1"]
    act = np.maximum(pre, 0)
    logits = act @ params["W2"].T + params["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), y] = 1
    d_probs = -onehot / probs / n  # dL/dprobs
    d_logits = d_probs  # BUG: dL/dlogits = probs - onehot (over n), not dL/dprobs
    d_pre = d_logits @ params["W2"] * (pre > 0)
    return {"W1": d_pre.T @ x, "b1": d_pre.sum(0), "W2": d_logits.T @ act, "b2": d_logits.sum(0)}
