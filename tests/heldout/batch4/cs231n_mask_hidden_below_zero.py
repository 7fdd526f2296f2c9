"""CS231n style on iris: the ReLU mask written on the post-activation with < (never true): no mask at all."""
import numpy as np

EXPECTED = {"mistakes": ["mask:missing"], "wrong": ["W1", "b1"], "data": "iris", "convention": "cs231n", "l2": 0.05}

reg = 0.05


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = np.sum(-np.log(probs[range(N), y])) / N + reg * np.sum(W1 * W1) + reg * np.sum(W2 * W2)
    dscores = probs
    dscores[range(N), y] -= 1
    dscores /= N
    dW2 = np.dot(hidden.T, dscores) + 2 * reg * W2
    db2 = np.sum(dscores, axis=0)
    dhidden = np.dot(dscores, W2.T)
    dhidden[hidden < 0] = 0  # BUG: hidden is never negative; the mask belongs where hidden <= 0
    dW1 = np.dot(X.T, dhidden) + 2 * reg * W1
    db1 = np.sum(dhidden, axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
