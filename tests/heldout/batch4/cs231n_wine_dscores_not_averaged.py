"""CS231n style on wine: the loss is averaged, but dscores /= N is forgotten; the reg gradient is right."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine", "convention": "cs231n",
            "l2": 0.05}

reg = 0.05


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h = np.maximum(0, X @ W1 + b1)
    scores = h @ W2 + b2
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y])) + reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1  # BUG: dscores /= N never follows
    grads = {"W2": h.T @ dscores + 2 * reg * W2, "b2": dscores.sum(axis=0)}
    dh = dscores @ W2.T
    dh[h <= 0] = 0
    grads["W1"] = X.T @ dh + 2 * reg * W1
    grads["b1"] = dh.sum(axis=0)
    return loss, grads
