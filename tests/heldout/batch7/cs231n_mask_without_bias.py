"""CS231n style on iris: the ReLU mask recomputed as X.dot(W1) <= 0, without b1 (the forward has it)."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1"], "data": "iris", "convention": "cs231n", "l2": 0.05}

reg = 0.05


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y])) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dhidden = dscores.dot(W2.T)
    dhidden[X.dot(W1) <= 0] = 0  # BUG: the pre-activation is X.dot(W1) + b1
    return loss, {"W1": X.T.dot(dhidden) + 2 * reg * W1, "b1": dhidden.sum(axis=0),
                  "W2": hidden.T.dot(dscores) + 2 * reg * W2, "b2": dscores.sum(axis=0)}
