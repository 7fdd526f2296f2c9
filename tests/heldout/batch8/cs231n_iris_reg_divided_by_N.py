"""CS231n on iris with reg: the data term's / N carried over to the L2 term: dW += 2 * reg * W / N."""
import numpy as np

EXPECTED = {"mistakes": ["l2_divided_by_N"], "wrong": ["W1", "W2"], "data": "iris", "convention": "cs231n", "l2": 0.05}

reg = 0.05


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    dscores = probs.copy()
    dscores[range(N), y] -= 1
    grads = {}
    grads["W2"] = (hidden.T.dot(dscores) + 2 * reg * W2) / N  # BUG: the L2 term divided by N too
    grads["b2"] = np.sum(dscores, axis=0) / N
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    grads["W1"] = (X.T.dot(dhidden) + 2 * reg * W1) / N  # BUG: same
    grads["b1"] = np.sum(dhidden, axis=0) / N
    return grads
