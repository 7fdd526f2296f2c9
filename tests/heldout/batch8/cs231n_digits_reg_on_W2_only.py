"""CS231n on digits with reg: the loss regularizes W1 and W2, the backward adds 2 * reg * W to dW2 only."""
import numpy as np

EXPECTED = {"mistakes": ["l2_missing_from_gradient"], "wrong": ["W1"], "data": "digits", "convention": "cs231n", "l2": 0.01}

reg = 0.01


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h1 = np.maximum(0, X @ W1 + b1)
    scores = h1 @ W2 + b2
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y])) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = h1.T @ dscores + 2 * reg * W2
    db2 = dscores.sum(axis=0)
    dh1 = dscores @ W2.T
    dh1[h1 <= 0] = 0
    dW1 = X.T @ dh1  # BUG: + 2 * reg * W1
    db1 = dh1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
