"""torch layout on iris: F.softmax(logits, dim=0) transcribed by hand, normalizing each class over the batch."""
import numpy as np

EXPECTED = {"mistakes": ["softmax:wrong-axis"], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris", "convention": "torch"}


def softmax(t, dim):
    e = np.exp(t - t.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def backward(params, x, y):
    n = x.shape[0]
    h_pre = x @ params["W1"].T + params["b1"]
    h = np.maximum(h_pre, 0)
    logits = h @ params["W2"].T + params["b2"]
    probs = softmax(logits, dim=0)  # BUG: dim=1
    g = (probs - np.eye(logits.shape[1])[y]) / n
    g_h = g @ params["W2"] * (h_pre > 0)
    return {"W1": g_h.T @ x, "b1": g_h.sum(0), "W2": g.T @ h, "b2": g.sum(0)}
